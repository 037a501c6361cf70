import { Tensor } from '../../tensor/tensor.js';
import type { Variable } from '../../tensor/variable.js';
import { formatShape } from '../../tensor/shape.js';
import { cast, checkValues, gather, notEqual } from '../../ops/index.js';
import type { Regularizer } from '../../regularizers/index.js';
import { Layer, type CallOptions, type LayerArgs, type MaskArg } from '../layer.js';
import { type LayerShape, formatLayerShape } from '../symbolic.js';
import type { WeightSpec } from '../weight-spec.js';
import { type ArgsIn, arg, declareArgs, specOf } from '../args.js';
import { registerLayer } from '../registry.js';

const EMBEDDING_ARGS = declareArgs('Embedding', {
  /** Vocabulary size: indices are in [0, inputDim). */
  inputDim: arg.int({ min: 1 }),
  /** Size of each vector. */
  outputDim: arg.int({ min: 1 }),
  /** Default 'uniform' (RandomUniform in [−0.05, 0.05]). */
  ...arg.weights('embeddings', 'uniform'),
  activityRegularizer: arg.regularizer(),
  /** Index 0 is padding: the layer outputs a mask (index ≠ 0) for the layers after it. */
  maskZero: arg.bool(false),
  /** Length of the input sequences (or one length per axis); as the first layer it declares the input shape. */
  inputLength: arg.json<number | (number | null)[] | null, { default: null }>((v, where) => {
    if (v === null || v === undefined) return null;
    if (Number.isInteger(v) && (v as number) > 0) return v as number;
    if (Array.isArray(v) && v.every((d) => d === null || (Number.isInteger(d) && d > 0))) return [...(v as (number | null)[])];
    throw new RangeError(`${where} must be a positive integer, a list of them (null for unknown) or null; got ${JSON.stringify(v)}`);
  }, { default: null }),
});

export type EmbeddingArgs = LayerArgs & Omit<ArgsIn<typeof EMBEDDING_ARGS>, 'inputLength'> & { readonly inputLength?: number | readonly (number | null)[] | null };

/**
 * Turns integer indices into dense vectors (Keras Embedding): output shape
 * input shape + (outputDim,). Float inputs are truncated to int32 as Keras casts them.
 * Weight `embedding/embeddings` (inputDim, outputDim).
 */
export class Embedding extends Layer {
  static override readonly className = 'Embedding';
  static override readonly args = EMBEDDING_ARGS;
  readonly inputDim: number;
  readonly outputDim: number;
  readonly maskZero: boolean;
  readonly inputLength: number | readonly (number | null)[] | null;
  private readonly embeddingsSpec: WeightSpec;
  private readonly activityRegularizer: Regularizer | null;
  embeddings: Variable | null = null;

  constructor(args: EmbeddingArgs) {
    const length = args.inputLength ?? null;
    const declared = args.inputShape === undefined && args.batchInputShape === undefined && length !== null;
    super(declared ? { ...args, inputShape: Array.isArray(length) ? [...(length as readonly (number | null)[])] : [length as number] } : args);
    const a = this.declared(EMBEDDING_ARGS, args);
    this.inputDim = a.inputDim;
    this.outputDim = a.outputDim;
    this.maskZero = a.maskZero;
    this.inputLength = a.inputLength;
    this.embeddingsSpec = specOf(a, 'embeddings');
    this.activityRegularizer = a.activityRegularizer;
  }

  override build(): void {
    this.embeddings = this.addWeight('embeddings', [this.inputDim, this.outputDim], this.embeddingsSpec);
  }

  /** The indices as int32, checked by a check kernel (so that it runs at every step of a plan too). */
  private indices(x: Tensor): Tensor {
    const idx = x.dtype === 'int32' ? x : cast(x, 'int32');
    checkValues([idx], ([d]) => {
      for (let i = 0; i < d.length; i++) {
        if (d[i] < 0 || d[i] >= this.inputDim) return `Layer ${this.name} (Embedding): index ${d[i]} at position ${i} of the input (shape ${formatShape(x.shape)}) is outside [0, ${this.inputDim})`;
      }
      return null;
    });
    return idx;
  }

  call(inputs: Tensor | Tensor[], _options: CallOptions): Tensor {
    const y = gather(this.embeddings as Variable, this.indices(inputs as Tensor), 0);
    if (this.activityRegularizer) this.addActivityLoss(this.activityRegularizer, y);
    return y;
  }

  /** With maskZero: 1 where the index is not 0 (float32, the input's shape). */
  override computeMask(inputs: Tensor | Tensor[], _mask?: MaskArg): MaskArg {
    if (!this.maskZero) return null;
    const x = inputs as Tensor;
    return cast(notEqual(x.dtype === 'int32' ? x : cast(x, 'int32'), 0), 'float32');
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    if (this.inputLength === null) return [...inputShape, this.outputDim];
    const lens = Array.isArray(this.inputLength) ? [...(this.inputLength as readonly (number | null)[])] : [this.inputLength as number];
    if (lens.length !== inputShape.length - 1) {
      throw new RangeError(`Layer ${this.name} (Embedding): inputLength is ${JSON.stringify(this.inputLength)}, but the input has shape ${formatLayerShape(inputShape)}`);
    }
    const out = lens.map((l, i) => {
      const d = inputShape[i + 1];
      if (l !== null && d !== null && l !== d) throw new RangeError(`Layer ${this.name} (Embedding): inputLength is ${JSON.stringify(this.inputLength)}, but the input has shape ${formatLayerShape(inputShape)}`);
      return l ?? d;
    });
    return [inputShape[0], ...out, this.outputDim];
  }
}
registerLayer(Embedding);
