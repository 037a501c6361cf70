/**
 * Keras activation identifiers ('relu', 'softmax', ...) resolved to op functions, and
 * back: `getActivation('relu')` gives `{ name: 'relu', fn: relu }`, and
 * `serializeActivation(relu)` gives 'relu'. Every activation is an op from src/ops, so its
 * gradient is the op's gradient rule.
 */
import type { Tensor } from '../tensor/tensor.js';
import { ACTIVATIONS, ACTIVATION_ALIASES, type ActivationDef } from '../backends/op-table.js';
import { exp, unaryOp } from '../ops/elementwise.js';
import { elu, gelu, hardSigmoid, hardSwish, leakyRelu, logSoftmax, mish, relu, relu6, selu, sigmoid, softmax, softplus, softsign, swish, tanh } from '../ops/activations.js';

/**
 * Keras 3's `hard_sigmoid`: relu6(x + 3) / 6 = clip(x/6 + 0.5, 0, 1) (`nt.hardSigmoid(x, 1/6, 0.5)`).
 * Keras 2, tf.keras and TensorFlow.js define `hard_sigmoid` as clip(0.2·x + 0.5, 0, 1),
 * which is what the name means in Neurite unless a Keras ≥ 3 file is being read (see
 * `withKerasVersion`); this function is the activation `'hard_sigmoid_keras3'`.
 */
export function hardSigmoidKeras3(x: Tensor): Tensor {
  return hardSigmoid(x, 1 / 6, 0.5);
}

export type ActivationFn = (x: Tensor) => Tensor;

/** A resolved activation: its Keras name (what configs store) and the function. */
export interface ResolvedActivation {
  readonly name: string;
  readonly fn: ActivationFn;
}

/** The identity (`'linear'`, also what null/undefined mean). */
export function linear(x: Tensor): Tensor {
  return x;
}

/**
 * The ops that are Keras activations with Keras' default arguments, under their Keras
 * names: `serializeActivation(relu)` is 'relu'. (Names, defaults and ONNX forms of every
 * activation come from the op table, backends/op-table.ts.)
 */
const OPS_BY_NAME: Readonly<Record<string, ActivationFn>> = {
  linear, relu, relu6, sigmoid, tanh, softplus, softsign, selu, swish, exponential: exp,
  softmax: (x) => softmax(x), log_softmax: (x) => logSoftmax(x), elu: (x) => elu(x), gelu: (x) => gelu(x),
  leaky_relu: (x) => leakyRelu(x), hard_sigmoid: (x) => hardSigmoid(x), mish, hard_swish: hardSwish,
};

/** The function of a table entry: the op export when there is one, else the unary op with the entry's parameters. */
function functionOf(name: string, def: ActivationDef): ActivationFn {
  const op = OPS_BY_NAME[name];
  if (op !== undefined) return op;
  if ('identity' in def) return linear;
  if ('softmax' in def) return def.softmax === 'softmax' ? (x) => softmax(x) : (x) => logSoftmax(x);
  const p = { alpha: def.a ?? 0, beta: def.b ?? 0 };
  return (x) => unaryOp(def.unary, x, p);
}

const BY_NAME = new Map<string, ResolvedActivation>();
const BY_FN = new Map<ActivationFn, string>();
for (const [name, def] of Object.entries(ACTIVATIONS) as [string, ActivationDef][]) {
  const fn = functionOf(name, def);
  BY_NAME.set(name, { name, fn });
  BY_FN.set(fn, name);
}
for (const [alias, name] of Object.entries(ACTIVATION_ALIASES)) BY_NAME.set(alias, BY_NAME.get(name) as ResolvedActivation);
// The two definitions of hard_sigmoid under names that mean one of them whatever the source.
const HARD_SIGMOID_KERAS3: ResolvedActivation = { name: 'hard_sigmoid_keras3', fn: hardSigmoidKeras3 };
BY_NAME.set('hard_sigmoid_keras3', HARD_SIGMOID_KERAS3);
BY_FN.set(hardSigmoidKeras3, 'hard_sigmoid_keras3');
BY_NAME.set('hard_sigmoid_keras2', BY_NAME.get('hard_sigmoid') as ResolvedActivation);

