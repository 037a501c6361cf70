import type { DataType } from '../../tensor/dtype.js';
import type { Backend, RnnCell, RnnGrads, RnnInfo } from '../interface.js';
import { rnnGates, rnnOutputSize, rnnReserveSize } from '../js/rnn.js';
import type { Gpu, GpuBuffer } from './runtime.js';
import { groups1d, wgslType } from './runtime.js';

/**
 * Fused recurrent layers (LSTM, GRU) on the GPU: what backends/js/rnn.ts computes, with the
 * packed output and reserve layouts documented on RnnInfo (interface.ts).
 *
 * The time loop runs on the host and records a few dispatches per step; batch rows and
 * units are independent within a step, so each step kernel runs one invocation per
 * (batch row b, unit j), which computes the recurrent dot products of its unit's gates
 * inline (h·U over the units, read from GPU scratch) and then the cell. Since every
 * invocation reads the whole state row h[b, :] while writing only h[b, j], h is
 * double-buffered in a scratch buffer (two halves, ping-pong by step); c, the last output
 * and the outputs are touched only by their own invocation and live in y directly. Work
 * runs in queue order, so scratch buffers are returned to the pool right after the last
 * dispatch that uses them is recorded.
 *
 * Backward runs the steps in reverse: one kernel per (b, j) computes the gate gradients of
 * its unit into dxw (zero at masked rows) and the element-local state gradients, then one
 * per (b, k) propagates through the recurrent kernel (dh = dA·Uᵀ). dKernel (Σ hᵀ·dA) and
 * dBias (Σ dA) are reduced at the end by one kernel over dxw and the reserve.
 *
 * Precision: sums run in f32 (the reference sums in float64), the recurrent dot products
 * in unit order like the reference, the dKernel/dBias sums over rows in row order (the
 * reference sums step by step); sigmoid and tanh are computed here from exp, overflow-free
 * and with a series for small tanh arguments, so they do not depend on how the platform
 * implements WGSL's tanh. Mask values are compared with 0 (float32 or int32 masks).
 */

const WG = 64;

/** WGSL sigmoid and tanh, accurate in f32 over the whole range and overflow-free. */
const ACTIVATIONS = /* wgsl */ `
fn sig(x: f32) -> f32 {
  let e = exp(-abs(x));
  return select(e / (1.0 + e), 1.0 / (1.0 + e), x >= 0.0);
}
fn th(x: f32) -> f32 {
  let a = abs(x);
  var r: f32;
  if (a < 0.3) {
    let s = a * a;
    r = a * (1.0 + s * (-0.33333333333 + s * (0.13333333333 + s * (-0.053968253968 + s * 0.021869488536))));
  } else {
    let t = exp(-2.0 * a);
    r = (1.0 - t) / (1.0 + t);
  }
  return select(-r, r, x >= 0.0);
}
`;

type Access = 'read' | 'read_write';

/** Storage declarations from (name, access, element type) in binding order 1, 2, … */
function decls(list: readonly (readonly [string, Access, string])[]): string {
  return list.map(([name, access, type], k) => `@group(0) @binding(${k + 1}) var<storage, ${access}> ${name}: array<${type}>;`).join('\n');
}

/** The entry point over a flat range of pu(0) invocations, index `i`. */
function entry(bodyCode: string): string {
  return `
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flat(wid, nwg, lid, ${WG}u);
  if (i >= pu(0u)) { return; }
${bodyCode}
}
`;
}

/** Reads the common geometry words: [n, B, T, U, tau, step, seq, zeroOutput, …] and the reserve offsets. */
function geometry(gates: number): string {
  return `  let B = pu(1u); let T = pu(2u); let U = pu(3u); let tau = pu(4u); let stp = pu(5u);
  let seq = pu(6u) != 0u; let zeroOut = pu(7u) != 0u;
  let GU = ${gates}u * U;
  let b = i / max(U, 1u); let j = i % max(U, 1u);
  let row = b * T + tau;
  let x0 = row * GU;
  let hPrevOff = B * T * GU; let aux1Off = hPrevOff + B * T * U; let aux2Off = aux1Off + B * T * U;
  let BU = B * U;
  let seqLen = select(0u, B * T * U, seq);
  let lastOff = seqLen; let hOff = seqLen + BU; let cOff = seqLen + 2u * BU;`;
}

