import type { Tensor } from '../../tensor/tensor.js';
import { dropout, einsum, expandDims, mul, reshape, softmax, where } from '../../ops/index.js';
import { type AttentionCallOptions, attentionCallArgs, attentionCallOptions, causalMask, maskFlag } from './attention.js';
import type { Regularizer } from '../../regularizers/index.js';
import type { ConfigDict } from '../../utils/serialization.js';
import type { WeightSpec } from '../weight-spec.js';
import { Layer, type LayerArgs, type Mask } from '../layer.js';
import { type ArgsIn, arg, declareArgs, specOf } from '../args.js';
import { CompositeLayer } from '../composite.js';
import type { LayerShape } from '../symbolic.js';
import { EinsumDense } from './einsum-dense.js';
import { registerLayer } from '../registry.js';
import { type Keras3Weight, attributeWeights } from '../keras3-paths.js';

/** An integer or a list of them (resolved to the list), or null. */
const optionalIntList = () => arg.custom<number | readonly number[] | null, number[] | null>({
  resolve: (v, where) => {
    if (v === undefined || v === null) return null;
    const list = typeof v === 'number' ? [v] : Array.isArray(v) ? [...(v as readonly number[])] : null;
    if (list === null || !list.every((d) => Number.isInteger(d))) throw new RangeError(`${where} must be an integer, a list of them, or null; got ${JSON.stringify(v)}`);
    return list;
  },
  toConfig: (v) => (v === null ? null : [...v]),
  fromConfig: (v) => (v === undefined ? undefined : (v as number | number[] | null)),
});

const MHA_ARGS = declareArgs('MultiHeadAttention', {
  numHeads: arg.int({ min: 1 }),
  /** Size of each head for query and key. */
  keyDim: arg.int({ min: 1 }),
  /** Size of each head for value (default keyDim). */
  valueDim: arg.optionalInt({ min: 1 }),
  /** Dropout on the attention probabilities (training only). */
  dropout: arg.number({ default: 0, min: 0, below: 1 }),
  useBias: arg.bool(true),
  /** The output's last axes (default: the query's last axis). */
  outputShape: optionalIntList(),
  /** Axes attention runs over, of the query/key/value without the batch and feature axes (default: all but batch, heads and features). */
  attentionAxes: optionalIntList(),
  seed: arg.seed(),
  ...arg.weights('kernel', 'glorot_uniform'),
  ...arg.weights('bias', 'zeros'),
  activityRegularizer: arg.regularizer(),
});

