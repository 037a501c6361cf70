import type { Tensor } from '../../tensor/tensor.js';
import { dropout, einsum, expandDims, mul, softmax, where } from '../../ops/index.js';
import { type AttentionCallOptions, attentionCallArgs, attentionCallOptions, causalMask, maskFlag } from './attention.js';
import { getRegularizer } from '../../regularizers/index.js';
import type { ConfigDict } from '../../utils/serialization.js';
import { kernelBiasArgs, kernelBiasConfig, weightSpec, type KernelBiasArgs, type WeightSpec } from '../weight-spec.js';
import { Layer, baseArgs, type LayerArgs, type Mask } from '../layer.js';
import { CompositeLayer } from '../composite.js';
import type { LayerShape } from '../symbolic.js';
import { EinsumDense } from './einsum-dense.js';

export interface MultiHeadAttentionArgs extends LayerArgs, KernelBiasArgs {
  readonly numHeads: number;
  /** Size of each head for query and key. */
  readonly keyDim: number;
  /** Size of each head for value (default keyDim). */
  readonly valueDim?: number;
  /** Dropout on the attention probabilities (training only). */
  readonly dropout?: number;
  /** The output's last axes (default: the query's last axis). */
  readonly outputShape?: number | readonly number[];
  /** Axes attention runs over, of the query/key/value without the batch and feature axes (default: all but batch, heads and features). */
  readonly attentionAxes?: number | readonly number[] | null;
  readonly seed?: number;
}

/** Call options of MultiHeadAttention (Keras' call arguments); the scores it returns are [B, heads, T, S]. */
export interface MultiHeadAttentionCallOptions extends AttentionCallOptions {
  /** [B, T, S] (broadcastable): 1/true where query position t may attend to key position s. */
  readonly attentionMask?: Tensor | null;
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/** Keras' _build_proj_equation: free axes pass through, `bound` are contracted, `output` new axes (also the bias axes). */
function projEquation(free: number, bound: number, output: number): { equation: string; biasAxes: string; outputRank: number } {
  let input = '';
  let kernel = '';
  let out = '';
  let bias = '';
  let k = 0;
  for (let i = 0; i < free; i++, k++) {
    input += LETTERS[k];
    out += LETTERS[k];
  }
  for (let i = 0; i < bound; i++, k++) {
    input += LETTERS[k];
    kernel += LETTERS[k];
  }
  for (let i = 0; i < output; i++, k++) {
    kernel += LETTERS[k];
    out += LETTERS[k];
    bias += LETTERS[k];
  }
  return { equation: `${input},${kernel}->${out}`, biasAxes: bias, outputRank: out.length };
}

/** Keras' _build_attention_equation for projected tensors of `rank` ([B, ...attention axes, heads, dim]). */
function attentionEquations(rank: number, attnAxes: readonly number[]): { dot: string; combine: string; scoresRank: number } {
  const target = LETTERS.slice(0, rank);
  const batchDims = [...Array(rank).keys()].filter((i) => !attnAxes.includes(i) && i !== rank - 1);
  let offset = rank;
  let source = '';
  for (let i = 0; i < rank; i++) {
    if (batchDims.includes(i) || i === rank - 1) source += target[i];
    else source += LETTERS[offset++];
  }
  const product = [...batchDims.map((i) => target[i]), ...attnAxes.map((i) => target[i]), ...attnAxes.map((i) => source[i])].join('');
  return { dot: `${source},${target}->${product}`, combine: `${product},${source}->${target}`, scoresRank: product.length };
}

/**
 * Keras' MultiHeadAttention: query, key and value projected per head (EinsumDense kernels
 * [features, heads, keyDim], Keras' weight layout and names: query/key/value/
 * attention_output kernel and bias), scores = (query / √keyDim) · key over the attention
 * axes, softmax over the key positions with masked positions at −1e9, dropout on the
 * probabilities, the values combined and projected back.
 *
 * Called on [query, value] or [query, value, key] (key defaults to value); masks of the
 * inputs from upstream layers (Embedding maskZero, Masking) become query/value/key masks.
 */
export class MultiHeadAttention extends CompositeLayer {
  static override readonly className = 'MultiHeadAttention';
  override supportsMasking = true;
  readonly numHeads: number;
  readonly keyDim: number;
  readonly valueDim: number;
  readonly dropoutRate: number;
  readonly useBias: boolean;
  readonly outputShapeArg: readonly number[] | null;
  readonly attentionAxes: readonly number[] | null;
  readonly seed: number | undefined;
  private readonly kernelSpec: WeightSpec;
  private readonly biasSpec: WeightSpec;
  private readonly args: MultiHeadAttentionArgs;
  queryDense: EinsumDense | null = null;
  keyDense: EinsumDense | null = null;
  valueDense: EinsumDense | null = null;
  outputDense: EinsumDense | null = null;
  private equations: { dot: string; combine: string; scoresRank: number; normAxes: number[] } | null = null;

