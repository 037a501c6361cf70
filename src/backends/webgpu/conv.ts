import type { Backend, Conv2DInfo, Epilogue } from '../interface.js';
import { type Gpu, type GpuBuffer, groups1d } from './runtime.js';
import { epilogueParts, epilogueWgsl, type GemmProgram, runGemm } from './matmul.js';

/**
 * 2-D convolutions of the webgpu backend (NHWC images, HWIO filters `[kH, kW, inC/groups,
 * outC]`), with exactly the semantics of backends/js/conv.ts: input pixel of output
 * (oh, ow) and tap (kh, kw) is (oh·strideH − padTop + kh·dilationH, ow·strideW − padLeft +
 * kw·dilationW), positions outside the image read 0 (bottom/right padding follows from
 * the output size), and group g maps input channels [g·inC/groups, (g+1)·inC/groups) to
 * output channels [g·outC/groups, (g+1)·outC/groups).
 *
 * Two implementations:
 *  - implicit GEMM on the tiled kernel of matmul.ts (runGemm), one product per group in
 *    the z dimension. The patch elements are gathered while the operand tiles load (no
 *    im2col buffer):
 *      forward:         (batch·outH·outW) × outCg,  K = kH·kW·inCg
 *      input gradient:  (batch·inH·inW) × inCg,     K = kH·kW·outCg (taps whose dy
 *                       position is not on the stride grid or outside read 0)
 *      filter gradient: (kH·kW·inCg) × outCg,       K = batch·outH·outW (split-K)
 *  - direct kernels for grouped convolutions with few output channels per group
 *    (depthwise and the like), where a 64-wide output tile would be mostly idle.
 * The geometry comes in parameter words (copied once into private variables), so shapes
 * share pipelines; only the input gradient specialises unit strides (its divisions by the
 * stride then fold away). Data are float32.
 */

/** Grouped convolutions with fewer output channels per group than this run the direct kernels. */
const DIRECT_BELOW = 16;

/** Parameter words of the geometry (the order of the variables in geometryWgsl). */
function geometryInts(info: Conv2DInfo): number[] {
  const { batch, inH, inW, inC, outH, outW, outC, kH, kW, groups, padTop, padLeft, strideH, strideW, dilationH, dilationW } = info;
  return [batch, inH, inW, inC, outH, outW, outC, kH, kW, inC / groups, outC / groups, padTop, padLeft, strideH, strideW, dilationH, dilationW];
}

/**
 * WGSL: the geometry as private variables NB, IH, IW, IC, OH, OW, OC, KH, KW, CG (inC per
 * group), OG (outC per group) (u32) and PT, PL, SH, SW, DH, DW (i32), set by `init()` from
 * the parameter words starting at `base`. `unitStride` makes SH and SW constants 1.
 */
function geometryWgsl(base: string, unitStride = false): string {
  const u = ['NB', 'IH', 'IW', 'IC', 'OH', 'OW', 'OC', 'KH', 'KW', 'CG', 'OG'];
  const i = ['PT', 'PL', 'SH', 'SW', 'DH', 'DW'];
  const vars = [...u.map((n) => [n, 'u32', 'pu'] as const), ...i.map((n) => [n, 'i32', 'pi'] as const)].map(([n, t, f], k) => ({ n, t, f, k }));
  const kept = vars.filter((v) => !(unitStride && (v.n === 'SH' || v.n === 'SW')));
  return [
    ...kept.map((v) => `var<private> ${v.n}: ${v.t};`),
    ...(unitStride ? ['const SH: i32 = 1;', 'const SW: i32 = 1;'] : []),
    `fn init() {`,
    ...kept.map((v) => `  ${v.n} = ${v.f}(${base} + ${v.k}u);`),
    `}`,
    '',
  ].join('\n');
}

const decl = (binding: number, name: string, write = false): string =>
  `@group(0) @binding(${binding}) var<storage, ${write ? 'read_write' : 'read'}> ${name}: array<f32>;\n`;

