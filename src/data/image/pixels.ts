/**
 * Pixels into tensors, as TensorFlow.js' `tf.browser.fromPixels`: ImageData (or any
 * `{ data, width, height }` of RGBA bytes), a canvas, an image, an ImageBitmap or a video
 * frame becomes an int32 tensor [height, width, channels] of values 0–255 (channels 1: red,
 * 3: RGB, 4: RGBA). Elements are drawn on a canvas first (browser only); ImageData-like
 * objects work anywhere.
 */
import { Tensor } from '../../tensor/tensor.js';

/** RGBA bytes with their size (ImageData, or the same shape from elsewhere). */
export interface PixelData {
  readonly data: Uint8ClampedArray | Uint8Array;
  readonly width: number;
  readonly height: number;
}

export type PixelSource = PixelData | HTMLCanvasElement | OffscreenCanvas | HTMLImageElement | ImageBitmap | HTMLVideoElement;

function isPixelData(p: unknown): p is PixelData {
  const d = (p as { data?: unknown }).data;
  return typeof p === 'object' && p !== null && (d instanceof Uint8ClampedArray || d instanceof Uint8Array) && typeof (p as PixelData).width === 'number' && typeof (p as PixelData).height === 'number';
}

/** The size of an element as it draws. */
function sizeOf(p: Exclude<PixelSource, PixelData>): [number, number] {
  const v = p as { videoWidth?: number; videoHeight?: number; naturalWidth?: number; naturalHeight?: number; width: number; height: number };
  if (typeof v.videoWidth === 'number' && v.videoWidth > 0) return [v.videoWidth, v.videoHeight as number];
  if (typeof v.naturalWidth === 'number' && v.naturalWidth > 0) return [v.naturalWidth, v.naturalHeight as number];
  return [v.width, v.height];
}

function rgba(p: PixelSource): PixelData {
  if (isPixelData(p)) return p;
  const [width, height] = sizeOf(p);
  if (!(width > 0 && height > 0)) throw new RangeError(`fromPixels: the source has no pixels yet (size ${width}×${height}; an image must have loaded, a video must have a frame)`);
  const g = globalThis as { OffscreenCanvas?: typeof OffscreenCanvas; document?: Document };
  let ctx: OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D | null = null;
  if (g.OffscreenCanvas) ctx = new g.OffscreenCanvas(width, height).getContext('2d');
  else if (g.document) {
    const canvas = g.document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    ctx = canvas.getContext('2d');
  }
  if (ctx === null) throw new Error('fromPixels: no 2-D canvas here to draw the source on (pass ImageData-like { data, width, height } in Node)');
  ctx.drawImage(p as CanvasImageSource, 0, 0, width, height);
  return ctx.getImageData(0, 0, width, height);
}

/** tf.browser.fromPixels: an int32 tensor [height, width, numChannels] of 0–255 values. */
export function fromPixels(pixels: PixelSource, numChannels: 1 | 3 | 4 = 3): Tensor {
  if (numChannels !== 1 && numChannels !== 3 && numChannels !== 4) throw new RangeError(`fromPixels: numChannels must be 1, 3 or 4; got ${String(numChannels)}`);
  if (pixels === null || typeof pixels !== 'object') throw new TypeError(`fromPixels: expected ImageData, a canvas, an image, an ImageBitmap or a video; got ${pixels === null ? 'null' : typeof pixels}`);
  const { data, width, height } = rgba(pixels);
  if (data.length !== width * height * 4) throw new RangeError(`fromPixels: ${width}×${height} RGBA pixels need ${width * height * 4} bytes; got ${data.length}`);
  const out = new Int32Array(width * height * numChannels);
  for (let i = 0, o = 0; i < width * height; i++) for (let c = 0; c < numChannels; c++) out[o++] = data[i * 4 + c];
  return new Tensor(out, [height, width, numChannels]);
}
