/**
 * Reference kernels of the fused recurrent layers (interface.ts, RnnInfo): a whole LSTM or
 * GRU sequence forward, and backpropagation through time. Plain loops, one batch row at a
 * time (the rows of a recurrence are independent), sums in float64; the native kernels are
 * tested against these.
 */
import type { TypedArray } from '../../tensor/dtype.js';
import type { RnnCell, RnnGrads, RnnInfo } from '../interface.js';
import { M } from '../math.js';

const sigmoid = M.sigmoid;

/** Gate blocks of a cell: LSTM 4 (i, f, c, o), GRU 3 (z, r, h). */
export function rnnGates(cell: RnnCell): number {
  return cell === 'lstm' ? 4 : 3;
}

/** Length of the packed result y (and of dy). */
export function rnnOutputSize(info: RnnInfo): number {
  const bu = info.batch * info.units;
  return (info.sequence ? info.time * bu : 0) + (info.cell === 'lstm' ? 3 : 2) * bu;
}

/** Length of the reserve: per row (b, τ) the gates, h entering the step and 2 (LSTM) or 1 (GRU) more vectors of units. */
export function rnnReserveSize(info: RnnInfo): number {
  const extra = info.cell === 'lstm' ? 3 : 2;
  return info.batch * info.time * (rnnGates(info.cell) + extra) * info.units;
}

/** Offsets of the reserve's sections (in elements). */
export function rnnReserveLayout(info: RnnInfo): { gates: number; hPrev: number; aux1: number; aux2: number } {
  const rows = info.batch * info.time;
  const U = info.units;
  const gates = 0;
  const hPrev = rows * rnnGates(info.cell) * U;
  const aux1 = hPrev + rows * U;
  return { gates, hPrev, aux1, aux2: aux1 + rows * U };
}

/** out[j] = Σ_k v[vOff + k]·w[k·ld + col0 + j] for j < n (a row vector times a column block). */
function vecMat(v: ArrayLike<number>, vOff: number, w: Float32Array, k: number, ld: number, col0: number, n: number, out: Float64Array): void {
  out.fill(0, 0, n);
  for (let p = 0; p < k; p++) {
    const a = v[vOff + p];
    if (a === 0) continue;
    const base = p * ld + col0;
    for (let j = 0; j < n; j++) out[j] += a * w[base + j];
  }
}

/** out[k] = Σ_j g[j]·w[k·ld + col0 + j] for k < rows (a row vector times a block transposed). */
function vecMatT(g: Float64Array, w: Float32Array, rows: number, ld: number, col0: number, n: number, out: Float64Array): void {
  for (let p = 0; p < rows; p++) {
    let s = 0;
    const base = p * ld + col0;
    for (let j = 0; j < n; j++) s += g[j] * w[base + j];
    out[p] = s;
  }
}

/** dK[k, col0 + j] += v[k]·g[j] (one row's share of the recurrent kernel's gradient). */
function outer(v: ArrayLike<number>, vOff: number, g: Float64Array, dK: Float64Array, k: number, ld: number, col0: number, n: number): void {
  for (let p = 0; p < k; p++) {
    const a = v[vOff + p];
    if (a === 0) continue;
    const base = p * ld + col0;
    for (let j = 0; j < n; j++) dK[base + j] += a * g[j];
  }
}

/** Working state of the forward pass: the carried states (inside y), per-row scratch and the reserve. */
interface Fwd {
  readonly U: number;
  readonly GU: number;
  readonly xw: Float32Array;
  readonly kernel: Float32Array;
  readonly bias: Float32Array | null;
  readonly h: Float32Array;
  readonly c: Float32Array;
  readonly reserve: Float32Array | null;
  readonly lay: ReturnType<typeof rnnReserveLayout>;
  readonly rec: Float64Array;
  readonly tmp: Float64Array;
  readonly zr: Float32Array;
  readonly hh: Float32Array;
  readonly aux: Float32Array;
  /** The row's new h and c (before masking). */
  readonly hn: Float32Array;
  readonly cn: Float32Array;
}

