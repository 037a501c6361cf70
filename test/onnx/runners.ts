/**
 * A tiny ONNX graph interpreter over Neurite ops: one runner per op_type.
 *
 * Layout boundary: ONNX is NCHW (weights OIHW), Neurite is NHWC (weights HWIO), so the
 * spatial runners transpose their inputs in and their outputs back; every value stored in
 * the graph stays in ONNX layout. 1-D cases ([N, C, L]) run as 2-D with height 1.
 */
import * as nt from '../../src/index.js';
import { type AttributeProto, type ModelProto, type NodeProto, type TensorProto, DataType, dataTypeName, defaultOpset, toNeurite } from './onnx.js';
import { toSafeNumber } from './protobuf.js';

/** Thrown where Neurite has no equivalent of what the graph asks; the harness skips the case. */
export class Unsupported extends Error {}

type Pair = [number, number];
type Padding2 = [Pair, Pair];

/** One node being run: its resolved inputs, attribute accessors, opset and notes. */
export class OpNode {
  constructor(
    readonly proto: NodeProto,
    private readonly values: readonly (nt.Tensor | null)[],
    readonly opset: number,
    private readonly notes: string[],
  ) {}

  get op(): string {
    return this.proto.opType;
  }

  input(i: number): nt.Tensor {
    const v = this.values[i];
    if (!v) throw new Error(`${this.op}: required input ${i} is missing`);
    return v;
  }

  optional(i: number): nt.Tensor | null {
    return this.values[i] ?? null;
  }

  inputs(): nt.Tensor[] {
    return this.values.map((_, i) => this.input(i));
  }

  /** Whether output i is wanted (present and named). */
  wantsOutput(i: number): boolean {
    return (this.proto.outputs[i] ?? '') !== '';
  }

  note(text: string): void {
    this.notes.push(text);
  }

  private attr(name: string): AttributeProto | undefined {
    return this.proto.attributes.find((a) => a.name === name);
  }

  has(name: string): boolean {
    return this.attr(name) !== undefined;
  }

  int(name: string, fallback: number): number {
    const a = this.attr(name);
    if (!a) return fallback;
    if (a.i === null) throw new Error(`${this.op}: attribute ${name} is not an int`);
    return toSafeNumber(a.i, `${this.op}.${name}`);
  }

  float(name: string, fallback: number): number {
    const a = this.attr(name);
    if (!a) return fallback;
    if (a.f === null) throw new Error(`${this.op}: attribute ${name} is not a float`);
    return a.f;
  }

  str(name: string, fallback: string): string {
    const a = this.attr(name);
    if (!a) return fallback;
    if (a.s === null) throw new Error(`${this.op}: attribute ${name} is not a string`);
    return new TextDecoder().decode(a.s);
  }

  ints(name: string): number[] | null {
    const a = this.attr(name);
    return a ? a.ints.map((v) => toSafeNumber(v, `${this.op}.${name}`)) : null;
  }

  floats(name: string): number[] | null {
    const a = this.attr(name);
    return a ? [...a.floats] : null;
  }

  tensor(name: string): TensorProto | null {
    return this.attr(name)?.t ?? null;
  }
}

interface Runner {
  /** Attribute names this mapping understands; any other attribute makes the case unsupported. */
  readonly attrs: readonly string[];
  run(n: OpNode): nt.Tensor[] | Promise<nt.Tensor[]>;
}

/** The values of a small integer tensor (pads, axes, shapes). */
async function intsOf(t: nt.Tensor, what: string): Promise<number[]> {
  if (t.dtype !== 'int32') throw new Error(`${what} must be an integer tensor; got ${t.dtype}`);
  return Array.from(await t.data());
}

const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

// ---------------------------------------------------------------- layout boundary

/** Spatial rank of an [N, C, ...] tensor; 3-D (volumetric) cases are refused. */
function spatialRank(x: nt.Tensor, op: string): 1 | 2 {
  if (x.rank === 3) return 1;
  if (x.rank === 4) return 2;
  if (x.rank === 5) throw new Unsupported(`3-D (volumetric) ${op}: Neurite has 2-D ops only`);
  throw new Error(`${op}: expected an [N, C, spatial...] input of rank 3 or 4; got shape [${x.shape.join(', ')}]`);
}

