import type { Tensor } from '../../tensor/tensor.js';
import type { Variable } from '../../tensor/variable.js';
import { ones } from '../../tensor/create.js';
import { cumsum, dropout, expandDims, greaterEqual, matmul, mul, softmax, sub, sum, tanh, where, add } from '../../ops/index.js';
import { Layer, type CallOptions, type LayerArgs, type Mask } from '../layer.js';
import type { LayerShape } from '../symbolic.js';
import { type ArgsIn, arg, declareArgs } from '../args.js';
import { registerLayer } from '../registry.js';

/** Call options of the attention layers (Keras' call arguments). */
export interface AttentionCallOptions extends CallOptions {
  /** Each query position attends only to key positions at or before it (a decoder's mask). */
  readonly useCausalMask?: boolean;
  /** Also return the attention probabilities: the call then returns [output, scores]. */
  readonly returnAttentionScores?: boolean;
}

/** The lower-triangular [1, T, S] mask (1 where key position s ≤ query position t). */
export function causalMask(t: number, s: number): Tensor {
  const one = ones([1, t, s]);
  return greaterEqual(cumsum(one, 1), cumsum(one, 2));
}

/** 1 where m is non-zero (masks may be 0/1 floats or any numbers). */
export const maskFlag = (m: Tensor): Tensor => where(m, 1, 0);

/**
 * The call options a functional graph keeps for the attention layers: use_causal_mask and
 * return_attention_scores (MultiHeadAttention's attentionMask, a symbolic tensor, becomes a
 * node input instead: Layer.tensorCallOptions).
 */
export function attentionCallArgs(layer: Layer, options: AttentionCallOptions & { readonly attentionMask?: Tensor | null }): Record<string, boolean> {
  const who = `Layer ${layer.name} (${layer.getClassName()})`;
  if (options.attentionMask) throw new RangeError(`${who}: in a functional model the attentionMask must be a symbolic tensor (an Input or a layer's output), not a real tensor`);
  return { ...(options.useCausalMask ? { use_causal_mask: true } : {}), ...(options.returnAttentionScores ? { return_attention_scores: true } : {}) };
}

/** attentionCallArgs' record read back into call options. */
export function attentionCallOptions(callArgs: Readonly<Record<string, boolean | number | string>>): AttentionCallOptions {
  return {
    ...(callArgs.use_causal_mask === true || callArgs.useCausalMask === true ? { useCausalMask: true } : {}),
    ...(callArgs.return_attention_scores === true ? { returnAttentionScores: true } : {}),
  };
}

const ATTENTION_ARGS = declareArgs('Attention', {
  /** A learned scalar (initially 1) multiplying the scores. */
  useScale: arg.bool(false),
  /** 'dot' (Luong: query · key) or 'concat' (Σ tanh(query + key), times a learned scalar). */
  scoreMode: arg.oneOf(['dot', 'concat'] as const, { default: 'dot' }),
  /** Dropout on the attention probabilities (training only). */
  dropout: arg.number({ default: 0, min: 0, below: 1 }),
  seed: arg.seed(),
});
const ADDITIVE_ATTENTION_ARGS = declareArgs('AdditiveAttention', {
  /** A learned vector (glorot_uniform) weighting the tanh features. */
  useScale: arg.bool(true),
  dropout: arg.number({ default: 0, min: 0, below: 1 }),
  seed: arg.seed(),
});

export type AttentionArgs = LayerArgs & ArgsIn<typeof ATTENTION_ARGS>;

/**
 * Keras' Attention (Luong-style dot-product attention) on [query, value] or [query, value,
 * key] (key defaults to value): scores = query · keyᵀ (times `scale` with useScale), or with
 * scoreMode 'concat' Σ tanh(query + key) times a learned weight; masked scores lowered by
 * 1e9; softmax over the keys; the probabilities times value. Rows of padded queries (their
 * mask from an upstream layer) are zero.
 */
export class Attention extends Layer {
  static override readonly className: string = 'Attention';
  static override readonly args: typeof ATTENTION_ARGS | typeof ADDITIVE_ATTENTION_ARGS = ATTENTION_ARGS;
  override supportsMasking = true;
  readonly useScale: boolean;
  readonly scoreMode: 'dot' | 'concat';
  readonly dropoutRate: number;
  readonly seed: number | undefined;
  scale: Variable | null = null;
  concatScoreWeight: Variable | null = null;

  constructor(args: AttentionArgs = {}) {
    super(args);
    const additive = (this.constructor as typeof Attention).args === ADDITIVE_ATTENTION_ARGS;
    const a = additive ? { ...this.declared(ADDITIVE_ATTENTION_ARGS, args), scoreMode: 'dot' as const } : this.declared(ATTENTION_ARGS, args);
    this.useScale = a.useScale;
    this.scoreMode = a.scoreMode;
    this.dropoutRate = a.dropout;
    this.seed = a.seed ?? undefined;
  }

