/**
 * Reading and writing image files (Node): Keras' load_img / save_img. Decoding, resizing and
 * encoding go through sharp (libvips); colour conversion follows PIL, as Keras does
 * (grayscale L = (19595 R + 38470 G + 7471 B + 2¹⁵) >> 16; 'rgb' drops alpha).
 */
import type { Sharp, SharpOptions } from 'sharp';
import { Tensor } from '../../tensor/tensor.js';
import { tensor } from '../../tensor/create.js';
import { formatShape } from '../../tensor/shape.js';
import { valueRange } from './affine.js';
import { decodePng, pngHeader } from './png.js';

export type ColorMode = 'grayscale' | 'rgb' | 'rgba';
export type Interpolation = 'nearest' | 'bilinear' | 'bicubic' | 'lanczos';
export const COLOR_MODES: readonly ColorMode[] = ['grayscale', 'rgb', 'rgba'];
export const INTERPOLATIONS: readonly Interpolation[] = ['nearest', 'bilinear', 'bicubic', 'lanczos'];
const KERNELS = { nearest: 'nearest', bilinear: 'linear', bicubic: 'cubic', lanczos: 'lanczos3' } as const;

export interface LoadImgArgs {
  /** Channels of the result: 'grayscale' 1, 'rgb' 3 (default), 'rgba' 4. */
  readonly colorMode?: ColorMode;
  /** [height, width] to resize to; null keeps the size. */
  readonly targetSize?: readonly [number, number] | null;
  /** Resampling used by the resize (default 'nearest', as Keras). */
  readonly interpolation?: Interpolation;
  /** Crop the centre to the target aspect ratio before resizing. */
  readonly keepAspectRatio?: boolean;
}