/** [N, C, L] → [N, C, 1, L]; 4-D unchanged. Also used for OIL → OI1L weights. */
const lift = (x: nt.Tensor): nt.Tensor => (x.rank === 3 ? nt.reshape(x, [x.shape[0], x.shape[1], 1, x.shape[2]]) : x);
/** Undoes `lift` on a result of spatial rank 1. */
const unlift = (y: nt.Tensor, rank: 1 | 2): nt.Tensor => (rank === 1 ? nt.reshape(y, [y.shape[0], y.shape[1], y.shape[3]]) : y);
const toNHWC = (x: nt.Tensor): nt.Tensor => nt.transpose(x, [0, 2, 3, 1]);
const toNCHW = (y: nt.Tensor): nt.Tensor => nt.transpose(y, [0, 3, 1, 2]);

/** Lifts a per-axis list of spatial rank 1 to 2 by prepending the height entry. */
function lift2<T>(v: readonly T[], heightValue: T): [T, T] {
  return v.length === 1 ? [heightValue, v[0]] : [v[0], v[1]];
}

interface Geometry {
  readonly kernel: Pair;
  readonly strides: Pair;
  readonly dilations: Pair;
  readonly padding: Padding2;
}

function autoPad(n: OpNode): string {
  const a = n.str('auto_pad', 'NOTSET');
  if (!['NOTSET', 'VALID', 'SAME_UPPER', 'SAME_LOWER', ''].includes(a)) throw new Unsupported(`auto_pad '${a}'`);
  return a === '' ? 'NOTSET' : a;
}

/**
 * ONNX SAME_* padding of one axis: out = ceil(in / stride), total = max((out − 1)·stride +
 * dilatedK − in, 0); SAME_UPPER puts the odd pixel at the end, SAME_LOWER at the beginning.
 */
function samePads(mode: string, inSize: number, k: number, s: number, d: number): Pair {
  const out = Math.ceil(inSize / s);
  const total = Math.max((out - 1) * s + (k - 1) * d + 1 - inSize, 0);
  const small = Math.floor(total / 2);
  return mode === 'SAME_UPPER' ? [small, total - small] : [total - small, small];
}

/**
 * Window geometry of Conv/MaxPool/AveragePool as explicit Neurite padding. ONNX `pads` is
 * [x1_begin, x2_begin, ..., x1_end, x2_end]; Neurite wants [[top, bottom], [left, right]].
 */
function geometry(n: OpNode, inSizes: readonly number[], kernel: readonly number[]): Geometry {
  const r = kernel.length;
  if (inSizes.length !== r) throw new Error(`${n.op}: kernel rank ${r} does not match the input's spatial rank ${inSizes.length}`);
  const strides = n.ints('strides') ?? kernel.map(() => 1);
  const dilations = n.ints('dilations') ?? kernel.map(() => 1);
  const pads = n.ints('pads') ?? new Array<number>(2 * r).fill(0);
  if (strides.length !== r || dilations.length !== r || pads.length !== 2 * r) throw new Error(`${n.op}: strides/dilations/pads do not match ${r} spatial axes`);
  const mode = autoPad(n);
  const perAxis = kernel.map((k, i): Pair => {
    if (mode === 'VALID') return [0, 0];
    if (mode === 'NOTSET') return [pads[i], pads[i + r]];
    return samePads(mode, inSizes[i], k, strides[i], dilations[i]);
  });
  if (perAxis.some(([b, e]) => b < 0 || e < 0)) throw new Unsupported(`${n.op}: negative pads`);
  return {
    kernel: lift2(kernel, 1),
    strides: lift2(strides, 1),
    dilations: lift2(dilations, 1),
    padding: lift2<Pair>(perAxis, [0, 0]),
  };
}

// ---------------------------------------------------------------- convolution and pooling

function conv(n: OpNode): nt.Tensor[] {
  const x = n.input(0);
  const w = n.input(1);
  const bias = n.optional(2);
  const rank = spatialRank(x, 'Conv');
  const g = geometry(n, x.shape.slice(2), w.shape.slice(2));
  // OIHW → HWIO: [outC, inC / groups, kH, kW] → [kH, kW, inC / groups, outC].
  const filter = nt.transpose(lift(w), [2, 3, 1, 0]);
  let y = nt.conv2d(toNHWC(lift(x)), filter, { strides: g.strides, dilations: g.dilations, padding: g.padding, groups: n.int('group', 1) });
  if (bias) y = nt.add(y, bias);
  return [unlift(toNCHW(y), rank)];
}

