/**
 * The string hashes Keras' Hashing and lookup layers use (through TensorFlow):
 *  - `fingerprint64`: FarmHash's Fingerprint64 (farmhashna Hash64), behind
 *    tf.strings.to_hash_bucket_fast;
 *  - `sipHash24`: SipHash-2-4 with a 128-bit key, behind tf.strings.to_hash_bucket_strong
 *    (Keras' `salt`).
 * Both on the UTF-8 bytes, unsigned 64-bit arithmetic in BigInt (text preprocessing hashes
 * tokens, not tensors: a few thousand per batch).
 */

const MASK = (1n << 64n) - 1n;
const K0 = 0xc3a5c85c97cb3127n;
const K1 = 0xb492b66fbe98f273n;
const K2 = 0x9ae16a3b2f90404fn;

const u64 = (x: bigint): bigint => x & MASK;
const add = (...xs: bigint[]): bigint => u64(xs.reduce((a, b) => a + b, 0n));
const mul = (a: bigint, b: bigint): bigint => u64(a * b);
const rot = (x: bigint, s: bigint): bigint => (s === 0n ? x : u64((x >> s) | (x << (64n - s))));
const shiftMix = (x: bigint): bigint => x ^ (x >> 47n);

function fetch(s: Uint8Array, at: number, n: number): bigint {
  let v = 0n;
  for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(s[at + i]);
  return v;
}
const f64 = (s: Uint8Array, at: number): bigint => fetch(s, at, 8);
const f32 = (s: Uint8Array, at: number): bigint => fetch(s, at, 4);

function hash16(u: bigint, v: bigint, m: bigint): bigint {
  let a = mul(u ^ v, m);
  a ^= a >> 47n;
  let b = mul(v ^ a, m);
  b ^= b >> 47n;
  return mul(b, m);
}

/** Two 64-bit values from 32 bytes at `at` and two seeds. */
function weak32(s: Uint8Array, at: number, a0: bigint, b0: bigint): [bigint, bigint] {
  const w = f64(s, at), x = f64(s, at + 8), y = f64(s, at + 16), z = f64(s, at + 24);
  let a = add(a0, w);
  let b = rot(add(b0, a, z), 21n);
  const c = a;
  a = add(a, x, y);
  b = add(b, rot(a, 44n));
  return [add(a, z), add(b, c)];
}

function upTo16(s: Uint8Array, n: number): bigint {
  if (n >= 8) {
    const m = add(K2, BigInt(n * 2));
    const a = add(f64(s, 0), K2);
    const b = f64(s, n - 8);
    const c = add(mul(rot(b, 37n), m), a);
    const d = mul(add(rot(a, 25n), b), m);
    return hash16(c, d, m);
  }
  if (n >= 4) {
    const m = add(K2, BigInt(n * 2));
    return hash16(add(f32(s, 0) << 3n, BigInt(n)), f32(s, n - 4), m);
  }
  if (n > 0) {
    const y = BigInt(s[0] + (s[n >> 1] << 8));
    const z = BigInt(n + (s[n - 1] << 2));
    return mul(shiftMix(mul(K2, y) ^ mul(K0, z)), K2);
  }
  return K2;
}

function upTo32(s: Uint8Array, n: number): bigint {
  const m = add(K2, BigInt(n * 2));
  const a = mul(f64(s, 0), K1);
  const b = f64(s, 8);
  const c = mul(f64(s, n - 8), m);
  const d = mul(f64(s, n - 16), K2);
  return hash16(add(rot(add(a, b), 43n), rot(c, 30n), d), add(a, rot(add(b, K2), 18n), c), m);
}

function upTo64(s: Uint8Array, n: number): bigint {
  const m = add(K2, BigInt(n * 2));
  const a = mul(f64(s, 0), K2);
  const b = f64(s, 8);
  const c = mul(f64(s, n - 8), m);
  const d = mul(f64(s, n - 16), K2);
  const y = add(rot(add(a, b), 43n), rot(c, 30n), d);
  const z = hash16(y, add(a, rot(add(b, K2), 18n), c), m);
  const e = mul(f64(s, 16), m);
  const f = f64(s, 24);
  const g = mul(add(y, f64(s, n - 32)), m);
  const h = mul(add(z, f64(s, n - 24)), m);
  return hash16(add(rot(add(e, f), 43n), rot(g, 30n), h), add(e, rot(add(f, a), 18n), g), m);
}

