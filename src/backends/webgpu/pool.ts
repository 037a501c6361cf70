import type { Backend, Pool2DInfo, ResizeInfo, SampleImageInfo } from '../interface.js';
import { type Gpu, type GpuBuffer, ELEMENT_WG, groups1d, perElementSource } from './runtime.js';
import { FILL_MODE_CODES } from '../codes.js';

/**
 * Pooling and resizing kernels of the WebGPU backend (NHWC, float32), matching
 * backends/js/pool.ts: max pooling takes the first maximal tap in window order (a NaN tap
 * makes the forward result NaN; the gradient goes to the first tap, then to strictly
 * greater ones, so NaNs never win after the first tap), average pooling divides by the
 * taps that count (countIncludePad), and resize samples exactly the taps and weights of
 * the reference (its per-axis tables are computed on the host, in float64 like the
 * reference, and passed as parameters).
 *
 * Gradients are race-free: one invocation per input element gathers from the outputs
 * that read it, adding in the reference's output order.
 *
 * Precision: the reference sums average pools and resize taps in float64 or with
 * float64 weights; here they are float32 (differences of a few ulps).
 */

/** A per-element kernel (runtime.ts) whose element index is `g`. */
const perElement = (decls: string, body: string): string => perElementSource(decls, body, 'g');


/** WGSL statements splitting `p`, a pixel of an NHWC tensor with images of h × w, into n, `y`, `x`. */
function pixelOf(y: string, x: string, h: string, w: string): string {
  return `let ${x} = p % ${w};
  let ${y} = (p / ${w}) % ${h};
  let n = p / (${w} * ${h});`;
}

/**
 * Geometry words shared by the pooling shaders: 0 total, 1 batch, 2 inH, 3 inW, 4 C,
 * 5 outH, 6 outW, 7 kH, 8 kW, 9 strideH, 10 strideW, 11 dilationH, 12 dilationW,
 * 13 padTop, 14 padLeft, 15 padBottom, 16 padRight, 17 countIncludePad.
 */
function poolWords(total: number, info: Pool2DInfo): number[] {
  const { batch, inH, inW, channels, outH, outW, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft, padBottom, padRight, countIncludePad } = info;
  return [total, batch, inH, inW, channels, outH, outW, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft, padBottom, padRight, countIncludePad ? 1 : 0];
}

const IS_NAN = /* wgsl */ `fn isNan(v: f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u; }`;

const POOL_COMMON = /* wgsl */ `
${IS_NAN}
/** Taps of window (oh, ow) that count toward an average (avgDivisor of the reference). */
fn divisor(oh: i32, ow: i32) -> i32 {
  let inH = pi(2u); let inW = pi(3u);
  let padTop = pi(13u); let padLeft = pi(14u);
  let incl = pu(17u) == 1u;
  let loH = select(0, -padTop, incl);
  let hiH = select(inH, inH + pi(15u), incl);
  let loW = select(0, -padLeft, incl);
  let hiW = select(inW, inW + pi(16u), incl);
  var rows = 0;
  for (var kh = 0; kh < pi(7u); kh = kh + 1) {
    let ih = oh * pi(9u) - padTop + kh * pi(11u);
    if (ih >= loH && ih < hiH) { rows = rows + 1; }
  }
  var cols = 0;
  for (var kw = 0; kw < pi(8u); kw = kw + 1) {
    let iw = ow * pi(10u) - padLeft + kw * pi(12u);
    if (iw >= loW && iw < hiW) { cols = cols + 1; }
  }
  return rows * cols;
}
`;

/** Geometry words of a pooling kernel over element g: its channel c and pixel p. */
const POOL_ELEMENT = /* wgsl */ `
  let inH = pi(2u); let inW = pi(3u); let C = pi(4u);
  let outH = pi(5u); let outW = pi(6u); let kH = pi(7u); let kW = pi(8u);
  let c = i32(g % u32(C));
  let p = i32(g / u32(C));`;

/**
 * Decodes output element g into (n, oh, ow, c), then runs `visit` for each in-bounds tap
 * (kh, kw) of its window, in window order, with the tap's value v of X.
 */