/** LSTM, one row: a = xw + h·U; i, f, c, o; c' = f·c + i·tanh(a_c); h' = o·tanh(c'). */
function lstmRow(k: Fwd, row: number, s: number): void {
  const { U, GU, xw, h, c, reserve, lay, rec, hn, cn } = k;
  vecMat(h, s, k.kernel, U, GU, 0, GU, rec);
  const x0 = row * GU;
  const g0 = lay.gates + row * GU;
  if (reserve) reserve.set(c.subarray(s, s + U), lay.aux1 + row * U);
  for (let j = 0; j < U; j++) {
    const i = Math.fround(sigmoid(xw[x0 + j] + rec[j]));
    const f = Math.fround(sigmoid(xw[x0 + U + j] + rec[U + j]));
    const g = Math.fround(Math.tanh(xw[x0 + 2 * U + j] + rec[2 * U + j]));
    const o = Math.fround(sigmoid(xw[x0 + 3 * U + j] + rec[3 * U + j]));
    const cNew = Math.fround(f * c[s + j] + i * g);
    const t = Math.fround(Math.tanh(cNew));
    cn[j] = cNew;
    hn[j] = o * t;
    if (reserve) {
      reserve[g0 + j] = i;
      reserve[g0 + U + j] = f;
      reserve[g0 + 2 * U + j] = g;
      reserve[g0 + 3 * U + j] = o;
      reserve[lay.aux2 + row * U + j] = t;
    }
  }
}

/** GRU, one row: z, r, the candidate hh (reset gate after or before the recurrent product), h' = hh + z·(h − hh). */
function gruRow(k: Fwd, after: boolean, row: number, s: number): void {
  const { U, GU, xw, h, rec, zr, hh, aux, hn, reserve, lay } = k;
  vecMat(h, s, k.kernel, U, GU, 0, after ? GU : 2 * U, rec);
  if (after && k.bias) for (let j = 0; j < GU; j++) rec[j] += k.bias[j];
  const x0 = row * GU;
  for (let j = 0; j < 2 * U; j++) zr[j] = sigmoid(xw[x0 + j] + rec[j]);
  if (after) {
    for (let j = 0; j < U; j++) aux[j] = rec[2 * U + j];
    for (let j = 0; j < U; j++) hh[j] = Math.tanh(xw[x0 + 2 * U + j] + zr[U + j] * aux[j]);
  } else {
    for (let j = 0; j < U; j++) aux[j] = zr[U + j] * h[s + j];
    vecMat(aux, 0, k.kernel, U, GU, 2 * U, U, k.tmp);
    for (let j = 0; j < U; j++) hh[j] = Math.tanh(xw[x0 + 2 * U + j] + k.tmp[j]);
  }
  for (let j = 0; j < U; j++) hn[j] = hh[j] + zr[j] * (h[s + j] - hh[j]);
  if (reserve) {
    reserve.set(zr, lay.gates + row * GU);
    reserve.set(hh, lay.gates + row * GU + 2 * U);
    reserve.set(aux, lay.aux1 + row * U);
  }
}

/**
 * Forward over all steps into the packed result `y` (rnnOutputSize(info) elements). Per row
 * and step: the recurrent term h·U, the cell, the mask; when `reserve` is given
 * (training, rnnReserveSize(info) elements) it receives what rnnBackward needs. Every
 * element of y and reserve is written (the last output starts at zero, the states at h0
 * and c0; each reserve row is written at its step, masked or not).
 */
export function rnnForward(info: RnnInfo, xw: Float32Array, kernel: Float32Array, bias: Float32Array | null, h0: Float32Array, c0: Float32Array | null, mask: TypedArray | null, y: Float32Array, reserve: Float32Array | null): void {
  const { batch: B, time: T, units: U, cell } = info;
  const GU = rnnGates(cell) * U;
  const lstm = cell === 'lstm';
  const seq = info.sequence ? B * T * U : 0;
  const last = y.subarray(seq, seq + B * U);
  last.fill(0);
  const k: Fwd = {
    U, GU, xw, kernel, bias,
    h: y.subarray(seq + B * U, seq + 2 * B * U),
    c: lstm ? y.subarray(seq + 2 * B * U, seq + 3 * B * U) : new Float32Array(0),
    reserve,
    lay: rnnReserveLayout(info),
    rec: new Float64Array(GU), tmp: new Float64Array(U), zr: new Float32Array(2 * U), hh: new Float32Array(U),
    aux: new Float32Array(U), hn: new Float32Array(U), cn: new Float32Array(U),
  };
  k.h.set(h0);
  if (lstm) k.c.set(c0 as Float32Array);
  for (let step = 0; step < T; step++) {
    const tau = info.goBackwards ? T - 1 - step : step;
    for (let b = 0; b < B; b++) {
      const row = b * T + tau;
      const s = b * U;
      if (k.reserve) k.reserve.set(k.h.subarray(s, s + U), k.lay.hPrev + row * U);
      if (lstm) lstmRow(k, row, s);
      else gruRow(k, cell === 'gru', row, s);
      if (mask === null || mask[row] !== 0) {
        k.h.set(k.hn, s);
        if (lstm) k.c.set(k.cn, s);
        last.set(k.hn, s);
      } else if (info.zeroOutputForMask) {
        last.fill(0, s, s + U);
      }
      if (seq > 0) y.set(last.subarray(s, s + U), (b * T + step) * U);
    }
  }
}

