/**
 * THE op table: the single source of every kernel op's identity.
 *
 * - Order gives the codes: TypeScript derives name → code maps from it (codes.ts), and
 *   scripts/gen-ops.mjs generates build/gen/nt_ops.h from it at build time (enums, X-macro
 *   lists, the optimizer hyperparameter structs), which the native and wasm kernels
 *   include and switch on by name (`case NT_UNARY_SOFTPLUS:`). No op code is written by hand.
 * - Each elementwise op's formula is written once, here: `f` (the value) and `df` (the
 *   derivative as a factor of dy) run as they are in the js reference backend, and the
 *   generator translates their text to C for native and wasm. Formulas may use x (the
 *   input), y (f's output, in df), a and b (the op's scalar parameters), numbers, the
 *   operators of C and JavaScript, M.* (backends/math.ts, twinned in C by
 *   kernels/include/nt_math.h) and K.* constants. `df: null` means a zero gradient.
 * - Keras activation names and their ONNX forms live here too (ACTIVATIONS), so layers,
 *   configs and the ONNX exporter read one list; tests enumerate ops from this table.
 *
 * Adding a fused unary op: add an entry to UNARY (and, if Keras names it, to ACTIVATIONS);
 * kernels, codes, the C header and the backend comparison tests pick it up.
 */
import { K, M } from './math.js';

export interface UnaryDef {
  /** y = f(x); a, b are the op's parameters (UnaryParams alpha, beta). */
  readonly f: (x: number, a: number, b: number) => number;
  /** dy/dx as a factor of dy, given x and y = f(x); null for a zero gradient. */
  readonly df: ((x: number, y: number, a: number, b: number) => number) | null;
  /** Also defined on int32 tensors (the result is stored as int32). */
  readonly int?: boolean;
  /** Inputs the op is meant for when not all reals (tests sample there). */
  readonly domain?: 'positive';
}

