import type { Backend, Epilogue, EpilogueActivation, MatmulSpec } from '../interface.js';
import { type Gpu, type GpuBuffer, groups1d } from './runtime.js';

/**
 * The tiled GEMM every matrix product of the webgpu backend runs on (matmul here, the
 * implicit-GEMM convolutions in conv.ts).
 *
 * One workgroup of 256 threads computes a 64×64 tile of C; each thread owns a 4×4 block
 * (rows 4·ty…4·ty+3, columns 4·tx…4·tx+3) held in four vec4 accumulators. The K axis is
 * walked in steps of 16: the workgroup loads a 64×16 slice of op(A) and a 16×64 slice of
 * op(B) into workgroup memory (4 elements per thread, zero outside the matrix), then
 * every thread does 16 rank-1 updates of its block from two vec4 reads per step. The
 * tiles are stored k-major, `[16][64 + 4 pad]` floats as vec4s: the padding spreads the
 * scattered writes of a k-contiguous load over the banks, the reads are whole vec4s.
 *
 * Operands are not read directly but through six WGSL functions a program supplies
 * (GemmProgram): `aRow(z, i)` / `aCol(z, p)` compute per-row and per-k contexts once,
 * `aAt(row, col)` reads the element (0 outside); likewise `bRow(z, p)`, `bCol(z, j)`,
 * `bAt`. For a plain matmul the contexts are offsets; for a convolution they hold the
 * decoded pixel and tap, so the patch gather costs two integer divisions per row and per
 * k index instead of per element (implicit GEMM, no im2col buffer). Each operand is
 * loaded in the order that keeps global reads contiguous: "k-fast" (16 consecutive k of
 * one row per 16 threads: the row contexts are computed once before the K loop, one k
 * context per tile) or "x-fast" (64 consecutive rows/columns of one k: one row context,
 * four k contexts per tile).
 *
 * Split-K: when the output has few tiles and K is long (filter gradients, weight
 * gradients of dense layers with big batches), K is cut into `splits` chunks that run as
 * separate workgroups writing partial tiles to a temporary buffer, and a second dispatch
 * sums them in a fixed order (deterministic) and applies the program's store (with its
 * epilogue). `splits` is a parameter word, so one pipeline serves both modes.
 *
 * Pipelines per program: one per operand variant (transposes, bias or not); the ReLU
 * switch, strides, sizes and splits are parameter words.
 *
 * Dispatch: x = column tiles, y = row tiles, z = batch (or conv group) × splits; each axis
 * is cut into several dispatches past 65535 workgroups (base offsets in the parameters).
 */

/** Rows and columns of a workgroup's output tile. */
const TILE = 64;
/** K step. */
const KT = 16;
const MAX_GROUPS = 65535;
/** Parameter words of the GEMM itself: M, N, K, splits, kChunk, zBase, rowBase, colBase, zCount; the program's follow. */
const GEMM_PARAMS = 9;

/** An implicit GEMM C[z] = A[z]·B[z] (M×K by K×N) whose operands are read through WGSL functions. */
export interface GemmProgram {
  /** Pipeline key naming the operand functions and every compile-time choice in them. */
  readonly key: string;
  /** Buffers read by the operand functions, bound in this order. */
  readonly inputs: readonly GpuBuffer[];
  /** WGSL declarations of `inputs`, the first at binding `first`. */
  readonly inputDecls: (first: number) => string;
  /** Buffers used by `store` (the output first), bound in this order after the inputs and the split-K buffer. */
  readonly outputs: readonly GpuBuffer[];
  /** WGSL declarations of `outputs`, the first at binding `first`. */
  readonly outputDecls: (first: number) => string;
  /** WGSL shared by the passes (constants, private variables; no bindings), with `fn init()`, called first by every pass. */
  readonly header: string;
  /**
   * WGSL: type aliases RA, CA, RB, CB and the functions aRow(z: u32, i: u32) -> RA,
   * aCol(z: u32, p: u32) -> CA, aAt(r: RA, c: CA) -> f32, bRow(z: u32, p: u32) -> RB,
   * bCol(z: u32, j: u32) -> CB, bAt(r: RB, c: CB) -> f32. Indices may lie past M, N or K
   * (edge tiles): the element is then 0. Program parameters: pu(PB + k).
   */
  readonly operands: string;
  /** WGSL: fn storeC(z: u32, i: u32, j: u32, v: f32), called once per element of C (i < M, j < N). */
  readonly store: string;
  /** A is loaded k-fast (its elements are contiguous along k) rather than row-fast. */
  readonly aKFast: boolean;
  /** B is loaded k-fast rather than column-fast. */
  readonly bKFast: boolean;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  /** Independent products (batch entries, conv groups): the `z` of the operand functions. */
  readonly batch: number;
  /** The program's parameter words (u32/i32), read with pu(PB + k) / pi(PB + k). */
  readonly ints: readonly number[];
}

