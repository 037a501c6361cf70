/**
 * Fuzzing image decoding with fast-check from fixed seeds. The seeds are real Fashion-MNIST
 * images (Debian's dataset-fashion-mnist) encoded by sharp as grey, RGB, RGBA, palette and
 * interlaced PNGs. Three depths of damage: raw byte mutations (mostly stopped by the chunk
 * CRCs), mutations inside a chunk with its CRC recomputed (they reach the header, palette
 * and zlib code), and mutations of the inflated scanlines re-deflated into a valid stream
 * (they reach the filter code). The built-in decoder (decodePng) and the full path with
 * sharp (decodeImage) either give an image whose size matches its pixels or throw an Error
 * that names the file; never a crash, a hang or an allocation sized by a forged header.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync, inflateSync } from 'node:zlib';
import fc from 'fast-check';
import sharp from 'sharp';
import * as nt from '../src/index.js';
import { decodePng } from '../src/data/image/png.js';
import { decodeImage } from '../src/data/image/io.js';
import { isClearError, mutateAll, mutationsArb, within } from './helpers/mutate.js';

const CRC_TABLE = Int32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

function crc32(b: Uint8Array): number {
  let c = -1;
  for (const v of b) c = CRC_TABLE[(c ^ v) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

interface Chunk {
  type: string;
  data: Uint8Array;
}

function chunks(png: Uint8Array): Chunk[] {
  const out: Chunk[] = [];
  const v = new DataView(png.buffer, png.byteOffset, png.byteLength);
  for (let at = 8; at + 12 <= png.length; ) {
    const len = v.getUint32(at);
    out.push({ type: String.fromCharCode(...png.subarray(at + 4, at + 8)), data: png.slice(at + 8, at + 8 + len) });
    at += 12 + len;
  }
  return out;
}

/** A PNG from chunks, every CRC correct. */
function assemble(list: readonly Chunk[]): Uint8Array {
  const parts: Uint8Array[] = [Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10])];
  for (const c of list) {
    const body = new Uint8Array(4 + c.data.length);
    body.set([...c.type].map((ch) => ch.charCodeAt(0)));
    body.set(c.data, 4);
    const head = new Uint8Array(4);
    new DataView(head.buffer).setUint32(0, c.data.length);
    const crc = new Uint8Array(4);
    new DataView(crc.buffer).setUint32(0, crc32(body));
    parts.push(head, body, crc);
  }
  return Uint8Array.from(Buffer.concat(parts));
}

async function seedPngs(): Promise<Uint8Array[]> {
  const [x] = await nt.datasets.fashionMnist.loadSplit('test', { download: false });
  const img = (i: number): Buffer => Buffer.from(Uint8Array.from(x.dataSync().subarray(i * 784, (i + 1) * 784)));
  const grey = img(0);
  const rgb = Buffer.alloc(784 * 3);
  const rgba = Buffer.alloc(784 * 4);
  for (let p = 0; p < 784; p++) {
    for (let c = 0; c < 3; c++) rgb[p * 3 + c] = img(1 + c)[p];
    for (let c = 0; c < 4; c++) rgba[p * 4 + c] = img(4 + c)[p];
  }
  const raw = (b: Buffer, channels: 1 | 3 | 4) => sharp(b, { raw: { width: 28, height: 28, channels } });
  const out = await Promise.all([
    raw(grey, 1).png().toBuffer(),
    raw(rgb, 3).png({ adaptiveFiltering: true }).toBuffer(),
    raw(rgba, 4).png().toBuffer(),
    raw(rgb, 3).png({ palette: true, colours: 256 }).toBuffer(),
    raw(grey, 1).png({ progressive: true }).toBuffer(),
  ]);
  return out.map((b) => new Uint8Array(b));
}

const NAME = 'fuzz.png';

/** decodePng's contract: null (left to sharp), a consistent image, or a clear error naming the file. */
function checkBuiltIn(bytes: Uint8Array): void {
  let out: ReturnType<typeof decodePng>;
  try {
    out = decodePng(bytes, NAME);
  } catch (e) {
    assert.ok(isClearError(e), `not a clear error: ${String(e)}`);
    assert.ok((e as Error).message.startsWith(`cannot decode the image ${NAME}`), (e as Error).message);
    return;
  }
  if (out === null) return;
  assert.equal(out.data.length, out.width * out.height * out.channels);
  assert.ok([1, 2, 3, 4].includes(out.channels));
}

/** decodeImage's contract (sharp included): a consistent image or a clear error naming the file. */
async function checkFull(bytes: Uint8Array): Promise<void> {
  try {
    const img = await within(20_000, 'decodeImage', decodeImage(bytes, { colorMode: 'rgb' }, NAME));
    assert.equal(img.data.length, img.width * img.height * 3);
    for (const v of img.data) if (!(v >= 0 && v <= 255)) assert.fail(`pixel value ${v}`);
  } catch (e) {
    assert.ok(isClearError(e) && !/^HANG/.test((e as Error).message), `not a clear error: ${String(e)}`);
    assert.ok((e as Error).message.startsWith(`cannot decode the image ${NAME}`), (e as Error).message);
  }
}