/** Elementwise unary ops, in code order. */
export const UNARY = {
  neg: { f: (x) => -x, df: () => -1, int: true },
  abs: { f: (x) => M.abs(x), df: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0), int: true },
  // NaN stays NaN (x === 0 is false for NaN, which then falls through to x).
  sign: { f: (x) => (x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : x), df: null, int: true },
  exp: { f: (x) => M.exp(x), df: (_x, y) => y },
  log: { f: (x) => M.log(x), df: (x) => 1 / x, domain: 'positive' },
  log1p: { f: (x) => M.log1p(x), df: (x) => 1 / (1 + x), domain: 'positive' },
  sqrt: { f: (x) => M.sqrt(x), df: (_x, y) => 0.5 / y, domain: 'positive' },
  rsqrt: { f: (x) => 1 / M.sqrt(x), df: (_x, y) => -0.5 * y * y * y, domain: 'positive' },
  square: { f: (x) => x * x, df: (x) => 2 * x, int: true },
  reciprocal: { f: (x) => 1 / x, df: (_x, y) => -y * y, domain: 'positive' },
  floor: { f: (x) => M.floor(x), df: null, int: true },
  ceil: { f: (x) => M.ceil(x), df: null, int: true },
  /** Half to even, like NumPy. */
  round: { f: (x) => M.rint(x), df: null, int: true },
  sin: { f: (x) => M.sin(x), df: (x) => M.cos(x) },
  cos: { f: (x) => M.cos(x), df: (x) => -M.sin(x) },
  erf: { f: (x) => M.erf(x), df: (x) => K.TWO_OVER_SQRT_PI * M.exp(-x * x) },
  // NaN propagates, as max(x, 0) does in NumPy and TF on CPU.
  relu: { f: (x) => (x > 0 ? x : x <= 0 ? 0 : x), df: (x) => (x > 0 ? 1 : 0), int: true },
  relu6: { f: (x) => (x > 0 ? (x < 6 ? x : 6) : x <= 0 ? 0 : x), df: (x) => (x > 0 && x < 6 ? 1 : 0), int: true },
  sigmoid: { f: (x) => M.sigmoid(x), df: (_x, y) => y * (1 - y) },
  tanh: { f: (x) => M.tanh(x), df: (_x, y) => 1 - y * y },
  softplus: { f: (x) => (x > 0 ? x + M.log1p(M.exp(-x)) : M.log1p(M.exp(x))), df: (x) => M.sigmoid(x) },
  softsign: { f: (x) => x / (1 + M.abs(x)), df: (x) => 1 / ((1 + M.abs(x)) * (1 + M.abs(x))) },
  elu: { f: (x, a) => (x > 0 ? x : a * M.expm1(x)), df: (x, _y, a) => (x > 0 ? 1 : a * M.exp(x)) },
  selu: { f: (x) => K.SELU_SCALE * (x > 0 ? x : K.SELU_ALPHA * M.expm1(x)), df: (x) => (x > 0 ? K.SELU_SCALE : K.SELU_SCALE * K.SELU_ALPHA * M.exp(x)) },
  leakyRelu: { f: (x, a) => (x > 0 ? x : a * x), df: (x, _y, a) => (x > 0 ? 1 : a) },
  /** clip(a·x + b, 0, 1); NaN propagates. */
  hardSigmoid: { f: (x, a, b) => (a * x + b > 1 ? 1 : a * x + b < 0 ? 0 : a * x + b), df: (x, _y, a, b) => (a * x + b > 0 && a * x + b < 1 ? a : 0) },
  swish: { f: (x) => x * M.sigmoid(x), df: (x) => M.sigmoid(x) + x * M.sigmoid(x) * (1 - M.sigmoid(x)) },
  gelu: {
    f: (x) => 0.5 * x * (1 + M.erf(x * K.INV_SQRT_2)),
    df: (x) => 0.5 * (1 + M.erf(x * K.INV_SQRT_2)) + x * K.INV_SQRT_2PI * M.exp(-0.5 * x * x),
  },
  geluTanh: {
    f: (x) => 0.5 * x * (1 + M.tanh(K.SQRT_2_OVER_PI * (x + K.GELU_C * x * x * x))),
    df: (x) =>
      0.5 * (1 + M.tanh(K.SQRT_2_OVER_PI * (x + K.GELU_C * x * x * x))) +
      0.5 * x * (1 - M.tanh(K.SQRT_2_OVER_PI * (x + K.GELU_C * x * x * x)) * M.tanh(K.SQRT_2_OVER_PI * (x + K.GELU_C * x * x * x))) * K.SQRT_2_OVER_PI * (1 + 3 * K.GELU_C * x * x),
  },
  step: { f: (x, a) => (x > 0 ? 1 : a), df: null },
  thresholdedRelu: { f: (x, a) => (x > a ? x : 0), df: (x, _y, a) => (x > a ? 1 : 0) },
  clip: { f: (x, a, b) => (x < a ? a : x > b ? b : x), df: (x, _y, a, b) => (x >= a && x <= b ? 1 : 0), int: true },
  /** x·tanh(softplus(x)) (Misra 2019; Keras 3's mish). */
  mish: {
    f: (x) => x * M.tanh(x > 0 ? x + M.log1p(M.exp(-x)) : M.log1p(M.exp(x))),
    df: (x) =>
      M.tanh(x > 0 ? x + M.log1p(M.exp(-x)) : M.log1p(M.exp(x))) +
      x * M.sigmoid(x) * (1 - M.tanh(x > 0 ? x + M.log1p(M.exp(-x)) : M.log1p(M.exp(x))) * M.tanh(x > 0 ? x + M.log1p(M.exp(-x)) : M.log1p(M.exp(x)))),
  },
  /** x·relu6(x + 3)/6 (Keras 3's hard_silu / hard_swish); NaN propagates. */
  hardSwish: { f: (x) => (x >= 3 ? x : x <= -3 ? 0 : (x * (x + 3)) / 6), df: (x) => (x > 3 ? 1 : x < -3 ? 0 : x / 3 + 0.5) },
} as const satisfies Record<string, UnaryDef>;