/** WGSL setting `act` (the row runs the step) from the mask, or true without one. */
function activeCode(hasMask: boolean): string {
  return hasMask ? `  let act = msk[row] != 0;` : '  let act = true;';
}

/** A dispatch's geometry words. */
function words(n: number, info: RnnInfo, tau: number, step: number, extra: readonly number[] = []): number[] {
  return [n, info.batch, info.time, info.units, tau, step, info.sequence ? 1 : 0, info.zeroOutputForMask ? 1 : 0, ...extra];
}

interface Variant {
  readonly cell: RnnCell;
  readonly bias: boolean;
  readonly reserve: boolean;
  /** The mask's element type, or null without a mask. */
  readonly mask: 'f32' | 'i32' | null;
}

function variantKey(v: Variant): string {
  return `${v.cell}:${v.bias ? 'b' : ''}${v.reserve ? 'r' : ''}${v.mask ?? ''}`;
}

/**
 * Mask handling after the cell (forward, own element i of [B, U]): the state h moves to
 * hNext in the other half of `hs` and in y's h section; the last output and the step's
 * output follow Keras' masking rules.
 */
const FORWARD_TAIL = `
  var hNext = hPrev;
  if (act) {
    hNext = hn;
    y[lastOff + i] = hn;
  } else if (zeroOut) {
    y[lastOff + i] = 0.0;
  }
  hs[hout + i] = hNext;
  y[hOff + i] = hNext;
  if (seq) { y[(b * T + stp) * U + j] = y[lastOff + i]; }`;

/**
 * Forward step for 'lstm' and 'gru' (reset after): bindings xw, kernel, bias?, hs (h
 * ping-pong, rw), y (rw), reserve?, mask?. Words: geometry, then hin, hout (offsets of
 * the halves of hs).
 */
function forwardStepSource(v: Variant): string {
  const lstm = v.cell === 'lstm';
  const G = rnnGates(v.cell);
  const list: [string, Access, string][] = [['xw', 'read', 'f32'], ['K', 'read', 'f32']];
  if (v.bias) list.push(['bias', 'read', 'f32']);
  list.push(['hs', 'read_write', 'f32'], ['y', 'read_write', 'f32']);
  if (v.reserve) list.push(['res', 'read_write', 'f32']);
  if (v.mask) list.push(['msk', 'read', v.mask]);
  const accs = Array.from({ length: G }, (_, g) => `r${g}`);
  let code = `${geometry(G)}
  let hin = pu(8u); let hout = pu(9u);
  let hb = hin + b * U;
  ${accs.map((r) => `var ${r} = 0.0;`).join(' ')}
  for (var k = 0u; k < U; k++) {
    let hk = hs[hb + k];
    let kb = k * GU + j;
    ${accs.map((r, g) => `${r} += hk * K[kb + ${g}u * U];`).join(' ')}
  }
  let hPrev = hs[hin + i];
${activeCode(v.mask !== null)}
`;
  if (lstm) {
    code += `
  let ig = sig(xw[x0 + j] + r0);
  let fg = sig(xw[x0 + U + j] + r1);
  let gg = th(xw[x0 + 2u * U + j] + r2);
  let og = sig(xw[x0 + 3u * U + j] + r3);
  let cPrev = y[cOff + i];
  let cNew = fg * cPrev + ig * gg;
  let t = th(cNew);
  let hn = og * t;
  ${v.reserve ? `res[x0 + j] = ig; res[x0 + U + j] = fg; res[x0 + 2u * U + j] = gg; res[x0 + 3u * U + j] = og;
  res[hPrevOff + row * U + j] = hPrev; res[aux1Off + row * U + j] = cPrev; res[aux2Off + row * U + j] = t;` : ''}
  if (act) { y[cOff + i] = cNew; }`;
  } else {
    code += `
  ${v.bias ? 'r0 += bias[j]; r1 += bias[U + j]; r2 += bias[2u * U + j];' : ''}
  let z = sig(xw[x0 + j] + r0);
  let rr = sig(xw[x0 + U + j] + r1);
  let aux = r2;
  let hh = th(xw[x0 + 2u * U + j] + rr * aux);
  let hn = hh + z * (hPrev - hh);
  ${v.reserve ? `res[x0 + j] = z; res[x0 + U + j] = rr; res[x0 + 2u * U + j] = hh;
  res[hPrevOff + row * U + j] = hPrev; res[aux1Off + row * U + j] = aux;` : ''}`;
  }
  return `${decls(list)}\n${ACTIVATIONS}${entry(code + FORWARD_TAIL)}`;
}

