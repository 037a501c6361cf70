/**
 * Geometric augmentation as one affine warp per image (no chain of resamplings).
 *
 * Coordinates are (row, col). The warp is the inverse map of scipy's
 * `ndimage.affine_transform`, as Keras uses it: each output pixel `o` reads the input at
 * `M·o + t`, with bilinear interpolation (Keras' `interpolation_order=1`) and the Keras fill
 * modes for points that fall outside the image:
 *   constant  kkkk|abcd|kkkk  (cval; no interpolation beyond the edge, as scipy's 'constant')
 *   nearest   aaaa|abcd|dddd
 *   reflect   dcba|abcd|dcba  (half-sample symmetric)
 *   wrap      abcd|abcd|abcd
 */

export type FillMode = 'constant' | 'nearest' | 'reflect' | 'wrap';
export const FILL_MODES: readonly FillMode[] = ['constant', 'nearest', 'reflect', 'wrap'];

/** A 2-D affine map on (row, col): in = [[a, b], [c, d]]·out + [e, f]. */
export interface Affine {
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly d: number;
  readonly e: number;
  readonly f: number;
}

/** The random parameters of one transform (Keras' transform_parameters). */
export interface TransformParams {
  /** Rotation in degrees. */
  theta?: number;
  /** Shift along rows (height), in pixels. */
  tx?: number;
  /** Shift along columns (width), in pixels. */
  ty?: number;
  /** Shear angle in degrees. */
  shear?: number;
  /** Zoom along rows. */
  zx?: number;
  /** Zoom along columns. */
  zy?: number;
  flipHorizontal?: boolean;
  flipVertical?: boolean;
  channelShiftIntensity?: number | null;
  brightness?: number | null;
}

type M3 = [number, number, number, number, number, number, number, number, number];

function mul(p: M3, q: M3): M3 {
  const r = new Array<number>(9) as M3;
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) r[i * 3 + j] = p[i * 3] * q[j] + p[i * 3 + 1] * q[3 + j] + p[i * 3 + 2] * q[6 + j];
  return r;
}

/**
 * The combined inverse map of Keras' apply_affine_transform (rotation · shift · shear ·
 * zoom about the image centre ((h-1)/2, (w-1)/2)), with the flips that Keras applies
 * afterwards folded in, so that one resampling does everything. Null for the identity.
 */
export function transformMatrix(p: TransformParams, h: number, w: number): Affine | null {
  let m: M3 | null = null;
  const then = (q: M3): void => {
    m = m === null ? q : mul(m, q);
  };
  const theta = p.theta ?? 0;
  if (theta !== 0) {
    const t = (theta * Math.PI) / 180;
    then([Math.cos(t), -Math.sin(t), 0, Math.sin(t), Math.cos(t), 0, 0, 0, 1]);
  }
  const tx = p.tx ?? 0;
  const ty = p.ty ?? 0;
  if (tx !== 0 || ty !== 0) then([1, 0, tx, 0, 1, ty, 0, 0, 1]);
  const shear = p.shear ?? 0;
  if (shear !== 0) {
    const s = (shear * Math.PI) / 180;
    then([1, -Math.sin(s), 0, 0, Math.cos(s), 0, 0, 0, 1]);
  }
  const zx = p.zx ?? 1;
  const zy = p.zy ?? 1;
  if (zx !== 1 || zy !== 1) then([zx, 0, 0, 0, zy, 0, 0, 0, 1]);
  if (m !== null) {
    const or = h / 2 - 0.5;
    const oc = w / 2 - 0.5;
    m = mul(mul([1, 0, or, 0, 1, oc, 0, 0, 1], m), [1, 0, -or, 0, 1, -oc, 0, 0, 1]);
  }
  // A flip after the warp reads the warped image at the mirrored output position.
  if (p.flipHorizontal || p.flipVertical) {
    const fv = p.flipVertical ? -1 : 1;
    const fh = p.flipHorizontal ? -1 : 1;
    const flip: M3 = [fv, 0, p.flipVertical ? h - 1 : 0, 0, fh, p.flipHorizontal ? w - 1 : 0, 0, 0, 1];
    m = m === null ? flip : mul(m, flip);
  }
  if (m === null) return null;
  const r = m as M3;
  return { a: r[0], b: r[1], c: r[3], d: r[4], e: r[2], f: r[5] };
}

