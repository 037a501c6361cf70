import type { Tensor } from '../../tensor/tensor.js';
import { add, type ScanStep } from '../../ops/index.js';
import type { ConfigDict } from '../../utils/serialization.js';
import { type CellRun, type DropoutMasks, type RecurrentArgs, RecurrentLayer, recurrentArgsFromConfig } from './rnn.js';
import { gateProjections, recurrentTerm } from './cell-ops.js';

export type SimpleRNNArgs = RecurrentArgs;

/**
 * Fully connected recurrent layer (Keras SimpleRNN): h_t = activation(x_t·W + h_{t−1}·U + b).
 * Weights as Keras: `simple_rnn/simple_rnn_cell/kernel` (features, units),
 * `recurrent_kernel` (units, units), `bias` (units).
 */
export class SimpleRNN extends RecurrentLayer {
  static override readonly className = 'SimpleRNN';
  protected readonly gates = 1;
  protected readonly stateCount = 1;

  constructor(args: SimpleRNNArgs) {
    super(args, 'simple_rnn_cell');
  }

  protected prepare(xT: Tensor, masks: DropoutMasks): CellRun {
    const projected = gateProjections(xT, this.kernel as Tensor, this.bias, masks.input, 1, this.units);
    const rm = masks.recurrent;
    const act = this.act;
    const step: ScanStep = ([xp], [h], [u]) => {
      const next = act(add(xp, recurrentTerm(h, u, rm, 0)));
      return { output: next, states: [next] };
    };
    return { projected, step, params: [this.recurrentKernel as Tensor] };
  }

  protected cellConfig(): ConfigDict {
    return {};
  }

  static fromConfig(config: ConfigDict): SimpleRNN {
    return new SimpleRNN(recurrentArgsFromConfig(config));
  }
}
