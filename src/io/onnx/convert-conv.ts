/**
 * Converters of the convolution layers. ONNX Conv is channels-first, so the input is asked
 * for in the (N, C, spatial…) layout and the output stays there (see values.ts). Kernels
 * are permuted from Keras' [spatial…, in, out] to ONNX's [out, in, spatial…].
 */
import { Conv1D, Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D } from '../../layers/conv/index.js';
import type { Tensor } from '../../tensor/tensor.js';
import { int, ints } from './builder.js';
import { emitActivation } from './activations.js';
import { type ConvertArgs, type Converter, type LayerClass, activationOf, dataFormatOf, weightOf, who } from './context.js';
import { kerasPads, spatialLayout, windowAttrs } from './geometry.js';
import { OnnxValue, transposeData } from './values.js';

/** A kernel permuted (after an optional reshape) into ONNX's layout, converted once. */
function kernelInit(a: ConvertArgs, w: Tensor | null, what: string, perm: readonly number[], reshape?: readonly number[]): string {
  const layer = a.layer;
  return a.b.weight(w ?? layer, `${what}`, () => {
    const { data, dims } = weightOf(layer, w, what);
    const shape = reshape ?? dims;
    return { data: transposeData(data, shape, perm), dims: perm.map((p) => shape[p]) };
  });
}

function biasInit(a: ConvertArgs, w: Tensor | null): string | null {
  return w === null ? null : a.b.weight(w, 'bias', () => weightOf(a.layer, w, 'bias'));
}

/** The input in channels-first layout, its layout, and its spatial sizes. */
function spatialInput(a: ConvertArgs): { x: string; perm: number[]; sizes: (number | null)[] } {
  const rank = a.inputs[0].rank;
  const { perm, spatial } = spatialLayout(rank, dataFormatOf(a.layer));
  return { x: a.b.get(a.inputs[0], perm), perm, sizes: spatial.map((i) => a.inShapes[0][i]) };
}

/**
 * Activation on the channels-first output. Softmax runs along the channels (ONNX axis 1):
 * Neurite applies a conv layer's activation in NHWC, also for channels_first layers.
 */
function finish(a: ConvertArgs, y: string, perm: number[]): OnnxValue {
  const out = emitActivation(a.b, activationOf(a.layer), y, 1, who(a.layer));
  return new OnnxValue(a.outShapes[0]).set(perm, out);
}

/** Conv1D / Conv2D (groups, dilation, 'valid' / 'same' / 'causal'). */
function convertConv(a: ConvertArgs): OnnxValue {
  const layer = a.layer as Conv2D | Conv1D;
  const { x, perm, sizes } = spatialInput(a);
  const n = layer.kernelSize.length;
  const kperm = [n + 1, n, ...Array.from({ length: n }, (_, i) => i)];
  const inputs = [x, kernelInit(a, layer.kernel, 'kernel', kperm)];
  const bias = biasInit(a, layer.bias);
  if (bias !== null) inputs.push(bias);
  const pads = kerasPads(sizes, layer.kernelSize, layer.strides, layer.dilationRate, layer.padding);
  const y = a.b.node('Conv', inputs, { ...windowAttrs(layer.kernelSize, layer.strides, layer.dilationRate, pads), group: int(layer.groups) });
  return finish(a, y, perm);
}

/**
 * The depthwise step: kernel [kH, kW, C, M] is [kH, kW, 1, C·M] (output channel c·M + m,
 * as TensorFlow orders them), a grouped Conv with C groups.
 */
function depthwise(a: ConvertArgs, layer: DepthwiseConv2D, x: string, sizes: (number | null)[], bias: string | null): string {
  const kernel = layer.depthwiseKernel;
  const [kh, kw, c, m] = kernel ? kernel.shape : [0, 0, 0, 0];
  const inputs = [x, kernelInit(a, kernel, 'depthwise_kernel', [3, 2, 0, 1], [kh, kw, 1, c * m])];
  if (bias !== null) inputs.push(bias);
  const pads = kerasPads(sizes, layer.kernelSize, layer.strides, layer.dilationRate, layer.padding);
  return a.b.node('Conv', inputs, { ...windowAttrs(layer.kernelSize, layer.strides, layer.dilationRate, pads), group: int(c) });
}

function convertDepthwise(a: ConvertArgs): OnnxValue {
  const layer = a.layer as DepthwiseConv2D;
  const { x, perm, sizes } = spatialInput(a);
  return finish(a, depthwise(a, layer, x, sizes, biasInit(a, layer.bias)), perm);
}

/** SeparableConv2D: depthwise Conv, then a 1×1 Conv to `filters` with the bias. */
function convertSeparable(a: ConvertArgs): OnnxValue {
  const layer = a.layer as SeparableConv2D;
  const { x, perm, sizes } = spatialInput(a);
  const dw = depthwise(a, layer, x, sizes, null);
  const inputs = [dw, kernelInit(a, layer.pointwiseKernel, 'pointwise_kernel', [3, 2, 0, 1])];
  const bias = biasInit(a, layer.bias);
  if (bias !== null) inputs.push(bias);
  const y = a.b.node('Conv', inputs, windowAttrs([1, 1], [1, 1], [1, 1], [0, 0, 0, 0]));
  return finish(a, y, perm);
}

/**
 * Conv2DTranspose: ConvTranspose with kernel [kH, kW, out, in] → [in, out, kH, kW]. Neurite
 * crops `before` rows from the full (in − 1)·stride + dilated-k output down to the Keras
 * output size; pads say the same, and output_padding grows the output where the Keras size
 * exceeds the full one ('valid' with stride > kernel).
 */
function convertConvTranspose(a: ConvertArgs): OnnxValue {
  const layer = a.layer as Conv2DTranspose;
  const { x, perm, sizes } = spatialInput(a);
  const { spatial } = spatialLayout(a.inputs[0].rank, dataFormatOf(layer));
  const begin: number[] = [];
  const end: number[] = [];
  const extra: number[] = [];
  spatial.forEach((axis, i) => {
    const inSize = sizes[i];
    const outSize = a.outShapes[0][axis];
    if (inSize === null || outSize === null) throw new Error(`ONNX export: ${who(layer)} needs known spatial input sizes; got input shape [${a.inShapes[0].join(', ')}]`);
    const dk = (layer.kernelSize[i] - 1) * layer.dilationRate[i] + 1;
    const full = (inSize - 1) * layer.strides[i] + dk;
    const before = layer.padding === 'same' ? Math.floor(Math.max(full - outSize, 0) / 2) : 0;
    const after = full - outSize - before;
    begin.push(before);
    end.push(Math.max(after, 0));
    extra.push(Math.max(-after, 0));
  });
  const inputs = [x, kernelInit(a, layer.kernel, 'kernel', [3, 2, 0, 1])];
  const bias = biasInit(a, layer.bias);
  if (bias !== null) inputs.push(bias);
  const attrs = windowAttrs(layer.kernelSize, layer.strides, layer.dilationRate, [...begin, ...end]);
  if (extra.some((e) => e > 0)) attrs.output_padding = ints(extra);
  return finish(a, a.b.node('ConvTranspose', inputs, attrs), perm);
}

export const CONV_CONVERTERS: ReadonlyArray<readonly [LayerClass, Converter]> = [
  [Conv1D, convertConv],
  [Conv2D, convertConv],
  [Conv2DTranspose, convertConvTranspose],
  [DepthwiseConv2D, convertDepthwise],
  [SeparableConv2D, convertSeparable],
];
