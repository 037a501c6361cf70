import type { Tensor } from '../../tensor/tensor.js';
import { add, mul, type ScanStep } from '../../ops/index.js';
import type { ResolvedActivation } from '../../activations/index.js';
import type { Initializer } from '../../initializers/index.js';
import { type ArgsIn, arg, declareArgs } from '../args.js';
import type { LayerArgs } from '../layer.js';
import { type CellRun, type DropoutMasks, type FusedCell, RecurrentLayer } from './rnn.js';
import { implementation, recurrentActivation, recurrentLayerArgs } from './rnn-args.js';
import { UnitForgetBias } from './cells.js';
import { defaultActivations, gateProjections, recurrentBlocks, recurrentTerm } from './cell-ops.js';
import { registerLayer } from '../registry.js';

/** LSTM's arguments, declared once (layers/args.ts): Keras' RNN options, the cell's and LSTM's own. */
const LSTM_ARGS = declareArgs('LSTM', {
  ...recurrentLayerArgs(),
  /** The gates' activation (default 'sigmoid', tf.keras 2). */
  recurrentActivation: recurrentActivation(),
  /** Initialize the forget gate's bias to 1 (default true; Keras then ignores biasInitializer there). */
  unitForgetBias: arg.bool(true),
  implementation: implementation(),
});

export type LSTMArgs = LayerArgs & ArgsIn<typeof LSTM_ARGS>;

/**
 * Long short-term memory (Keras LSTM, Hochreiter 1997), tf.keras 2 semantics:
 *   z = x_t·W + h_{t−1}·U + b, split into gates i, f, c, o (in this order);
 *   i = σ(z_i), f = σ(z_f), o = σ(z_o), c_t = f·c_{t−1} + i·tanh(z_c), h_t = o·tanh(c_t)
 * (σ = recurrentActivation, tanh = activation). Weights `lstm/lstm_cell/kernel`
 * (features, 4·units), `recurrent_kernel` (units, 4·units), `bias` (4·units). States [h, c].
 */
export class LSTM extends RecurrentLayer {
  static override readonly className = 'LSTM';
  static override readonly args = LSTM_ARGS;
  protected readonly gates = 4;
  protected readonly stateCount = 2;
  readonly unitForgetBias: boolean;
  private readonly recurrentActivation: ResolvedActivation;

  constructor(args: LSTMArgs) {
    super(args, LSTM_ARGS, 'lstm_cell');
    const a = this.declared(LSTM_ARGS, args);
    this.recurrentActivation = a.recurrentActivation;
    this.unitForgetBias = a.unitForgetBias;
  }

  protected override biasInitializer(): Initializer {
    return this.unitForgetBias ? new UnitForgetBias(this.biasSpec.initializer, this.units) : this.biasSpec.initializer;
  }

  protected prepare(xT: Tensor, masks: DropoutMasks): CellRun {
    const u = this.units;
    const projected = gateProjections(xT, this.kernel as Tensor, this.bias, masks.input, 4, u);
    const rm = masks.recurrent;
    const act = this.act;
    const ract = this.recurrentActivation.fn;
    const step: ScanStep = ([xi, xf, xc, xo], [h, c], [ui, uf, uc, uo]) => {
      const i = ract(add(xi, recurrentTerm(h, ui, rm, 0)));
      const f = ract(add(xf, recurrentTerm(h, uf, rm, 1)));
      const g = act(add(xc, recurrentTerm(h, uc, rm, 2)));
      const o = ract(add(xo, recurrentTerm(h, uo, rm, 3)));
      const cNext = add(mul(f, c), mul(i, g));
      const hNext = mul(o, act(cNext));
      return { output: hNext, states: [hNext, cNext] };
    };
    return { projected, step, params: recurrentBlocks(this.recurrentKernel as Tensor, 4, u) };
  }

  protected override fusedCell(): FusedCell | null {
    return defaultActivations(this.act, this.recurrentActivation.fn) ? { cell: 'lstm', inputBias: this.bias, recurrentBias: null } : null;
  }
}
registerLayer(LSTM);
