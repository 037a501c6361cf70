import type { Tensor } from '../../tensor/tensor.js';
import { add, type ScanStep } from '../../ops/index.js';
import { declareArgs } from '../args.js';
import { type CellRun, type DropoutMasks, type RecurrentArgs, RecurrentLayer } from './rnn.js';
import { recurrentLayerArgs } from './rnn-args.js';
import { gateProjections, recurrentTerm } from './cell-ops.js';
import { registerLayer } from '../registry.js';

/** SimpleRNN's arguments, declared once (layers/args.ts): Keras' RNN options and the cell's. */
const SIMPLE_RNN_ARGS = declareArgs('SimpleRNN', recurrentLayerArgs());

/** SimpleRNN's arguments (implementation is accepted and ignored, as tf.keras 2). */
export type SimpleRNNArgs = RecurrentArgs;

/**
 * Fully connected recurrent layer (Keras SimpleRNN): h_t = activation(x_t·W + h_{t−1}·U + b).
 * Weights as Keras: `simple_rnn/simple_rnn_cell/kernel` (features, units),
 * `recurrent_kernel` (units, units), `bias` (units).
 */
export class SimpleRNN extends RecurrentLayer {
  static override readonly className = 'SimpleRNN';
  static override readonly args = SIMPLE_RNN_ARGS;
  protected readonly gates = 1;
  protected readonly stateCount = 1;

  constructor(args: SimpleRNNArgs) {
    super(args, SIMPLE_RNN_ARGS, 'simple_rnn_cell');
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
}
registerLayer(SimpleRNN);