export type MultiHeadAttentionArgs = LayerArgs & ArgsIn<typeof MHA_ARGS>;

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
  static override readonly args = MHA_ARGS;
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
  private readonly activityRegularizer: Regularizer | null;
  queryDense: EinsumDense | null = null;
  keyDense: EinsumDense | null = null;
  valueDense: EinsumDense | null = null;
  outputDense: EinsumDense | null = null;
  private equations: { dot: string; combine: string; scoresRank: number; normAxes: number[] } | null = null;

  /** The einsum equations of the scores (key, query → scores) and of the mixing (probabilities, value → context), once built; the ONNX exporter writes the same. */
  get attentionEquations(): { readonly dot: string; readonly combine: string; readonly attentionAxes: number } | null {
    return this.equations === null ? null : { dot: this.equations.dot, combine: this.equations.combine, attentionAxes: this.equations.normAxes.length };
  }

  constructor(args: MultiHeadAttentionArgs) {
    super(args);
    const a = this.declared(MHA_ARGS, args);
    this.numHeads = a.numHeads;
    this.keyDim = a.keyDim;
    this.valueDim = a.valueDim ?? a.keyDim;
    this.dropoutRate = a.dropout;
    this.useBias = a.useBias;
    this.outputShapeArg = a.outputShape;
    this.attentionAxes = a.attentionAxes;
    this.seed = a.seed ?? undefined;
    this.kernelSpec = specOf(a, 'kernel');
    this.biasSpec = specOf(a, 'bias');
    this.activityRegularizer = a.activityRegularizer;
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
    return new EinsumDense({
      name, equation, outputShape, biasAxes: this.useBias ? biasAxes : null,
      kernelInitializer: this.kernelSpec.initializer, biasInitializer: this.biasSpec.initializer,
      kernelRegularizer: this.kernelSpec.regularizer, biasRegularizer: this.biasSpec.regularizer, activityRegularizer: this.activityRegularizer,
      kernelConstraint: this.kernelSpec.constraint, biasConstraint: this.biasSpec.constraint,
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
    const eq = this.equations as NonNullable<typeof this.equations>;
    const n = eq.normAxes.length;
    if (n !== 1 && (masks.some((m) => m !== null && m !== undefined) || options.useCausalMask)) {
      throw new RangeError(`Layer ${this.name} (MultiHeadAttention): the inputs' masks and useCausalMask work with one attention axis; with ${n} (attentionAxes ${JSON.stringify(this.attentionAxes)}) give an attentionMask shaped like the scores without the heads`);
    }
    let mask = this.attentionMask(query, value, masks, options);
    const q = mul((this.queryDense as EinsumDense).apply(query), 1 / Math.sqrt(this.keyDim));
    const k = (this.keyDense as EinsumDense).apply(key);
    const v = (this.valueDense as EinsumDense).apply(value);
    let scores = einsum(eq.dot, k, q);
    if (mask !== null) {
      // [B, T, S] → [B, 1, T, S]: one mask for every head (Keras inserts the axes before the
      // query's attention axes, so [B, T1, T2, S1, S2] serves two attention axes).
      while (mask.rank < scores.rank) mask = expandDims(mask, -n * 2 - 1);
      scores = where(mask, scores, -1e9);
    }
    // Softmax over the key positions: the last n axes of the scores (several attention axes: jointly).
    const probs = n === 1 ? softmax(scores, eq.normAxes[0]) : reshape(softmax(reshape(scores, [...scores.shape.slice(0, -n), scores.shape.slice(-n).reduce((a, b) => a * b, 1)]), -1), scores.shape);
    const dropped = options.training && this.dropoutRate > 0 ? dropout(probs, this.dropoutRate, this.seed === undefined ? {} : { seed: this.seed }) : probs;
    const out = (this.outputDense as EinsumDense).apply(einsum(eq.combine, dropped, v));
    return options.returnAttentionScores ? [out, probs] : out;
  }

  override computeOutputShape(inputShape: LayerShape | readonly LayerShape[], options: MultiHeadAttentionCallOptions = {}): LayerShape | LayerShape[] {
    const { query, key } = this.shapesOf(inputShape);
    const out = [...query.slice(0, -1), ...(this.outputShapeArg ?? [query[query.length - 1]])];
    if (!options.returnAttentionScores) return out;
    // The scores' shape from the score equation over the projected key and query.
    const eq = this.equations;
    if (eq === null) throw new Error(`Layer ${this.name} (MultiHeadAttention): build it before asking for the scores' shape`);
    const [operands, product] = eq.dot.split('->');
    const [source, target] = operands.split(',');
    const dims = new Map<string, number | null>();
    [...source].forEach((c, i) => dims.set(c, [...key.slice(0, -1), this.numHeads, this.keyDim][i]));
    [...target].forEach((c, i) => dims.set(c, dims.get(c) ?? [...query.slice(0, -1), this.numHeads, this.keyDim][i]));
    return [out, [...product].map((c) => dims.get(c) ?? null)];
  }

  /** An attentionMask tensor is Keras' attention_mask keyword; in a functional graph, an input of the node. */
  override tensorCallOptions(): Readonly<Record<string, string>> {
    return { attentionMask: 'attention_mask' };
  }

  /** Keras 3 keeps the projections under `query_dense/`, `key_dense/`, `value_dense/` and `output_dense/`. */
  override keras3Weights(): Keras3Weight[] {
    const parts = [['query_dense', this.queryDense], ['key_dense', this.keyDense], ['value_dense', this.valueDense], ['output_dense', this.outputDense]] as const;
    return parts.flatMap(([attribute, layer]) => (layer === null ? [] : attributeWeights(attribute, layer)));
  }

  /** Keras' call(query, value, key): value and key travel as keyword tensors in Keras files. */
  override kerasTensorArgs(): readonly string[] {
    return ['value', 'key'];
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

  /** Keras writes the value head size it uses (keyDim when not given). */
  protected override layerConfig(): ConfigDict {
    return { ...super.layerConfig(), value_dim: this.valueDim };
  }
}
registerLayer(MultiHeadAttention);