function tileLoads(side: 'A' | 'B', kFast: boolean): { setup: string; load: string } {
  const [row, col, at, set] = side === 'A' ? ['aRow', 'aCol', 'aAt', 'setA'] : ['bCol', 'bRow', 'bAt', 'setB'];
  const base = side === 'A' ? 'row0' : 'col0';
  const v = side.toLowerCase();
  // For B the "row" context is per column j (bCol) and the per-k context is bRow.
  const call = (x: string, p: string): string => (side === 'A' ? `${at}(${x}, ${p})` : `${at}(${p}, ${x})`);
  if (kFast) {
    const setup = [
      `let ${v}p = lid % 16u;`,
      `let ${v}x = lid / 16u;`,
      ...[0, 1, 2, 3].map((e) => `let ${v}r${e} = ${row}(z, ${base} + ${v}x + ${16 * e}u);`),
    ].join('\n  ');
    const load = [
      `let ${v}c = ${col}(z, t + ${v}p);`,
      ...[0, 1, 2, 3].map((e) => `${set}(${v}p, ${v}x + ${16 * e}u, ${call(`${v}r${e}`, `${v}c`)});`),
    ].join('\n    ');
    return { setup, load };
  }
  const setup = [`let ${v}x = lid % 64u;`, `let ${v}p = lid / 64u;`, `let ${v}r = ${row}(z, ${base} + ${v}x);`].join('\n  ');
  const load = [0, 1, 2, 3].map((e) => `${set}(${v}p + ${4 * e}u, ${v}x, ${call(`${v}r`, `${col}(z, t + ${v}p + ${4 * e}u)`)});`).join('\n    ');
  return { setup, load };
}

/**
 * WGSL of the tiled GEMM pass. With splits > 1 (a parameter: one pipeline serves both)
 * it writes partial tiles to T instead of calling storeC; T is a 1-element dummy otherwise.
 */
