import type { Backend } from '../interface.js';
import { DROPOUT_BLOCK, blockSeed } from '../js/random.js';
import { Rng } from '../../tensor/rng.js';
import { type Gpu, type GpuBuffer, groups1d } from './runtime.js';

/**
 * Random kernels of the WebGPU backend: the dropout mask, bit-identical to the js
 * reference (backends/js/random.ts).
 *
 * The reference draws block b of 65536 elements sequentially from
 * `new Rng(blockSeed(seed, b))` (xoshiro128**). Here each block's starting state is
 * computed on the host (one generator seeding per block), and the block is split into
 * chunks of 256 draws, one GPU invocation each. An invocation jumps its block's state ahead
 * by 256·c steps exactly: xoshiro128's state transition T is linear over GF(2), so the
 * jump is a product with T^(256·c), applied as the powers T^(256·2^k) for the set bits k
 * of c (128×128 bit matrices, computed once on the host and kept on the GPU).
 *
 * A draw u = (r >>> 8) / 2^24 is kept when u >= rate; that comparison is done exactly
 * in integers, (r >>> 8) >= ceil(rate · 2^24), and kept elements get the float32 of
 * 1 / (1 − rate), so every mask bit equals the reference's.
 */

const WG = 64;
/** Draws per invocation. */
const CHUNK = 256;
/** Chunks per block, 2^JUMPS. */
const JUMPS = 8;
if (CHUNK << JUMPS !== DROPOUT_BLOCK) throw new Error('webgpu random: chunking does not tile a dropout block');

/** The linear part of one xoshiro128 step on a 128-bit state (s0..s3 = words 0..3). */
function step(s: Uint32Array): Uint32Array {
  let [s0, s1, s2, s3] = [s[0] as number, s[1] as number, s[2] as number, s[3] as number];
  const t = s1 << 9;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = (s3 << 11) | (s3 >>> 21);
  return Uint32Array.of(s0, s1, s2, s3);
}

/** A 128×128 GF(2) matrix by columns: column j (4 words) is the image of state bit j. */
type Matrix = Uint32Array;

function apply(m: Matrix, v: Uint32Array): Uint32Array {
  const out = new Uint32Array(4);
  for (let j = 0; j < 128; j++) {
    if ((((v[j >>> 5] as number) >>> (j & 31)) & 1) === 0) continue;
    for (let w = 0; w < 4; w++) out[w] = (out[w] as number) ^ (m[j * 4 + w] as number);
  }
  return out;
}

function multiply(a: Matrix, b: Matrix): Matrix {
  const out = new Uint32Array(512);
  for (let j = 0; j < 128; j++) out.set(apply(a, b.subarray(j * 4, j * 4 + 4)), j * 4);
  return out;
}

/** Rows of the jump matrices T^(CHUNK·2^k), k < JUMPS: row i (4 words) selects the state bits whose parity is bit i. */
function jumpRows(): Int32Array {
  let m: Matrix = new Uint32Array(512);
  for (let j = 0; j < 128; j++) {
    const e = new Uint32Array(4);
    e[j >>> 5] = 1 << (j & 31);
    m.set(step(e), j * 4);
  }
  for (let k = 1; k < CHUNK; k *= 2) m = multiply(m, m);
  const rows = new Uint32Array(JUMPS * 512);
  for (let k = 0; k < JUMPS; k++) {
    for (let j = 0; j < 128; j++) {
      for (let i = 0; i < 128; i++) {
        if ((((m[j * 4 + (i >>> 5)] as number) >>> (i & 31)) & 1) === 0) continue;
        const at = k * 512 + i * 4 + (j >>> 5);
        rows[at] = (rows[at] as number) | (1 << (j & 31));
      }
    }
    m = multiply(m, m);
  }
  return new Int32Array(rows.buffer);
}

/**
 * Bindings: block states (4 words per block), jump rows, the mask. Words: size,
 * threshold on r >>> 8, then the float keep value.
 */
