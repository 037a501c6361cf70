/**
 * Shared helpers of the WebGPU kernel tests (test/webgpu-*.test.ts): seeded data, moving
 * host arrays to and from the test device, and comparisons against the js reference.
 *
 * Seeded data is the stream of backend-cases.ts's `data()` (xorshift32, uniform in [0, 1)
 * with 24-bit resolution), so the kernel tests and the shared backend cases draw alike.
 *
 * Tolerance (`mismatches`): |got − want| ≤ rtol·(|want| + mean|want|), the mean over the
 * finite values of `want`: GPU kernels compute in f32 and sum in other orders than the
 * reference, errors that scale with the magnitude of the values involved. Equal values
 * always match (±0 alike), NaN matches NaN, a non-finite `want` (±inf) must be met
 * exactly, and int32 results must be exact.
 */
import assert from 'node:assert/strict';
import type { TypedArray } from '../../src/tensor/dtype.js';
import type { Gpu, GpuBuffer } from '../../src/backends/webgpu/runtime.js';
import { data } from './backend-cases.js';
import { testGpu } from './webgpu.js';

export type DType = 'float32' | 'int32';

// ---- seeded data ---------------------------------------------------------------------------

/** The seeded uniform numbers in [0, 1) that `data(n, seed)` maps onto its range, one by one. */
export function rng(seed: number): () => number {
  // data(n, seed, 0, 1) holds the stream's first n numbers exactly (multiples of 2^-24 fit
  // a float32); a longer prefix is drawn again when the stream runs past it.
  let stream = data(256, seed, 0, 1);
  let i = 0;
  return () => {
    if (i === stream.length) stream = data(2 * stream.length, seed, 0, 1);
    return stream[i++] as number;
  };
}

/** n float32 values f(u, i) of the uniform stream rng(seed). */
export function floatsOf(n: number, seed: number, f: (u: number, i: number) => number): Float32Array {
  return Float32Array.from(data(n, seed, 0, 1), f);
}

/** n int32 values f(u, i) of the uniform stream rng(seed). */
export function intsOf(n: number, seed: number, f: (u: number, i: number) => number): Int32Array {
  return Int32Array.from(data(n, seed, 0, 1), f);
}

/** n seeded integers, uniform in [lo, hi]. */
export function ints(n: number, seed: number, lo: number, hi: number): Int32Array {
  return intsOf(n, seed, (u) => Math.floor(lo + u * (hi - lo + 1)));
}

// ---- the test device -------------------------------------------------------------------------

function device(): Gpu {
  assert.ok(testGpu !== null, 'no WebGPU device');
  return testGpu;
}

/** A GPU buffer holding `x` (its dtype from the array type). */
export function upload(x: TypedArray): GpuBuffer {
  const gpu = device();
  const h = gpu.memory.alloc(x instanceof Int32Array ? 'int32' : 'float32', x.length);
  gpu.memory.write(h, x);
  return h;
}

/** An output buffer filled with junk (NaN, or a junk integer), so elements left unwritten fail. */
export function junk(n: number, dtype: DType = 'float32'): GpuBuffer {
  return upload(dtype === 'int32' ? new Int32Array(n).fill(-123456789) : new Float32Array(n).fill(Number.NaN));
}

/** A zeroed host array of n elements of `dtype`, for the reference's result. */
export function hostArray(n: number, dtype: DType): TypedArray {
  return dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
}

/** The values of a GPU buffer. */
export async function download(h: GpuBuffer): Promise<TypedArray> {
  return device().memory.read(h);
}

// ---- comparisons -----------------------------------------------------------------------------

/**
 * Indices of the elements of `got` outside the tolerance (see the top of this file). `err`
 * sees the error of each differing element with a finite `want`, relative to its scale.
 */
export function mismatches(got: TypedArray, want: TypedArray, rtol: number, err?: (relative: number) => void): number[] {
  let mean = 0;
  let finite = 0;
  for (const v of want) {
    if (Number.isFinite(v)) {
      mean += Math.abs(v);
      finite++;
    }
  }
  mean /= Math.max(1, finite);
  const out: number[] = [];
  for (let i = 0; i < want.length; i++) {
    const w = want[i] as number;
    const g = got[i] as number;
    if (w === g || (Number.isNaN(w) && Number.isNaN(g))) continue;
    if (!Number.isFinite(w)) {
      out.push(i);
      continue;
    }
    const scale = Math.abs(w) + mean;
    err?.(Math.abs(g - w) / scale);
    if (want instanceof Int32Array || !(Math.abs(g - w) <= rtol * scale)) out.push(i);
  }
  return out;
}

/** null when `got` matches `want` within rtol (see mismatches), else what differs. */
export function mismatch(got: TypedArray, want: TypedArray, rtol: number, err?: (relative: number) => void): string | null {
  if (got.length !== want.length) return `length ${got.length} vs ${want.length}`;
  const bad = mismatches(got, want, rtol, err);
  const i = bad[0];
  return i === undefined ? null : `${bad.length} element(s) differ, first [${i}]: gpu ${got[i]}, js ${want[i]} (rtol ${rtol})`;
}

/** Asserts that `got` matches `want` within rtol (see mismatches). */
export function assertClose(got: TypedArray, want: TypedArray, rtol: number, what: string): void {
  const msg = mismatch(got, want, rtol);
  if (msg !== null) assert.fail(`${what}: ${msg}`);
}

/** Asserts that `got` is `want` bit for bit as numbers (Object.is: NaN is NaN, -0 is not 0). */
export function assertSame(got: TypedArray, want: TypedArray, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) assert.fail(`${what} [${i}]: gpu ${got[i]}, js ${want[i]}`);
  }
}

/** Comparisons of GPU results recorded without waiting, then read back and checked together. */
export class Checks {
  private readonly pending: { what: string; got: GpuBuffer; want: TypedArray; rtol: number; free: readonly GpuBuffer[] }[] = [];
  /** The largest relative error seen per label (the first word of `what`), for diagnostics. */
  readonly worst = new Map<string, number>();

  /** How many comparisons are pending. */
  get size(): number {
    return this.pending.length;
  }

  /** Compares `got` with `want` (rtol, see mismatches) at the next failures(); `free` is freed then, with `got`. */
  add(what: string, got: GpuBuffer, want: TypedArray, rtol: number, free: readonly GpuBuffer[] = []): void {
    this.pending.push({ what, got, want, rtol, free });
  }

  /** Reads back every pending result and returns the failures (one message per comparison). */
  async failures(): Promise<string[]> {
    const pending = this.pending.splice(0);
    const got = await Promise.all(pending.map((p) => download(p.got)));
    const out: string[] = [];
    pending.forEach((p, k) => {
      const label = p.what.split(' ')[0] as string;
      const msg = mismatch(got[k] as TypedArray, p.want, p.rtol, (e) => this.worst.set(label, Math.max(this.worst.get(label) ?? 0, e)));
      if (msg !== null) out.push(`${p.what}: ${msg}`);
      for (const b of [p.got, ...p.free]) device().memory.free(b);
    });
    return out;
  }

  /** Asserts that every pending comparison passes, reporting all failures at once. */
  async assertAll(): Promise<void> {
    assert.deepEqual(await this.failures(), []);
  }
}
