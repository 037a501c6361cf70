import { mathSource } from './wgsl-math.js';
import type { Backend, ReduceOp } from '../interface.js';
import { type Gpu, type GpuBuffer, groups1d, wgslType } from './runtime.js';

/**
 * Reductions along the middle axis of a tensor viewed as `[outer, n, inner]` (reduce,
 * argReduce, cumulative, softmax, softmaxGrad), and the tiled-reduction engine that the
 * normalization kernels (norm.ts) share.
 *
 * Parallelisation (every kernel here): a workgroup of 256 invocations is a tile of
 * TI outputs × TN lanes (TI·TN = 256, both powers of two). The TI invocations of a lane
 * handle TI consecutive outputs (coalesced reads when consecutive outputs are adjacent in
 * memory, i.e. inner > 1); the TN lanes of an output split its n elements and combine
 * their partial results with a tree in workgroup memory. `lanes()` picks TN from the shape:
 * TN = 1 (one invocation per output, a plain loop) for many short rows, up to TN = 256 (a
 * workgroup per output) for few long rows. Reductions whose outputs are too few to fill
 * the GPU also split n across several workgroups (a partials pass, then a second pass
 * over the partials).
 *
 * Accuracy: float sums accumulate in f32 (the js reference accumulates in float64). A lane
 * gets at most 512 elements of a row unless the row is longer than 256·512 (`lanes`), the
 * engine's lanes add in blocks of 256, and lanes combine by a tree, so the error stays
 * near that of pairwise summation. Scans (cumulative) add sequentially within a lane's
 * block, like the reference but in f32.
 */

/** Invocations per workgroup of every kernel here. */
const WG = 256;

/** Invocations (outputs × lanes) a reduction aims for before it stops adding lanes. */
const TARGET_INVOCATIONS = 65536;

/** Largest power of two ≤ v (v ≥ 1). */
function floorPow2(v: number): number {
  return 2 ** Math.floor(Math.log2(v));
}

/**
 * Lanes per output (TN) for m outputs of n elements: more lanes while the GPU is not yet
 * full and each lane still gets ≥ 32 elements. `run` is how many consecutive outputs are
 * adjacent in memory: then at least min(run, 16) outputs share a lane row (coalescing).
 * For accuracy, whatever the GPU's occupancy, a lane gets at most 512 elements of a row
 * while TN < 256.
 */
export function lanes(m: number, n: number, run: number): number {
  const cap = run > 1 ? WG / Math.min(16, floorPow2(run)) : WG;
  let tn = 1;
  while (tn < cap && m * tn < TARGET_INVOCATIONS && tn * 32 <= n) tn *= 2;
  while (tn < WG && n > tn * 512) tn *= 2;
  return tn;
}

/**
 * WGSL helpers: a NaN test that no fast-math assumption can remove, and ±∞ and NaN (from
 * private variables: constant expressions may not evaluate to them).
 */
const FLOAT_HELPERS = /* wgsl */ `
fn nanq(v: f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u; }
var<private> BITS_POS_INF: u32 = 0x7f800000u;
var<private> BITS_NEG_INF: u32 = 0xff800000u;
var<private> BITS_QNAN: u32 = 0x7fc00000u;
fn POS_INF() -> f32 { return bitcast<f32>(BITS_POS_INF); }
fn NEG_INF() -> f32 { return bitcast<f32>(BITS_NEG_INF); }
fn QNAN() -> f32 { return bitcast<f32>(BITS_QNAN); }
`;

/** Flat workgroup index and the tile coordinates shared by the kernels here. */
const MAIN_SIGNATURE = '@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32';

/** One storage binding of a tiled reduction. */
export interface Binding {
  /** The WGSL variable name. */
  readonly name: string;
  readonly buffer: GpuBuffer;
  /** WGSL element type of the array. */
  readonly type: string;
  /** Written by the shader (read_write). */
  readonly write?: boolean;
}

/**
 * A reduction over m outputs of n elements each, run by `runReduction`. The WGSL pieces
 * name the accumulator type `A` (an alias the engine declares from `acc`) and read their
 * own parameters with pu(HEAD + k) (the `ints`) and pf(HEAD + ints.length + k) (the
 * `floats`); the HEAD words before them belong to the engine.
 */