interface TransposeAxis {
  readonly start: number;
  readonly end: number;
  readonly out: number;
}

/**
 * One axis of ConvTranspose. Full length = stride·(in − 1) + output_padding + dilatedK.
 * With output_shape or SAME_*: total_padding = full − out, split as ONNX specifies
 * (SAME_UPPER: start = ⌊total/2⌋; otherwise the larger half at the start). A negative
 * total (output_shape beyond the full length) becomes zero rows at the end.
 */
function transposeAxis(mode: string, inSize: number, k: number, s: number, d: number, outPad: number, pads: Pair, outShape: number | undefined): TransposeAxis {
  const full = s * (inSize - 1) + outPad + (k - 1) * d + 1;
  if (outShape !== undefined || mode.startsWith('SAME')) {
    const out = outShape ?? inSize * s;
    const total = full - out;
    const half = Math.floor(total / 2);
    return mode === 'SAME_UPPER' ? { start: half, end: total - half, out } : { start: total - half, end: half, out };
  }
  const [b, e] = mode === 'VALID' ? [0, 0] : pads;
  return { start: b, end: e, out: full - b - e };
}

function convTranspose(n: OpNode): nt.Tensor[] {
  if (n.int('group', 1) !== 1) throw new Unsupported('ConvTranspose with group > 1: nt.conv2dTranspose has no groups');
  const x = n.input(0);
  const w = n.input(1);
  const bias = n.optional(2);
  const rank = spatialRank(x, 'ConvTranspose');
  const kernel = w.shape.slice(2);
  const inSizes = x.shape.slice(2);
  const strides = n.ints('strides') ?? kernel.map(() => 1);
  const dilations = n.ints('dilations') ?? kernel.map(() => 1);
  const outPad = n.ints('output_padding') ?? kernel.map(() => 0);
  const pads = n.ints('pads') ?? kernel.flatMap(() => [0, 0]);
  const outShapeAttr = n.ints('output_shape');
  const outShape = outShapeAttr?.slice(-rank);
  const mode = autoPad(n);
  const axes = kernel.map((k, i) => transposeAxis(mode, inSizes[i], k, strides[i], dilations[i], outPad[i], [pads[i], pads[i + rank]], outShape?.[i]));
  if (axes.some((a) => a.start < 0)) throw new Unsupported('ConvTranspose: output_shape would need padding before the first row');
  const explicit = outShape === undefined && axes.every((a) => a.end >= 0);
  const padding = lift2<Pair>(axes.map((a): Pair => [a.start, Math.max(a.end, 0)]), [0, 0]);
  const options: nt.Conv2DTransposeOptions = explicit
    ? { strides: lift2(strides, 1), dilations: lift2(dilations, 1), padding, ...(outPad.some((p) => p > 0) ? { outputPadding: lift2(outPad, 0) } : {}) }
    : { strides: lift2(strides, 1), dilations: lift2(dilations, 1), padding, outputShape: lift2(axes.map((a) => a.out), 1) };
  // ONNX [inC, outC, kH, kW] → Keras Conv2DTranspose [kH, kW, outC, inC].
  const filter = nt.transpose(lift(w), [2, 3, 1, 0]);
  let y = nt.conv2dTranspose(toNHWC(lift(x)), filter, options);
  if (bias) y = nt.add(y, bias);
  return [unlift(toNCHW(y), rank)];
}

function pool(n: OpNode, mode: 'max' | 'avg'): nt.Tensor[] {
  if (n.wantsOutput(1)) throw new Unsupported("MaxPool's second output (Indices) has no Neurite equivalent");
  const x = n.input(0);
  const rank = spatialRank(x, n.op);
  const kernel = n.ints('kernel_shape');
  if (!kernel) throw new Error(`${n.op}: kernel_shape is required`);
  if (kernel.length === 3) throw new Unsupported(`3-D (volumetric) ${n.op}: Neurite has 2-D ops only`);
  const g = geometry(n, x.shape.slice(2), kernel);
  const options: nt.Pool2DOptions = {
    poolSize: g.kernel, strides: g.strides, dilations: g.dilations, padding: g.padding,
    ceilMode: n.int('ceil_mode', 0) === 1, countIncludePad: n.int('count_include_pad', 0) === 1,
  };
  const xs = toNHWC(lift(x));
  const y = mode === 'max' ? nt.maxPool2d(xs, options) : nt.avgPool2d(xs, options);
  return [unlift(toNCHW(y), rank)];
}