/**
 * 'gruResetBefore', first half of a step: z, r from xw and h·U_{z,r}; z and r·h go to the
 * scratch `tmp` ([z | r·h], [B, U] each). Bindings xw, kernel, hs (read), tmp, reserve?.
 */
function gruBeforeGatesSource(v: Variant): string {
  const list: [string, Access, string][] = [['xw', 'read', 'f32'], ['K', 'read', 'f32'], ['hs', 'read', 'f32'], ['tmp', 'read_write', 'f32']];
  if (v.reserve) list.push(['res', 'read_write', 'f32']);
  const code = `${geometry(3)}
  let hin = pu(8u);
  let hb = hin + b * U;
  var r0 = 0.0; var r1 = 0.0;
  for (var k = 0u; k < U; k++) {
    let hk = hs[hb + k];
    let kb = k * GU + j;
    r0 += hk * K[kb]; r1 += hk * K[kb + U];
  }
  let hPrev = hs[hin + i];
  let z = sig(xw[x0 + j] + r0);
  let rr = sig(xw[x0 + U + j] + r1);
  let rh = rr * hPrev;
  tmp[i] = z;
  tmp[BU + i] = rh;
  ${v.reserve ? `res[x0 + j] = z; res[x0 + U + j] = rr; res[hPrevOff + row * U + j] = hPrev; res[aux1Off + row * U + j] = rh;` : ''}`;
  return `${decls(list)}\n${ACTIVATIONS}${entry(code)}`;
}

/**
 * 'gruResetBefore', second half: hh = tanh(x_h + (r·h)·U_h), h' = hh + z·(h − hh), masks
 * and outputs. Bindings xw, kernel, hs (rw), tmp (read), y, reserve?, mask?.
 */
function gruBeforeCellSource(v: Variant): string {
  const list: [string, Access, string][] = [['xw', 'read', 'f32'], ['K', 'read', 'f32'], ['hs', 'read_write', 'f32'], ['tmp', 'read', 'f32'], ['y', 'read_write', 'f32']];
  if (v.reserve) list.push(['res', 'read_write', 'f32']);
  if (v.mask) list.push(['msk', 'read', v.mask]);
  const code = `${geometry(3)}
  let hin = pu(8u); let hout = pu(9u);
  let rb = BU + b * U;
  var r2 = 0.0;
  for (var k = 0u; k < U; k++) { r2 += tmp[rb + k] * K[k * GU + 2u * U + j]; }
  let hPrev = hs[hin + i];
  let z = tmp[i];
  let hh = th(xw[x0 + 2u * U + j] + r2);
  let hn = hh + z * (hPrev - hh);
  ${v.reserve ? 'res[x0 + 2u * U + j] = hh;' : ''}
${activeCode(v.mask !== null)}
`;
  return `${decls(list)}\n${ACTIVATIONS}${entry(code + FORWARD_TAIL)}`;
}

/** Forward start: h0 into the first half of hs and y's h, c0 into y's c (LSTM), the last output zero. */
function forwardInitSource(lstm: boolean): string {
  const list: [string, Access, string][] = [['h0', 'read', 'f32']];
  if (lstm) list.push(['c0', 'read', 'f32']);
  list.push(['hs', 'read_write', 'f32'], ['y', 'read_write', 'f32']);
  const code = `${geometry(lstm ? 4 : 3)}
  hs[i] = h0[i];
  y[hOff + i] = h0[i];
  y[lastOff + i] = 0.0;
  ${lstm ? 'y[cOff + i] = c0[i];' : ''}`;
  return `${decls(list)}\n${entry(code)}`;
}

/**
 * Backward, per (b, j) of a step: the output gradient (with the carried repeat), the
 * carry update, and at active rows the gate gradients of unit j into dxw and the
 * element-local state gradients (LSTM gc ← dc·f; GRU gh ← dh·z); masked rows get zeros
 * in dxw. Bindings dy, reserve, dxw, st ([gh | gc | carry], [B, U] each), mask?.
 */