  constructor(args: MultiHeadAttentionArgs) {
    super(args);
    const positive = (v: unknown, what: string): number => {
      if (!Number.isInteger(v) || (v as number) <= 0) throw new RangeError(`MultiHeadAttention: ${what} must be a positive integer; got ${String(v)}`);
      return v as number;
    };
    this.numHeads = positive(args.numHeads, 'numHeads');
    this.keyDim = positive(args.keyDim, 'keyDim');
    this.valueDim = args.valueDim === undefined || args.valueDim === null ? this.keyDim : positive(args.valueDim, 'valueDim');
    this.dropoutRate = args.dropout ?? 0;
    if (!(this.dropoutRate >= 0 && this.dropoutRate < 1)) throw new RangeError(`MultiHeadAttention: dropout must be in [0, 1); got ${this.dropoutRate}`);
    this.useBias = args.useBias ?? true;
    this.outputShapeArg = args.outputShape === undefined || args.outputShape === null ? null : typeof args.outputShape === 'number' ? [args.outputShape] : [...args.outputShape];
    this.attentionAxes = args.attentionAxes === undefined || args.attentionAxes === null ? null : typeof args.attentionAxes === 'number' ? [args.attentionAxes] : [...args.attentionAxes];
    this.seed = args.seed;
    this.kernelSpec = weightSpec(args, 'kernel', 'glorot_uniform');
    this.biasSpec = weightSpec(args, 'bias', 'zeros');
    this.args = args;
  }

  protected innerLayers(): Layer[] {
    return [this.queryDense, this.keyDense, this.valueDense, this.outputDense].filter((l): l is EinsumDense => l !== null);
  }

  private shapesOf(inputShape: LayerShape | readonly LayerShape[]): { query: LayerShape; value: LayerShape; key: LayerShape } {
    const list = Array.isArray(inputShape[0]) || inputShape.length === 0 ? (inputShape as readonly LayerShape[]) : null;
    if (list === null || list.length < 2 || list.length > 3) throw new RangeError(`Layer ${this.name} (MultiHeadAttention): call it on [query, value] or [query, value, key]`);
    return { query: list[0], value: list[1], key: list[2] ?? list[1] };
  }

  private dense(name: string, equation: string, outputShape: readonly (number | null)[], biasAxes: string): EinsumDense {
    const a = this.args;
    return new EinsumDense({
      name, equation, outputShape, biasAxes: this.useBias ? biasAxes : null,
      kernelInitializer: this.kernelSpec.initializer, biasInitializer: this.biasSpec.initializer,
      kernelRegularizer: a.kernelRegularizer, biasRegularizer: a.biasRegularizer, activityRegularizer: a.activityRegularizer,
      kernelConstraint: a.kernelConstraint, biasConstraint: a.biasConstraint,
    });
  }

  override build(inputShape: LayerShape | readonly LayerShape[]): void {
    const { query, value, key } = this.shapesOf(inputShape);
    const withHeads = (rank: number, dims: readonly number[]): (number | null)[] => [...Array(rank - 1 - dims.length).fill(null), ...dims];
    const q = projEquation(query.length - 1, 1, 2);
    this.queryDense = this.dense('query', q.equation, withHeads(q.outputRank, [this.numHeads, this.keyDim]), q.biasAxes);
    this.buildInner(this.queryDense, query, `${this.name}/query`);
    const k = projEquation(key.length - 1, 1, 2);
    this.keyDense = this.dense('key', k.equation, withHeads(k.outputRank, [this.numHeads, this.keyDim]), k.biasAxes);
    this.buildInner(this.keyDense, key, `${this.name}/key`);
    const v = projEquation(value.length - 1, 1, 2);
    this.valueDense = this.dense('value', v.equation, withHeads(v.outputRank, [this.numHeads, this.valueDim]), v.biasAxes);
    this.buildInner(this.valueDense, value, `${this.name}/value`);
    // Attention over the projected rank (query rank + 1: the heads axis).
    const rank = q.outputRank;
    const axes = this.attentionAxes === null ? [...Array(rank - 3).keys()].map((i) => i + 1) : this.attentionAxes.map((a) => (a < 0 ? a + rank - 1 : a));
    for (const a of axes) if (!(a >= 1 && a < rank - 2)) throw new RangeError(`Layer ${this.name} (MultiHeadAttention): attentionAxes ${JSON.stringify(this.attentionAxes)} must name axes between the batch axis and the features of a rank-${query.length} query`);
    const eq = attentionEquations(rank, axes);
    this.equations = { ...eq, normAxes: [...Array(axes.length).keys()].map((i) => eq.scoresRank - axes.length + i) };
    const outShape = this.outputShapeArg ?? [query[query.length - 1] as number];
    const o = projEquation(query.length - 1, 2, outShape.length);
    this.outputDense = this.dense('attention_output', o.equation, withHeads(o.outputRank, outShape), o.biasAxes);
    this.buildInner(this.outputDense, [...query.slice(0, -1), this.numHeads, this.valueDim], `${this.name}/attention_output`);
  }