function globalAveragePool(n: OpNode): nt.Tensor[] {
  const x = n.input(0);
  const rank = spatialRank(x, 'GlobalAveragePool');
  return [unlift(toNCHW(nt.globalAvgPool2d(toNHWC(lift(x)), true)), rank)];
}

// ---------------------------------------------------------------- dense, activations, shape

function gemm(n: OpNode): nt.Tensor[] {
  const a = n.input(0);
  const b = n.input(1);
  const c = n.optional(2);
  const ab = nt.matmul(a, b, { transposeA: n.int('transA', 0) === 1, transposeB: n.int('transB', 0) === 1 });
  const y = nt.mul(ab, n.float('alpha', 1));
  return [c ? nt.add(y, nt.mul(c, n.float('beta', 1))) : y];
}

/**
 * Softmax before opset 13: the input is viewed as 2-D [prod(shape[:axis]), prod(shape[axis:])]
 * (axis default 1) and normalized per row. From opset 13: along the single `axis` (default −1).
 */
function softmax(n: OpNode): nt.Tensor[] {
  const x = n.input(0);
  if (n.opset >= 13) return [nt.softmax(x, n.int('axis', -1))];
  const axis0 = n.int('axis', 1);
  const axis = axis0 < 0 ? axis0 + x.rank : axis0;
  if (axis < 0 || axis > x.rank) throw new Error(`Softmax: axis ${axis0} is out of range for rank ${x.rank}`);
  const rows = sizeOf(x.shape.slice(0, axis));
  const cols = sizeOf(x.shape.slice(axis));
  return [nt.reshape(nt.softmax(nt.reshape(x, [rows, cols]), -1), x.shape)];
}

const SELU_ALPHA = 1.67326319217681884765625;
const SELU_GAMMA = 1.05070102214813232421875;

/** nt.selu has the fixed self-normalizing constants; other alpha/gamma run as gamma·elu(x, alpha). */
function selu(n: OpNode): nt.Tensor[] {
  const x = n.input(0);
  const alpha = n.float('alpha', SELU_ALPHA);
  const gamma = n.float('gamma', SELU_GAMMA);
  if (Math.fround(alpha) === Math.fround(SELU_ALPHA) && Math.fround(gamma) === Math.fround(SELU_GAMMA)) return [nt.selu(x)];
  n.note(`Selu(alpha=${alpha}, gamma=${gamma}) run as gamma·elu(x, alpha), not nt.selu`);
  return [nt.mul(nt.elu(x, alpha), gamma)];
}

/** Pad: attributes before opset 11; from 11 `pads` (and optional constant_value) are inputs. */
async function pad(n: OpNode): Promise<nt.Tensor[]> {
  const x = n.input(0);
  const mode = n.str('mode', 'constant');
  if (mode !== 'constant' && mode !== 'reflect' && mode !== 'edge') throw new Unsupported(`Pad mode '${mode}'`);
  let pads: number[];
  let value = 0;
  if (n.opset < 11) {
    pads = n.ints('pads') ?? n.ints('paddings') ?? [];
    value = n.float('value', 0);
  } else {
    pads = await intsOf(n.input(1), 'Pad pads');
    const cv = n.optional(2);
    if (cv && cv.size > 0) value = (await cv.data())[0];
    if (n.optional(3)) throw new Unsupported('Pad with an axes input');
  }
  if (pads.length !== 2 * x.rank) throw new Error(`Pad: ${pads.length} pads for rank ${x.rank}`);
  if (pads.some((p) => p < 0)) throw new Unsupported('Pad with negative pads (cropping): nt.pad takes non-negative amounts');
  return [nt.pad(x, x.shape.map((_, i): Pair => [pads[i], pads[i + x.rank]]), mode, value)];
}

