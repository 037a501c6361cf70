import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import * as nt from '../src/index.js';
import { decodePng } from '../src/data/image/png.js';

/** A smooth-plus-noise image, so libpng's adaptive filtering uses several filter types. */
function pixels(w: number, h: number, c: number, seed: number): Buffer {
  const rng = new nt.Rng(seed);
  const out = Buffer.alloc(w * h * c);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) out[(y * w + x) * c + k] = (x * 7 + y * 3 + k * 50 + rng.int(20)) & 255;
  return out;
}

test('the built-in PNG decoder equals sharp on grey, grey+alpha, RGB, RGBA and palette PNGs', async () => {
  const cases: [number, Parameters<ReturnType<typeof sharp>['png']>[0]][] = [
    [1, {}],
    [2, {}],
    [3, {}],
    [4, {}],
    [3, { palette: true, colours: 16 }],
    [4, { palette: true, colours: 8 }],
    [3, { compressionLevel: 0 }],
    [1, { adaptiveFiltering: true, compressionLevel: 9 }],
  ];
  for (const [c, options] of cases) {
    const [w, h] = [37, 23];
    const png = await sharp(pixels(w, h, c, c), { raw: { width: w, height: h, channels: c as 1 | 2 | 3 | 4 } }).png(options).toBuffer();
    const ours = decodePng(png, 'test.png');
    if (ours === null) {
      // Low-bit-depth palettes are left to sharp; nothing to compare.
      assert.ok(options?.palette, `only palette images may fall back (channels ${c})`);
      continue;
    }
    const ref = await sharp(png).raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    assert.deepEqual([ours.width, ours.height, ours.channels], [ref.info.width, ref.info.height, ref.info.channels], `shape, ${c} channels ${JSON.stringify(options)}`);
    assert.ok(Buffer.from(ours.data).equals(ref.data), `pixels, ${c} channels ${JSON.stringify(options)}`);
  }
});

test('loadImg gives the same pixels through the fast path and through sharp (resize to the same size forces neither)', async () => {
  const png = await sharp(pixels(16, 12, 3, 5), { raw: { width: 16, height: 12, channels: 3 } }).png().toBuffer();
  const fast = await nt.decodeImage(png, { colorMode: 'grayscale' }, 'a.png');
  const viaSharp = await nt.decodeImage(png, { colorMode: 'grayscale', targetSize: [12, 16], interpolation: 'bilinear' }, 'a.png');
  assert.deepEqual(Array.from(fast.data), Array.from(viaSharp.data));
  const resized = await nt.decodeImage(png, { targetSize: [6, 8] }, 'a.png');
  assert.deepEqual([resized.height, resized.width, resized.channels], [6, 8, 3]);
});

test('corrupt and truncated PNG files are clear errors naming the file', async () => {
  const png = await sharp(pixels(16, 12, 3, 5), { raw: { width: 16, height: 12, channels: 3 } }).png().toBuffer();
  const flipped = Buffer.from(png);
  flipped[60] ^= 0xff; // inside the first IDAT chunk
  assert.throws(() => decodePng(flipped, 'broken.png'), /broken\.png: (CRC mismatch|corrupt PNG data)/);
  assert.throws(() => decodePng(png.subarray(0, png.length - 20), 'short.png'), /short\.png: the PNG file is truncated/);
  await assert.rejects(nt.decodeImage(png.subarray(0, 40), {}, 'cut.png'), /cut\.png/);
});