/** Shared operand context types: vec4<i32> with w = 0 outside, i32 offsets with −1 outside. */
const CONTEXT_TYPES = `
alias RA = vec4<i32>;
alias CA = vec4<i32>;
alias RB = i32;
alias CB = i32;
`;

/** Forward pass as a GEMM: rows are output pixels (n, oh, ow), k is the tap (kh, kw, ci). */
function forwardProgram(x: GpuBuffer, w: GpuBuffer, y: GpuBuffer, info: Conv2DInfo, epilogue: Epilogue<GpuBuffer> | undefined): GemmProgram {
  const ep = epilogueParts(epilogue);
  const { batch, outH, outW, outC, kH, kW, inC, groups } = info;
  return {
    key: `conv-fwd:${ep.key}`,
    inputs: [x, w],
    inputDecls: (f) => decl(f, 'X') + decl(f + 1, 'W'),
    outputs: [y, ...ep.bias],
    outputDecls: (f) => decl(f, 'Y', true) + epilogueWgsl(ep.bias.length > 0, f + 1, 'PB + 17u'),
    header: geometryWgsl('PB'),
    operands: CONTEXT_TYPES + /* wgsl */ `
fn aRow(z: u32, r: u32) -> vec4<i32> {
  if (r >= pu(0u)) { return vec4<i32>(0); }
  let ow = r % OW;
  let t = r / OW;
  let oh = t % OH;
  let n = t / OH;
  return vec4<i32>(i32(n * IH * IW * IC), i32(oh) * SH - PT, i32(ow) * SW - PL, 1);
}
fn aCol(z: u32, q: u32) -> vec4<i32> {
  if (q >= pu(2u)) { return vec4<i32>(0); }
  let ci = q % CG;
  let t = q / CG;
  let kw = t % KW;
  let kh = t / KW;
  return vec4<i32>(i32(kh) * DH, i32(kw) * DW, i32(z * CG + ci), 1);
}
fn aAt(r: vec4<i32>, c: vec4<i32>) -> f32 {
  let ih = r.y + c.x;
  let iw = r.z + c.y;
  let ok = ((r.w & c.w) != 0) & (ih >= 0) & (iw >= 0) & (ih < i32(IH)) & (iw < i32(IW));
  return select(0.0, X[select(0u, u32(r.x + (ih * i32(IW) + iw) * i32(IC) + c.z), ok)], ok);
}
fn bRow(z: u32, q: u32) -> i32 { return select(-1, i32(q * OC), q < pu(2u)); }
fn bCol(z: u32, j: u32) -> i32 { return select(-1, i32(z * OG + j), j < pu(1u)); }
fn bAt(r: i32, c: i32) -> f32 { let ok = (r | c) >= 0; return select(0.0, W[select(0u, u32(r + c), ok)], ok); }
`,
    store: `fn storeC(z: u32, r: u32, j: u32, v: f32) { let c = z * OG + j; Y[r * OC + c] = epi(v, c); }`,
    aKFast: true,
    bKFast: false,
    m: batch * outH * outW,
    n: outC / groups,
    k: kH * kW * (inC / groups),
    batch: groups,
    ints: [...geometryInts(info), ep.act],
  };
}

