import { Rng } from '../../tensor/rng.js';

/** Masks are drawn in blocks of this many elements, each from its own stream (so they can be drawn in parallel). */
export const DROPOUT_BLOCK = 1 << 16;

/**
 * The seed of block b's stream: the low 32 bits of `seed` mixed with the block number,
 * the high bits kept. native/src/random.cc computes the same value.
 */
export function blockSeed(seed: number, b: number): number {
  const s = Math.floor(seed);
  const lo = (s % 4294967296) >>> 0;
  const hi = Math.floor(s / 4294967296);
  return ((lo ^ Math.imul(b + 1, 0x9e3779b1)) >>> 0) + hi * 4294967296;
}

/**
 * Fills `mask` (its length is the size) with an inverted-dropout mask: 0 with probability
 * `rate`, else 1 / (1 − rate); block b of DROPOUT_BLOCK elements comes from
 * `new Rng(blockSeed(seed, b))`.
 */
export function dropout(x: Float32Array, y: Float32Array, mask: Float32Array, rate: number, seed: number): void {
  dropoutMask(mask, rate, seed);
  for (let i = 0; i < mask.length; i++) y[i] = x[i] * mask[i];
}

export function dropoutMask(mask: Float32Array, rate: number, seed: number): void {
  const keep = 1 / (1 - rate);
  const size = mask.length;
  for (let start = 0, b = 0; start < size; start += DROPOUT_BLOCK, b++) {
    const rng = new Rng(blockSeed(seed, b));
    const end = Math.min(size, start + DROPOUT_BLOCK);
    for (let i = start; i < end; i++) mask[i] = rng.uniform() >= rate ? keep : 0;
  }
}
