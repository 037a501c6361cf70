import { ClassRegistry, type ConfigDict, type Serialized, camelKeys } from '../utils/serialization.js';
import { type Layer, type LayerArgs, baseArgs } from './layer.js';
import type { ArgDecl, DeclaredArgs } from './args.js';
import { InputLayer } from './core/input.js';
import { Dense } from './core/dense.js';
import { Activation, ActivityRegularization, Dropout, Flatten, Identity, Permute, RepeatVector, Reshape } from './core/simple.js';
import { ELU, LeakyReLU, PReLU, ReLU, Softmax, ThresholdedReLU } from './advanced-activations/index.js';
import { Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract } from './merge/index.js';
import { Conv1D, Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D } from './conv/index.js';
import { BatchNormalization, GroupNormalization, LayerNormalization, RMSNormalization, UnitNormalization } from './normalization/index.js';
import { Cropping1D, Cropping2D, UpSampling1D, UpSampling2D, ZeroPadding1D, ZeroPadding2D } from './reshaping/index.js';
import { AlphaDropout, GaussianDropout, GaussianNoise, SpatialDropout1D, SpatialDropout2D, SpatialDropout3D } from './noise/index.js';
import { Masking } from './core/masking.js';
import { Lambda } from './core/lambda.js';
import { Embedding, PositionEmbedding, TokenAndPositionEmbedding } from './embedding/index.js';
import { Bidirectional, GRU, LSTM, SimpleRNN, TimeDistributed } from './recurrent/index.js';
import { ConvLSTM2D, GRUCell, LSTMCell, RNN, SimpleRNNCell, StackedRNNCells } from './recurrent/index.js';
import { AdditiveAttention, Attention, EinsumDense, MultiHeadAttention } from './attention/index.js';
import { AveragePooling1D, AveragePooling2D, GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D, MaxPooling1D, MaxPooling2D } from './pooling/index.js';
import { Conv1DTranspose, Conv3D, Conv3DTranspose, DepthwiseConv1D, SeparableConv1D } from './conv/index.js';
import { AveragePooling3D, GlobalAveragePooling3D, GlobalMaxPooling3D, MaxPooling3D } from './pooling/index.js';
import { Cropping3D, UpSampling3D, ZeroPadding3D } from './reshaping/index.js';

/** A layer class that can be rebuilt from its Keras config: by its own fromConfig, or through its declared arguments (layers/args.ts). */
export interface LayerClass {
  readonly className: string;
  fromConfig?(config: ConfigDict): Layer;
  readonly args?: DeclaredArgs<ArgDecl> | null;
}

/** A class whose arguments are declared: built from a config with `new cls({ ...baseArgs(config), ...cls.args.fromConfig(config) })`. */
interface Constructible {
  new (args: LayerArgs): Layer;
}

const layers = new ClassRegistry<Layer>('layer');

/** How a registered class is built from a camelCased config. */
function factoryOf(cls: LayerClass): (config: ConfigDict) => Layer {
  const declared = cls.args;
  if (typeof cls.fromConfig === 'function') return (config) => (cls.fromConfig as (c: ConfigDict) => Layer).call(cls, config);
  if (declared && typeof cls === 'function') return (config) => new (cls as unknown as Constructible)({ ...baseArgs(config), ...(declared.fromConfig(config) as LayerArgs) });
  throw new TypeError(`registerLayer: class ${cls.className} has neither declared arguments (static args) nor a static fromConfig`);
}

/**
 * Registers a layer class for deserialization (custom layers must be registered
 * explicitly: loading a config never executes code).
 */
export function registerLayer(cls: LayerClass, aliases: readonly string[] = []): void {
  layers.register(cls.className, factoryOf(cls), aliases);
  canonicalNames.add(cls.className);
}

/** Class names registered with registerLayer (no aliases). */
const canonicalNames = new Set<string>();

/**
 * The canonical class names of the registered layers (built-in and custom, without Keras'
 * alternative names such as 'Convolution2D'), sorted.
 */
export function registeredLayerNames(): string[] {
  return [...canonicalNames].sort();
}

for (const cls of [InputLayer, Dense, Activation, Dropout, Flatten, Reshape, Permute, RepeatVector, ActivityRegularization, ReLU, LeakyReLU, PReLU, ELU, Softmax, ThresholdedReLU, Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot,
  Conv1D, Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D,
  MaxPooling1D, MaxPooling2D, AveragePooling1D, AveragePooling2D, GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D,
  BatchNormalization, LayerNormalization, Cropping1D, Cropping2D, UpSampling1D, UpSampling2D, ZeroPadding1D, ZeroPadding2D,
  GaussianDropout, GaussianNoise, SpatialDropout1D, SpatialDropout2D, SpatialDropout3D, AlphaDropout, Lambda,
  Masking, Embedding, SimpleRNN, LSTM, GRU, EinsumDense, MultiHeadAttention, Attention, AdditiveAttention, PositionEmbedding, TokenAndPositionEmbedding, Identity, GroupNormalization, RMSNormalization, UnitNormalization] as LayerClass[]) {
  registerLayer(cls);
}
// Wrappers rebuild their inner layers through this registry.
registerLayer({ className: TimeDistributed.className, fromConfig: (c) => TimeDistributed.fromConfig(c, deserializeLayer) });
registerLayer({ className: Bidirectional.className, fromConfig: (c) => Bidirectional.fromConfig(c, deserializeLayer) });
// Recurrent cells, RNN(cell) and ConvLSTM2D; RNN and StackedRNNCells rebuild their cells through this registry.
for (const cls of [SimpleRNNCell, LSTMCell, GRUCell, ConvLSTM2D] as LayerClass[]) registerLayer(cls);
registerLayer({ className: RNN.className, fromConfig: (c) => RNN.fromConfig(c, deserializeLayer) });
registerLayer({ className: StackedRNNCells.className, fromConfig: (c) => StackedRNNCells.fromConfig(c, deserializeLayer) });

