/**
 * A small PNG decoder for the common case (8-bit samples, no interlacing; grey, grey+alpha,
 * RGB, RGBA and palette images), written from the PNG specification. Decoding a 28×28 PNG
 * here takes microseconds, where a full image-library pipeline costs a fixed ~0.5 ms; other
 * PNGs (16-bit, low bit depths, interlaced, transparency chunks on non-palette images) return
 * null and go to sharp.
 */
import * as zlib from 'node:zlib';

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && SIGNATURE.every((b, i) => bytes[i] === b);
}

export interface RawImage {
  /** Interleaved 8-bit samples. */
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly channels: number;
}

interface Header {
  width: number;
  height: number;
  depth: number;
  colorType: number;
  interlace: number;
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** The largest filtered image (bytes) decoded here: 1 GiB, far above any training image. */
const MAX_RAW_BYTES = 2 ** 30;

function u32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

/** The IHDR fields, or null when the bytes are not a PNG. */
export function pngHeader(bytes: Uint8Array): Header | null {
  if (!isPng(bytes) || bytes.length < 33) return null;
  return { width: u32(bytes, 16), height: u32(bytes, 20), depth: bytes[24], colorType: bytes[25], interlace: bytes[28] };
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Reverses the per-scanline filters in place; returns the unfiltered pixel rows. */
function unfilter(raw: Uint8Array, width: number, height: number, bpp: number, name: string): Uint8Array {
  const stride = width * bpp;
  if (raw.length < height * (stride + 1)) throw new Error(`cannot decode the image ${name}: the PNG data is truncated`);
  const out = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    const prev = row - stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? out[row + x - bpp] : 0;
      const b = y > 0 ? out[prev + x] : 0;
      const v = raw[src + x];
      switch (filter) {
        case 0:
          out[row + x] = v;
          break;
        case 1:
          out[row + x] = v + a;
          break;
        case 2:
          out[row + x] = v + b;
          break;
        case 3:
          out[row + x] = v + ((a + b) >> 1);
          break;
        case 4:
          out[row + x] = v + paeth(a, b, x >= bpp && y > 0 ? out[prev + x - bpp] : 0);
          break;
        default:
          throw new Error(`cannot decode the image ${name}: unknown PNG filter type ${filter} on row ${y}`);
      }
    }
  }
  return out;
}

/** Splits the chunks; checks the CRCs when zlib can compute them. */
function readChunks(bytes: Uint8Array, name: string): { idat: Uint8Array[]; plte: Uint8Array | null; trns: Uint8Array | null } {
  const idat: Uint8Array[] = [];
  let plte: Uint8Array | null = null;
  let trns: Uint8Array | null = null;
  const crc32 = (zlib as unknown as { crc32?: (d: Uint8Array) => number }).crc32;
  let at = 8;
  for (;;) {
    if (at + 12 > bytes.length) throw new Error(`cannot decode the image ${name}: the PNG file is truncated (no IEND chunk)`);
    const len = u32(bytes, at);
    const type = String.fromCharCode(bytes[at + 4], bytes[at + 5], bytes[at + 6], bytes[at + 7]);
    if (at + 12 + len > bytes.length) throw new Error(`cannot decode the image ${name}: the PNG file is truncated (chunk ${type})`);
    const data = bytes.subarray(at + 8, at + 8 + len);
    if (crc32 && crc32(bytes.subarray(at + 4, at + 8 + len)) >>> 0 !== u32(bytes, at + 8 + len)) throw new Error(`cannot decode the image ${name}: CRC mismatch in PNG chunk ${type} (the file is corrupted)`);
    if (type === 'IDAT') idat.push(data);
    else if (type === 'PLTE') plte = data;
    else if (type === 'tRNS') trns = data;
    else if (type === 'IEND') break;
    at += 12 + len;
  }
  return { idat, plte, trns };
}

/** Decodes a PNG, or returns null for variants left to the general decoder. */
export function decodePng(bytes: Uint8Array, name: string): RawImage | null {
  const h = pngHeader(bytes);
  if (h === null || h.depth !== 8 || h.interlace !== 0 || CHANNELS[h.colorType] === undefined) return null;
  if (h.width === 0 || h.height === 0) throw new Error(`cannot decode the image ${name}: the PNG has size ${h.width}x${h.height}`);
  const { idat, plte, trns } = readChunks(bytes, name);
  if (trns !== null && h.colorType !== 3) return null;
  const bpp = CHANNELS[h.colorType];
  // The filtered scanlines the header promises: inflating stops there, so a small file whose
  // data inflates far past its declared size (a decompression bomb, or trailing data that
  // libpng would ignore) costs no memory here; such files, and images too large for this
  // decoder, go to sharp, which reads only the rows it needs and enforces its pixel limit.
  const expected = h.height * (h.width * bpp + 1);
  if (expected > MAX_RAW_BYTES) return null;
  let raw: Uint8Array;
  try {
    raw = zlib.inflateSync(Buffer.concat(idat), { maxOutputLength: expected });
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return null;
    throw new Error(`cannot decode the image ${name}: corrupt PNG data (${(e as Error).message})`);
  }
  const px = unfilter(raw, h.width, h.height, bpp, name);
  if (h.colorType !== 3) return { data: px, width: h.width, height: h.height, channels: bpp };
  if (plte === null) throw new Error(`cannot decode the image ${name}: a palette PNG without a PLTE chunk`);
  const channels = trns !== null ? 4 : 3;
  const out = new Uint8Array(h.width * h.height * channels);
  for (let i = 0; i < px.length; i++) {
    const p = px[i];
    if (3 * p + 2 >= plte.length) throw new Error(`cannot decode the image ${name}: palette index ${p} out of range`);
    out[i * channels] = plte[3 * p];
    out[i * channels + 1] = plte[3 * p + 1];
    out[i * channels + 2] = plte[3 * p + 2];
    if (channels === 4) out[i * channels + 3] = trns !== null && p < trns.length ? trns[p] : 255;
  }
  return { data: out, width: h.width, height: h.height, channels };
}