/** Input gradient as a GEMM: rows are input pixels (n, ih, iw), k is (kh, kw, co); off-grid taps read 0. */
function inputGradProgram(dy: GpuBuffer, w: GpuBuffer, dx: GpuBuffer, info: Conv2DInfo): GemmProgram {
  const { batch, inH, inW, inC, outC, kH, kW, groups } = info;
  const unit = unitStride(info);
  return {
    key: `conv-dx:${unit ? 's1' : 'sn'}`,
    inputs: [dy, w],
    inputDecls: (f) => decl(f, 'DY') + decl(f + 1, 'W'),
    outputs: [dx],
    outputDecls: (f) => decl(f, 'DX', true),
    header: geometryWgsl('PB', unit),
    operands: CONTEXT_TYPES + /* wgsl */ `
fn aRow(z: u32, r: u32) -> vec4<i32> {
  if (r >= pu(0u)) { return vec4<i32>(0); }
  let iw = r % IW;
  let t = r / IW;
  let ih = t % IH;
  let n = t / IH;
  return vec4<i32>(i32(n * OH * OW * OC), i32(ih) + PT, i32(iw) + PL, 1);
}
fn aCol(z: u32, q: u32) -> vec4<i32> {
  if (q >= pu(2u)) { return vec4<i32>(0); }
  let co = q % OG;
  let t = q / OG;
  let kw = t % KW;
  let kh = t / KW;
  return vec4<i32>(i32(kh) * DH, i32(kw) * DW, i32(z * OG + co), 1);
}
fn aAt(r: vec4<i32>, c: vec4<i32>) -> f32 {
  let th = r.y - c.x;
  let tw = r.z - c.y;
  let oh = th / SH;
  let ow = tw / SW;
  let ok = ((r.w & c.w) != 0) & (th >= 0) & (tw >= 0) & (oh * SH == th) & (ow * SW == tw) & (oh < i32(OH)) & (ow < i32(OW));
  return select(0.0, DY[select(0u, u32(r.x + (oh * i32(OW) + ow) * i32(OC) + c.z), ok)], ok);
}
fn bRow(z: u32, q: u32) -> i32 {
  if (q >= pu(2u)) { return -1; }
  return i32((q / OG) * CG * OC + z * OG + q % OG);
}
fn bCol(z: u32, j: u32) -> i32 { return select(-1, i32(j * OC), j < pu(1u)); }
fn bAt(r: i32, c: i32) -> f32 { let ok = (r | c) >= 0; return select(0.0, W[select(0u, u32(r + c), ok)], ok); }
`,
    store: `fn storeC(z: u32, r: u32, j: u32, v: f32) { DX[r * IC + z * CG + j] = v; }`,
    aKFast: true,
    bKFast: true,
    m: batch * inH * inW,
    n: inC / groups,
    k: kH * kW * (outC / groups),
    batch: groups,
    ints: geometryInts(info),
  };
}

/** Filter gradient as a GEMM: rows are taps (kh, kw, ci), k is the output pixel (n, oh, ow). */
function filterGradProgram(x: GpuBuffer, dy: GpuBuffer, dw: GpuBuffer, info: Conv2DInfo): GemmProgram {
  const { batch, outH, outW, outC, kH, kW, inC, groups } = info;
  return {
    key: `conv-dw`,
    inputs: [x, dy],
    inputDecls: (f) => decl(f, 'X') + decl(f + 1, 'DY'),
    outputs: [dw],
    outputDecls: (f) => decl(f, 'DWT', true),
    header: geometryWgsl('PB'),
    operands: CONTEXT_TYPES + /* wgsl */ `
fn aRow(z: u32, r: u32) -> vec4<i32> {
  if (r >= pu(0u)) { return vec4<i32>(0); }
  let ci = r % CG;
  let t = r / CG;
  let kw = t % KW;
  let kh = t / KW;
  return vec4<i32>(i32(kh) * DH - PT, i32(kw) * DW - PL, i32(z * CG + ci), 1);
}
fn aCol(z: u32, q: u32) -> vec4<i32> {
  if (q >= pu(2u)) { return vec4<i32>(0); }
  let ow = q % OW;
  let t = q / OW;
  let oh = t % OH;
  let n = t / OH;
  return vec4<i32>(i32(n * IH * IW * IC), i32(oh) * SH, i32(ow) * SW, 1);
}
fn aAt(r: vec4<i32>, c: vec4<i32>) -> f32 {
  let ih = r.x + c.y;
  let iw = r.y + c.z;
  let ok = ((r.w & c.w) != 0) & (ih >= 0) & (iw >= 0) & (ih < i32(IH)) & (iw < i32(IW));
  return select(0.0, X[select(0u, u32(c.x + (ih * i32(IW) + iw) * i32(IC) + r.z), ok)], ok);
}
fn bRow(z: u32, q: u32) -> i32 { return select(-1, i32(q * OC), q < pu(2u)); }
fn bCol(z: u32, j: u32) -> i32 { return select(-1, i32(z * OG + j), j < pu(1u)); }
fn bAt(r: i32, c: i32) -> f32 { let ok = (r | c) >= 0; return select(0.0, DY[select(0u, u32(r + c), ok)], ok); }
`,
    store: `fn storeC(z: u32, r: u32, j: u32, v: f32) { DWT[r * OC + z * OG + j] = v; }`,
    aKFast: false,
    bKFast: false,
    m: kH * kW * (inC / groups),
    n: outC / groups,
    k: batch * outH * outW,
    batch: groups,
    ints: geometryInts(info),
  };
}