/** A decoded image: HWC pixels 0..255. */
export interface DecodedImage {
  readonly data: Float32Array;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

type SharpFactory = (input?: Buffer | Uint8Array | string, options?: SharpOptions) => Sharp;
let sharpLoader: Promise<SharpFactory> | null = null;

/** sharp, loaded on first use (it is a Node-only dependency). */
export function loadSharp(): Promise<SharpFactory> {
  sharpLoader ??= import('sharp').then(
    (m) => (m.default ?? m) as unknown as SharpFactory,
    (e: Error) => {
      sharpLoader = null;
      throw new Error(`reading and writing image files needs the 'sharp' package, which failed to load (${e.message}); run 'npm install sharp'`);
    },
  );
  return sharpLoader;
}

export function checkImageArgs(args: LoadImgArgs, where: string): void {
  if (args.colorMode !== undefined && !COLOR_MODES.includes(args.colorMode)) throw new RangeError(`${where}: colorMode must be one of ${COLOR_MODES.join(', ')}; got '${String(args.colorMode)}'`);
  if (args.interpolation !== undefined && !INTERPOLATIONS.includes(args.interpolation)) {
    throw new RangeError(`${where}: interpolation must be one of ${INTERPOLATIONS.join(', ')}; got '${String(args.interpolation)}'`);
  }
  const t = args.targetSize;
  if (t !== undefined && t !== null && !(Array.isArray(t) && t.length === 2 && t.every((v) => Number.isInteger(v) && v > 0))) {
    throw new RangeError(`${where}: targetSize must be [height, width] with positive integers; got ${JSON.stringify(t)}`);
  }
}

function convert(raw: Uint8Array, pixels: number, from: number, mode: ColorMode): { data: Float32Array; channels: number } {
  const to = mode === 'grayscale' ? 1 : mode === 'rgb' ? 3 : 4;
  const out = new Float32Array(pixels * to);
  for (let p = 0; p < pixels; p++) {
    const s = p * from;
    const hasColour = from >= 3;
    const r = raw[s];
    const g = hasColour ? raw[s + 1] : r;
    const b = hasColour ? raw[s + 2] : r;
    const alpha = from === 2 ? raw[s + 1] : from === 4 ? raw[s + 3] : 255;
    const o = p * to;
    if (to === 1) out[o] = hasColour ? (19595 * r + 38470 * g + 7471 * b + 32768) >> 16 : r;
    else {
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
      if (to === 4) out[o + 3] = alpha;
    }
  }
  return { data: out, channels: to };
}

/** Decodes (and resizes) image bytes; `name` appears in errors. */
export async function decodeImage(bytes: Uint8Array, args: LoadImgArgs, name: string): Promise<DecodedImage> {
  checkImageArgs(args, 'decodeImage');
  const t0 = args.targetSize;
  const header = pngHeader(bytes);
  if (header !== null && (!t0 || (t0[0] === header.height && t0[1] === header.width))) {
    const png = decodePng(bytes, name);
    if (png !== null) {
      const { data, channels } = convert(png.data, png.width * png.height, png.channels, args.colorMode ?? 'rgb');
      return { data, height: png.height, width: png.width, channels };
    }
  }
  if (bytes.length === 0) throw new Error(`cannot decode the image ${name}: the file is empty`);
  const sharp = await loadSharp();
  const t = args.targetSize;
  let result: { data: Buffer; info: { width: number; height: number; channels: number } };
  try {
    // Inside the try: sharp also throws synchronously, while it reads its arguments.
    let pipeline = sharp(bytes, { failOn: 'error' });
    if (t) pipeline = pipeline.resize(t[1], t[0], { fit: args.keepAspectRatio ? 'cover' : 'fill', kernel: KERNELS[args.interpolation ?? 'nearest'] });
    result = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw new Error(`cannot decode the image ${name}: ${(e as Error).message}`);
  }
  const { width, height, channels } = result.info;
  const { data, channels: c } = convert(result.data, width * height, channels, args.colorMode ?? 'rgb');
  return { data, height, width, channels: c };
}

/** Keras' load_img + img_to_array: the image as a float32 [h, w, c] tensor of 0..255 values. */
export async function loadImg(path: string, args: LoadImgArgs = {}): Promise<Tensor> {
  checkImageArgs(args, 'loadImg');
  const { readFile } = await import('node:fs/promises');
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new Error(`loadImg: cannot read ${path}: ${(e as Error).message}`);
  }
  const img = await decodeImage(bytes, args, path);
  return tensor(img.data, [img.height, img.width, img.channels]);
}

export interface SaveImgArgs {
  /** Scale values to 0..255 by the image's min and max first (Keras' default true). */
  readonly scale?: boolean;
}

/**
 * Keras' save_img: writes a [h, w, c] (c = 1, 3 or 4) tensor as an image; the format comes
 * from the file extension (png, jpg/jpeg, webp, tif/tiff).
 */
export async function saveImg(path: string, x: Tensor, args: SaveImgArgs = {}): Promise<void> {
  if (!(x instanceof Tensor) || x.rank !== 3 || ![1, 3, 4].includes(x.shape[2])) {
    throw new RangeError(`saveImg: expected an image [h, w, c] with 1, 3 or 4 channels; got ${x instanceof Tensor ? `shape ${formatShape(x.shape)}` : typeof x}`);
  }
  const [h, w, c] = x.shape;
  const src = x.dataSync();
  let lo = 0;
  let span = 255;
  if (args.scale ?? true) {
    const [min, max] = valueRange(src);
    lo = min;
    span = max - min || 1;
  }
  const px = Buffer.alloc(src.length);
  for (let i = 0; i < src.length; i++) px[i] = Math.min(255, Math.max(0, Math.round(((src[i] - lo) / span) * 255)));
  const sharp = await loadSharp();
  try {
    await sharp(px, { raw: { width: w, height: h, channels: c as 1 | 3 | 4 } }).toFile(path);
  } catch (e) {
    throw new Error(`saveImg: cannot write ${path}: ${(e as Error).message}`);
  }
}