function backwardGatesSource(v: Variant): string {
  const G = rnnGates(v.cell);
  const list: [string, Access, string][] = [['dy', 'read', 'f32'], ['res', 'read', 'f32'], ['dxw', 'read_write', 'f32'], ['st', 'read_write', 'f32']];
  if (v.mask) list.push(['msk', 'read', v.mask]);
  let code = `${geometry(G)}
  var go = st[2u * BU + i];
  if (seq) { go += dy[(b * T + stp) * U + j]; }
  if (stp == T - 1u) { go += dy[lastOff + i]; }
${activeCode(v.mask !== null)}
  if (act || zeroOut) { st[2u * BU + i] = 0.0; } else { st[2u * BU + i] = go; }
  if (!act) {
    ${Array.from({ length: G }, (_, g) => `dxw[x0 + ${g}u * U + j] = 0.0;`).join(' ')}
    return;
  }
  let dh = go + st[i];
`;
  if (v.cell === 'lstm') {
    code += `
  let ig = res[x0 + j]; let fg = res[x0 + U + j]; let gg = res[x0 + 2u * U + j]; let og = res[x0 + 3u * U + j];
  let t = res[aux2Off + row * U + j];
  let cPrev = res[aux1Off + row * U + j];
  let dc = st[BU + i] + dh * og * (1.0 - t * t);
  dxw[x0 + j] = dc * gg * ig * (1.0 - ig);
  dxw[x0 + U + j] = dc * cPrev * fg * (1.0 - fg);
  dxw[x0 + 2u * U + j] = dc * ig * (1.0 - gg * gg);
  dxw[x0 + 3u * U + j] = dh * t * og * (1.0 - og);
  st[BU + i] = dc * fg;`;
  } else {
    code += `
  let z = res[x0 + j]; let rr = res[x0 + U + j]; let hh = res[x0 + 2u * U + j];
  let hp = res[hPrevOff + row * U + j];
  let dhh = dh * (1.0 - z) * (1.0 - hh * hh);
  dxw[x0 + j] = dh * (hp - hh) * z * (1.0 - z);
  dxw[x0 + 2u * U + j] = dhh;
  st[i] = dh * z;
  ${v.cell === 'gru' ? 'dxw[x0 + U + j] = dhh * res[aux1Off + row * U + j] * rr * (1.0 - rr);' : ''}`;
  }
  return `${decls(list)}\n${entry(code)}`;
}

/**
 * 'gruResetBefore' backward, per (b, k) at active rows: d(r·h)_k = Σ_j dhh_j·U_h[k, j],
 * the reset gate's gradient into dxw and d(r·h)·r into gh. Bindings kernel, reserve, dxw,
 * st, mask?.
 */
function backwardResetSource(v: Variant): string {
  const list: [string, Access, string][] = [['K', 'read', 'f32'], ['res', 'read', 'f32'], ['dxw', 'read_write', 'f32'], ['st', 'read_write', 'f32']];
  if (v.mask) list.push(['msk', 'read', v.mask]);
  const code = `${geometry(3)}
${activeCode(v.mask !== null)}
  if (!act) { return; }
  var drh = 0.0;
  for (var q = 0u; q < U; q++) { drh += dxw[x0 + 2u * U + q] * K[j * GU + 2u * U + q]; }
  let rr = res[x0 + U + j];
  dxw[x0 + U + j] = drh * res[hPrevOff + row * U + j] * rr * (1.0 - rr);
  st[i] += drh * rr;`;
  return `${decls(list)}\n${entry(code)}`;
}

/**
 * Backward, per (b, k) at active rows: the gradient reaching h through the recurrent
 * product, Σ_col dM[col]·U[k, col] (dM = dA, with the candidate block times r for 'gru';
 * only the z, r blocks for 'gruResetBefore'); LSTM sets gh, GRU adds to it. Bindings
 * kernel, reserve ('gru'), dxw, st, mask?.
 */
