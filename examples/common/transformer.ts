/**
 * A Transformer encoder block for the examples, written with the functional API out of
 * Neurite's layers (MultiHeadAttention, LayerNormalization, Dense, Dropout, Add), after
 * keras_hub's TransformerEncoder: self-attention and a two-layer MLP, each with a residual
 * connection and a layer normalization, either after the residual sum (Vaswani et al.;
 * keras_hub's default) or before the sublayer (`normalizeFirst`, as in ViT and GPT-2).
 */
import * as nt from '../../src/index.js';

export interface TransformerBlockOptions {
  /** Attention heads; each has keyDim = width / heads. */
  readonly heads: number;
  /** Hidden width of the MLP. */
  readonly mlpDim: number;
  /** Dropout after the attention and in the MLP (training only; default 0). */
  readonly dropout?: number;
  /** The MLP's activation (default 'gelu'). */
  readonly activation?: string;
  /** Layer normalization before each sublayer (pre-norm) instead of after the residual sum (default false). */
  readonly normalizeFirst?: boolean;
  /** Position t attends to positions ≤ t only (a language model's decoder-only block). */
  readonly causal?: boolean;
  /** LayerNormalization's epsilon (default 1e-6). */
  readonly epsilon?: number;
  /** Seeds the kernel initializers and dropout masks of the block. */
  readonly seed?: number;
  /** Prefix of the block's layer names. */
  readonly name: string;
}

const applyTo = (layer: nt.Layer, input: nt.SymbolicTensor | nt.SymbolicTensor[], options?: nt.MultiHeadAttentionCallOptions): nt.SymbolicTensor =>
  layer.apply(input, options) as nt.SymbolicTensor;

/**
 * One Transformer encoder block on x [batch, steps, width]: the output has x's shape.
 * Masks of x (TokenAndPositionEmbedding with maskZero) reach the attention, which ignores
 * padded keys.
 */
export function transformerBlock(x: nt.SymbolicTensor, options: TransformerBlockOptions): nt.SymbolicTensor {
  const { heads, mlpDim, dropout = 0, activation = 'gelu', normalizeFirst = false, causal = false, epsilon = 1e-6, seed = 1, name } = options;
  const width = x.shape[x.shape.length - 1];
  if (width === null || width % heads !== 0) throw new RangeError(`transformerBlock ${name}: the width ${String(width)} must be a multiple of heads ${heads}`);
  const init = (k: number): nt.initializers.Initializer => new nt.initializers.GlorotUniform({ seed: seed + k });
  const norm = (k: number, input: nt.SymbolicTensor): nt.SymbolicTensor => applyTo(new nt.LayerNormalization({ epsilon, name: `${name}_ln${k}` }), input);
  const drop = (k: number, input: nt.SymbolicTensor): nt.SymbolicTensor =>
    dropout > 0 ? applyTo(new nt.Dropout({ rate: dropout, seed: seed + 10 + k, name: `${name}_dropout${k}` }), input) : input;

  const attention = new nt.MultiHeadAttention({ numHeads: heads, keyDim: width / heads, kernelInitializer: init(0), name: `${name}_attention` });
  const a = normalizeFirst ? norm(1, x) : x;
  const attended = drop(1, applyTo(attention, [a, a], causal ? { useCausalMask: true } : undefined));
  const sum1 = applyTo(new nt.Add({ name: `${name}_add1` }), [x, attended]);
  const x1 = normalizeFirst ? sum1 : norm(1, sum1);

  const m0 = normalizeFirst ? norm(2, x1) : x1;
  const hidden = drop(2, applyTo(new nt.Dense({ units: mlpDim, activation, kernelInitializer: init(1), name: `${name}_mlp1` }), m0));
  const m = drop(3, applyTo(new nt.Dense({ units: width, kernelInitializer: init(2), name: `${name}_mlp2` }), hidden));
  const sum2 = applyTo(new nt.Add({ name: `${name}_add2` }), [x1, m]);
  return normalizeFirst ? sum2 : norm(2, sum2);
}