/** FarmHash Fingerprint64 of bytes (unsigned 64-bit). */
export function fingerprint64(s: Uint8Array): bigint {
  const n = s.length;
  if (n <= 16) return upTo16(s, n);
  if (n <= 32) return upTo32(s, n);
  if (n <= 64) return upTo64(s, n);
  const seed = 81n;
  let x = seed;
  let y = add(mul(seed, K1), 113n);
  let z = mul(shiftMix(add(mul(y, K2), 113n)), K2);
  let v: [bigint, bigint] = [0n, 0n];
  let w: [bigint, bigint] = [0n, 0n];
  x = add(mul(x, K2), f64(s, 0));
  const end = ((n - 1) >> 6) * 64;
  const last64 = end + ((n - 1) & 63) - 63;
  let at = 0;
  do {
    x = mul(rot(add(x, y, v[0], f64(s, at + 8)), 37n), K1);
    y = mul(rot(add(y, v[1], f64(s, at + 48)), 42n), K1);
    x ^= w[1];
    y = add(y, v[0], f64(s, at + 40));
    z = mul(rot(add(z, w[0]), 33n), K1);
    v = weak32(s, at, mul(v[1], K1), add(x, w[0]));
    w = weak32(s, at + 32, add(z, w[1]), add(y, f64(s, at + 16)));
    [x, z] = [z, x];
    at += 64;
  } while (at !== end);
  const m = add(K1, (z & 0xffn) << 1n);
  at = last64;
  w[0] = add(w[0], BigInt((n - 1) & 63));
  v[0] = add(v[0], w[0]);
  w[0] = add(w[0], v[0]);
  x = mul(rot(add(x, y, v[0], f64(s, at + 8)), 37n), m);
  y = mul(rot(add(y, v[1], f64(s, at + 48)), 42n), m);
  x ^= mul(w[1], 9n);
  y = add(y, mul(v[0], 9n), f64(s, at + 40));
  z = mul(rot(add(z, w[0]), 33n), m);
  v = weak32(s, at, mul(v[1], m), add(x, w[0]));
  w = weak32(s, at + 32, add(z, w[1]), add(y, f64(s, at + 16)));
  [x, z] = [z, x];
  return hash16(add(hash16(v[0], w[0], m), mul(shiftMix(y), K0), z), add(hash16(v[1], w[1], m), x), m);
}

/** SipHash-2-4 of bytes under the key (k0, k1) (unsigned 64-bit). */
export function sipHash24(s: Uint8Array, k0: bigint, k1: bigint): bigint {
  let v0 = u64(k0) ^ 0x736f6d6570736575n;
  let v1 = u64(k1) ^ 0x646f72616e646f6dn;
  let v2 = u64(k0) ^ 0x6c7967656e657261n;
  let v3 = u64(k1) ^ 0x7465646279746573n;
  const round = (): void => {
    v0 = add(v0, v1); v1 = rotl(v1, 13n); v1 ^= v0; v0 = rotl(v0, 32n);
    v2 = add(v2, v3); v3 = rotl(v3, 16n); v3 ^= v2;
    v0 = add(v0, v3); v3 = rotl(v3, 21n); v3 ^= v0;
    v2 = add(v2, v1); v1 = rotl(v1, 17n); v1 ^= v2; v2 = rotl(v2, 32n);
  };
  const n = s.length;
  const whole = n - (n % 8);
  for (let at = 0; at < whole; at += 8) {
    const m = f64(s, at);
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
  let b = BigInt(n & 0xff) << 56n;
  for (let i = whole; i < n; i++) b |= BigInt(s[i]) << BigInt(8 * (i - whole));
  v3 ^= b;
  round();
  round();
  v0 ^= b;
  v2 ^= 0xffn;
  for (let i = 0; i < 4; i++) round();
  return v0 ^ v1 ^ v2 ^ v3;
}

const rotl = (x: bigint, s: bigint): bigint => u64((x << s) | (x >> (64n - s)));

const utf8 = new TextEncoder();

/**
 * TensorFlow's string hash buckets: Fingerprint64(s) mod buckets
 * (tf.strings.to_hash_bucket_fast), or SipHash-2-4 under `key` mod buckets
 * (to_hash_bucket_strong).
 */
export function hashBucket(s: string, buckets: number, key?: readonly [number, number]): number {
  const bytes = utf8.encode(s);
  const h = key ? sipHash24(bytes, BigInt(key[0]), BigInt(key[1])) : fingerprint64(bytes);
  return Number(h % BigInt(buckets));
}