export interface Reduction {
  /** Pipeline key naming the WGSL of helpers, load and store (lanes and pass are added). */
  readonly key: string;
  /** WGSL type of the accumulator (f32, i32, vec2<f32> or a struct from `helpers`). */
  readonly acc: string;
  /** WGSL: `fn ident() -> A` and `fn comb(a: A, b: A) -> A` (plus any struct or helper). */
  readonly helpers: string;
  /** Bindings read (or written) by `load`. */
  readonly inputs: readonly Binding[];
  /** WGSL `fn load(j: u32, r: u32) -> A`: element r of output j (called exactly once per element). */
  readonly load: string;
  /** Bindings used by `store` (outputs have `write`; read-only parameters of store may join them). */
  readonly outputs: readonly Binding[];
  /** WGSL `fn store(j: u32, a: A)`: writes output j from the combined accumulator. */
  readonly store: string;
  /** Outputs. */
  readonly m: number;
  /** Elements per output. */
  readonly n: number;
  /** Consecutive outputs adjacent in memory (see `lanes`). */
  readonly run: number;
  /** Extra parameters. */
  readonly ints?: readonly number[];
  readonly floats?: readonly number[];
  /**
   * 'auto': split n over several workgroups when the outputs are too few; 'never' (the
   * accumulator is not storable, or store needs the only pass); 'always' (load's and
   * store's bindings together exceed the 7-buffer limit: a partials pass, then store).
   */
  readonly split: 'auto' | 'never' | 'always';
  /** Accumulator words in a partials buffer (2 for vec2<f32>); 1 by default. */
  readonly words?: number;
}

function declare(bindings: readonly Binding[], first: number): string {
  return bindings
    .map((b, i) => `@group(0) @binding(${first + i}) var<storage, ${b.write === true ? 'read_write' : 'read'}> ${b.name}: array<${b.type}>;`)
    .join('\n');
}

/** Split count for `tiles` workgroups of an n-element reduction with tn lanes. */
function splitCount(tiles: number, n: number, tn: number): number {
  if (tiles >= 128) return 1;
  return Math.max(1, Math.min(Math.ceil(512 / tiles), Math.floor(n / (tn * 64))));
}

type Pass = 'direct' | 'partial' | 'final';

/** Parameter words of the engine before a reduction's own: m, n, splits, chunk, log2 lanes. */
export const HEAD = 5;

function reductionSource(spec: Reduction, pass: Pass): string {
  let decls: string;
  let load: string;
  let put: string;
  if (pass === 'direct') {
    decls = declare(spec.inputs, 1) + '\n' + declare(spec.outputs, 1 + spec.inputs.length);
    load = spec.load;
    put = `${spec.store}\nfn put(j: u32, s: u32, a: A) { store(j, a); }`;
  } else if (pass === 'partial') {
    decls = declare(spec.inputs, 1) + `\n@group(0) @binding(${1 + spec.inputs.length}) var<storage, read_write> part: array<A>;`;
    load = spec.load;
    put = 'fn put(j: u32, s: u32, a: A) { part[j * pu(2u) + s] = a; }';
  } else {
    decls = '@group(0) @binding(1) var<storage, read> part: array<A>;\n' + declare(spec.outputs, 2);
    load = 'fn load(j: u32, r: u32) -> A { return part[j * pu(1u) + r]; }';
    put = `${spec.store}\nfn put(j: u32, s: u32, a: A) { store(j, a); }`;
  }
  return /* wgsl */ `
${FLOAT_HELPERS}
alias A = ${spec.acc};
${spec.helpers}
${decls}
${load}
${put}
var<workgroup> sh: array<A, 256>;
@compute @workgroup_size(256)
fn main(${MAIN_SIGNATURE}) {
  let M = pu(0u);
  let N = pu(1u);
  let S = pu(2u);
  let CH = pu(3u);
  let lg = pu(4u);
  let TN = 1u << lg;
  let TI = 256u >> lg;
  let tiles = (M + TI - 1u) / TI;
  let g = wid.x + wid.y * nwg.x;
  let tile = g % tiles;
  let s = g / tiles;
  let li = lid & (TI - 1u);
  let ln = lid >> (8u - lg);
  let j = tile * TI + li;
  let ok = j < M && s < S;
  var a = ident();
  if (ok) {
    // Blocks of 256 elements per lane, combined into the lane's total (two-level sums).
    let r1 = min(N, s * CH + CH);
    for (var r0 = s * CH + ln; r0 < r1; r0 += 256u * TN) {
      var b = ident();
      let e = min(r1, r0 + 256u * TN);
      for (var r = r0; r < e; r += TN) { b = comb(b, load(j, r)); }
      a = comb(a, b);
    }
  }
  sh[lid] = a;
  workgroupBarrier();
  for (var w = TN / 2u; w > 0u; w = w / 2u) {
    if (ln < w) { sh[lid] = comb(sh[lid], sh[lid + w * TI]); }
    workgroupBarrier();
  }
  if (ok && ln == 0u) { put(j, s, sh[li]); }
}
`;
}

