/**
 * Fuzzing the IDX reader (parseIdx, readIdxFile) with fast-check from fixed seeds: real
 * Fashion-MNIST files (Debian's dataset-fashion-mnist) with bit flips, overwrites,
 * insertions, deletions and truncation; headers of every element type with random ranks and
 * dimensions; corrupted gzip. Every case either parses into a consistent array (the values
 * fill the declared shape exactly) or throws an Error that names the source and explains
 * itself; nothing crashes, hangs or allocates from an unchecked size.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { parseIdx, readIdxFile } from '../src/data/datasets/idx.js';
import { isClearError, mutateAll, mutationsArb } from './helpers/mutate.js';

const DIR = '/usr/share/datasets/fashion-mnist';
const SIZES: Record<number, number> = { 0x08: 1, 0x09: 1, 0x0b: 2, 0x0c: 4, 0x0d: 4, 0x0e: 8 };

/** The real label file, and the real image file cut to its first 16 images (count field rewritten). */
function realFiles(): Uint8Array[] {
  const labels = gunzipSync(readFileSync(join(DIR, 't10k-labels-idx1-ubyte.gz')));
  const imagesFull = gunzipSync(readFileSync(join(DIR, 't10k-images-idx3-ubyte.gz')));
  const images = imagesFull.subarray(0, 16 + 16 * 784).slice();
  new DataView(images.buffer).setUint32(4, 16, false);
  return [new Uint8Array(labels), images];
}

/** Real pixels re-encoded as an IDX file of element type `code` (big-endian), shape [2, 28, 28]. */
function encoded(code: number, pixels: Uint8Array): Uint8Array {
  const n = 2 * 784;
  const size = SIZES[code];
  const out = new Uint8Array(4 + 12 + n * size);
  const v = new DataView(out.buffer);
  out[2] = code;
  out[3] = 3;
  [2, 28, 28].forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < n; i++) {
    const at = 16 + i * size;
    const p = pixels[i];
    if (code === 0x08) v.setUint8(at, p);
    else if (code === 0x09) v.setInt8(at, p - 128);
    else if (code === 0x0b) v.setInt16(at, p * 100 - 12800, false);
    else if (code === 0x0c) v.setInt32(at, p * 100000, false);
    else if (code === 0x0d) v.setFloat32(at, p / 255, false);
    else v.setFloat64(at, p / 255, false);
  }
  return out;
}

const real = realFiles();
const seeds: Uint8Array[] = [...real, ...Object.keys(SIZES).map((c) => encoded(Number(c), real[1].subarray(16)))];

/** The property: a consistent parse, or a clear Error naming the source. */
function check(bytes: Uint8Array): void {
  let out: ReturnType<typeof parseIdx>;
  try {
    out = parseIdx(bytes, 'fuzz.idx');
  } catch (e) {
    assert.ok(isClearError(e), `not a clear error: ${String(e)}`);
    assert.match((e as Error).message, /^fuzz\.idx: /);
    return;
  }
  const count = out.shape.reduce((a, b) => a * b, 1);
  assert.equal(out.data.length, count, 'the values fill the shape');
  assert.equal(bytes.length, 4 + 4 * out.shape.length + count * SIZES[bytes[2]], 'the file holds exactly the header and the values');
  assert.equal(out.shape.length, bytes[3]);
}

test('the unmutated seeds parse to their known shapes and values', () => {
  assert.deepEqual(parseIdx(seeds[0]).shape, [10000]);
  assert.deepEqual(parseIdx(seeds[1]).shape, [16, 28, 28]);
  for (const s of seeds.slice(2)) {
    const out = parseIdx(s);
    assert.deepEqual(out.shape, [2, 28, 28]);
    // Element 300 of the first real image, decoded back through each type's encoding.
    const p = real[1][16 + 300];
    const v = out.data[300];
    const back = { 0x08: v, 0x09: v + 128, 0x0b: (v + 12800) / 100, 0x0c: v / 100000, 0x0d: Math.round(v * 255), 0x0e: Math.round(v * 255) }[s[2]];
    assert.equal(back, p, `type 0x${s[2].toString(16)}`);
  }
});

test('mutated real IDX files parse consistently or throw a clear error', () => {
  fc.assert(
    fc.property(fc.nat({ max: seeds.length - 1 }), mutationsArb(4), (i, ms) => check(mutateAll(seeds[i], ms))),
    { seed: 0x1d8, numRuns: 400 },
  );
});

test('random headers (any type code, rank and dimensions) with random bodies never crash or allocate from the header', () => {
  const dim = fc.oneof(fc.integer({ min: 0, max: 8 }), fc.constantFrom(0xffffffff, 0x80000000, 65536, 1 << 30));
  const arb = fc.record({
    code: fc.oneof(fc.constantFrom(0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e), fc.integer({ min: 0, max: 255 })),
    dims: fc.array(dim, { maxLength: 8 }),
    rank: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }),
    body: fc.uint8Array({ maxLength: 600 }),
  });
  fc.assert(
    fc.property(arb, ({ code, dims, rank, body }) => {
      const head = new Uint8Array(4 + 4 * dims.length);
      const v = new DataView(head.buffer);
      head[2] = code;
      head[3] = rank ?? dims.length;
      dims.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
      const bytes = new Uint8Array(head.length + body.length);
      bytes.set(head);
      bytes.set(body, head.length);
      check(bytes);
    }),
    { seed: 0x1d9, numRuns: 600 },
  );
  // Pure random bytes, too.
  fc.assert(fc.property(fc.uint8Array({ maxLength: 256 }), (b) => check(b)), { seed: 0x1da, numRuns: 300 });
});

test('readIdxFile: mutated gzip files give a clear error naming the path, or a consistent array', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'fuzz-idx-'));
  try {
    const gz = [gzipSync(seeds[1]), gzipSync(seeds[4])];
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: gz.length - 1 }), mutationsArb(3, 4096), async (i, ms) => {
        const path = join(dir, `f${n++}.idx.gz`);
        await writeFile(path, mutateAll(gz[i], ms));
        try {
          const out = await readIdxFile(path);
          assert.equal(out.data.length, out.shape.reduce((a, b) => a * b, 1));
        } catch (e) {
          assert.ok(isClearError(e), `not a clear error: ${String(e)}`);
          assert.ok((e as Error).message.startsWith(path), (e as Error).message);
        }
      }),
      { seed: 0x1db, numRuns: 120 },
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
