import type { Tensor } from '../../tensor/tensor.js';
import type { Variable } from '../../tensor/variable.js';
import { add, broadcastTo, slice } from '../../ops/index.js';
import type { Initializer } from '../../initializers/index.js';
import { Layer, type CallOptions, type LayerArgs, type Mask, type MaskArg } from '../layer.js';
import { type ArgsIn, arg, declareArgs } from '../args.js';
import { CompositeLayer } from '../composite.js';
import type { LayerShape } from '../symbolic.js';
import { Embedding } from './embedding.js';
import { registerLayer } from '../registry.js';

/** Call options of the position embeddings (keras_hub's `start_index`: the position of the first step, for decoding with a cache). */
export interface PositionEmbeddingCallOptions extends CallOptions {
  readonly startIndex?: number;
}

const POSITION_EMBEDDING_ARGS = declareArgs('PositionEmbedding', {
  /** The longest sequence: the table has this many rows. */
  sequenceLength: arg.int({ min: 1 }),
  initializer: arg.initializer('glorot_uniform'),
});

export type PositionEmbeddingArgs = LayerArgs & ArgsIn<typeof POSITION_EMBEDDING_ARGS>;

/**
 * keras_hub's PositionEmbedding: a learned table `embeddings` [sequenceLength, features];
 * for inputs [..., T, features] it returns rows startIndex … startIndex + T − 1, broadcast
 * to the input's shape (add it to the input yourself, as keras_hub does).
 */
export class PositionEmbedding extends Layer {
  static override readonly className = 'PositionEmbedding';
  static override readonly args = POSITION_EMBEDDING_ARGS;
  readonly sequenceLength: number;
  readonly initializer: Initializer;
  embeddings: Variable | null = null;

  constructor(args: PositionEmbeddingArgs) {
    super(args);
    ({ sequenceLength: this.sequenceLength, initializer: this.initializer } = this.declared(POSITION_EMBEDDING_ARGS, args));
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

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return inputShape;
  }
}
registerLayer(PositionEmbedding, ['keras_hub>PositionEmbedding', 'keras_nlp>PositionEmbedding']);

const TOKEN_POSITION_ARGS = declareArgs('TokenAndPositionEmbedding', {
  vocabularySize: arg.int({ min: 1 }),
  sequenceLength: arg.int({ min: 1 }),
  embeddingDim: arg.int({ min: 1 }),
  /** Both tables' initializer (keras_hub's default 'uniform': U(−0.05, 0.05)). */
  embeddingsInitializer: arg.initializer('uniform'),
  /** keras_hub's reverse projection shares the token table; a separate one (false) is not supported. */
  tieWeights: arg.custom<boolean, true>({
    resolve: (v, where) => {
      if (v === false) throw new RangeError(`${where} false (a separate reverse table) is not supported`);
      return true;
    },
    toConfig: () => true,
  }),
  /** Token 0 is padding: its positions are masked downstream. */
  maskZero: arg.bool(false),
});

export type TokenAndPositionEmbeddingArgs = LayerArgs & ArgsIn<typeof TOKEN_POSITION_ARGS>;

/**
 * keras_hub's TokenAndPositionEmbedding: token ids [B, T] → token embedding + position
 * embedding, [B, T, embeddingDim]; weights `token_embedding/embeddings` [vocabularySize,
 * embeddingDim] and `position_embedding/embeddings` [sequenceLength, embeddingDim]. With
 * maskZero the token mask flows on. (keras_hub's token table is a ReversibleEmbedding with
 * tied weights: the same single table.)
 */
export class TokenAndPositionEmbedding extends CompositeLayer {
  static override readonly className = 'TokenAndPositionEmbedding';
  static override readonly args = TOKEN_POSITION_ARGS;
  readonly vocabularySize: number;
  readonly sequenceLength: number;
  readonly embeddingDim: number;
  readonly maskZero: boolean;
  readonly embeddingsInitializer: Initializer;
  readonly tokenEmbedding: Embedding;
  readonly positionEmbedding: PositionEmbedding;

  constructor(args: TokenAndPositionEmbeddingArgs) {
    super(args);
    const a = this.declared(TOKEN_POSITION_ARGS, args);
    this.vocabularySize = a.vocabularySize;
    this.sequenceLength = a.sequenceLength;
    this.embeddingDim = a.embeddingDim;
    this.maskZero = a.maskZero;
    this.embeddingsInitializer = a.embeddingsInitializer;
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

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return [...inputShape, this.embeddingDim];
  }

  override computeMask(inputs: Tensor | Tensor[], mask?: MaskArg): Mask {
    return this.tokenEmbedding.computeMask(inputs, mask) as Mask;
  }
}
registerLayer(TokenAndPositionEmbedding, ['keras_hub>TokenAndPositionEmbedding', 'keras_nlp>TokenAndPositionEmbedding']);
