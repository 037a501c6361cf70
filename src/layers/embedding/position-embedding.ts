import type { Tensor } from '../../tensor/tensor.js';
import type { Variable } from '../../tensor/variable.js';
import { add, broadcastTo, slice } from '../../ops/index.js';
import { type ConfigDict, type ConfigValue, serialize } from '../../utils/serialization.js';
import { type Initializer, getInitializer } from '../../initializers/index.js';
import { Layer, baseArgs, type CallOptions, type InitializerLike, type LayerArgs, type Mask, type MaskArg } from '../layer.js';
import { CompositeLayer } from '../composite.js';
import type { LayerShape } from '../symbolic.js';
import { Embedding } from './embedding.js';

/** Call options of the position embeddings (keras_hub's `start_index`: the position of the first step, for decoding with a cache). */
export interface PositionEmbeddingCallOptions extends CallOptions {
  readonly startIndex?: number;
}

export interface PositionEmbeddingArgs extends LayerArgs {
  /** The longest sequence: the table has this many rows. */
  readonly sequenceLength: number;
  readonly initializer?: InitializerLike;
}

const positiveInt = (v: unknown, who: string, what: string): number => {
  if (!Number.isInteger(v) || (v as number) <= 0) throw new RangeError(`${who}: ${what} must be a positive integer; got ${String(v)}`);
  return v as number;
};

/**
 * keras_hub's PositionEmbedding: a learned table `embeddings` [sequenceLength, features];
 * for inputs [..., T, features] it returns rows startIndex … startIndex + T − 1, broadcast
 * to the input's shape (add it to the input yourself, as keras_hub does).
 */
export class PositionEmbedding extends Layer {
  static override readonly className = 'PositionEmbedding';
  readonly sequenceLength: number;
  readonly initializer: Initializer;
  embeddings: Variable | null = null;

  constructor(args: PositionEmbeddingArgs) {
    super(args);
    this.sequenceLength = positiveInt(args.sequenceLength, 'PositionEmbedding', 'sequenceLength');
    this.initializer = getInitializer(args.initializer ?? 'glorot_uniform');
  }

  override build(inputShape: LayerShape): void {
    const features = inputShape[inputShape.length - 1];
    if (features === null || inputShape.length < 2) throw new RangeError(`Layer ${this.name} (PositionEmbedding): inputs must be [..., steps, features] with known features; got ${JSON.stringify(inputShape)}`);
    this.embeddings = this.addWeight('embeddings', [this.sequenceLength, features], { initializer: this.initializer });
  }

  call(inputs: Tensor | Tensor[], options: PositionEmbeddingCallOptions): Tensor {
    const x = inputs as Tensor;
    const steps = x.shape[x.rank - 2];
    const start = options.startIndex ?? 0;
    if (!Number.isInteger(start) || start < 0 || start + steps > this.sequenceLength) {
      throw new RangeError(`Layer ${this.name} (PositionEmbedding): positions ${start}…${start + steps - 1} are outside the table's ${this.sequenceLength} rows`);
    }
    const table = this.embeddings as Variable;
    return broadcastTo(slice(table, [start, 0], [steps, table.shape[1]]), x.shape);
  }

  computeOutputShape(inputShape: LayerShape): LayerShape {
    return inputShape;
  }

  protected override layerConfig(): ConfigDict {
    return { sequence_length: this.sequenceLength, initializer: serialize(this.initializer) as unknown as ConfigValue };
  }

  static fromConfig(config: ConfigDict): PositionEmbedding {
    return new PositionEmbedding({ ...baseArgs(config), sequenceLength: config.sequenceLength as number, initializer: (config.initializer ?? undefined) as InitializerLike });
  }
}

export interface TokenAndPositionEmbeddingArgs extends LayerArgs {
  readonly vocabularySize: number;
  readonly sequenceLength: number;
  readonly embeddingDim: number;
  /** Both tables' initializer (keras_hub's default 'uniform': U(−0.05, 0.05)). */
  readonly embeddingsInitializer?: InitializerLike;
  /** Token 0 is padding: its positions are masked downstream. */
  readonly maskZero?: boolean;
}