function dispatchReduction(gpu: Gpu, spec: Reduction, pass: Pass, tn: number, buffers: readonly GpuBuffer[], head: readonly number[], tiles: number, s: number): void {
  gpu.run({
    key: `${spec.key}|${pass}`,
    source: () => reductionSource(spec, pass),
    buffers,
    ints: [...head, Math.log2(tn), ...(spec.ints ?? [])],
    floats: spec.floats ?? [],
    groups: groups1d(tiles * s * WG, WG),
  });
}

/**
 * Records a tiled reduction (see the module comment): one dispatch, or a partials pass
 * over a split of n into S chunks (scratch `[m, S]`, freed to the pool once recorded) and
 * a final pass that reduces the partials and stores. The lane count is a parameter, so
 * each pass of a reduction is one pipeline whatever the shape.
 */
export function runReduction(gpu: Gpu, spec: Reduction): void {
  const { m, n } = spec;
  if (m === 0) return;
  const tn = lanes(m, n, spec.run);
  const tiles = Math.ceil(m / (WG / tn));
  let s = spec.split === 'never' ? 1 : splitCount(tiles, n, tn);
  if (s === 1 && spec.split !== 'always') {
    dispatchReduction(gpu, spec, 'direct', tn, [...spec.inputs.map((b) => b.buffer), ...spec.outputs.map((b) => b.buffer)], [m, n, 1, n], tiles, 1);
    return;
  }
  const ch = Math.ceil(n / s);
  s = ch > 0 ? Math.ceil(n / ch) : 1;
  const part = gpu.memory.alloc(spec.acc === 'i32' ? 'int32' : 'float32', m * s * (spec.words ?? 1));
  dispatchReduction(gpu, spec, 'partial', tn, [...spec.inputs.map((b) => b.buffer), part], [m, n, s, ch], tiles, s);
  const tn2 = lanes(m, s, 1);
  dispatchReduction(gpu, spec, 'final', tn2, [part, ...spec.outputs.map((b) => b.buffer)], [m, s, 1, s], Math.ceil(m / (WG / tn2)), 1);
  // Recorded work runs in queue order, so later users of the pooled buffer come after.
  gpu.memory.free(part);
}

/** WGSL: index of element r of output j of x viewed as `[outer, n, inner]` (j = o·inner + i); the reduction's ints start [inner, n]. */
const LOAD_MIDDLE = /* wgsl */ `
fn at(j: u32, r: u32) -> u32 {
  let inner = pu(${HEAD}u);
  let o = j / inner;
  return (o * pu(${HEAD + 1}u) + r) * inner + (j - o * inner);
}`;

/** Identity, combine and value for an empty reduction, per op and element type. */
function reduceHelpers(op: ReduceOp, t: 'f32' | 'i32'): { ident: string; comb: string; empty: string } {
  const f = t === 'f32';
  switch (op) {
    case 'sum':
    case 'mean':
      return { ident: `${t}(0)`, comb: 'a + b', empty: op === 'mean' && f ? 'QNAN()' : `${t}(0)` };
    case 'prod':
      return { ident: `${t}(1)`, comb: 'a * b', empty: `${t}(1)` };
    case 'max':
      // NaN wins (and stays): the js reference takes v when v > acc or v is NaN.
      return f
        ? { ident: 'NEG_INF()', comb: 'select(a, b, nanq(b) || (!nanq(a) && b > a))', empty: 'NEG_INF()' }
        : { ident: 'bitcast<i32>(0x80000000u)', comb: 'max(a, b)', empty: 'i32(0)' };
    case 'min':
      return f
        ? { ident: 'POS_INF()', comb: 'select(a, b, nanq(b) || (!nanq(a) && b < a))', empty: 'POS_INF()' }
        : { ident: 'bitcast<i32>(0x7fffffffu)', comb: 'min(a, b)', empty: 'i32(0)' };
  }
}