/**
 * BatchNormalization over axis 1. training_mode=1 (opset ≥ 14) normalizes with the batch
 * statistics over all axes but 1 and returns the running statistics
 * `running = input · momentum + batch · (1 − momentum)`. The running variance uses the
 * BIASED batch variance (divide by N): that is what the libonnx-testdata vectors hold
 * (checked: the unbiased N/(N−1) variant misses test_batchnorm_*_training_mode output 2).
 */
function batchNormalization(n: OpNode): nt.Tensor[] {
  if (n.int('spatial', 1) !== 1) throw new Unsupported('BatchNormalization spatial=0 (per-activation statistics)');
  const [x, scale, bias, mean, variance] = [0, 1, 2, 3, 4].map((i) => n.input(i));
  const eps = n.float('epsilon', 1e-5);
  if (n.int('training_mode', 0) !== 1) {
    if (n.wantsOutput(1)) throw new Unsupported('BatchNormalization training outputs before opset 14 (saved mean/variance)');
    return [nt.batchNorm(x, mean, variance, bias, scale, eps, 1)];
  }
  const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const batch = nt.moments(x, axes);
  const y = nt.batchNorm(x, batch.mean, batch.variance, bias, scale, eps, 1);
  const momentum = n.float('momentum', 0.9);
  const running = (old: nt.Tensor, now: nt.Tensor): nt.Tensor => nt.add(nt.mul(old, momentum), nt.mul(now, 1 - momentum));
  return [y, running(mean, batch.mean), running(variance, batch.variance)];
}

// ---------------------------------------------------------------- primitives of *_expanded graphs

function constant(n: OpNode): nt.Tensor[] {
  const t = n.tensor('value');
  if (t) return [toNeurite(t)];
  if (n.has('value_float')) return [nt.scalar(n.float('value_float', 0))];
  if (n.has('value_int')) return [nt.scalar(n.int('value_int', 0), 'int32')];
  const fs = n.floats('value_floats');
  if (fs) return [nt.tensor(Float32Array.from(fs))];
  const is = n.ints('value_ints');
  if (is) return [nt.tensor(Int32Array.from(is))];
  throw new Unsupported('Constant without a value/value_float(s)/value_int(s) attribute');
}

/** ReduceMax/ReduceSum/ReduceMean: axes from the attribute, or from input 1 (ReduceSum ≥ 13). */
async function reduce(n: OpNode, f: (x: nt.Tensor, axes: readonly number[], keep: boolean) => nt.Tensor): Promise<nt.Tensor[]> {
  const x = n.input(0);
  const axesInput = n.optional(1);
  let axes = n.ints('axes') ?? (axesInput ? await intsOf(axesInput, `${n.op} axes`) : []);
  if (axes.length === 0) {
    if (n.int('noop_with_empty_axes', 0) === 1) return [x];
    axes = x.shape.map((_, i) => i);
  }
  return [f(x, axes, n.int('keepdims', 1) === 1)];
}

function cast(n: OpNode): nt.Tensor[] {
  const to = n.int('to', DataType.UNDEFINED);
  if (to === DataType.FLOAT || to === DataType.DOUBLE) return [nt.cast(n.input(0), 'float32')];
  if (to === DataType.INT32 || to === DataType.INT64) return [nt.cast(n.input(0), 'int32')];
  throw new Unsupported(`Cast to ${dataTypeName(to)}`);
}

function shapeOf(n: OpNode): nt.Tensor[] {
  const x = n.input(0);
  const dims = x.shape.slice(n.int('start', 0), n.has('end') ? n.int('end', x.rank) : x.rank);
  return [nt.tensor(Int32Array.from(dims))];
}

/** Slice (opset ≥ 10: starts, ends, axes, steps as inputs), steps of 1 only. */
async function sliceOp(n: OpNode): Promise<nt.Tensor[]> {
  const x = n.input(0);
  const starts = n.ints('starts') ?? (await intsOf(n.input(1), 'Slice starts'));
  const ends = n.ints('ends') ?? (await intsOf(n.input(2), 'Slice ends'));
  const axesInput = n.opset >= 10 ? n.optional(3) : null;
  const axes = n.ints('axes') ?? (axesInput ? await intsOf(axesInput, 'Slice axes') : starts.map((_, i) => i));
  const stepsInput = n.opset >= 10 ? n.optional(4) : null;
  if (stepsInput && (await intsOf(stepsInput, 'Slice steps')).some((s) => s !== 1)) throw new Unsupported('Slice with steps ≠ 1');
  const begin = x.shape.map(() => 0);
  const size = [...x.shape];
  axes.forEach((a0, i) => {
    const a = a0 < 0 ? a0 + x.rank : a0;
    const d = x.shape[a];
    const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + d : v, 0), d);
    begin[a] = clamp(starts[i]);
    size[a] = Math.max(clamp(ends[i]) - begin[a], 0);
  });
  return [nt.slice(x, begin, size)];
}