export type UnaryOp = keyof typeof UNARY;

export interface BinaryDef {
  /** out = f(a, b) (float32 and int32; comparisons give 1 or 0). */
  readonly f: (a: number, b: number) => number;
}

/** Elementwise binary ops with NumPy broadcasting, in code order. Their gradients are composed in ops/elementwise.ts. */
export const BINARY = {
  add: { f: (a, b) => a + b },
  sub: { f: (a, b) => a - b },
  mul: { f: (a, b) => a * b },
  div: { f: (a, b) => a / b },
  pow: { f: (a, b) => M.pow(a, b) },
  // NaN in a wins (a !== a only for NaN), as NumPy's maximum propagates NaN.
  maximum: { f: (a, b) => (a >= b || a !== a ? a : b) },
  minimum: { f: (a, b) => (a <= b || a !== a ? a : b) },
  squaredDifference: { f: (a, b) => (a - b) * (a - b) },
  equal: { f: (a, b) => (a === b ? 1 : 0) },
  notEqual: { f: (a, b) => (a !== b ? 1 : 0) },
  less: { f: (a, b) => (a < b ? 1 : 0) },
  lessEqual: { f: (a, b) => (a <= b ? 1 : 0) },
  greater: { f: (a, b) => (a > b ? 1 : 0) },
  greaterEqual: { f: (a, b) => (a >= b ? 1 : 0) },
} as const satisfies Record<string, BinaryDef>;

export type BinaryOp = keyof typeof BINARY;

/** Reductions over the middle axis of [outer, n, inner], in code order. */
export const REDUCE = ['sum', 'mean', 'max', 'min', 'prod'] as const;
export type ReduceOp = (typeof REDUCE)[number];

/**
 * Optimizer update rules and their hyperparameters, in code order. The field lists are the
 * layouts of the C structs (nt_<rule>_hyper, all doubles) that carry one step's scalars
 * across the ABI; backends/js/optimizers.ts documents the formulas and slot layouts.
 * Booleans (nesterov, centered) travel as 1 or 0.
 */
export const UPDATE = {
  sgd: ['lr', 'momentum', 'nesterov'],
  adam: ['lr', 'beta1', 'beta2', 'epsilon', 'beta1Power', 'beta2Power', 'decay'],
  adamax: ['lr', 'beta1', 'beta2', 'epsilon', 'beta1Power'],
  nadam: ['lr', 'beta1', 'beta2', 'epsilon', 'mu', 'muNext', 'muProduct', 'muProductNext', 'beta2Power'],
  rmsprop: ['lr', 'rho', 'momentum', 'epsilon', 'centered'],
  adagrad: ['lr', 'epsilon'],
  adadelta: ['lr', 'rho', 'epsilon'],
  lion: ['lr', 'beta1', 'beta2'],
} as const;

export type UpdateRule = keyof typeof UPDATE;

/** One step's scalars for rule R, by name. */
export type UpdateHyper<R extends UpdateRule = UpdateRule> = R extends UpdateRule ? { readonly [K in (typeof UPDATE)[R][number]]: number } : never;

/**
 * Kinds of elementwise-chain steps (Backend.elementwiseChain), in code order: a unary op,
 * or a binary op with a scalar as its second or its first operand.
 */
export const CHAIN_STEPS = ['unary', 'scalarSecond', 'scalarFirst'] as const;

/** Fused recurrent cells (Backend.rnnForward), in code order. */
export const RNN_CELLS = ['lstm', 'gru', 'gruResetBefore'] as const;
export type RnnCell = (typeof RNN_CELLS)[number];

/**
 * An ONNX form: 'x' (the input), a number (a float scalar constant), or
 * [OpType, ...inputs] with an optional attribute record last (numbers become float
 * attributes; 'axis' becomes the int axis the activation runs along).
 */