function gemmSource(p: GemmProgram): string {
  const nIn = p.inputs.length;
  const A = tileLoads('A', p.aKFast);
  const B = tileLoads('B', p.bKFast);
  return /* wgsl */ `
const PB: u32 = ${GEMM_PARAMS}u;
${p.header}
${p.inputDecls(1)}
@group(0) @binding(${nIn + 1}) var<storage, read_write> T: array<f32>;
${p.outputDecls(nIn + 2)}
${p.operands}
${p.store}
fn emit(z: u32, zi: u32, i: u32, j: u32, v: f32) {
  if (pu(3u) > 1u) { T[(zi * pu(0u) + i) * pu(1u) + j] = v; } else { storeC(z, i, j, v); }
}
// k-major tiles: row p of a tile is 17 vec4 (64 values + 4 padding).
var<workgroup> As: array<vec4<f32>, 272>;
var<workgroup> Bs: array<vec4<f32>, 272>;
fn setA(p: u32, x: u32, v: f32) { As[p * 17u + x / 4u][x % 4u] = v; }
fn setB(p: u32, x: u32, v: f32) { Bs[p * 17u + x / 4u][x % 4u] = v; }
fn emitRow(z: u32, zi: u32, i: u32, j0: u32, v: vec4<f32>) {
  let N = pu(1u);
  if (i >= pu(0u)) { return; }
  if (j0 < N) { emit(z, zi, i, j0, v.x); }
  if (j0 + 1u < N) { emit(z, zi, i, j0 + 1u, v.y); }
  if (j0 + 2u < N) { emit(z, zi, i, j0 + 2u, v.z); }
  if (j0 + 3u < N) { emit(z, zi, i, j0 + 3u, v.w); }
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  init();
  let K = pu(2u);
  let splits = pu(3u);
  let kChunk = pu(4u);
  let z = pu(5u) + wid.z / splits;
  let kBegin = (wid.z % splits) * kChunk;
  let kEnd = min(K, kBegin + kChunk);
  let row0 = pu(6u) + wid.y * 64u;
  let col0 = pu(7u) + wid.x * 64u;
  let tx = lid % 16u;
  let ty = lid / 16u;
  ${A.setup}
  ${B.setup}
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var t = kBegin; t < kEnd; t += 16u) {
    ${A.load}
    ${B.load}
    workgroupBarrier();
    for (var p = 0u; p < 16u; p++) {
      let a = As[p * 17u + ty];
      let b = Bs[p * 17u + tx];
      acc0 = fma(vec4<f32>(a.x), b, acc0);
      acc1 = fma(vec4<f32>(a.y), b, acc1);
      acc2 = fma(vec4<f32>(a.z), b, acc2);
      acc3 = fma(vec4<f32>(a.w), b, acc3);
    }
    workgroupBarrier();
  }
  let i0 = row0 + ty * 4u;
  let j0 = col0 + tx * 4u;
  emitRow(z, wid.z, i0, j0, acc0);
  emitRow(z, wid.z, i0 + 1u, j0, acc1);
  emitRow(z, wid.z, i0 + 2u, j0, acc2);
  emitRow(z, wid.z, i0 + 3u, j0, acc3);
}
`;
}

/** WGSL of the split-K reduction: one thread per element of C, partial sums added in order. */
function reduceSource(p: GemmProgram): string {
  return /* wgsl */ `
const PB: u32 = ${GEMM_PARAMS}u;
${p.header}
@group(0) @binding(1) var<storage, read> T: array<f32>;
${p.outputDecls(2)}
${p.store}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  init();
  let idx = flat(wid, nwg, lid, 256u);
  let MN = pu(0u) * pu(1u);
  let splits = pu(3u);
  if (idx >= pu(8u) * MN) { return; }
  let zl = idx / MN;
  let e = idx % MN;
  var s = 0.0;
  for (var k = 0u; k < splits; k++) { s += T[(zl * splits + k) * MN + e]; }
  storeC(pu(5u) + zl, e / pu(1u), e % pu(1u), s);
}
`;
}

/** Largest temporary buffer of partial sums (floats) split-K may use. */
const MAX_PARTIALS = 1 << 25;

/**
 * How many K chunks to run in parallel: only when the output alone gives fewer than 256
 * workgroups (about two per multiprocessor of a big GPU) and K is long; then enough
 * chunks (of at least 256) to reach about 512 workgroups.
 */
function chooseSplits(m: number, n: number, k: number, batch: number, maxFloats: number): number {
  const tiles = Math.ceil(m / TILE) * Math.ceil(n / TILE) * batch;
  if (tiles >= 256 || k < 512) return 1;
  let splits = Math.min(Math.floor(k / 256), Math.ceil(512 / tiles), 64);
  const zc = Math.min(batch, Math.floor(MAX_GROUPS / Math.max(1, splits)));
  while (splits > 1 && zc * splits * m * n > maxFloats) splits--;
  return Math.max(1, splits);
}