/** Maps an integer index outside [0, n) into it by the fill mode (-1: use cval). */
function fold(i: number, n: number, mode: FillMode): number {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case 'nearest':
      return i < 0 ? 0 : n - 1;
    case 'wrap':
      return ((i % n) + n) % n;
    case 'reflect': {
      const period = 2 * n;
      let k = ((i % period) + period) % period;
      if (k >= n) k = period - 1 - k;
      return k;
    }
    default:
      return -1;
  }
}

const EDGE = 1e-6;

/**
 * Warps one HWC float32 image into `out` (same shape). `src` and `out` are flat HWC arrays
 * (they may be views into batch buffers), `c` the number of channels; order 1 is bilinear,
 * order 0 nearest.
 */
export function warpAffine(src: Float32Array, out: Float32Array, h: number, w: number, c: number, m: Affine, mode: FillMode, cval: number, order: 0 | 1 = 1): void {
  for (let r = 0; r < h; r++) {
    let sr = m.a * r + m.e;
    let sc = m.c * r + m.f;
    for (let q = 0; q < w; q++, sr += m.b, sc += m.d) {
      const o = (r * w + q) * c;
      let y = sr;
      let x = sc;
      if (mode === 'constant') {
        if (y < -EDGE || y > h - 1 + EDGE || x < -EDGE || x > w - 1 + EDGE) {
          for (let k = 0; k < c; k++) out[o + k] = cval;
          continue;
        }
        y = Math.min(Math.max(y, 0), h - 1);
        x = Math.min(Math.max(x, 0), w - 1);
      }
      // Snap to the grid when the coordinate is an integer up to rounding (always for order 0).
      const yr = Math.round(y);
      const xr = Math.round(x);
      if (order === 0 || Math.abs(y - yr) < EDGE) y = yr;
      if (order === 0 || Math.abs(x - xr) < EDGE) x = xr;
      const y0 = Math.floor(y);
      const x0 = Math.floor(x);
      const fy = y - y0;
      const fx = x - x0;
      const r0 = fold(y0, h, mode);
      const r1 = fy === 0 ? r0 : fold(y0 + 1, h, mode);
      const c0 = fold(x0, w, mode);
      const c1 = fx === 0 ? c0 : fold(x0 + 1, w, mode);
      const w00 = (1 - fy) * (1 - fx);
      const w01 = (1 - fy) * fx;
      const w10 = fy * (1 - fx);
      const w11 = fy * fx;
      const p00 = (r0 * w + c0) * c;
      const p01 = (r0 * w + c1) * c;
      const p10 = (r1 * w + c0) * c;
      const p11 = (r1 * w + c1) * c;
      for (let k = 0; k < c; k++) {
        let v = w00 * src[p00 + k];
        if (w01 !== 0) v += w01 * src[p01 + k];
        if (w10 !== 0) v += w10 * src[p10 + k];
        if (w11 !== 0) v += w11 * src[p11 + k];
        out[o + k] = v;
      }
    }
  }
}

/** The smallest and largest value. */
export function valueRange(img: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < img.length; i++) {
    const v = img[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/** Keras' apply_channel_shift: the same intensity added to every channel, clipped to the image's range. */
export function channelShift(img: Float32Array, intensity: number): void {
  const [lo, hi] = valueRange(img);
  for (let i = 0; i < img.length; i++) img[i] = Math.min(Math.max(img[i] + intensity, lo), hi);
}

/**
 * Keras' brightness shift (PIL's ImageEnhance.Brightness: a blend with black, on 0..255
 * pixels): values are multiplied by the factor and clipped to [0, 255]; images whose range
 * leaves [0, 255] are scaled into it first and back afterwards, as Keras does with scale=False.
 */
export function brightnessShift(img: Float32Array, factor: number): void {
  const [lo, hi] = valueRange(img);
  const rescale = lo < 0 || hi > 255;
  const span = hi - lo || 1;
  for (let i = 0; i < img.length; i++) {
    const v = rescale ? ((img[i] - lo) / span) * 255 : img[i];
    const b = Math.min(Math.max(v * factor, 0), 255);
    img[i] = rescale ? (b / 255) * span + lo : b;
  }
}