/** WGSL of the scalar combine `op` on type t (sum or prod, for scans). */
function scanOp(op: 'sum' | 'prod'): string {
  return op === 'sum' ? 'a + b' : 'a * b';
}

/** Parameters (m, n, inner, log2 lanes) and groups for a row kernel (softmax, cumulative) over m rows of n. */
function rowTiling(m: number, n: number, inner: number): { head: number[]; groups: [number, number, number] } {
  const tn = lanes(m, n, inner);
  return { head: [m, n, inner, Math.log2(tn)], groups: groups1d(Math.ceil(m / (WG / tn)) * WG, WG) };
}

/** WGSL preamble of a row kernel: row j = o·inner + i, its element r at base + r·inner. */
const ROW_SETUP = /* wgsl */ `
  let M = pu(0u);
  let n = pu(1u);
  let inner = pu(2u);
  let lg = pu(3u);
  let TN = 1u << lg;
  let TI = 256u >> lg;
  let g = wid.x + wid.y * nwg.x;
  let li = lid & (TI - 1u);
  let ln = lid >> (8u - lg);
  let j = g * TI + li;
  let ok = j < M;
  let o = j / inner;
  let base = o * n * inner + (j - o * inner);`;

/** WGSL: a tree over the TN lanes of each row that every invocation of the row gets back. */
function rowTree(name: string, t: string, comb: string): string {
  return /* wgsl */ `
fn ${name}(v: ${t}, lid: u32, ln: u32, li: u32, TN: u32, TI: u32) -> ${t} {
  sh[lid] = v;
  workgroupBarrier();
  for (var w = TN / 2u; w > 0u; w = w / 2u) {
    if (ln < w) { let a = sh[lid]; let b = sh[lid + w * TI]; sh[lid] = ${comb}; }
    workgroupBarrier();
  }
  let res = sh[li];
  workgroupBarrier();
  return res;
}`;
}