const dummies = new WeakMap<Gpu, GpuBuffer>();

/** A 1-element buffer bound as T when there is no split (kept for the device's lifetime: stable bind groups). */
function dummy(gpu: Gpu): GpuBuffer {
  let d = dummies.get(gpu);
  if (d === undefined) {
    d = gpu.memory.alloc('float32', 1);
    dummies.set(gpu, d);
  }
  return d;
}

/**
 * Records a GEMM program: the tiled pass (chunked past 65535 workgroups per axis) and,
 * with split-K, the reduction. Size-0 outputs record nothing; K = 0 stores zeros.
 */
export function runGemm(gpu: Gpu, p: GemmProgram): void {
  const { m, n, k, batch } = p;
  if (m === 0 || n === 0 || batch === 0) return;
  const maxFloats = Math.min(MAX_PARTIALS, Math.floor(gpu.device.limits.maxStorageBufferBindingSize / 4));
  let splits = chooseSplits(m, n, k, batch, maxFloats);
  let kChunk = Math.max(KT, Math.ceil(Math.ceil(k / splits) / KT) * KT);
  splits = Math.max(1, Math.ceil(k / kChunk));
  if (splits === 1) kChunk = Math.max(KT, Math.ceil(k / KT) * KT);
  const zMax = Math.floor(MAX_GROUPS / splits);
  const rowTiles = Math.ceil(m / TILE);
  const colTiles = Math.ceil(n / TILE);
  const temp = splits > 1 ? gpu.memory.alloc('float32', Math.min(batch, zMax) * splits * m * n) : dummy(gpu);
  const key = `gemm:${p.key}:${p.aKFast ? 'k' : 'x'}${p.bKFast ? 'k' : 'x'}`;
  for (let z0 = 0; z0 < batch; z0 += zMax) {
    const zc = Math.min(zMax, batch - z0);
    for (let r0 = 0; r0 < rowTiles; r0 += MAX_GROUPS) {
      for (let c0 = 0; c0 < colTiles; c0 += MAX_GROUPS) {
        const ints = [m, n, k, splits, kChunk, z0, r0 * TILE, c0 * TILE, zc, ...p.ints];
        const groups: [number, number, number] = [Math.min(MAX_GROUPS, colTiles - c0), Math.min(MAX_GROUPS, rowTiles - r0), zc * splits];
        gpu.run({ key, source: () => gemmSource(p), buffers: [...p.inputs, temp, ...p.outputs], ints, groups });
      }
    }
    if (splits > 1) {
      const ints = [m, n, k, splits, kChunk, z0, 0, 0, zc, ...p.ints];
      gpu.run({ key: key + ':reduce', source: () => reduceSource(p), buffers: [temp, ...p.outputs], ints, groups: groups1d(zc * m * n, 256) });
    }
  }
  // Recorded work runs in queue order: later users of this pooled buffer run after it.
  if (splits > 1) gpu.memory.free(temp);
}

/**
 * WGSL of a fused epilogue, `fn epi(v: f32, c: u32) -> f32` = act(v + bias[c]), with the
 * bias (when given) declared as `BIAS` at `binding`; the activation is a parameter word
 * (`actWord`, a WGSL u32 expression: 0 linear, 1 ReLU), so it costs no extra pipeline.
 * ReLU passes NaN through like the reference (x > 0 ? x : x <= 0 ? 0 : x).
 */
export function epilogueWgsl(hasBias: boolean, binding: number, actWord: string): string {
  const decl = hasBias ? `@group(0) @binding(${binding}) var<storage, read> BIAS: array<f32>;\n` : '';
  const add = hasBias ? 'v + BIAS[c]' : 'v';
  return `${decl}fn epi(v: f32, c: u32) -> f32 { let y = ${add}; return select(y, select(y, 0.0, y <= 0.0), pu(${actWord}) != 0u); }\n`;
}