/** Direct forward: one thread per output element, summing its group's taps. */
function forwardDirectSource(hasBias: boolean): string {
  return geometryWgsl('0u') + decl(1, 'X') + decl(2, 'W') + decl(3, 'Y', true) + epilogueWgsl(hasBias, 4, '17u') + /* wgsl */ `
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  init();
  let idx = flat(wid, nwg, lid, 256u);
  if (idx >= NB * OH * OW * OC) { return; }
  let c = idx % OC;
  let pix = idx / OC;
  let ow = pix % OW;
  let t = pix / OW;
  let oh = t % OH;
  let n = t / OH;
  let c0 = (c / OG) * CG;
  var s = 0.0;
  for (var kh = 0u; kh < KH; kh++) {
    let ih = i32(oh) * SH - PT + i32(kh) * DH;
    if (ih < 0 || ih >= i32(IH)) { continue; }
    for (var kw = 0u; kw < KW; kw++) {
      let iw = i32(ow) * SW - PL + i32(kw) * DW;
      if (iw < 0 || iw >= i32(IW)) { continue; }
      let xo = ((n * IH + u32(ih)) * IW + u32(iw)) * IC + c0;
      let wo = (kh * KW + kw) * CG * OC + c;
      for (var ci = 0u; ci < CG; ci++) { s = fma(X[xo + ci], W[wo + ci * OC], s); }
    }
  }
  Y[idx] = epi(s, c);
}
`;
}

/** Direct input gradient: one thread per dx element, summing the dy positions its taps reach. */
function inputGradDirectSource(unit: boolean): string {
  return geometryWgsl('0u', unit) + decl(1, 'DY') + decl(2, 'W') + decl(3, 'DX', true) + /* wgsl */ `
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  init();
  let idx = flat(wid, nwg, lid, 256u);
  if (idx >= NB * IH * IW * IC) { return; }
  let c = idx % IC;
  let pix = idx / IC;
  let iw = pix % IW;
  let t = pix / IW;
  let ih = t % IH;
  let n = t / IH;
  let g = c / CG;
  let ci = c % CG;
  var s = 0.0;
  for (var kh = 0u; kh < KH; kh++) {
    let th = i32(ih) + PT - i32(kh) * DH;
    if (th < 0) { continue; }
    let oh = th / SH;
    if (oh * SH != th || oh >= i32(OH)) { continue; }
    for (var kw = 0u; kw < KW; kw++) {
      let tw = i32(iw) + PL - i32(kw) * DW;
      if (tw < 0) { continue; }
      let ow = tw / SW;
      if (ow * SW != tw || ow >= i32(OW)) { continue; }
      let dyo = ((n * OH + u32(oh)) * OW + u32(ow)) * OC + g * OG;
      let wo = ((kh * KW + kw) * CG + ci) * OC + g * OG;
      for (var co = 0u; co < OG; co++) { s = fma(DY[dyo + co], W[wo + co], s); }
    }
  }
  DX[idx] = s;
}
`;
}