export type OnnxExpr = 'x' | number | readonly [string, ...(OnnxExpr | OnnxAttrs)[]];
export type OnnxAttrs = { readonly [name: string]: number | 'axis' };

/** What a Keras activation computes: a unary op (with Keras' default parameters), softmax, or nothing. */
export type ActivationDef =
  | { readonly unary: UnaryOp; readonly a?: number; readonly b?: number; readonly onnx: OnnxExpr }
  | { readonly softmax: 'softmax' | 'logSoftmax'; readonly onnx: OnnxExpr }
  | { readonly identity: true; readonly onnx: OnnxExpr };

/**
 * Keras activation identifiers (what layer configs store), Keras 2's defaults:
 * softmax/log_softmax over the last axis, elu alpha 1, leaky_relu slope 0.2
 * (keras.activations.leaky_relu), gelu exact (erf), hard_sigmoid clip(0.2·x + 0.5, 0, 1).
 */
export const ACTIVATIONS = {
  linear: { identity: true, onnx: 'x' },
  relu: { unary: 'relu', onnx: ['Relu', 'x'] },
  relu6: { unary: 'relu6', onnx: ['Clip', 'x', 0, 6] },
  sigmoid: { unary: 'sigmoid', onnx: ['Sigmoid', 'x'] },
  hard_sigmoid: { unary: 'hardSigmoid', a: 0.2, b: 0.5, onnx: ['HardSigmoid', 'x', { alpha: 0.2, beta: 0.5 }] },
  tanh: { unary: 'tanh', onnx: ['Tanh', 'x'] },
  softmax: { softmax: 'softmax', onnx: ['Softmax', 'x', { axis: 'axis' }] },
  log_softmax: { softmax: 'logSoftmax', onnx: ['LogSoftmax', 'x', { axis: 'axis' }] },
  softplus: { unary: 'softplus', onnx: ['Softplus', 'x'] },
  softsign: { unary: 'softsign', onnx: ['Softsign', 'x'] },
  elu: { unary: 'elu', a: 1, onnx: ['Elu', 'x', { alpha: 1 }] },
  selu: { unary: 'selu', onnx: ['Selu', 'x', { alpha: K.SELU_ALPHA, gamma: K.SELU_SCALE }] },
  swish: { unary: 'swish', onnx: ['Mul', 'x', ['Sigmoid', 'x']] },
  // opset 13 has no Gelu: 0.5·x·(1 + erf(x/√2)), decomposed.
  gelu: { unary: 'gelu', onnx: ['Mul', ['Mul', 'x', ['Add', ['Erf', ['Mul', 'x', K.INV_SQRT_2]], 1]], 0.5] },
  exponential: { unary: 'exp', onnx: ['Exp', 'x'] },
  leaky_relu: { unary: 'leakyRelu', a: 0.2, onnx: ['LeakyRelu', 'x', { alpha: 0.2 }] },
  // opset 13 has neither Mish nor HardSwish: decomposed.
  mish: { unary: 'mish', onnx: ['Mul', 'x', ['Tanh', ['Softplus', 'x']]] },
  hard_swish: { unary: 'hardSwish', onnx: ['Mul', 'x', ['HardSigmoid', 'x', { alpha: 1 / 6, beta: 0.5 }]] },
} as const satisfies Record<string, ActivationDef>;

export type ActivationName = keyof typeof ACTIVATIONS;

/** Other spellings Keras accepts: Keras 3's 'silu' (= swish) and camelCase forms. */
export const ACTIVATION_ALIASES = {
  silu: 'swish',
  hardSigmoid: 'hard_sigmoid',
  logSoftmax: 'log_softmax',
  leakyRelu: 'leaky_relu',
  hard_silu: 'hard_swish',
  hardSwish: 'hard_swish',
  hardSilu: 'hard_swish',
} as const satisfies Record<string, ActivationName>;