function windowTaps(visit: string): string {
  return /* wgsl */ `${POOL_ELEMENT}
  ${pixelOf('oh', 'ow', 'outH', 'outW')}
  for (var kh = 0; kh < kH; kh = kh + 1) {
    let ih = oh * pi(9u) - pi(13u) + kh * pi(11u);
    if (ih < 0 || ih >= inH) { continue; }
    for (var kw = 0; kw < kW; kw = kw + 1) {
      let iw = ow * pi(10u) - pi(14u) + kw * pi(12u);
      if (iw < 0 || iw >= inW) { continue; }
      let v = X[((n * inH + ih) * inW + iw) * C + c];
      ${visit}
    }
  }`;
}

/** Forward pooling, one invocation per output element; `max` picks the variant. */
function poolSrc(max: boolean): string {
  const body = max
    ? /* wgsl */ `
  var acc = pf(18u); // -Infinity (a constant expression cannot hold it)
  var nan = false;
  ${windowTaps(`if (isNan(v)) {
        nan = true;
        acc = v;
      } else if (!nan && v > acc) {
        acc = v;
      }`)}
  Y[g] = acc;`
    : /* wgsl */ `
  var acc = 0.0;
  ${windowTaps('acc = acc + v;')}
  let d = divisor(oh, ow);
  Y[g] = select(0.0, acc / f32(d), d > 0);`;
  return perElement(`
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;
${POOL_COMMON}`, body);
}

/**
 * Max-pool gradient, step 1, one invocation per output element: the tap (kh·kW + kw) that
 * receives its gradient, chosen as the reference does (the first in-bounds tap, then any
 * strictly greater one), or -1 for a window without taps.
 */
const ARGMAX_SRC = perElement(`
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> W: array<i32>;
${IS_NAN}`, /* wgsl */ `
  var best = 0.0;
  var pick = -1;
  ${windowTaps(`if (pick < 0 || (!isNan(v) && !isNan(best) && v > best)) {
        best = v;
        pick = kh * kW + kw;
      }`)}
  W[g] = pick;`);

/**
 * Pool gradient, one invocation per input element: visits the windows that contain it in
 * increasing (oh, ow) (kh, kw descending) and adds their share: max takes dy where the
 * window's chosen tap is this one, avg adds dy / divisor.
 */
function poolGradSrc(max: boolean): string {
  const decl = max
    ? `@group(0) @binding(1) var<storage, read> W: array<i32>;
@group(0) @binding(2) var<storage, read> DY: array<f32>;
@group(0) @binding(3) var<storage, read_write> DX: array<f32>;`
    : `@group(0) @binding(1) var<storage, read> DY: array<f32>;
@group(0) @binding(2) var<storage, read_write> DX: array<f32>;`;
  const add = max
    ? `if (W[o] == kh * kW + kw) { acc = acc + DY[o]; }`
    : `let d = divisor(oh, ow);
        if (d > 0) { acc = acc + DY[o] / f32(d); }`;
  return perElement(`${decl}
${POOL_COMMON}`, /* wgsl */ `${POOL_ELEMENT}
  ${pixelOf('ih', 'iw', 'inH', 'inW')}
  let sH = pi(9u); let sW = pi(10u);
  var acc = 0.0;
  for (var kh = kH - 1; kh >= 0; kh = kh - 1) {
    let th = ih + pi(13u) - kh * pi(11u);
    if (th < 0 || th % sH != 0) { continue; }
    let oh = th / sH;
    if (oh >= outH) { continue; }
    for (var kw = kW - 1; kw >= 0; kw = kw - 1) {
      let tw = iw + pi(14u) - kw * pi(12u);
      if (tw < 0 || tw % sW != 0) { continue; }
      let ow = tw / sW;
      if (ow >= outW) { continue; }
      let o = ((n * outH + oh) * outW + ow) * C + c;
      ${add}
    }
  }
  DX[g] = acc;`);
}