async function constantOfShape(n: OpNode): Promise<nt.Tensor[]> {
  const shape = await intsOf(n.input(0), 'ConstantOfShape shape');
  const t = n.tensor('value');
  const v = t ? toNeurite(t) : nt.scalar(0);
  return [nt.fill(shape, (await v.data())[0], v.dtype)];
}

async function reshapeOp(n: OpNode): Promise<nt.Tensor[]> {
  const x = n.input(0);
  const allowZero = n.int('allowzero', 0) === 1;
  const shape = (await intsOf(n.input(1), 'Reshape shape')).map((d, i) => (d === 0 && !allowZero ? x.shape[i] : d));
  return [nt.reshape(x, shape)];
}

function divOp(n: OpNode): nt.Tensor[] {
  const [a, b] = [n.input(0), n.input(1)];
  if (a.dtype === 'int32') throw new Unsupported('integer Div (nt.div is float32 only)');
  return [nt.div(a, b)];
}

const unary = (f: (x: nt.Tensor) => nt.Tensor, attrs: readonly string[] = []): Runner => ({ attrs, run: (n) => [f(n.input(0))] });
const binary = (f: (a: nt.Tensor, b: nt.Tensor) => nt.Tensor): Runner => ({ attrs: [], run: (n) => [f(n.input(0), n.input(1))] });
const POOL_ATTRS = ['auto_pad', 'ceil_mode', 'kernel_shape', 'pads', 'strides', 'dilations'];
const REDUCE_ATTRS = ['axes', 'keepdims', 'noop_with_empty_axes'];

/** The runners, by op_type (default domain). */
export const RUNNERS: Readonly<Record<string, Runner>> = {
  Conv: { attrs: ['auto_pad', 'dilations', 'group', 'kernel_shape', 'pads', 'strides'], run: conv },
  ConvTranspose: { attrs: ['auto_pad', 'dilations', 'group', 'kernel_shape', 'pads', 'strides', 'output_padding', 'output_shape'], run: convTranspose },
  // storage_order only affects the Indices output, which pool() refuses.
  MaxPool: { attrs: [...POOL_ATTRS, 'storage_order'], run: (n) => pool(n, 'max') },
  AveragePool: { attrs: [...POOL_ATTRS, 'count_include_pad'], run: (n) => pool(n, 'avg') },
  GlobalAveragePool: { attrs: [], run: globalAveragePool },
  Gemm: { attrs: ['alpha', 'beta', 'transA', 'transB'], run: gemm },
  MatMul: binary((a, b) => nt.matmul(a, b)),
  Softmax: { attrs: ['axis'], run: softmax },
  Relu: unary(nt.relu),
  Sigmoid: unary(nt.sigmoid),
  Tanh: unary(nt.tanh),
  LeakyRelu: { attrs: ['alpha'], run: (n) => [nt.leakyRelu(n.input(0), n.float('alpha', 0.01))] },
  Elu: { attrs: ['alpha'], run: (n) => [nt.elu(n.input(0), n.float('alpha', 1))] },
  Selu: { attrs: ['alpha', 'gamma'], run: selu },
  Pad: { attrs: ['mode', 'pads', 'paddings', 'value'], run: pad },
  Flatten: { attrs: ['axis'], run: (n) => [nt.flatten(n.input(0), n.int('axis', 1))] },
  BatchNormalization: { attrs: ['epsilon', 'momentum', 'training_mode', 'spatial'], run: batchNormalization },
  // Primitives of the *_expanded graphs.
  Constant: { attrs: ['value', 'value_float', 'value_floats', 'value_int', 'value_ints'], run: constant },
  ReduceMax: { attrs: REDUCE_ATTRS, run: (n) => reduce(n, (x, a, k) => nt.max(x, a, k)) },
  ReduceSum: { attrs: REDUCE_ATTRS, run: (n) => reduce(n, (x, a, k) => nt.sum(x, a, k)) },
  ReduceMean: { attrs: REDUCE_ATTRS, run: (n) => reduce(n, (x, a, k) => nt.mean(x, a, k)) },
  Add: binary(nt.add),
  Sub: binary(nt.sub),
  Mul: binary(nt.mul),
  Div: { attrs: [], run: divOp },
  Exp: unary(nt.exp),
  Ceil: unary(nt.ceil),
  Sqrt: unary(nt.sqrt),
  Reciprocal: unary(nt.reciprocal),
  Neg: unary(nt.neg),
  Cast: { attrs: ['to'], run: cast },
  Shape: { attrs: ['start', 'end'], run: shapeOf },
  Size: unary((x) => nt.scalar(x.size, 'int32')),
  Slice: { attrs: ['starts', 'ends', 'axes'], run: sliceOp },
  ConstantOfShape: { attrs: ['value'], run: constantOfShape },
  Concat: { attrs: ['axis'], run: (n) => [nt.concat(n.inputs(), n.int('axis', 0))] },
  Reshape: { attrs: ['allowzero'], run: reshapeOp },
};

