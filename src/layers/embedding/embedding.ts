import { Tensor } from '../../tensor/tensor.js';
import type { Variable } from '../../tensor/variable.js';
import { formatShape } from '../../tensor/shape.js';
import { cast, checkValues, gather, notEqual } from '../../ops/index.js';
import type { ConfigDict, ConfigValue } from '../../utils/serialization.js';
import { type Regularizer, getRegularizer } from '../../regularizers/index.js';
import { Layer, baseArgs, type CallOptions, type LayerArgs, type MaskArg, type InitializerLike, type RegularizerLike, type ConstraintLike } from '../layer.js';
import { type LayerShape, formatLayerShape } from '../symbolic.js';
import { type WeightSpec, serializeOptional, weightSpec, weightSpecArgs, weightSpecConfig } from '../weight-spec.js';

export interface EmbeddingArgs extends LayerArgs {
  /** Vocabulary size: indices are in [0, inputDim). */
  readonly inputDim: number;
  /** Size of each vector. */
  readonly outputDim: number;
  /** Default 'uniform' (RandomUniform in [−0.05, 0.05]). */
  readonly embeddingsInitializer?: InitializerLike;
  readonly embeddingsRegularizer?: RegularizerLike;
  readonly activityRegularizer?: RegularizerLike;
  readonly embeddingsConstraint?: ConstraintLike;
  /** Index 0 is padding: the layer outputs a mask (index ≠ 0) for the layers after it. */
  readonly maskZero?: boolean;
  /** Length of the input sequences (or one length per axis); as the first layer it declares the input shape. */
  readonly inputLength?: number | readonly (number | null)[] | null;
}

/**
 * Turns integer indices into dense vectors (Keras Embedding): output shape
 * input shape + (outputDim,). Float inputs are truncated to int32 as Keras casts them.
 * Weight `embedding/embeddings` (inputDim, outputDim).
 */
export class Embedding extends Layer {
  static override readonly className = 'Embedding';
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
    for (const key of ['inputDim', 'outputDim'] as const) {
      if (!Number.isInteger(args[key]) || args[key] <= 0) throw new RangeError(`Embedding: ${key} must be a positive integer; got ${args[key]}`);
    }
    this.inputDim = args.inputDim;
    this.outputDim = args.outputDim;
    this.maskZero = args.maskZero ?? false;
    this.inputLength = length;
    this.embeddingsSpec = weightSpec(args, 'embeddings', 'uniform');
    this.activityRegularizer = args.activityRegularizer ? getRegularizer(args.activityRegularizer) : null;
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

  computeOutputShape(inputShape: LayerShape): LayerShape {
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

  protected override layerConfig(): ConfigDict {
    return {
      input_dim: this.inputDim,
      output_dim: this.outputDim,
      ...weightSpecConfig('embeddings', this.embeddingsSpec),
      activity_regularizer: serializeOptional(this.activityRegularizer),
      mask_zero: this.maskZero,
      input_length: this.inputLength === null ? null : Array.isArray(this.inputLength) ? ([...(this.inputLength as readonly (number | null)[])] as ConfigValue[]) : (this.inputLength as number),
    };
  }

  static fromConfig(config: ConfigDict): Embedding {
    return new Embedding({
      ...baseArgs(config),
      inputDim: config.inputDim as number,
      outputDim: config.outputDim as number,
      ...weightSpecArgs(config, 'embeddings'),
      activityRegularizer: (config.activityRegularizer ?? undefined) as RegularizerLike,
      maskZero: config.maskZero as boolean | undefined,
      inputLength: (config.inputLength ?? null) as number | (number | null)[] | null,
    });
  }
}
