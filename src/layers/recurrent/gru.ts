import type { Tensor } from '../../tensor/tensor.js';
import { add, mul, sub, type ScanStep } from '../../ops/index.js';
import type { ActivationFn, ResolvedActivation } from '../../activations/index.js';
import { type ArgsIn, arg, declareArgs } from '../args.js';
import type { LayerArgs } from '../layer.js';
import { type CellRun, type DropoutMasks, type FusedCell, RecurrentLayer } from './rnn.js';
import { implementation, recurrentActivation, recurrentLayerArgs } from './rnn-args.js';
import { biasBlock, biasRow, defaultActivations, gateProjections, recurrentBlocks, recurrentTerm } from './cell-ops.js';
import { registerLayer } from '../registry.js';

/** GRU's arguments, declared once (layers/args.ts): Keras' RNN options, the cell's and GRU's own. */
const GRU_ARGS = declareArgs('GRU', {
  ...recurrentLayerArgs(),
  /** The gates' activation (default 'sigmoid', tf.keras 2). */
  recurrentActivation: recurrentActivation(),
  implementation: implementation(),
  /** Apply the reset gate after the recurrent product (default true, tf.keras 2 / cuDNN; ONNX linear_before_reset=1). */
  resetAfter: arg.bool(true),
});

export type GRUArgs = LayerArgs & ArgsIn<typeof GRU_ARGS>;

/** h_t = z·h_{t−1} + (1 − z)·hh, written hh + z·(h_{t−1} − hh). */
function mix(z: Tensor, h: Tensor, hh: Tensor): Tensor {
  return add(hh, mul(z, sub(h, hh)));
}

/**
 * Gated recurrent unit (Keras GRU, Cho et al. 2014), tf.keras 2 semantics, gates z, r, h:
 *   resetAfter (default): x = x_t·W + b_in, m = h_{t−1}·U + b_rec,
 *     z = σ(x_z + m_z), r = σ(x_r + m_r), hh = tanh(x_h + r·m_h);
 *   resetAfter false: z, r as above with one bias, hh = tanh(x_h + (r·h_{t−1})·U_h);
 *   h_t = z·h_{t−1} + (1 − z)·hh.
 * Weights `gru/gru_cell/kernel` (features, 3·units), `recurrent_kernel` (units, 3·units),
 * `bias` (2, 3·units) with resetAfter [input bias; recurrent bias], else (3·units).
 */
export class GRU extends RecurrentLayer {
  static override readonly className = 'GRU';
  static override readonly args = GRU_ARGS;
  protected readonly gates = 3;
  protected readonly stateCount = 1;
  readonly resetAfter: boolean;
  private readonly recurrentActivation: ResolvedActivation;

  constructor(args: GRUArgs) {
    super(args, GRU_ARGS, 'gru_cell');
    const a = this.declared(GRU_ARGS, args);
    this.recurrentActivation = a.recurrentActivation;
    this.resetAfter = a.resetAfter;
  }

  protected override biasShape(): number[] {
    return this.resetAfter ? [2, 3 * this.units] : [3 * this.units];
  }

  protected prepare(xT: Tensor, masks: DropoutMasks): CellRun {
    const u = this.units;
    const bias = this.bias;
    const inBias = bias && this.resetAfter ? biasRow(bias, 0) : bias;
    const projected = gateProjections(xT, this.kernel as Tensor, inBias, masks.input, 3, u);
    const blocks = recurrentBlocks(this.recurrentKernel as Tensor, 3, u);
    const recBias = bias && this.resetAfter ? biasRow(bias, 1) : null;
    const params = recBias ? [...blocks, biasBlock(recBias, 0, u), biasBlock(recBias, 1, u), biasBlock(recBias, 2, u)] : blocks;
    return { projected, step: this.resetAfter ? this.resetAfterStep(masks.recurrent) : this.resetBeforeStep(masks.recurrent), params };
  }

  /** m_k = h·U_k (+ b_rec,k); hh = act(x_h + r·m_h). Params [U_z, U_r, U_h, (b_z, b_r, b_h)]. */
  private resetAfterStep(rm: Tensor[] | null): ScanStep {
    const [act, ract] = [this.act, this.recurrentActivation.fn];
    return ([xz, xr, xh], [h], ps) => {
      const m = [0, 1, 2].map((k) => (ps.length > 3 ? add(recurrentTerm(h, ps[k], rm, k), ps[3 + k]) : recurrentTerm(h, ps[k], rm, k)));
      const z = ract(add(xz, m[0]));
      const r = ract(add(xr, m[1]));
      const hh = act(add(xh, mul(r, m[2])));
      const next = mix(z, h, hh);
      return { output: next, states: [next] };
    };
  }

  /** hh = act(x_h + (r·h)·U_h). Params [U_z, U_r, U_h]. */
  private resetBeforeStep(rm: Tensor[] | null): ScanStep {
    const act: ActivationFn = this.act;
    const ract: ActivationFn = this.recurrentActivation.fn;
    return ([xz, xr, xh], [h], [uz, ur, uh]) => {
      const z = ract(add(xz, recurrentTerm(h, uz, rm, 0)));
      const r = ract(add(xr, recurrentTerm(h, ur, rm, 1)));
      const hh = act(add(xh, recurrentTerm(mul(r, h), uh, rm, 2)));
      const next = mix(z, h, hh);
      return { output: next, states: [next] };
    };
  }

  /** resetAfter: bias rows [input; recurrent] go to x·W + b and to the kernel; else the one bias goes to x·W + b. */
  protected override fusedCell(): FusedCell | null {
    if (!defaultActivations(this.act, this.recurrentActivation.fn)) return null;
    const bias = this.bias;
    if (!this.resetAfter) return { cell: 'gruResetBefore', inputBias: bias, recurrentBias: null };
    return { cell: 'gru', inputBias: bias ? biasRow(bias, 0) : null, recurrentBias: bias ? biasRow(bias, 1) : null };
  }
}
registerLayer(GRU);
