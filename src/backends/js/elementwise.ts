import type { BinaryOp, ChainStep, Shape, UnaryOp, UnaryParams } from '../interface.js';
import { BINARY, UNARY, type UnaryDef } from '../op-table.js';
import type { TypedArray } from '../../tensor/dtype.js';
import { planBroadcast, forEachRow } from '../broadcast.js';

/**
 * y = f(x) with the op table's formula (UNARY[op].f). For int32 data (ops marked `int`)
 * y is an Int32Array and storing the number truncates, which is the intended result.
 */
export function unary(op: UnaryOp, x: TypedArray, y: TypedArray, p: UnaryParams): void {
  const def: UnaryDef = UNARY[op];
  const f = def.f;
  const { alpha, beta } = p;
  for (let i = 0; i < x.length; i++) y[i] = f(x[i], alpha, beta);
}

/**
 * dx = dy · f'(x) with the op table's derivative factor (UNARY[op].df, given x and y = f(x)).
 * A null derivative is the factor 0: dx = dy · 0, so NaN and ±∞ in dy still propagate (as
 * in the C kernels, which multiply by 0.0f).
 */
export function unaryGrad(op: UnaryOp, x: Float32Array, y: Float32Array, dy: Float32Array, dx: Float32Array, p: UnaryParams): void {
  const def: UnaryDef = UNARY[op];
  const g = def.df;
  if (g === null) {
    for (let i = 0; i < x.length; i++) dx[i] = dy[i] * 0;
    return;
  }
  const { alpha, beta } = p;
  for (let i = 0; i < x.length; i++) dx[i] = dy[i] * g(x[i], y[i], alpha, beta);
}

/** Elements per block of an elementwise chain: small enough to stay in the L1 cache between steps. */
const CHAIN_BLOCK = 1024;

/** The fused elementwise chain, block by block: each step's results are stored as float32 (as separate kernels would store them). */
export function elementwiseChain(steps: readonly ChainStep[], x: Float32Array, y: Float32Array): void {
  const n = x.length;
  for (let start = 0; start < n; start += CHAIN_BLOCK) {
    const end = Math.min(n, start + CHAIN_BLOCK);
    let src: Float32Array = x;
    for (const s of steps) {
      if ('unary' in s) {
        const f = UNARY[s.unary].f;
        const { alpha, beta } = s.p;
        for (let i = start; i < end; i++) y[i] = f(src[i], alpha, beta);
      } else {
        const f = BINARY[s.binary].f;
        const c = s.scalar;
        if (s.scalarFirst) for (let i = start; i < end; i++) y[i] = f(c, src[i]);
        else for (let i = start; i < end; i++) y[i] = f(src[i], c);
      }
      src = y;
    }
    if (steps.length === 0) for (let i = start; i < end; i++) y[i] = x[i];
  }
}

type F2 = (a: number, b: number) => number;

function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** out[o..o+len) = f(a[ia + j·sa], b[ib + j·sb]): one monomorphic loop per common op. */
type RowFn = (a: TypedArray, ia: number, sa: number, b: TypedArray, ib: number, sb: number, out: TypedArray, o: number, len: number) => void;

const ROWS: Partial<Record<BinaryOp, RowFn>> = {
  add: (a, ia, sa, b, ib, sb, out, o, len) => {
    for (let j = 0; j < len; j++, ia += sa, ib += sb) out[o + j] = a[ia] + b[ib];
  },
  sub: (a, ia, sa, b, ib, sb, out, o, len) => {
    for (let j = 0; j < len; j++, ia += sa, ib += sb) out[o + j] = a[ia] - b[ib];
  },
  mul: (a, ia, sa, b, ib, sb, out, o, len) => {
    for (let j = 0; j < len; j++, ia += sa, ib += sb) out[o + j] = a[ia] * b[ib];
  },
  div: (a, ia, sa, b, ib, sb, out, o, len) => {
    for (let j = 0; j < len; j++, ia += sa, ib += sb) out[o + j] = a[ia] / b[ib];
  },
};

function genericRow(f: F2): RowFn {
  return (a, ia, sa, b, ib, sb, out, o, len) => {
    for (let j = 0; j < len; j++, ia += sa, ib += sb) out[o + j] = f(a[ia], b[ib]);
  };
}

/** Row loops of the other ops, built once from the op table's formulas (BINARY[op].f). */
const GENERIC_ROWS = new Map<BinaryOp, RowFn>();

function rowFor(op: BinaryOp): RowFn {
  const fast = ROWS[op];
  if (fast !== undefined) return fast;
  let row = GENERIC_ROWS.get(op);
  if (row === undefined) {
    row = genericRow(BINARY[op].f);
    GENERIC_ROWS.set(op, row);
  }
  return row;
}

/** NumPy-broadcast binary op into `out` (whose dtype is the result's). */
export function binary(op: BinaryOp, a: TypedArray, aShape: Shape, b: TypedArray, bShape: Shape, out: TypedArray, outShape: Shape): void {
  let size = 1;
  for (const d of outShape) size *= d;
  const row = rowFor(op);
  if (sameShape(aShape, bShape)) {
    row(a, 0, 1, b, 0, 1, out, 0, size);
    return;
  }
  if (b.length === 1 && a.length === size) {
    row(a, 0, 1, b, 0, 0, out, 0, size);
    return;
  }
  if (a.length === 1 && b.length === size) {
    row(a, 0, 0, b, 0, 1, out, 0, size);
    return;
  }
  const plan = planBroadcast(outShape, [aShape, bShape]);
  forEachRow(plan, (o, offs, len, inner) => row(a, offs[0], inner[0], b, offs[1], inner[1], out, o, len));
}

export function where(cond: TypedArray, condShape: Shape, a: TypedArray, aShape: Shape, b: TypedArray, bShape: Shape, out: TypedArray, outShape: Shape): void {
  const plan = planBroadcast(outShape, [condShape, aShape, bShape]);
  forEachRow(plan, (o, offs, len, inner) => {
    let ic = offs[0];
    let ia = offs[1];
    let ib = offs[2];
    for (let j = 0; j < len; j++, ic += inner[0], ia += inner[1], ib += inner[2]) out[o + j] = cond[ic] !== 0 ? a[ia] : b[ib];
  });
}

export function broadcastTo(x: TypedArray, xShape: Shape, out: TypedArray, outShape: Shape): void {
  const plan = planBroadcast(outShape, [xShape]);
  forEachRow(plan, (o, offs, len, inner) => {
    const s = inner[0];
    if (s === 0) out.fill(x[offs[0]], o, o + len);
    else for (let j = 0, i = offs[0]; j < len; j++, i += s) out[o + j] = x[i];
  });
}

/** Converts into `out`'s dtype: float32 → int32 truncates toward zero, int32 → float32 is exact below 2^24. */
export function cast(x: TypedArray, out: TypedArray): void {
  if (out instanceof Float32Array || x instanceof Int32Array) {
    out.set(x);
    return;
  }
  for (let i = 0; i < x.length; i++) out[i] = Math.trunc(x[i]); // Int32Array wraps like C casts
}

/** out = x (same dtype and size). */
export function copy(x: TypedArray, out: TypedArray): void {
  out.set(x);
}
