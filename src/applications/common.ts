import { Model } from '../models/model.js';
import { Input } from '../layers/core/input.js';
import type { SymbolicTensor } from '../layers/symbolic.js';
import type { ActivationLike } from '../layers/core/dense.js';
import { GlobalAveragePooling2D, GlobalMaxPooling2D } from '../layers/pooling/pooling.js';

/** Arguments shared by every builder, as in Keras' `keras.applications`. */
export interface ApplicationArgs {
  /** Whether to include the classifier head (Keras include_top). Default true. */
  readonly includeTop?: boolean;
  /**
   * null (random initialisation, the default) or the path of a weights file: a Keras .h5
   * (loaded by layer name, so Keras' own pretrained files work) or the native format.
   */
  readonly weights?: string | null;
  /** Shape of one image, [height, width, channels]. Default: the architecture's own size. */
  readonly inputShape?: readonly number[];
  /** An existing symbolic tensor to use as the model's input (Keras input_tensor). */
  readonly inputTensor?: SymbolicTensor;
  /** Number of classes of the head (only with includeTop). Default 1000. */
  readonly classes?: number;
  /** Without the head: null (4-D feature map), 'avg' or 'max' global pooling. */
  readonly pooling?: 'avg' | 'max' | null;
  /** Activation of the last layer (only with includeTop). Default 'softmax'. */
  readonly classifierActivation?: ActivationLike;
  /** The model's name; default Keras' (e.g. 'vgg16'). */
  readonly name?: string;
}

/** Checked, defaulted arguments. */
export interface Resolved {
  readonly includeTop: boolean;
  readonly weights: string | null;
  readonly input: SymbolicTensor;
  readonly shape: readonly number[];
  readonly classes: number;
  readonly pooling: 'avg' | 'max' | null;
  readonly classifierActivation: ActivationLike;
}

/**
 * Validates the shared arguments of builder `fn`: the input is [h, w, channels] with h and w
 * at least minSize (the smallest input whose feature map stays non-empty).
 */
export function resolveArgs(fn: string, args: ApplicationArgs, defaultShape: readonly number[], minSize: number): Resolved {
  const weights = args.weights ?? null;
  if (weights === 'imagenet') {
    throw new Error(`${fn}: weights 'imagenet' cannot be downloaded by neurite; save Keras' file in Python (keras.applications.${fn}(weights='imagenet').save_weights('file.h5')) and pass its path (see docs/applications.md)`);
  }
  const classes = args.classes ?? 1000;
  if (!Number.isInteger(classes) || classes < 1) throw new RangeError(`${fn}: classes must be a positive integer; got ${classes}`);
  const pooling = args.pooling ?? null;
  if (pooling !== null && pooling !== 'avg' && pooling !== 'max') throw new RangeError(`${fn}: pooling must be null, 'avg' or 'max'; got ${String(pooling)}`);
  let input: SymbolicTensor;
  let shape: readonly number[];
  if (args.inputTensor !== undefined) {
    input = args.inputTensor;
    shape = input.shape.slice(1).map((d, i) => d ?? (i < 2 ? -1 : defaultShape[i]));
  } else {
    shape = args.inputShape ?? defaultShape;
    input = Input({ shape });
  }
  if (shape.length !== defaultShape.length) throw new RangeError(`${fn}: inputShape must have ${defaultShape.length} entries ([${defaultShape.join(', ')}]); got [${shape.join(', ')}]`);
  for (const d of shape.slice(0, -1)) {
    if (d !== -1 && d < minSize) throw new RangeError(`${fn}: inputShape height and width must be at least ${minSize}; got [${shape.join(', ')}]`);
  }
  return { includeTop: args.includeTop ?? true, weights, input, shape, classes, pooling, classifierActivation: args.classifierActivation ?? 'softmax' };
}

/** Keras' optional global pooling for a headless model. */
export function applyPooling(x: SymbolicTensor, pooling: 'avg' | 'max' | null, names: { avg?: string; max?: string } = {}): SymbolicTensor {
  if (pooling === 'avg') return new GlobalAveragePooling2D({ name: names.avg }).apply(x);
  if (pooling === 'max') return new GlobalMaxPooling2D({ name: names.max }).apply(x);
  return x;
}

/** Builds the Model and, where a weights path was given, loads it by layer name. */
export async function finish(r: Resolved, outputs: SymbolicTensor, name: string): Promise<Model> {
  const model = new Model({ inputs: r.input, outputs, name });
  if (r.weights !== null) await model.loadWeights(r.weights, { byName: true });
  return model;
}