  protected shapesOf(inputShape: LayerShape | readonly LayerShape[]): LayerShape[] {
    const list = Array.isArray(inputShape[0]) ? (inputShape as readonly LayerShape[]) : null;
    if (list === null || list.length < 2 || list.length > 3) throw new RangeError(`Layer ${this.name} (${this.getClassName()}): call it on [query, value] or [query, value, key]`);
    return [...list];
  }

  override build(inputShape: LayerShape | readonly LayerShape[]): void {
    this.shapesOf(inputShape);
    if (this.useScale) this.scale = this.addWeight('scale', [], { initializer: 'ones' });
    if (this.scoreMode === 'concat') this.concatScoreWeight = this.addWeight('concat_score_weight', [], { initializer: 'ones' });
  }

  /** [B, Tq, Tv] scores of query [B, Tq, d] against key [B, Tv, d]. */
  protected scores(query: Tensor, key: Tensor): Tensor {
    if (this.scoreMode === 'dot') {
      const s = matmul(query, key, { transposeB: true });
      return this.scale ? mul(s, this.scale) : s;
    }
    const q = expandDims(query, -2); // [B, Tq, 1, d]
    const k = expandDims(key, -3); // [B, 1, Tv, d]
    const summed = add(q, k);
    return mul(sum(tanh(this.scale ? mul(summed, this.scale) : summed), -1), this.concatScoreWeight as Variable);
  }

  call(inputs: Tensor | Tensor[], options: AttentionCallOptions): Tensor | Tensor[] {
    if (!Array.isArray(inputs) || inputs.length < 2 || inputs.length > 3) throw new RangeError(`Layer ${this.name} (${this.getClassName()}): call it on [query, value] or [query, value, key]`);
    const [query, value] = inputs;
    const key = inputs[2] ?? value;
    const masks = Array.isArray(options.mask) ? (options.mask as readonly Mask[]) : [];
    const [queryMask = null, valueMask = null] = masks;
    let scores = this.scores(query, key);
    let allowed: Tensor | null = valueMask === null ? null : expandDims(maskFlag(valueMask), -2); // [B, 1, Tv]
    if (options.useCausalMask) {
      const c = causalMask(scores.shape[scores.rank - 2], scores.shape[scores.rank - 1]);
      allowed = allowed === null ? c : mul(allowed, c);
    }
    if (allowed !== null) scores = where(allowed, scores, sub(scores, 1e9));
    const probs = softmax(scores, -1);
    const dropped = options.training && this.dropoutRate > 0 ? dropout(probs, this.dropoutRate, this.seed === undefined ? {} : { seed: this.seed }) : probs;
    let out = matmul(dropped, value);
    if (queryMask !== null) out = where(expandDims(maskFlag(queryMask), -1), out, 0);
    return options.returnAttentionScores ? [out, probs] : out;
  }

  override computeOutputShape(inputShape: LayerShape | readonly LayerShape[], options: AttentionCallOptions = {}): LayerShape | LayerShape[] {
    const [query, value] = this.shapesOf(inputShape);
    const out = [...query.slice(0, -1), value[value.length - 1]];
    // The scores: [..., query steps, value steps].
    return options.returnAttentionScores ? [out, [...query.slice(0, -1), value[value.length - 2]]] : out;
  }

  /** The output keeps the query's mask. */
  override computeMask(_inputs: Tensor | Tensor[], mask?: Parameters<Layer['computeMask']>[1]): Mask {
    return Array.isArray(mask) ? ((mask as readonly Mask[])[0] ?? null) : null;
  }

  protected override recordCallArgs(options: AttentionCallOptions): Record<string, boolean> {
    return attentionCallArgs(this, options);
  }

  override callOptionsOf(callArgs: Readonly<Record<string, boolean | number | string>>): AttentionCallOptions {
    return attentionCallOptions(callArgs);
  }
}
registerLayer(Attention);

/**
 * Keras' AdditiveAttention (Bahdanau-style): scores = Σ scale · tanh(query + key) over the
 * features, with `scale` a learned vector (glorot_uniform) when useScale (the default);
 * masking, softmax and the combination as Attention.
 */
export class AdditiveAttention extends Attention {
  static override readonly className: string = 'AdditiveAttention';
  static override readonly args = ADDITIVE_ATTENTION_ARGS;

  constructor(args: LayerArgs & ArgsIn<typeof ADDITIVE_ATTENTION_ARGS> = {}) {
    super(args);
  }

  override build(inputShape: LayerShape | readonly LayerShape[]): void {
    const [query] = this.shapesOf(inputShape);
    const dim = query[query.length - 1];
    if (dim === null) throw new RangeError(`Layer ${this.name} (AdditiveAttention): the query's last axis must be known`);
    if (this.useScale) this.scale = this.addWeight('scale', [dim], { initializer: 'glorot_uniform' });
  }

  protected override scores(query: Tensor, key: Tensor): Tensor {
    const t = tanh(add(expandDims(query, -2), expandDims(key, -3))); // [B, Tq, Tv, d]
    return sum(this.scale ? mul(t, this.scale) : t, -1);
  }
}
registerLayer(AdditiveAttention);
