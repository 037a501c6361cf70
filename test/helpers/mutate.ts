/**
 * Byte-level mutations of real files for the fuzz suites (fuzz-*.test.ts): bit flips, byte
 * overwrites, insertions, deletions and truncation, drawn by fast-check so that a failing
 * case shrinks to the smallest list of edits and replays from the suite's fixed seed.
 */
import fc from 'fast-check';

/** One edit of a byte string; positions are taken modulo the current length. */
export type Mutation =
  | { readonly kind: 'flip'; readonly pos: number; readonly bit: number }
  | { readonly kind: 'set'; readonly pos: number; readonly value: number }
  | { readonly kind: 'insert'; readonly pos: number; readonly bytes: Uint8Array }
  | { readonly kind: 'delete'; readonly pos: number; readonly count: number }
  | { readonly kind: 'truncate'; readonly keep: number };

/** A fast-check arbitrary of one mutation (`maxPos` bounds positions before the modulo). */
export function mutationArb(maxPos = 1 << 24): fc.Arbitrary<Mutation> {
  const pos = fc.nat({ max: maxPos });
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('flip' as const), pos, bit: fc.integer({ min: 0, max: 7 }) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('set' as const), pos, value: fc.integer({ min: 0, max: 255 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('insert' as const), pos, bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), pos, count: fc.integer({ min: 1, max: 64 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), keep: pos }) },
  );
}

/** A list of 1..`max` mutations. */
export function mutationsArb(max = 4, maxPos = 1 << 24): fc.Arbitrary<Mutation[]> {
  return fc.array(mutationArb(maxPos), { minLength: 1, maxLength: max });
}

/** Applies one mutation (a new array; `bytes` is left unchanged). */
export function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
  const n = bytes.length;
  if (m.kind === 'truncate') return bytes.slice(0, n === 0 ? 0 : m.keep % n);
  if (n === 0) return m.kind === 'insert' ? m.bytes.slice() : bytes.slice();
  const at = m.pos % n;
  if (m.kind === 'insert') {
    const out = new Uint8Array(n + m.bytes.length);
    out.set(bytes.subarray(0, at));
    out.set(m.bytes, at);
    out.set(bytes.subarray(at), at + m.bytes.length);
    return out;
  }
  if (m.kind === 'delete') {
    const end = Math.min(n, at + m.count);
    const out = new Uint8Array(n - (end - at));
    out.set(bytes.subarray(0, at));
    out.set(bytes.subarray(end), at);
    return out;
  }
  const out = bytes.slice();
  out[at] = m.kind === 'flip' ? out[at] ^ (1 << m.bit) : m.value;
  return out;
}

/** Applies a list of mutations in order. */
export function mutateAll(bytes: Uint8Array, ms: readonly Mutation[]): Uint8Array {
  return ms.reduce((b, m) => mutate(b, m), bytes);
}

/**
 * JavaScript's own messages for programming errors: a rejection with one of these means
 * the input reached code that did not check it (a crash, not a clear error).
 */
const INTERNAL = [
  /Cannot read propert/i,
  /Cannot set propert/i,
  /is not a function/,
  /is not iterable/,
  /is not a constructor/,
  /Cannot convert undefined or null/,
  /Invalid typed array length/,
  /Invalid array length/,
  /Array buffer allocation failed/,
  /Maximum call stack size exceeded/,
  /^undefined$/,
  /Offset is outside the bounds of the DataView/,
  /out of memory/i,
];

/** Fails unless `e` is an Error with a message that explains itself (not a JS internal error). */
export function isClearError(e: unknown): e is Error {
  if (!(e instanceof Error) || e.message.trim().length === 0) return false;
  return !INTERNAL.some((re) => re.test(e.message));
}

/** Rejects after `ms` (a hang becomes a test failure, not a stuck run). */
export async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`HANG: ${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, limit]);
  } finally {
    clearTimeout(timer);
  }
}