/** The epilogue's key part (bias or not), its bias buffer list and its activation word. */
export function epilogueParts(epilogue: Epilogue<GpuBuffer> | undefined): { key: string; bias: GpuBuffer[]; act: number } {
  const bias = epilogue?.bias ?? null;
  const activation: EpilogueActivation = epilogue?.activation ?? 'linear';
  return { key: bias === null ? 'nb' : 'b', bias: bias === null ? [] : [bias], act: activation === 'relu' ? 1 : 0 };
}

/** Operand functions of a plain (batched, optionally transposed) matmul; contexts are offsets, 0xffffffff outside. */
function matmulOperands(transA: boolean, transB: boolean): string {
  // program parameters: 0 = A batch stride (0 when broadcast), 1 = B batch stride, 2 = ReLU
  const aRow = transA ? 'z * pu(PB) + i' : 'z * pu(PB) + i * pu(2u)';
  const aCol = transA ? 'p * pu(0u)' : 'p';
  const bRow = transB ? 'p' : 'z * pu(PB + 1u) + p * pu(1u)';
  const bCol = transB ? 'z * pu(PB + 1u) + j * pu(2u)' : 'j';
  return /* wgsl */ `
const BAD: u32 = 0xffffffffu;
alias RA = u32;
alias CA = u32;
alias RB = u32;
alias CB = u32;
fn aRow(z: u32, i: u32) -> u32 { if (i >= pu(0u)) { return BAD; } return ${aRow}; }
fn aCol(z: u32, p: u32) -> u32 { if (p >= pu(2u)) { return BAD; } return ${aCol}; }
fn aAt(r: u32, c: u32) -> f32 { let ok = (r != BAD) & (c != BAD); return select(0.0, A[select(0u, r + c, ok)], ok); }
fn bRow(z: u32, p: u32) -> u32 { if (p >= pu(2u)) { return BAD; } return ${bRow}; }
fn bCol(z: u32, j: u32) -> u32 { if (j >= pu(1u)) { return BAD; } return ${bCol}; }
fn bAt(r: u32, c: u32) -> f32 { let ok = (r != BAD) & (c != BAD); return select(0.0, B[select(0u, r + c, ok)], ok); }
`;
}

/** The matmul kernel (float32 data). */
export function matmulKernels(gpu: Gpu): Pick<Backend<GpuBuffer>, 'matmul'> {
  return {
    /**
     * Batched C = op(A)·op(B) with the fused epilogue act(C + bias[col]): one tiled GEMM
     * (64×64 tiles per workgroup, 4×4 per thread, batch in z, split-K for long K with few
     * tiles). batchA or batchB of 1 broadcasts (batch stride 0).
     */
    matmul(a, b, c, spec: MatmulSpec, epilogue) {
      const { batchA, batchB, m, k, n, transA, transB } = spec;
      const ep = epilogueParts(epilogue);
      runGemm(gpu, {
        key: `matmul:${transA ? 't' : 'n'}${transB ? 't' : 'n'}:${ep.key}`,
        inputs: [a, b],
        inputDecls: (f) => `@group(0) @binding(${f}) var<storage, read> A: array<f32>;\n@group(0) @binding(${f + 1}) var<storage, read> B: array<f32>;\n`,
        outputs: [c, ...ep.bias],
        outputDecls: (f) => `@group(0) @binding(${f}) var<storage, read_write> C: array<f32>;\n${epilogueWgsl(ep.bias.length > 0, f + 1, 'PB + 2u')}`,
        header: 'fn init() {}',
        operands: matmulOperands(transA, transB),
        store: `fn storeC(z: u32, i: u32, j: u32, v: f32) { C[(z * pu(0u) + i) * pu(1u) + j] = epi(v, j); }`,
        aKFast: !transA,
        bKFast: transB,
        m, n, k,
        batch: Math.max(batchA, batchB),
        ints: [batchA === 1 ? 0 : m * k, batchB === 1 ? 0 : k * n, ep.act],
      });
    },
  };
}
