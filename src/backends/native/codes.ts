import type { BinaryOp, Conv2DInfo, Pool2DInfo, ReduceOp, Shape, UnaryOp, UpdateRule } from '../interface.js';

/** Op codes shared with native/src/elementwise.cc and reduce.cc: the index is the code. */
export const UNARY_OPS: readonly UnaryOp[] = [
  'neg', 'abs', 'sign', 'exp', 'log', 'log1p', 'sqrt', 'rsqrt', 'square', 'reciprocal', 'floor', 'ceil', 'round',
  'sin', 'cos', 'erf', 'relu', 'relu6', 'sigmoid', 'tanh', 'softplus', 'softsign', 'elu', 'selu', 'leakyRelu',
  'hardSigmoid', 'swish', 'gelu', 'geluTanh', 'step', 'thresholdedRelu', 'clip',
];

export const BINARY_OPS: readonly BinaryOp[] = [
  'add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'squaredDifference', 'equal', 'notEqual', 'less',
  'lessEqual', 'greater', 'greaterEqual',
];

export const REDUCE_OPS: readonly ReduceOp[] = ['sum', 'mean', 'max', 'min', 'prod'];

/** Codes of native/src/optimizers.cc. */
export const UPDATE_RULES: readonly UpdateRule[] = ['sgd', 'adam', 'adamax', 'nadam', 'rmsprop', 'adagrad', 'adadelta'];

export function codeTable<T extends string>(names: readonly T[]): Record<T, number> {
  return Object.fromEntries(names.map((n, i) => [n, i])) as Record<T, number>;
}

/** Op code tables (name → code) for the native and wasm kernels. */
export const UNARY_CODES = codeTable(UNARY_OPS);
export const BINARY_CODES = codeTable(BINARY_OPS);
export const REDUCE_CODES = codeTable(REDUCE_OPS);
export const UPDATE_CODES = codeTable(UPDATE_RULES);

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** The 16 integers of a Conv2DInfo in the order the C kernels read them. */
export function convInfoFields(c: Conv2DInfo): number[] {
  return [c.batch, c.inH, c.inW, c.inC, c.outH, c.outW, c.outC, c.kH, c.kW, c.strideH, c.strideW, c.dilationH, c.dilationW, c.padTop, c.padLeft, c.groups];
}

/** The 18 integers of a Pool2DInfo in the order the C kernels read them (mode: 1 = max). */
export function poolInfoFields(p: Pool2DInfo): number[] {
  return [p.mode === 'max' ? 1 : 0, p.batch, p.inH, p.inW, p.channels, p.outH, p.outW, p.kH, p.kW, p.strideH, p.strideW, p.dilationH, p.dilationW, p.padTop, p.padLeft, p.padBottom, p.padRight, p.countIncludePad ? 1 : 0];
}