const CONTROL_FLOW = new Set(['Loop', 'If', 'Scan']);

/** The runner of a node, or why there is none. */
function runnerFor(node: NodeProto): Runner | string {
  if (node.domain !== '' && node.domain !== 'ai.onnx') return `op ${node.domain}.${node.opType} is outside the default ONNX domain`;
  if (CONTROL_FLOW.has(node.opType)) return `control-flow op ${node.opType} (a subgraph body) has no Neurite equivalent`;
  const runner = Object.hasOwn(RUNNERS, node.opType) ? RUNNERS[node.opType] : undefined;
  if (!runner) return `op ${node.opType} has no Neurite mapping in this harness`;
  const unknown = node.attributes.map((a) => a.name).filter((a) => !runner.attrs.includes(a));
  if (unknown.length > 0) return `${node.opType} attribute(s) ${unknown.join(', ')} have no Neurite equivalent`;
  return runner;
}

/** Runners for every node; throws Unsupported listing every node that has none. */
function runnersFor(nodes: readonly NodeProto[]): Runner[] {
  const found = nodes.map(runnerFor);
  const reasons = [...new Set(found.filter((r): r is string => typeof r === 'string'))];
  if (reasons.length > 0) throw new Unsupported(reasons.join('; '));
  return found as Runner[];
}

export interface RunResult {
  /** The graph outputs, in GraphProto.output order. */
  readonly outputs: readonly nt.Tensor[];
  /** Remarks on how nodes were mapped (e.g. Selu with custom constants). */
  readonly notes: readonly string[];
}

/** Runs a model's graph on the given inputs (by name). Unsupported nodes throw `Unsupported`. */
export async function runModel(model: ModelProto, feeds: ReadonlyMap<string, nt.Tensor>): Promise<RunResult> {
  const opset = defaultOpset(model);
  const notes: string[] = [];
  const values = new Map<string, nt.Tensor>(feeds);
  for (const init of model.graph.initializers) if (!values.has(init.name)) values.set(init.name, toNeurite(init));
  // Check every node first, so a case is skipped before anything runs.
  const runners = runnersFor(model.graph.nodes);
  for (const [k, node] of model.graph.nodes.entries()) {
    const inputs = node.inputs.map((name) => {
      if (name === '') return null;
      const v = values.get(name);
      if (!v) throw new Error(`${node.opType}: input '${name}' is not defined before node ${k}`);
      return v;
    });
    const outs = await runners[k].run(new OpNode(node, inputs, opset, notes));
    node.outputs.forEach((name, i) => {
      if (name === '') return;
      if (!outs[i]) throw new Error(`${node.opType}: runner produced no output ${i} ('${name}')`);
      values.set(name, outs[i]);
    });
  }
  const outputs = model.graph.outputs.map((name) => {
    const v = values.get(name);
    if (!v) throw new Error(`graph output '${name}' was never computed`);
    return v;
  });
  return { outputs, notes };
}