let seeds: Uint8Array[] = [];
test('seeds: the real images decode, by the built-in decoder and by sharp alike', async () => {
  seeds = await seedPngs();
  for (const s of seeds) {
    const img = await decodeImage(s, { colorMode: 'rgb' }, NAME);
    assert.deepEqual([img.height, img.width, img.channels], [28, 28, 3]);
  }
  assert.equal(decodePng(seeds[4], NAME), null, 'the interlaced seed goes to sharp');
});

test('raw byte mutations of real PNGs: the built-in decoder', () => {
  fc.assert(fc.property(fc.nat({ max: seeds.length - 1 }), mutationsArb(4, 4096), (i, ms) => checkBuiltIn(mutateAll(seeds[i], ms))), { seed: 0x9e1, numRuns: 300 });
});

/** A mutation inside one chunk's data with the CRC made right again. */
const chunkEdit = fc.record({ seed: fc.nat({ max: 4 }), chunk: fc.nat({ max: 16 }), ms: mutationsArb(3, 4096) });
function applyChunkEdit(e: { seed: number; chunk: number; ms: Parameters<typeof mutateAll>[1] }): Uint8Array {
  const list = chunks(seeds[e.seed]);
  const k = e.chunk % list.length;
  list[k] = { type: list[k].type, data: mutateAll(list[k].data, e.ms) };
  return assemble(list);
}

test('mutations inside chunks with correct CRCs (header, palette, zlib stream): the built-in decoder', () => {
  fc.assert(fc.property(chunkEdit, (e) => checkBuiltIn(applyChunkEdit(e))), { seed: 0x9e2, numRuns: 400 });
});

/** Mutations of the inflated scanlines (filter bytes, pixel bytes, length), re-deflated into a valid stream. */
const scanlineEdit = fc.record({ seed: fc.nat({ max: 3 }), ms: mutationsArb(4, 4096) });
function applyScanlineEdit(e: { seed: number; ms: Parameters<typeof mutateAll>[1] }): Uint8Array {
  const list = chunks(seeds[e.seed]);
  const idat = Buffer.concat(list.filter((c) => c.type === 'IDAT').map((c) => c.data));
  const raw = mutateAll(new Uint8Array(inflateSync(idat)), e.ms);
  const first = list.findIndex((c) => c.type === 'IDAT');
  const rest = list.filter((c) => c.type !== 'IDAT');
  rest.splice(first, 0, { type: 'IDAT', data: new Uint8Array(deflateSync(raw)) });
  return assemble(rest);
}

test('mutations of the inflated scanlines (filter types, lengths): the built-in decoder', () => {
  fc.assert(fc.property(scanlineEdit, (e) => checkBuiltIn(applyScanlineEdit(e))), { seed: 0x9e3, numRuns: 300 });
});

test('the full path with sharp: raw, in-chunk and scanline mutations', async () => {
  const anyEdit = fc.oneof(
    fc.record({ seed: fc.nat({ max: 4 }), ms: mutationsArb(3, 4096) }).map((e) => mutateAll(seeds[e.seed], e.ms)),
    chunkEdit.map(applyChunkEdit),
    scanlineEdit.map(applyScanlineEdit),
  );
  await fc.assert(fc.asyncProperty(anyEdit, checkFull), { seed: 0x9e4, numRuns: 60 });
  // Not images at all.
  await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), checkFull), { seed: 0x9e5, numRuns: 20 });
});

// Regressions: cases the fuzzing pointed at, kept as plain tests.

test('regression: a decompression bomb (28x28 declared, 64 MB of scanlines) costs no memory in the built-in decoder', async () => {
  const list = chunks(seeds[0]);
  const bomb = deflateSync(Buffer.alloc(64 * 1024 * 1024));
  const png = assemble([list[0], { type: 'IDAT', data: new Uint8Array(bomb) }, { type: 'IEND', data: new Uint8Array(0) }]);
  assert.ok(png.length < 200_000, `the bomb is small on disk (${png.length} bytes)`);
  // Inflating stops at the 28·(28+1) bytes the header promises; the file goes to sharp.
  assert.equal(decodePng(png, NAME), null);
  await checkFull(png);
});

test('regression: a header declaring 2^31 x 2^31 pixels is refused without allocating', async () => {
  const list = chunks(seeds[0]);
  const ihdr = list[0].data.slice();
  new DataView(ihdr.buffer).setUint32(0, 0x7fffffff);
  new DataView(ihdr.buffer).setUint32(4, 0x7fffffff);
  const png = assemble([{ type: 'IHDR', data: ihdr }, ...list.slice(1)]);
  assert.equal(decodePng(png, NAME), null);
  await assert.rejects(decodeImage(png, {}, NAME), /^Error: cannot decode the image fuzz\.png: .*(pixel limit|dimensions|invalid|corrupt header)/i);
});

test('regression: empty bytes are a clear error, not sharp\'s own "Input Bit Array is empty" from its constructor', async () => {
  await assert.rejects(decodeImage(new Uint8Array(0), {}, NAME), /^Error: cannot decode the image fuzz\.png: the file is empty$/);
});

test('regression: scanlines shorter than the header promises are a clear truncation error', () => {
  const e = { seed: 0, ms: [{ kind: 'truncate' as const, keep: 28 * 29 - 5 }] };
  assert.throws(() => decodePng(applyScanlineEdit(e), NAME), /^Error: cannot decode the image fuzz\.png: the PNG data is truncated$/);
});