/**
 * keras_hub's TokenAndPositionEmbedding: token ids [B, T] → token embedding + position
 * embedding, [B, T, embeddingDim]; weights `token_embedding/embeddings` [vocabularySize,
 * embeddingDim] and `position_embedding/embeddings` [sequenceLength, embeddingDim]. With
 * maskZero the token mask flows on. (keras_hub's token table is a ReversibleEmbedding with
 * tied weights: the same single table.)
 */
export class TokenAndPositionEmbedding extends CompositeLayer {
  static override readonly className = 'TokenAndPositionEmbedding';
  readonly vocabularySize: number;
  readonly sequenceLength: number;
  readonly embeddingDim: number;
  readonly maskZero: boolean;
  readonly embeddingsInitializer: Initializer;
  readonly tokenEmbedding: Embedding;
  readonly positionEmbedding: PositionEmbedding;

  constructor(args: TokenAndPositionEmbeddingArgs) {
    super(args);
    const who = 'TokenAndPositionEmbedding';
    this.vocabularySize = positiveInt(args.vocabularySize, who, 'vocabularySize');
    this.sequenceLength = positiveInt(args.sequenceLength, who, 'sequenceLength');
    this.embeddingDim = positiveInt(args.embeddingDim, who, 'embeddingDim');
    this.maskZero = args.maskZero ?? false;
    this.embeddingsInitializer = getInitializer(args.embeddingsInitializer ?? 'uniform');
    this.supportsMasking = this.maskZero;
    this.tokenEmbedding = new Embedding({ name: 'token_embedding', inputDim: this.vocabularySize, outputDim: this.embeddingDim, embeddingsInitializer: this.embeddingsInitializer, maskZero: this.maskZero });
    this.positionEmbedding = new PositionEmbedding({ name: 'position_embedding', sequenceLength: this.sequenceLength, initializer: this.embeddingsInitializer });
  }

  protected innerLayers(): Layer[] {
    return [this.tokenEmbedding, this.positionEmbedding];
  }

  override build(inputShape: LayerShape): void {
    this.buildInner(this.tokenEmbedding, inputShape, `${this.name}/token_embedding`);
    this.buildInner(this.positionEmbedding, [...inputShape, this.embeddingDim], `${this.name}/position_embedding`);
  }

  call(inputs: Tensor | Tensor[], options: PositionEmbeddingCallOptions): Tensor {
    const tokens = this.tokenEmbedding.apply(inputs as Tensor);
    const positions: PositionEmbeddingCallOptions = { startIndex: options.startIndex };
    return add(tokens, this.positionEmbedding.apply(tokens, positions));
  }

  computeOutputShape(inputShape: LayerShape): LayerShape {
    return [...inputShape, this.embeddingDim];
  }

  override computeMask(inputs: Tensor | Tensor[], mask?: MaskArg): Mask {
    return this.tokenEmbedding.computeMask(inputs, mask) as Mask;
  }

  protected override layerConfig(): ConfigDict {
    return {
      vocabulary_size: this.vocabularySize,
      sequence_length: this.sequenceLength,
      embedding_dim: this.embeddingDim,
      embeddings_initializer: serialize(this.embeddingsInitializer) as unknown as ConfigValue,
      tie_weights: true,
      mask_zero: this.maskZero,
    };
  }

  static fromConfig(config: ConfigDict): TokenAndPositionEmbedding {
    if (config.tieWeights === false) throw new RangeError('TokenAndPositionEmbedding: tie_weights false (a separate reverse table) is not supported');
    return new TokenAndPositionEmbedding({
      ...baseArgs(config),
      vocabularySize: config.vocabularySize as number,
      sequenceLength: config.sequenceLength as number,
      embeddingDim: config.embeddingDim as number,
      embeddingsInitializer: (config.embeddingsInitializer ?? undefined) as InitializerLike,
      maskZero: (config.maskZero ?? undefined) as boolean | undefined,
    });
  }
}