/** Direct filter gradient: one workgroup per dw element, its 256 threads reduce over batch·outH·outW. */
function filterGradDirectSource(): string {
  return geometryWgsl('0u') + decl(1, 'X') + decl(2, 'DY') + decl(3, 'DWT', true) + /* wgsl */ `
var<workgroup> red: array<f32, 256>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  init();
  let e = wid.x + wid.y * nwg.x;
  // parameter words, not the private copies: the barriers below need uniform control flow
  if (e >= pu(7u) * pu(8u) * pu(9u) * pu(6u)) { return; }
  let c = e % OC;
  let t = e / OC;
  let ci = t % CG;
  let t2 = t / CG;
  let kw = t2 % KW;
  let kh = t2 / KW;
  let xc = (c / OG) * CG + ci;
  let dh = i32(kh) * DH - PT;
  let dw = i32(kw) * DW - PL;
  var s = 0.0;
  let total = NB * OH * OW;
  for (var q = lid; q < total; q += 256u) {
    let ow = q % OW;
    let u = q / OW;
    let oh = u % OH;
    let n = u / OH;
    let ih = i32(oh) * SH + dh;
    let iw = i32(ow) * SW + dw;
    if (ih >= 0 && iw >= 0 && ih < i32(IH) && iw < i32(IW)) {
      s = fma(X[((n * IH + u32(ih)) * IW + u32(iw)) * IC + xc], DY[q * OC + c], s);
    }
  }
  red[lid] = s;
  workgroupBarrier();
  for (var w = 128u; w > 0u; w = w / 2u) {
    if (lid < w) { red[lid] += red[lid + w]; }
    workgroupBarrier();
  }
  if (lid == 0u) { DWT[e] = red[0]; }
}
`;
}

/** Unit strides: the input gradient's stride divisions become constants. */
function unitStride(info: Conv2DInfo): boolean {
  return info.strideH === 1 && info.strideW === 1;
}

function useDirect(info: Conv2DInfo): boolean {
  return info.groups > 1 && info.outC / info.groups < DIRECT_BELOW;
}

/** The convolution kernels (float32 data). */
export function convKernels(gpu: Gpu): Pick<Backend<GpuBuffer>, 'conv2d' | 'conv2dBackpropInput' | 'conv2dBackpropFilter'> {
  return {
    /**
     * y = act(conv(x, filter) + bias): implicit GEMM over (batch·outH·outW) × outC/groups
     * per group (tiled, 64×64 per workgroup); grouped convolutions with fewer than 16
     * output channels per group (depthwise) use one thread per output element.
     */
    conv2d(x, filter, y, info, epilogue) {
      if (!useDirect(info)) {
        runGemm(gpu, forwardProgram(x, filter, y, info, epilogue));
        return;
      }
      const ep = epilogueParts(epilogue);
      const n = info.batch * info.outH * info.outW * info.outC;
      gpu.run({
        key: `conv-fwd-direct:${ep.key}`,
        source: () => forwardDirectSource(ep.bias.length > 0),
        buffers: [x, filter, y, ...ep.bias],
        ints: [...geometryInts(info), ep.act],
        groups: groups1d(n, 256),
      });
    },
    /**
     * dx from dy: implicit GEMM over (batch·inH·inW) × inC/groups per group, K the taps ×
     * output channels of the group (taps off the stride grid read 0); the direct variant
     * runs one thread per dx element.
     */
    conv2dBackpropInput(dy, filter, dx, info) {
      if (!useDirect(info)) {
        runGemm(gpu, inputGradProgram(dy, filter, dx, info));
        return;
      }
      const n = info.batch * info.inH * info.inW * info.inC;
      const unit = unitStride(info);
      gpu.run({ key: `conv-dx-direct:${unit ? 's1' : 'sn'}`, source: () => inputGradDirectSource(unit), buffers: [dy, filter, dx], ints: geometryInts(info), groups: groups1d(n, 256) });
    },
    /**
     * dw from x and dy: implicit GEMM over (kH·kW·inC/groups) × outC/groups per group with
     * K = batch·outH·outW (split-K when the output is small); the direct variant runs one
     * workgroup per dw element reducing over the batch and output pixels.
     */
    conv2dBackpropFilter(x, dy, dw, info) {
      if (!useDirect(info)) {
        runGemm(gpu, filterGradProgram(x, dy, dw, info));
        return;
      }
      const n = info.kH * info.kW * (info.inC / info.groups) * info.outC;
      gpu.run({ key: `conv-dw-direct`, source: () => filterGradDirectSource(), buffers: [x, dy, dw], ints: geometryInts(info), groups: groups1d(n, 1) });
    },
  };
}