const DROPOUT_SRC = /* wgsl */ `
@group(0) @binding(1) var<storage, read> S: array<u32>;
@group(0) @binding(2) var<storage, read> J: array<u32>;
@group(0) @binding(3) var<storage, read_write> M: array<f32>;
fn rotl(x: u32, k: u32) -> u32 { return (x << k) | (x >> (32u - k)); }
fn jump(s: vec4u, m: u32) -> vec4u {
  var r = array<u32, 4>(0u, 0u, 0u, 0u);
  for (var i = 0u; i < 128u; i = i + 1u) {
    let b = (m * 128u + i) * 4u;
    let x = vec4u(J[b], J[b + 1u], J[b + 2u], J[b + 3u]) & s;
    let par = (countOneBits(x.x) + countOneBits(x.y) + countOneBits(x.z) + countOneBits(x.w)) & 1u;
    r[i / 32u] = r[i / 32u] | (par << (i % 32u));
  }
  return vec4u(r[0], r[1], r[2], r[3]);
}
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let g = flat(wid, nwg, lid, ${WG}u);
  let size = pu(0u);
  let start = g * ${CHUNK}u;
  if (start >= size) { return; }
  let thr = pu(1u);
  let keep = pf(2u);
  let blk = g >> ${JUMPS}u;
  let c = g & ${(1 << JUMPS) - 1}u;
  var s = vec4u(S[4u * blk], S[4u * blk + 1u], S[4u * blk + 2u], S[4u * blk + 3u]);
  for (var k = 0u; k < ${JUMPS}u; k = k + 1u) {
    if (((c >> k) & 1u) == 1u) { s = jump(s, k); }
  }
  let end = min(start + ${CHUNK}u, size);
  for (var i = start; i < end; i = i + 1u) {
    let r = rotl(s.y * 5u, 7u) * 9u;
    let t = s.y << 9u;
    s.z = s.z ^ s.x;
    s.w = s.w ^ s.y;
    s.y = s.y ^ s.z;
    s.x = s.x ^ s.w;
    s.z = s.z ^ t;
    s.w = rotl(s.w, 11u);
    M[i] = select(0.0, keep, (r >> 8u) >= thr);
  }
}`;

/** The dropout kernel over GPU buffers (float32 masks); see the module comment for the scheme. */
export function randomKernels(gpu: Gpu): Pick<Backend<GpuBuffer>, 'dropoutMask'> {
  let jumps: GpuBuffer | null = null;
  return {
    /**
     * One invocation per chunk of 256 elements (jumping ahead from its block's host-seeded
     * state), sequential within the chunk. The block states travel in a small pooled
     * int32 buffer written per call; the jump matrices (16 KiB) are uploaded once.
     */
    dropoutMask(mask, rate, seed) {
      const size = mask.size;
      const blocks = Math.ceil(size / DROPOUT_BLOCK);
      if (blocks === 0) return;
      if (jumps === null) {
        const rows = jumpRows();
        jumps = gpu.memory.alloc('int32', rows.length);
        gpu.memory.write(jumps, rows);
      }
      const states = new Int32Array(4 * blocks);
      for (let b = 0; b < blocks; b++) {
        const st = new Rng(blockSeed(seed, b)).getState();
        for (let w = 0; w < 4; w++) states[4 * b + w] = (st[w] as number) | 0;
      }
      const seeds = gpu.memory.alloc('int32', states.length);
      gpu.memory.write(seeds, states);
      // u >= rate with u = m / 2^24 (m an integer) ⟺ m >= ceil(rate · 2^24); NaN keeps nothing.
      const scaled = Math.ceil(rate * 16777216);
      const threshold = Number.isNaN(scaled) ? 16777216 : Math.min(Math.max(scaled, 0), 16777216);
      gpu.run({
        key: 'random.dropout',
        source: () => DROPOUT_SRC,
        buffers: [seeds, jumps, mask],
        ints: [size, threshold],
        floats: [1 / (1 - rate)],
        groups: groups1d(Math.ceil(size / CHUNK), WG),
      });
      gpu.memory.free(seeds);
    },
  };
}