function backwardRecurrentSource(v: Variant): string {
  const after = v.cell === 'gru';
  const G = rnnGates(v.cell);
  const list: [string, Access, string][] = [['K', 'read', 'f32']];
  if (after) list.push(['res', 'read', 'f32']);
  list.push(['dxw', 'read', 'f32'], ['st', 'read_write', 'f32']);
  if (v.mask) list.push(['msk', 'read', v.mask]);
  const ncol = v.cell === 'gruResetBefore' ? '2u * U' : 'GU';
  const code = `${geometry(G)}
${activeCode(v.mask !== null)}
  if (!act) { return; }
  var s = 0.0;
  let kb = j * GU;
  for (var q = 0u; q < ${ncol}; q++) {
    var dm = dxw[x0 + q];
    ${after ? 'if (q >= 2u * U) { dm = dm * res[x0 + q - U]; }' : ''}
    s += dm * K[kb + q];
  }
  ${v.cell === 'lstm' ? 'st[i] = s;' : 'st[i] += s;'}`;
  return `${decls(list)}\n${entry(code)}`;
}

/** Backward start: gh, gc from dy's state sections, the carry zero. Bindings dy, st. */
function backwardInitSource(lstm: boolean): string {
  const code = `${geometry(lstm ? 4 : 3)}
  st[i] = dy[hOff + i];
  st[BU + i] = ${lstm ? 'dy[cOff + i]' : '0.0'};
  st[2u * BU + i] = 0.0;`;
  return `${decls([['dy', 'read', 'f32'], ['st', 'read_write', 'f32']])}\n${entry(code)}`;
}

/**
 * dKernel[k, col] = Σ_rows v[row, k]·dM[row, col] over all B·T rows (masked rows have
 * dA = 0), with v = h entering the step (r·h for the candidate block of
 * 'gruResetBefore') and dM as in backwardRecurrentSource; one invocation per element of
 * dKernel. Bindings reserve, dxw, dKernel.
 */
function dKernelSource(cell: RnnCell): string {
  const G = rnnGates(cell);
  const code = `  let B = pu(1u); let T = pu(2u); let U = pu(3u);
  let GU = ${G}u * U;
  let k = i / GU; let col = i % GU;
  let rows = B * T;
  let hPrevOff = rows * GU; let aux1Off = hPrevOff + rows * U;
  var vOff = hPrevOff;
  ${cell === 'gruResetBefore' ? 'if (col >= 2u * U) { vOff = aux1Off; }' : ''}
  var s = 0.0;
  for (var r = 0u; r < rows; r++) {
    var dm = dxw[r * GU + col];
    ${cell === 'gru' ? 'if (col >= 2u * U) { dm = dm * res[r * GU + col - U]; }' : ''}
    s += res[vOff + r * U + k] * dm;
  }
  dK[i] = s;`;
  return `${decls([['res', 'read', 'f32'], ['dxw', 'read', 'f32'], ['dK', 'read_write', 'f32']])}\n${entry(code)}`;
}

/** dBias[col] = Σ_rows dM[row, col] ('gru'); one invocation per column. Bindings reserve, dxw, dBias. */
function dBiasSource(): string {
  const code = `  let B = pu(1u); let T = pu(2u); let U = pu(3u);
  let GU = 3u * U;
  let rows = B * T;
  var s = 0.0;
  for (var r = 0u; r < rows; r++) {
    var dm = dxw[r * GU + i];
    if (i >= 2u * U) { dm = dm * res[r * GU + i - U]; }
    s += dm;
  }
  db[i] = s;`;
  return `${decls([['res', 'read', 'f32'], ['dxw', 'read', 'f32'], ['db', 'read_write', 'f32']])}\n${entry(code)}`;
}

/** dh0 (and dc0) from the state scratch; dc0 of a GRU is zero. Bindings st, dh0, dc0?. */
function backwardFinishSource(lstm: boolean, dc0: boolean): string {
  const list: [string, Access, string][] = [['st', 'read', 'f32'], ['dh0', 'read_write', 'f32']];
  if (dc0) list.push(['dc0', 'read_write', 'f32']);
  const code = `  let BU = pu(0u);
  dh0[i] = st[i];
  ${dc0 ? (lstm ? 'dc0[i] = st[BU + i];' : 'dc0[i] = 0.0;') : ''}`;
  return `${decls(list)}\n${entry(code)}`;
}

/** Zero fill. Bindings out. */
function fillZeroSource(): string {
  return `${decls([['o', 'read_write', 'f32']])}\n${entry('  o[i] = 0.0;')}`;
}