/** The Keras major version of the config being read (withKerasVersion), or null: Neurite's own meaning (Keras 2). */
let sourceMajor: number | null = null;

/**
 * The major version of a Keras version string ('2.10.0' → 2, '3.1.0' → 3); null for
 * null, undefined or a string that does not start with a number.
 */
export function kerasMajorVersion(version: string | number | null | undefined): number | null {
  if (version === null || version === undefined) return null;
  const major = typeof version === 'number' ? Math.trunc(version) : Number.parseInt(version, 10);
  return Number.isFinite(major) ? major : null;
}

/**
 * Runs `fn` (synchronously) reading activation names as the Keras version `version` defines
 * them, and returns its result. Loaders wrap the deserialization of a file's model config
 * in it (loadModelH5 passes the file's `keras_version` attribute). The one name whose
 * meaning changed is `'hard_sigmoid'`: Keras ≥ 3 reads it as relu6(x + 3)/6, which Neurite
 * names `'hard_sigmoid_keras3'` (so that a model Neurite writes, as Keras 2 files, reloads
 * with the same function); any other version, or none, as Keras 2's clip(0.2·x + 0.5, 0, 1).
 * Calls nest; the previous version is restored when `fn` returns or throws.
 */
export function withKerasVersion<T>(version: string | number | null | undefined, fn: () => T): T {
  const previous = sourceMajor;
  sourceMajor = kerasMajorVersion(version);
  try {
    return fn();
  } finally {
    sourceMajor = previous;
  }
}

// The op functions themselves map to their names too, so serializeActivation(softmax) is 'softmax'.
for (const [fn, name] of [[softmax, 'softmax'], [logSoftmax, 'log_softmax'], [elu, 'elu'], [gelu, 'gelu'], [leakyRelu, 'leaky_relu'], [hardSigmoid, 'hard_sigmoid']] as const) {
  BY_FN.set(fn as ActivationFn, name);
}

/** Every identifier getActivation accepts, sorted. */
export function activationNames(): string[] {
  return [...BY_NAME.keys()].sort();
}

/**
 * Resolves a Keras activation identifier: a name ('relu', 'leaky_relu', 'leakyRelu',
 * 'silu', ...), null or undefined (linear), or a function (a known op keeps its Keras
 * name; any other function is used as is under its own name). Unknown names throw an
 * error listing the valid ones. `'hard_sigmoid'` is Keras 2's clip(0.2·x + 0.5, 0, 1),
 * except inside `withKerasVersion('3…', …)` (a Keras 3 file being read), where it is Keras
 * 3's relu6(x + 3)/6 (`'hard_sigmoid_keras3'`); `'hard_sigmoid_keras2'` and
 * `'hard_sigmoid_keras3'` name one definition always.
 */
export function getActivation(identifier: string | ActivationFn | null | undefined): ResolvedActivation {
  if (identifier === null || identifier === undefined) return BY_NAME.get('linear') as ResolvedActivation;
  if (typeof identifier === 'function') {
    const known = BY_FN.get(identifier);
    return { name: known ?? (identifier.name || 'custom_activation'), fn: identifier };
  }
  if (typeof identifier !== 'string') {
    throw new TypeError(`getActivation: expected an activation name, a function, null or undefined; got ${typeof identifier}`);
  }
  if (identifier === 'hard_sigmoid' && sourceMajor !== null && sourceMajor >= 3) return HARD_SIGMOID_KERAS3;
  const found = BY_NAME.get(identifier) ?? BY_NAME.get(identifier.toLowerCase());
  if (found === undefined) {
    throw new Error(`Unknown activation '${identifier}'. Known activations: ${activationNames().join(', ')}`);
  }
  return found;
}

/**
 * The Keras name of a known activation function (what a layer config stores): the
 * functions getActivation returns and the ops they come from (relu, softmax, exp →
 * 'exponential', swish → 'swish', ...). Other functions have no Keras name and throw.
 */
export function serializeActivation(fn: ActivationFn): string {
  const name = BY_FN.get(fn);
  if (name === undefined) {
    throw new Error(`serializeActivation: ${fn.name ? `'${fn.name}'` : 'this function'} is not a built-in activation, so it has no Keras name; known activations: ${[...new Set(BY_FN.values())].sort().join(', ')}`);
  }
  return name;
}