/** Upstream gradient of the output at `step` for row b: dOutputs (if any) + dLast (last step) + the carried repeat. */
function outputGrad(info: RnnInfo, dy: Float32Array, step: number, b: number, carry: Float64Array, out: Float64Array): void {
  const { batch: B, time: T, units: U } = info;
  const seq = info.sequence ? B * T * U : 0;
  for (let j = 0; j < U; j++) {
    let g = carry[b * U + j];
    if (seq > 0) g += dy[(b * T + step) * U + j];
    if (step === T - 1) g += dy[seq + b * U + j];
    out[j] = g;
  }
}

/** Working state of the backward pass (float64), shared by the per-row rules. */
interface Back {
  readonly U: number;
  readonly GU: number;
  readonly kernel: Float32Array;
  readonly reserve: Float32Array;
  readonly lay: ReturnType<typeof rnnReserveLayout>;
  /** Gradient reaching h (becomes dh0) and c (LSTM; becomes dc0), [batch, units]. */
  readonly gh: Float64Array;
  readonly gc: Float64Array;
  readonly dK: Float64Array;
  readonly dBias: Float64Array | null;
  readonly gOut: Float64Array;
  /** Gate gradients d(xw) of the current row, and the gradient of the recurrent term (GRU). */
  readonly dA: Float64Array;
  readonly dM: Float64Array;
  readonly back: Float64Array;
  readonly drh: Float64Array;
}

/** LSTM, one active row: gate gradients into dA, c's gradient to the previous step, h's through Uᵀ. */
function lstmBackRow(k: Back, row: number, s: number): void {
  const { U, GU, reserve: r, lay, gh, gc, gOut, dA } = k;
  const g0 = lay.gates + row * GU;
  for (let j = 0; j < U; j++) {
    const [i, f, g, o] = [r[g0 + j], r[g0 + U + j], r[g0 + 2 * U + j], r[g0 + 3 * U + j]];
    const t = r[lay.aux2 + row * U + j];
    const dh = gOut[j] + gh[s + j];
    const dc = gc[s + j] + dh * o * (1 - t * t);
    dA[j] = dc * g * i * (1 - i);
    dA[U + j] = dc * r[lay.aux1 + row * U + j] * f * (1 - f);
    dA[2 * U + j] = dc * i * (1 - g * g);
    dA[3 * U + j] = dh * t * o * (1 - o);
    gc[s + j] = dc * f;
  }
  vecMatT(dA, k.kernel, U, GU, 0, GU, k.back);
  outer(r, lay.hPrev + row * U, dA, k.dK, U, GU, 0, GU);
  for (let j = 0; j < U; j++) gh[s + j] = k.back[j];
}