/** Source taps and weight of each output position along one axis (resizeAxis of the reference, in float64). */
interface Axis {
  readonly i0: number[];
  readonly i1: number[];
  readonly w1: number[];
}

function resizeAxis(inN: number, outN: number, info: ResizeInfo): Axis {
  const i0: number[] = [];
  const i1: number[] = [];
  const w1: number[] = [];
  const scale = info.alignCorners && outN > 1 ? (inN - 1) / (outN - 1) : inN / outN;
  for (let d = 0; d < outN; d++) {
    if (info.method === 'nearest') {
      const src = info.alignCorners ? Math.round(d * scale) : Math.floor(info.halfPixelCenters ? (d + 0.5) * scale : d * scale);
      const i = Math.min(Math.max(src, 0), inN - 1);
      i0.push(i);
      i1.push(i);
      w1.push(0);
      continue;
    }
    let src = info.halfPixelCenters && !info.alignCorners ? (d + 0.5) * scale - 0.5 : d * scale;
    if (src < 0) src = 0;
    const lo = Math.min(Math.floor(src), inN - 1);
    i0.push(lo);
    i1.push(Math.min(lo + 1, inN - 1));
    w1.push(Math.fround(src - lo));
  }
  return { i0, i1, w1 };
}

/**
 * Inverse of an axis table: for each input position, the output positions that read it
 * and the weight of that tap (1 − w for the first tap, w for the second, present only
 * where w ≠ 0, as in the reference), in increasing output order.
 */
function invertAxis(a: Axis, inN: number): { offsets: number[]; outs: number[]; weights: number[] } {
  const lists: { o: number; w: number }[][] = Array.from({ length: inN }, () => []);
  a.i0.forEach((i, d) => {
    const w = a.w1[d] as number;
    (lists[i] as { o: number; w: number }[]).push({ o: d, w: 1 - w });
    if (w !== 0) (lists[a.i1[d] as number] as { o: number; w: number }[]).push({ o: d, w });
  });
  const offsets = [0];
  const outs: number[] = [];
  const weights: number[] = [];
  for (const l of lists) {
    for (const e of l) {
      outs.push(e.o);
      weights.push(e.w);
    }
    offsets.push(outs.length);
  }
  return { offsets, outs, weights };
}

/** Geometry words of a resize kernel over element g: its channel c and pixel p. */
const RESIZE_ELEMENT = /* wgsl */ `
  let inH = pu(1u); let inW = pu(2u); let C = pu(3u); let outH = pu(4u); let outW = pu(5u);
  let c = g % C;
  let p = g / C;`;

/**
 * Forward resize, one invocation per output element, with the reference's taps and tap
 * order. Words: 0 total, 1 inH, 2 inW, 3 C, 4 outH, 5 outW, then i0y, i1y (outH each),
 * i0x, i1x (outW each); floats after them: w1y (outH), w1x (outW).
 */
const RESIZE_SRC = perElement(`
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;`, /* wgsl */ `${RESIZE_ELEMENT}
  ${pixelOf('y', 'x', 'outH', 'outW')}
  let wBase = 6u + 2u * outH + 2u * outW;
  let wy = pf(wBase + y);
  let wx = pf(wBase + outH + x);
  let row0 = (n * inH + pu(6u + y)) * inW;
  let row1 = (n * inH + pu(6u + outH + y)) * inW;
  let x0 = pu(6u + 2u * outH + x);
  let x1 = pu(6u + 2u * outH + outW + x);
  var acc = (1.0 - wy) * (1.0 - wx) * X[(row0 + x0) * C + c];
  if (wx != 0.0) { acc = acc + (1.0 - wy) * wx * X[(row0 + x1) * C + c]; }
  if (wy != 0.0) { acc = acc + wy * (1.0 - wx) * X[(row1 + x0) * C + c]; }
  if (wy != 0.0 && wx != 0.0) { acc = acc + wy * wx * X[(row1 + x1) * C + c]; }
  Y[g] = acc;`);

/**
 * sampleImage (Keras' map_coordinates), one invocation per output element. Words: 0 total,
 * 1 H, 2 W, 3 C, 4 nearest (1/0), 5 fill mode (0 reflect, 1 wrap, 2 constant, 3 nearest);
 * float: fillValue.
 */
