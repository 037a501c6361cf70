import type { ChainStep, Conv2DInfo, Pool2DInfo, RnnInfo } from './interface.js';
import { BINARY, CHAIN_STEPS, REDUCE, RNN_CELLS, UNARY, UPDATE, type BinaryOp, type ReduceOp, type UnaryOp, type UpdateHyper, type UpdateRule } from './op-table.js';

/**
 * Name → code maps for the C kernels, derived from the op table's order (the generated
 * nt_ops.h numbers its enums the same way), and the packers that lay out the structs the
 * kernels read. Nothing here is a hand-written number.
 */
function codeTable<T extends string>(names: readonly T[]): Readonly<Record<T, number>> {
  return Object.freeze(Object.fromEntries(names.map((n, i) => [n, i]))) as Record<T, number>;
}

export const UNARY_OPS = Object.keys(UNARY) as UnaryOp[];
export const BINARY_OPS = Object.keys(BINARY) as BinaryOp[];
export const REDUCE_OPS: readonly ReduceOp[] = REDUCE;
export const UPDATE_RULES = Object.keys(UPDATE) as UpdateRule[];

export const UNARY_CODES = codeTable(UNARY_OPS);
export const BINARY_CODES = codeTable(BINARY_OPS);
export const REDUCE_CODES = codeTable(REDUCE_OPS);
export const UPDATE_CODES = codeTable(UPDATE_RULES);

/** A rule's hyperparameters as the doubles of its C struct nt_<rule>_hyper, in the table's field order. */
export function packHyper<R extends UpdateRule>(rule: R, hyper: UpdateHyper<R>, into?: Float64Array): Float64Array {
  const fields = UPDATE[rule] as readonly string[];
  const out = into !== undefined && into.length === fields.length ? into : new Float64Array(fields.length);
  const h = hyper as unknown as Readonly<Record<string, number>>;
  for (let i = 0; i < fields.length; i++) {
    const v = h[fields[i]];
    if (typeof v !== 'number') throw new TypeError(`applyUpdate('${rule}'): hyperparameter '${fields[i]}' is missing (expected ${fields.join(', ')})`);
    out[i] = v;
  }
  return out;
}

export function sizeOf(shape: readonly number[]): number {
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

/** The 7 integers of an RnnInfo in the order native/src/rnn.cc reads them (the cell's code from the op table). */
export function rnnInfoFields(r: RnnInfo): number[] {
  return [RNN_CELLS.indexOf(r.cell), r.batch, r.time, r.units, r.goBackwards ? 1 : 0, r.sequence ? 1 : 0, r.zeroOutputForMask ? 1 : 0];
}

/**
 * An elementwise chain as the C kernels read it: per step [kind, op code] in `codes` and
 * two float parameters in `params` (alpha, beta of a unary op; the scalar of a binary op).
 */
export function chainFields(steps: readonly ChainStep[]): { codes: Int32Array; params: Float32Array } {
  const codes = new Int32Array(steps.length * 2);
  const params = new Float32Array(steps.length * 2);
  steps.forEach((s, i) => {
    if ('unary' in s) {
      codes[2 * i] = CHAIN_STEPS.indexOf('unary');
      codes[2 * i + 1] = UNARY_CODES[s.unary];
      params[2 * i] = s.p.alpha;
      params[2 * i + 1] = s.p.beta;
    } else {
      codes[2 * i] = CHAIN_STEPS.indexOf(s.scalarFirst ? 'scalarFirst' : 'scalarSecond');
      codes[2 * i + 1] = BINARY_CODES[s.binary];
      params[2 * i] = s.scalar;
    }
  });
  return { codes, params };
}

/** sampleImage's fill modes as the native kernel and the WGSL shader number them. */
export const FILL_MODE_CODES = { reflect: 0, wrap: 1, constant: 2, nearest: 3 } as const;