function maskType(mask: GpuBuffer | null): 'f32' | 'i32' | null {
  return mask === null ? null : wgslType(mask.dtype);
}

function expect(what: string, h: GpuBuffer | null, size: number, dtype: DataType | null = 'float32'): void {
  if (h === null) return;
  if (h.size !== size) throw new RangeError(`${what} has ${h.size} elements; expected ${size}`);
  if (dtype !== null && h.dtype !== dtype) throw new TypeError(`${what} must be ${dtype}; got ${h.dtype}`);
}

function checkInfo(op: string, info: RnnInfo): void {
  for (const f of ['batch', 'time', 'units'] as const) {
    const v = info[f];
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`${op}: info.${f} must be a non-negative integer; got ${v}`);
  }
  if (info.cell !== 'lstm' && info.cell !== 'gru' && info.cell !== 'gruResetBefore') throw new RangeError(`${op}: unknown cell '${String(info.cell)}'`);
}

/**
 * The recurrent kernels of the WebGPU backend. Sizes and dtypes of every handle are checked
 * against `info` on the host (float32 data; the mask float32 or int32), so the shaders
 * only index within their buffers.
 *
 * rnnForward: 1 init dispatch, then per step 1 dispatch ('lstm', 'gru') or 2
 * ('gruResetBefore'), each one invocation per (batch row, unit) in workgroups of 64.
 * rnnBackward: 1 init dispatch, per step 2 ('lstm', 'gru') or 3 ('gruResetBefore')
 * dispatches of one invocation per (batch row, unit), then one dispatch per element of
 * dKernel (a sum over the B·T rows), one per bias column, one for dh0/dc0.
 */