// Keras' alternative class names (aliases it registers for the same classes).
const ALIASES: Record<string, string[]> = {
  Conv1D: ['Convolution1D'], Conv2D: ['Convolution2D'], Conv2DTranspose: ['Convolution2DTranspose', 'Deconvolution2D'],
  SeparableConv2D: ['SeparableConvolution2D'], MaxPooling2D: ['MaxPool2D'], AveragePooling2D: ['AvgPool2D'],
  MaxPooling1D: ['MaxPool1D'], AveragePooling1D: ['AvgPool1D'], GlobalAveragePooling2D: ['GlobalAvgPool2D'],
  GlobalMaxPooling2D: ['GlobalMaxPool2D'], GlobalAveragePooling1D: ['GlobalAvgPool1D'], GlobalMaxPooling1D: ['GlobalMaxPool1D'],
  // keras_hub registers its layers under a package prefix.
  PositionEmbedding: ['keras_hub>PositionEmbedding', 'keras_nlp>PositionEmbedding'],
  TokenAndPositionEmbedding: ['keras_hub>TokenAndPositionEmbedding', 'keras_nlp>TokenAndPositionEmbedding'],
};
for (const [name, aliases] of Object.entries(ALIASES)) for (const a of aliases) layers.register(a, (config) => layers.create(name, config));
// The 1-D and 3-D convolution, pooling and reshaping families, with Keras' aliases.
for (const [cls, aliases] of [[Conv1DTranspose, ['Convolution1DTranspose']], [DepthwiseConv1D, []], [SeparableConv1D, ['SeparableConvolution1D']], [Conv3D, ['Convolution3D']], [Conv3DTranspose, ['Convolution3DTranspose', 'Deconvolution3D']], [MaxPooling3D, ['MaxPool3D']], [AveragePooling3D, ['AvgPool3D']], [GlobalAveragePooling3D, ['GlobalAvgPool3D']], [GlobalMaxPooling3D, ['GlobalMaxPool3D']], [ZeroPadding3D, []], [Cropping3D, []], [UpSampling3D, []]] as [LayerClass, string[]][]) registerLayer(cls, aliases);

/** JavaScript's own messages for a value of the wrong type reaching code that did not check it. */
const INTERNAL = /Cannot read propert|Cannot set propert|is not a function|is not iterable|is not a constructor|Cannot convert undefined or null|Invalid (typed )?array length|Array buffer allocation failed|Maximum call stack size/;

function excerpt(v: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(v) ?? String(v);
  } catch {
    text = String(v);
  }
  return text.length > 160 ? `${text.slice(0, 160)}…` : text;
}

/**
 * Builds a layer from Keras' `{ class_name, config }` (snake_case keys accepted). A config
 * that is not an object, or whose fields have types the layer's code did not expect (a
 * damaged or hand-edited file), gives an Error naming the layer and class, never a bare
 * JavaScript TypeError from inside; the original error is its `cause`.
 */
export function deserializeLayer(serialized: Serialized): Layer {
  if (serialized === null || typeof serialized !== 'object' || Array.isArray(serialized)) throw new Error(`Layer config: expected { class_name, config }; got ${excerpt(serialized)}`);
  const cls = serialized.class_name;
  if (typeof cls !== 'string') throw new Error(`Layer config: class_name must be a string; got ${excerpt(cls)}`);
  if (!layers.has(cls)) {
    throw new Error(`Unknown layer class '${cls}'. Known layers: ${layers.names().join(', ')}. Custom layers must be registered with registerLayer().`);
  }
  const config = serialized.config ?? {};
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new Error(`Layer config of class ${cls}: config must be an object; got ${excerpt(config)}`);
  try {
    return layers.create(cls, camelKeys(config));
  } catch (e) {
    if (!(e instanceof Error)) throw e;
    const who = typeof config.name === 'string' ? `layer '${config.name}' (${cls})` : `a ${cls} layer`;
    // A declared argument's check names the class ('Conv2D: kernelSize must be …'): add which layer of the file.
    const prefix = `${layers.resolve(cls)}: `;
    if (!INTERNAL.test(e.message) && e.message.startsWith(prefix) && (e instanceof RangeError || e instanceof TypeError)) {
      const Ctor = e.constructor as new (message: string, options?: { cause?: unknown }) => Error;
      throw new Ctor(`Config of ${who}: ${e.message.slice(prefix.length)}`, { cause: e });
    }
    if (!INTERNAL.test(e.message)) throw e;
    throw new Error(`Config of ${who}: a field is missing or has the wrong type (${excerpt(config)})`, { cause: e });
  }
}

export function knownLayers(): string[] {
  return layers.names();
}
