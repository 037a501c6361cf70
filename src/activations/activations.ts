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
 * error listing the valid ones.
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