const SAMPLE_IMAGE_SRC = perElement(`
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> SX: array<f32>;
@group(0) @binding(3) var<storage, read> SY: array<f32>;
@group(0) @binding(4) var<storage, read_write> Y: array<f32>;
fn foldIndex(i: i32, n: i32, mode: u32) -> i32 {
  if (i >= 0 && i < n) { return i; }
  if (mode == 2u) { return -1; }
  if (mode == 3u) { return select(n - 1, 0, i < 0); }
  if (mode == 1u) { var k = i % n; if (k < 0) { k = k + n; } return k; }
  let m = 2 * n;
  var k = i % m;
  if (k < 0) { k = k + m; }
  return select(k, m - 1 - k, k >= n);
}
fn tap(base: u32, r: i32, q: i32, w: i32, c: u32, ch: u32, fill: f32) -> f32 {
  if (r < 0 || q < 0) { return fill; }
  return X[base + (u32(r * w + q)) * c + ch];
}`, /* wgsl */ `
  let H = pi(1u);
  let W = pi(2u);
  let C = pu(3u);
  let mode = pu(5u);
  let fill = pf(6u);
  let ch = g % C;
  let p = g / C;
  let pixels = u32(H * W);
  let base = (p - p % pixels) * C;
  let v = SX[p];
  let u = SY[p];
  if (pu(4u) == 1u) {
    let r = foldIndex(i32(floor(u + 0.5)), H, mode);
    let q = foldIndex(i32(floor(v + 0.5)), W, mode);
    Y[g] = tap(base, r, q, W, C, ch, fill);
    return;
  }
  let r0 = floor(u);
  let q0 = floor(v);
  let fr = u - r0;
  let fq = v - q0;
  let ra = foldIndex(i32(r0), H, mode);
  let rb = foldIndex(i32(r0) + 1, H, mode);
  let qa = foldIndex(i32(q0), W, mode);
  let qb = foldIndex(i32(q0) + 1, W, mode);
  var acc = ((1.0 - fr) * (1.0 - fq)) * tap(base, ra, qa, W, C, ch, fill);
  acc = acc + ((1.0 - fr) * fq) * tap(base, ra, qb, W, C, ch, fill);
  acc = acc + (fr * (1.0 - fq)) * tap(base, rb, qa, W, C, ch, fill);
  acc = acc + (fr * fq) * tap(base, rb, qb, W, C, ch, fill);
  Y[g] = acc;`);

/**
 * Resize gradient, one invocation per input element, summing over the output pixels whose
 * taps include it (per-axis inverse tables). Words: 0 total, 1 inH, 2 inW, 3 C, 4 outH,
 * 5 outW, 6..11 word offsets of offY (inH + 1), outY, offX (inW + 1), outX, wY, wX.
 */
const RESIZE_GRAD_SRC = perElement(`
@group(0) @binding(1) var<storage, read> DY: array<f32>;
@group(0) @binding(2) var<storage, read_write> DX: array<f32>;`, /* wgsl */ `${RESIZE_ELEMENT}
  ${pixelOf('iy', 'ix', 'inH', 'inW')}
  let offY = pu(6u); let outY = pu(7u); let offX = pu(8u); let outX = pu(9u); let wY = pu(10u); let wX = pu(11u);
  var acc = 0.0;
  let xs = pu(offX + ix);
  let xe = pu(offX + ix + 1u);
  for (var a = pu(offY + iy); a < pu(offY + iy + 1u); a = a + 1u) {
    let row = (n * outH + pu(outY + a)) * outW;
    let wy = pf(wY + a);
    for (var b = xs; b < xe; b = b + 1u) {
      acc = acc + wy * pf(wX + b) * DY[(row + pu(outX + b)) * C + c];
    }
  }
  DX[g] = acc;`);