export function rnnKernels(gpu: Gpu): Pick<Backend<GpuBuffer>, 'rnnForward' | 'rnnBackward'> {
  return {
    rnnForward(info: RnnInfo, xw: GpuBuffer, kernel: GpuBuffer, bias: GpuBuffer | null, h0: GpuBuffer, c0: GpuBuffer | null, mask: GpuBuffer | null, y: GpuBuffer, reserve: GpuBuffer | null): void {
      const op = 'rnnForward';
      checkInfo(op, info);
      const { batch: B, time: T, units: U, cell } = info;
      const G = rnnGates(cell);
      const lstm = cell === 'lstm';
      if (lstm && c0 === null) throw new TypeError(`${op}: an 'lstm' cell needs c0`);
      expect(`${op}: xw`, xw, B * T * G * U);
      expect(`${op}: kernel`, kernel, U * G * U);
      expect(`${op}: bias`, cell === 'gru' ? bias : null, G * U);
      expect(`${op}: h0`, h0, B * U);
      expect(`${op}: c0`, lstm ? c0 : null, B * U);
      expect(`${op}: mask`, mask, B * T, null);
      expect(`${op}: y`, y, rnnOutputSize(info));
      expect(`${op}: reserve`, reserve, rnnReserveSize(info));
      const v: Variant = { cell, bias: cell === 'gru' && bias !== null, reserve: reserve !== null, mask: maskType(mask) };
      const n = B * U;
      const groups = groups1d(n, WG);
      const hs = gpu.memory.alloc('float32', 2 * n);
      gpu.run({
        key: `rnnF0:${lstm}`,
        source: () => forwardInitSource(lstm),
        buffers: lstm ? [h0, c0 as GpuBuffer, hs, y] : [h0, hs, y],
        ints: words(n, info, 0, 0),
        groups,
      });
      const opt = (...hs_: (GpuBuffer | null | false)[]): GpuBuffer[] => hs_.filter((h): h is GpuBuffer => h !== null && h !== false);
      const tmp = cell === 'gruResetBefore' ? gpu.memory.alloc('float32', 2 * n) : null;
      for (let step = 0; step < T; step++) {
        const tau = info.goBackwards ? T - 1 - step : step;
        const hin = (step % 2) * n;
        const hout = n - hin;
        if (tmp === null) {
          gpu.run({
            key: `rnnF:${variantKey(v)}`,
            source: () => forwardStepSource(v),
            buffers: opt(xw, kernel, v.bias && bias, hs, y, reserve, mask),
            ints: words(n, info, tau, step, [hin, hout]),
            groups,
          });
        } else {
          gpu.run({
            key: `rnnFzr:${variantKey(v)}`,
            source: () => gruBeforeGatesSource(v),
            buffers: opt(xw, kernel, hs, tmp, reserve),
            ints: words(n, info, tau, step, [hin]),
            groups,
          });
          gpu.run({
            key: `rnnFhh:${variantKey(v)}`,
            source: () => gruBeforeCellSource(v),
            buffers: opt(xw, kernel, hs, tmp, y, reserve, mask),
            ints: words(n, info, tau, step, [hin, hout]),
            groups,
          });
        }
      }
      gpu.memory.free(hs);
      if (tmp !== null) gpu.memory.free(tmp);
    },

    rnnBackward(info: RnnInfo, dy: GpuBuffer, kernel: GpuBuffer, mask: GpuBuffer | null, reserve: GpuBuffer, grads: RnnGrads<GpuBuffer>): void {
      const op = 'rnnBackward';
      checkInfo(op, info);
      const { batch: B, time: T, units: U, cell } = info;
      const G = rnnGates(cell);
      const GU = G * U;
      const lstm = cell === 'lstm';
      expect(`${op}: dy`, dy, rnnOutputSize(info));
      expect(`${op}: kernel`, kernel, U * GU);
      expect(`${op}: mask`, mask, B * T, null);
      expect(`${op}: reserve`, reserve, rnnReserveSize(info));
      expect(`${op}: dxw`, grads.dxw, B * T * GU);
      expect(`${op}: dKernel`, grads.dKernel, U * GU);
      expect(`${op}: dBias`, grads.dBias, GU);
      expect(`${op}: dh0`, grads.dh0, B * U);
      expect(`${op}: dc0`, grads.dc0, B * U);
      const v: Variant = { cell, bias: false, reserve: true, mask: maskType(mask) };
      const key = variantKey(v);
      const n = B * U;
      const groups = groups1d(n, WG);
      const st = gpu.memory.alloc('float32', 3 * n);
      const m = mask === null ? [] : [mask];
      gpu.run({ key: `rnnB0:${lstm}`, source: () => backwardInitSource(lstm), buffers: [dy, st], ints: words(n, info, 0, 0), groups });
      for (let step = T - 1; step >= 0; step--) {
        const tau = info.goBackwards ? T - 1 - step : step;
        const ints = words(n, info, tau, step);
        gpu.run({ key: `rnnBg:${key}`, source: () => backwardGatesSource(v), buffers: [dy, reserve, grads.dxw, st, ...m], ints, groups });
        if (cell === 'gruResetBefore') {
          gpu.run({ key: `rnnBr:${key}`, source: () => backwardResetSource(v), buffers: [kernel, reserve, grads.dxw, st, ...m], ints, groups });
        }
        const res = cell === 'gru' ? [reserve] : [];
        gpu.run({ key: `rnnBh:${key}`, source: () => backwardRecurrentSource(v), buffers: [kernel, ...res, grads.dxw, st, ...m], ints, groups });
      }
      const sizes = [0, B, T, U];
      gpu.run({ key: `rnnBdK:${cell}`, source: () => dKernelSource(cell), buffers: [reserve, grads.dxw, grads.dKernel], ints: [U * GU, ...sizes.slice(1)], groups: groups1d(U * GU, WG) });
      if (grads.dBias !== null) {
        if (cell === 'gru') {
          gpu.run({ key: 'rnnBdb', source: dBiasSource, buffers: [reserve, grads.dxw, grads.dBias], ints: [GU, ...sizes.slice(1)], groups: groups1d(GU, WG) });
        } else {
          gpu.run({ key: 'rnnZero', source: fillZeroSource, buffers: [grads.dBias], ints: [grads.dBias.size], groups: groups1d(grads.dBias.size, WG) });
        }
      }
      const dc0 = grads.dc0 !== null;
      gpu.run({
        key: `rnnBend:${lstm}:${dc0}`,
        source: () => backwardFinishSource(lstm, dc0),
        buffers: dc0 ? [st, grads.dh0, grads.dc0 as GpuBuffer] : [st, grads.dh0],
        ints: [n],
        groups,
      });
      gpu.memory.free(st);
    },
  };
}