/** GRU, one active row: h' = z·h + (1 − z)·hh; reset gate after (cell 'gru') or before the recurrent product. */
function gruBackRow(k: Back, after: boolean, row: number, s: number): void {
  const { U, GU, kernel, reserve: r, lay, gh, gOut, dA, dM, back } = k;
  const g0 = lay.gates + row * GU;
  const hp = lay.hPrev + row * U;
  const aux = lay.aux1 + row * U;
  for (let j = 0; j < U; j++) {
    const [z, rr, hh] = [r[g0 + j], r[g0 + U + j], r[g0 + 2 * U + j]];
    const dh = gOut[j] + gh[s + j];
    const dhh = dh * (1 - z) * (1 - hh * hh);
    dA[j] = dh * (r[hp + j] - hh) * z * (1 - z);
    dA[2 * U + j] = dhh;
    gh[s + j] = dh * z;
    if (after) {
      // hh = tanh(x_h + r·m_h), m = h·U + bias.
      dA[U + j] = dhh * r[aux + j] * rr * (1 - rr);
      dM[2 * U + j] = dhh * rr;
    }
  }
  if (after) {
    for (let j = 0; j < 2 * U; j++) dM[j] = dA[j];
    vecMatT(dM, kernel, U, GU, 0, GU, back);
    outer(r, hp, dM, k.dK, U, GU, 0, GU);
    if (k.dBias) for (let j = 0; j < GU; j++) k.dBias[j] += dM[j];
  } else {
    // hh = tanh(x_h + (r·h)·U_h): d(r·h) = dhh·U_hᵀ, then r and h get their shares.
    for (let j = 0; j < U; j++) dM[j] = dA[2 * U + j];
    vecMatT(dM, kernel, U, GU, 2 * U, U, k.drh);
    outer(r, aux, dM, k.dK, U, GU, 2 * U, U);
    for (let j = 0; j < U; j++) {
      const rr = r[g0 + U + j];
      dA[U + j] = k.drh[j] * r[hp + j] * rr * (1 - rr);
      gh[s + j] += k.drh[j] * rr;
    }
    vecMatT(dA, kernel, U, GU, 0, 2 * U, back);
    outer(r, hp, dA, k.dK, U, GU, 0, 2 * U);
  }
  for (let j = 0; j < U; j++) gh[s + j] += back[j];
}

/**
 * Backpropagation through time: walks the steps in reverse; at an active row the gradient
 * reaching h' (from the output and the next step) flows through the cell into the gates
 * (dxw), the recurrent kernel, the bias and the previous states; at a masked row the state
 * gradients pass through and the output gradient goes to the previous output (or nowhere).
 * Writes every handle of `grads`: dxw (zero at masked rows), dKernel, dh0, and dBias
 * ('gru') and dc0 ('lstm') where given; sums run in float64 scratch.
 */
export function rnnBackward(info: RnnInfo, dy: Float32Array, kernel: Float32Array, mask: TypedArray | null, reserve: Float32Array, grads: RnnGrads<Float32Array>): void {
  const { batch: B, time: T, units: U, cell } = info;
  const GU = rnnGates(cell) * U;
  const lstm = cell === 'lstm';
  const seq = info.sequence ? B * T * U : 0;
  const k: Back = {
    U, GU, kernel, reserve,
    lay: rnnReserveLayout(info),
    gh: Float64Array.from(dy.subarray(seq + B * U, seq + 2 * B * U)),
    gc: lstm ? Float64Array.from(dy.subarray(seq + 2 * B * U, seq + 3 * B * U)) : new Float64Array(0),
    dK: new Float64Array(U * GU),
    dBias: cell === 'gru' && grads.dBias !== null ? new Float64Array(GU) : null,
    gOut: new Float64Array(U), dA: new Float64Array(GU), dM: new Float64Array(GU), back: new Float64Array(U), drh: new Float64Array(U),
  };
  const dxw = grads.dxw;
  dxw.fill(0);
  const carry = new Float64Array(B * U);
  for (let step = T - 1; step >= 0; step--) {
    const tau = info.goBackwards ? T - 1 - step : step;
    for (let b = 0; b < B; b++) {
      const row = b * T + tau;
      const s = b * U;
      outputGrad(info, dy, step, b, carry, k.gOut);
      const active = mask === null || mask[row] !== 0;
      for (let j = 0; j < U; j++) carry[s + j] = active || info.zeroOutputForMask ? 0 : k.gOut[j];
      if (!active) continue;
      if (lstm) lstmBackRow(k, row, s);
      else gruBackRow(k, cell === 'gru', row, s);
      for (let j = 0; j < GU; j++) dxw[row * GU + j] = k.dA[j];
    }
  }
  grads.dKernel.set(k.dK);
  grads.dh0.set(k.gh);
  if (grads.dBias !== null) {
    if (k.dBias !== null) grads.dBias.set(k.dBias);
    else grads.dBias.fill(0);
  }
  if (grads.dc0 !== null) {
    if (lstm) grads.dc0.set(k.gc);
    else grads.dc0.fill(0);
  }
}