/** The reduction kernels of the webgpu backend (see the module comment for their parallelisation). */
export function reduceKernels(gpu: Gpu): Pick<Backend<GpuBuffer>, 'reduce' | 'argReduce' | 'cumulative' | 'softmax' | 'softmaxGrad'> {
  return {
    /**
     * sum, mean, prod, max, min over the middle axis into `[outer, inner]`, float32 or
     * int32 (out has x's dtype). Tiled reduction (module comment), split over n when the
     * outputs are few. int32 arithmetic wraps like the reference's float64 result stored
     * into an Int32Array, exactly for sum/max/min; prod agrees while |product| < 2^53 and
     * int32 mean is the truncated quotient (the reference multiplies by 1/n in float64).
     */
    reduce(op, x, out, outer, n, inner) {
      const t = wgslType(x.dtype);
      const ot = wgslType(out.dtype);
      const h = reduceHelpers(op, t);
      const fin = op !== 'mean' ? 'a' : t === 'f32' ? `a * pf(${HEAD + 2}u)` : `a / bitcast<i32>(pu(${HEAD + 1}u))`;
      runReduction(gpu, {
        key: `reduce:${op}:${t}:${ot}`,
        acc: t,
        helpers: `fn ident() -> A { return ${h.ident}; }\nfn comb(a: A, b: A) -> A { return ${h.comb}; }\n${LOAD_MIDDLE}`,
        inputs: [{ name: 'x', buffer: x, type: t }],
        load: 'fn load(j: u32, r: u32) -> A { return x[at(j, r)]; }',
        outputs: [{ name: 'y', buffer: out, type: ot, write: true }],
        // pu(HEAD + 1) is the n of the whole reduction (pu(1u) is a pass's own length).
        store: `fn store(j: u32, a: A) { if (pu(${HEAD + 1}u) == 0u) { y[j] = ${ot}(${h.empty}); } else { y[j] = ${ot}(${fin}); } }`,
        m: outer * inner,
        n,
        run: inner,
        ints: [inner, n],
        floats: [1 / n],
        split: 'auto',
      });
    },

    /**
     * Index (int32) of the first maximum/minimum along the middle axis, NaN counting as
     * the extreme (the first NaN wins), as the reference. Tiled reduction without split:
     * the accumulator is (value, index) and ties go to the lower index, so the result does
     * not depend on the order of the tree. n = 0 gives 0.
     */
    argReduce(op, x, out, outer, n, inner) {
      const t = wgslType(x.dtype);
      const f = t === 'f32';
      const better = op === 'argmax' ? 'b.v > a.v' : 'b.v < a.v';
      const worst = op === 'argmax' ? (f ? 'NEG_INF()' : 'bitcast<i32>(0x80000000u)') : f ? 'POS_INF()' : 'bitcast<i32>(0x7fffffffu)';
      const comb = f
        ? /* wgsl */ `
  let na = nanq(a.v);
  let nb = nanq(b.v);
  let tie = (na && nb) || (!na && !nb && b.v == a.v);
  let win = (nb && !na) || (!na && !nb && ${better}) || (tie && b.i < a.i);
  if (win) { return b; }
  return a;`
        : `
  if (${better} || (b.v == a.v && b.i < a.i)) { return b; }
  return a;`;
      runReduction(gpu, {
        key: `argReduce:${op}:${t}`,
        acc: 'AV',
        helpers: `struct AV { v: ${t}, i: u32 }\nfn ident() -> AV { return AV(${worst}, 0xffffffffu); }\nfn comb(a: AV, b: AV) -> AV {${comb}\n}\n${LOAD_MIDDLE}`,
        inputs: [{ name: 'x', buffer: x, type: t }],
        load: 'fn load(j: u32, r: u32) -> AV { return AV(x[at(j, r)], r); }',
        outputs: [{ name: 'y', buffer: out, type: 'i32', write: true }],
        store: 'fn store(j: u32, a: AV) { y[j] = select(bitcast<i32>(a.i), 0, a.i == 0xffffffffu); }',
        m: outer * inner,
        n,
        run: inner,
        ints: [inner, n],
        split: 'never',
      });
    },

    /**
     * Running sum or product along the middle axis (exclusive, reverse), float32 or int32.
     * Each row is split into TN contiguous blocks (one per lane, in visiting order): the
     * lanes total their blocks, a Hillis–Steele scan over the lanes gives each block its
     * prefix, then each lane rescans its block writing outputs. TN = 1 for short rows.
     */
    cumulative(op, x, out, outer, n, inner, exclusive, reverse) {
      const t = wgslType(x.dtype);
      const m = outer * inner;
      if (m === 0 || n === 0) return;
      const { head, groups } = rowTiling(m, n, inner);
      const ident = op === 'sum' ? `${t}(0)` : `${t}(1)`;
      gpu.run({
        key: `cumulative:${op}:${t}`,
        source: () => /* wgsl */ `
@group(0) @binding(1) var<storage, read> x: array<${t}>;
@group(0) @binding(2) var<storage, read_write> y: array<${t}>;
var<workgroup> sh: array<${t}, 256>;
fn op(a: ${t}, b: ${t}) -> ${t} { return ${scanOp(op)}; }
@compute @workgroup_size(256)
fn main(${MAIN_SIGNATURE}) {
${ROW_SETUP}
  let exclusive = pu(4u) != 0u;
  let reverse = pu(5u) != 0u;
  let len = (n + TN - 1u) / TN;
  let s0 = min(n, ln * len);
  let s1 = min(n, s0 + len);
  var acc = ${ident};
  if (TN > 1u) {
    var total = ${ident};
    if (ok) {
      for (var s = s0; s < s1; s++) { total = op(total, x[base + select(s, n - 1u - s, reverse) * inner]); }
    }
    sh[lid] = total;
    workgroupBarrier();
    for (var d = 1u; d < TN; d = d * 2u) {
      var v = sh[lid];
      if (ln >= d) { v = op(sh[lid - d * TI], v); }
      workgroupBarrier();
      sh[lid] = v;
      workgroupBarrier();
    }
    if (ln > 0u) { acc = sh[lid - TI]; }
  }
  if (ok) {
    for (var s = s0; s < s1; s++) {
      let k = base + select(s, n - 1u - s, reverse) * inner;
      let v = x[k];
      if (exclusive) { y[k] = acc; acc = op(acc, v); } else { acc = op(acc, v); y[k] = acc; }
    }
  }
}
`,
        buffers: [x, out],
        ints: [...head, exclusive ? 1 : 0, reverse ? 1 : 0],
        groups,
      });
    },

    /**
     * Softmax or log-softmax along the middle axis, shifted by the row maximum (NaN
     * propagates, like Math.max). One tile of TI rows × TN lanes: max by lanes and a tree,
     * Σ exp(x − max) likewise, then each lane writes its elements.
     */
    softmax(x, y, outer, n, inner, log) {
      const m = outer * inner;
      if (m === 0 || n === 0) return;
      const { head, groups } = rowTiling(m, n, inner);
      gpu.run({
        key: `softmax:${log ? 'log' : 'exp'}`,
        source: () => /* wgsl */ `
${FLOAT_HELPERS}
${mathSource(['m_exp', 'm_log'])}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
var<workgroup> sh: array<f32, 256>;
fn mx(a: f32, b: f32) -> f32 { return select(a, b, nanq(b) || (!nanq(a) && b > a)); }
${rowTree('treeMax', 'f32', 'mx(a, b)')}
${rowTree('treeSum', 'f32', 'a + b')}
@compute @workgroup_size(256)
fn main(${MAIN_SIGNATURE}) {
${ROW_SETUP}
  var mv = NEG_INF();
  if (ok) { for (var r = ln; r < n; r += TN) { mv = mx(mv, x[base + r * inner]); } }
  mv = treeMax(mv, lid, ln, li, TN, TI);
  var tot = 0.0;
  if (ok) { for (var r = ln; r < n; r += TN) { tot += m_exp(x[base + r * inner] - mv); } }
  tot = treeSum(tot, lid, ln, li, TN, TI);
  if (ok) {
${
  log
    ? `    let lt = m_log(tot);
    for (var r = ln; r < n; r += TN) { let k = base + r * inner; y[k] = (x[k] - mv) - lt; }`
    : `    let inv = 1.0 / tot;
    for (var r = ln; r < n; r += TN) { let k = base + r * inner; y[k] = m_exp(x[k] - mv) * inv; }`
}
  }
}
`,
        buffers: [x, y],
        ints: head,
        groups,
      });
    },

    /**
     * softmax: dx = y ⊙ (dy − Σ dy⊙y); logSoftmax: dx = dy − exp(y) ⊙ Σ dy. Tiled like
     * softmax: the row sum by lanes and a tree, then each lane writes its elements.
     */
    softmaxGrad(y, dy, dx, outer, n, inner, log) {
      const m = outer * inner;
      if (m === 0 || n === 0) return;
      const { head, groups } = rowTiling(m, n, inner);
      gpu.run({
        key: `softmaxGrad:${log ? 'log' : 'exp'}`,
        source: () => /* wgsl */ `
${log ? mathSource(['m_exp']) : ''}
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
var<workgroup> sh: array<f32, 256>;
${rowTree('treeSum', 'f32', 'a + b')}
@compute @workgroup_size(256)
fn main(${MAIN_SIGNATURE}) {
${ROW_SETUP}
  var tot = 0.0;
  if (ok) { for (var r = ln; r < n; r += TN) { let k = base + r * inner; tot += ${log ? 'dy[k]' : 'dy[k] * y[k]'}; } }
  tot = treeSum(tot, lid, ln, li, TN, TI);
  if (ok) {
    for (var r = ln; r < n; r += TN) {
      let k = base + r * inner;
      dx[k] = ${log ? 'dy[k] - m_exp(y[k]) * tot' : 'y[k] * (dy[k] - tot)'};
    }
  }
}
`,
        buffers: [y, dy, dx],
        ints: head,
        groups,
      });
    },
  };
}