  /** Keras' _compute_attention_mask: query/value/key masks, the causal mask and attentionMask, and-ed (1 = may attend). */
  private attentionMask(query: Tensor, value: Tensor, masks: readonly Mask[], options: MultiHeadAttentionCallOptions): Tensor | null {
    const [queryMask = null, valueMask = null, keyMask = null] = masks;
    const flag = maskFlag;
    const and = (a: Tensor | null, b: Tensor): Tensor => (a === null ? b : mul(a, b));
    let auto: Tensor | null = null;
    if (queryMask !== null) auto = expandDims(flag(queryMask), -1); // [B, T, 1]
    if (valueMask !== null) auto = and(auto, expandDims(flag(valueMask), -2)); // [B, 1, S]
    if (keyMask !== null) auto = and(auto, expandDims(flag(keyMask), -2));
    if (options.useCausalMask) auto = and(auto, causalMask(query.shape[1], value.shape[1]));
    const given = options.attentionMask ? flag(options.attentionMask) : null;
    if (auto === null) return given;
    return given === null ? auto : mul(given, auto);
  }

  call(inputs: Tensor | Tensor[], options: MultiHeadAttentionCallOptions): Tensor | Tensor[] {
    if (!Array.isArray(inputs) || inputs.length < 2 || inputs.length > 3) throw new RangeError(`Layer ${this.name} (MultiHeadAttention): call it on [query, value] or [query, value, key]`);
    const [query, value] = inputs;
    const key = inputs[2] ?? value;
    const masks = Array.isArray(options.mask) ? (options.mask as readonly Mask[]) : [];
    let mask = this.attentionMask(query, value, masks, options);
    const eq = this.equations as NonNullable<typeof this.equations>;
    const q = mul((this.queryDense as EinsumDense).apply(query), 1 / Math.sqrt(this.keyDim));
    const k = (this.keyDense as EinsumDense).apply(key);
    const v = (this.valueDense as EinsumDense).apply(value);
    let scores = einsum(eq.dot, k, q);
    if (mask !== null) {
      // [B, T, S] → [B, 1, T, S]: one mask for every head.
      while (mask.rank < scores.rank) mask = expandDims(mask, -eq.normAxes.length * 2 - 1);
      scores = where(mask, scores, -1e9);
    }
    if (eq.normAxes.length !== 1) throw new RangeError(`Layer ${this.name} (MultiHeadAttention): attention over ${eq.normAxes.length} axes is not supported yet (one attention axis)`);
    const probs = softmax(scores, eq.normAxes[0]);
    const dropped = options.training && this.dropoutRate > 0 ? dropout(probs, this.dropoutRate, this.seed === undefined ? {} : { seed: this.seed }) : probs;
    const out = (this.outputDense as EinsumDense).apply(einsum(eq.combine, dropped, v));
    return options.returnAttentionScores ? [out, probs] : out;
  }

  computeOutputShape(inputShape: LayerShape | readonly LayerShape[]): LayerShape {
    const { query } = this.shapesOf(inputShape);
    return [...query.slice(0, -1), ...(this.outputShapeArg ?? [query[query.length - 1]])];
  }

  protected override recordCallArgs(options: MultiHeadAttentionCallOptions): Record<string, boolean> {
    return attentionCallArgs(this, options);
  }

  override callOptionsOf(callArgs: Readonly<Record<string, boolean | number | string>>): MultiHeadAttentionCallOptions {
    return attentionCallOptions(callArgs);
  }

  /** The output keeps the query's mask. */
  override computeMask(_inputs: Tensor | Tensor[], mask?: Parameters<Layer['computeMask']>[1]): Mask {
    return Array.isArray(mask) ? ((mask as readonly Mask[])[0] ?? null) : ((mask as Mask | undefined) ?? null);
  }

  protected override layerConfig(): ConfigDict {
    const a = this.args;
    return {
      num_heads: this.numHeads,
      key_dim: this.keyDim,
      value_dim: this.valueDim,
      dropout: this.dropoutRate,
      use_bias: this.useBias,
      output_shape: this.outputShapeArg === null ? null : [...this.outputShapeArg],
      attention_axes: this.attentionAxes === null ? null : [...this.attentionAxes],
      seed: this.seed ?? null,
      ...kernelBiasConfig(this.kernelSpec, this.biasSpec, a.activityRegularizer ? getRegularizer(a.activityRegularizer) : null),
    };
  }

  static fromConfig(config: ConfigDict): MultiHeadAttention {
    return new MultiHeadAttention({
      ...baseArgs(config),
      numHeads: config.numHeads as number,
      keyDim: config.keyDim as number,
      valueDim: (config.valueDim as number | null | undefined) ?? undefined,
      dropout: (config.dropout as number | undefined) ?? 0,
      useBias: config.useBias as boolean | undefined,
      outputShape: (config.outputShape as number | number[] | null | undefined) ?? undefined,
      attentionAxes: (config.attentionAxes as number | number[] | null | undefined) ?? null,
      seed: (config.seed as number | null | undefined) ?? undefined,
      ...kernelBiasArgs(config),
    });
  }
}
