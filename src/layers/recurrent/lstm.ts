import type { Tensor } from '../../tensor/tensor.js';
import type { DataType } from '../../tensor/dtype.js';
import { ones } from '../../tensor/create.js';
import { add, concat, mul, type ScanStep } from '../../ops/index.js';
import type { ConfigDict } from '../../utils/serialization.js';
import { getActivation } from '../../activations/index.js';
import { Initializer } from '../../initializers/index.js';
import type { ActivationLike } from '../core/dense.js';
import { type CellRun, type DropoutMasks, type FusedCell, type RecurrentArgs, RecurrentLayer, recurrentArgsFromConfig } from './rnn.js';
import { defaultActivations, gateProjections, recurrentBlocks, recurrentTerm } from './cell-ops.js';

export interface LSTMArgs extends RecurrentArgs {
  /** The gates' activation (default 'sigmoid', tf.keras 2). */
  readonly recurrentActivation?: ActivationLike;
  /** Initialize the forget gate's bias to 1 (default true; Keras then ignores biasInitializer there). */
  readonly unitForgetBias?: boolean;
}

/** Keras' unit_forget_bias: [init(units), ones(units), init(2·units)]. */
class UnitForgetBias extends Initializer {
  constructor(private readonly base: Initializer, private readonly units: number) {
    super();
  }

  call(shape: readonly number[], dtype: DataType = 'float32'): Tensor {
    void shape;
    const u = this.units;
    return concat([this.base.call([u], dtype), ones([u], dtype), this.base.call([2 * u], dtype)], 0);
  }

  getClassName(): string {
    return this.base.getClassName();
  }
}

/**
 * Long short-term memory (Keras LSTM, Hochreiter 1997), tf.keras 2 semantics:
 *   z = x_t·W + h_{t−1}·U + b, split into gates i, f, c, o (in this order);
 *   i = σ(z_i), f = σ(z_f), o = σ(z_o), c_t = f·c_{t−1} + i·tanh(z_c), h_t = o·tanh(c_t)
 * (σ = recurrentActivation, tanh = activation). Weights `lstm/lstm_cell/kernel`
 * (features, 4·units), `recurrent_kernel` (units, 4·units), `bias` (4·units). States [h, c].
 */
export class LSTM extends RecurrentLayer {
  static override readonly className = 'LSTM';
  protected readonly gates = 4;
  protected readonly stateCount = 2;
  readonly unitForgetBias: boolean;
  private readonly recurrentActivation: ReturnType<typeof getActivation>;

  constructor(args: LSTMArgs) {
    super(args, 'lstm_cell');
    this.recurrentActivation = getActivation(args.recurrentActivation === undefined ? 'sigmoid' : args.recurrentActivation);
    this.unitForgetBias = args.unitForgetBias ?? true;
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

  protected cellConfig(): ConfigDict {
    return { recurrent_activation: this.recurrentActivation.name, unit_forget_bias: this.unitForgetBias, implementation: this.implementation };
  }

  static fromConfig(config: ConfigDict): LSTM {
    return new LSTM({
      ...recurrentArgsFromConfig(config),
      recurrentActivation: (config.recurrentActivation as string | null | undefined) ?? null,
      unitForgetBias: config.unitForgetBias as boolean | undefined,
    });
  }
}