/** Pooling and resize kernels over GPU buffers (float32 NHWC); parallelisation on each kernel. */
export function poolKernels(gpu: Gpu): Pick<Backend<GpuBuffer>, 'pool2d' | 'pool2dGrad' | 'resize2d' | 'resize2dGrad' | 'sampleImage'> {
  /** Dispatches a perElementSrc kernel over the `ints[0]` elements (nothing when there are none). */
  const perElement = (key: string, source: () => string, buffers: readonly GpuBuffer[], ints: readonly number[], floats: readonly number[] = []): void => {
    gpu.run({ key, source, buffers, ints, floats, groups: groups1d(ints[0] as number, ELEMENT_WG) });
  };

  return {
    /** One invocation per output element looping over its window. */
    pool2d(x, y, info) {
      const total = info.batch * info.outH * info.outW * info.channels;
      const max = info.mode === 'max';
      perElement(`pool.${info.mode}`, () => poolSrc(max), [x, y], poolWords(total, info), max ? [-Infinity] : []);
    },

    /**
     * Max: one invocation per output element records its chosen tap (pooled int32 buffer),
     * then one per input element gathers dy from the windows that chose it. Avg: one
     * invocation per input element gathers dy / divisor from the windows containing it.
     * Both add in the reference's window order (max gradients equal the reference's).
     */
    pool2dGrad(x, dy, dx, info) {
      const outTotal = info.batch * info.outH * info.outW * info.channels;
      const inTotal = info.batch * info.inH * info.inW * info.channels;
      if (info.mode === 'max') {
        const where = gpu.memory.alloc('int32', outTotal);
        perElement('pool.argmax', () => ARGMAX_SRC, [x, where], poolWords(outTotal, info));
        perElement('pool.maxGrad', () => poolGradSrc(true), [where, dy, dx], poolWords(inTotal, info));
        gpu.memory.free(where);
      } else {
        perElement('pool.avgGrad', () => poolGradSrc(false), [dy, dx], poolWords(inTotal, info));
      }
    },

    /** One invocation per output element: its four (or one) taps, each folded by the fill mode. */
    sampleImage(x, sx, sy, y, info: SampleImageInfo) {
      const total = info.batch * info.height * info.width * info.channels;
      if (total === 0) return;
      const mode = FILL_MODE_CODES[info.fillMode];
      perElement('pool.sampleImage', () => SAMPLE_IMAGE_SRC, [x, sx, sy, y], [total, info.height, info.width, info.channels, info.interpolation === 'nearest' ? 1 : 0, mode], [info.fillValue]);
    },

    /** One invocation per output element: up to four taps from host-computed axis tables. */
    resize2d(x, y, info) {
      const { batch, inH, inW, channels, outH, outW } = info;
      const total = batch * outH * outW * channels;
      if (total === 0) return;
      const ay = resizeAxis(inH, outH, info);
      const ax = resizeAxis(inW, outW, info);
      perElement('pool.resize', () => RESIZE_SRC, [x, y], [total, inH, inW, channels, outH, outW, ...ay.i0, ...ay.i1, ...ax.i0, ...ax.i1], [...ay.w1, ...ax.w1]);
    },

    /** One invocation per input element, gathering from the output pixels that sample it. */
    resize2dGrad(dy, dx, info) {
      const { batch, inH, inW, channels, outH, outW } = info;
      const total = batch * inH * inW * channels;
      if (total === 0) return;
      const iy = invertAxis(resizeAxis(inH, outH, info), inH);
      const ix = invertAxis(resizeAxis(inW, outW, info), inW);
      const head = 12;
      const offY = head;
      const outY = offY + iy.offsets.length;
      const offX = outY + iy.outs.length;
      const outX = offX + ix.offsets.length;
      const wY = outX + ix.outs.length;
      const wX = wY + iy.weights.length;
      const ints = [total, inH, inW, channels, outH, outW, offY, outY, offX, outX, wY, wX, ...iy.offsets, ...iy.outs, ...ix.offsets, ...ix.outs];
      perElement('pool.resizeGrad', () => RESIZE_GRAD_SRC, [dy, dx], ints, [...iy.weights, ...ix.weights]);
    },
  };
}
