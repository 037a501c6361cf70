/**
 * Converters of the pooling and spatial reshaping layers: Max/AveragePooling 1D/2D,
 * global pooling, ZeroPadding, Cropping and UpSampling 1D/2D.
 */
import {
  AveragePooling1D, AveragePooling2D, GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D, MaxPooling1D, MaxPooling2D,
} from '../../layers/pooling/index.js';
import { Cropping1D, Cropping2D, UpSampling1D, UpSampling2D, ZeroPadding1D, ZeroPadding2D } from '../../layers/reshaping/index.js';
import { type Attr, int, str } from './builder.js';
import { type ConvertArgs, type Converter, type LayerClass, dataFormatOf } from './context.js';
import { kerasPads, spatialLayout, windowAttrs } from './geometry.js';
import { OnnxValue } from './values.js';

/**
 * MaxPool / AveragePool in channels-first layout. Padded cells never count: MaxPool ignores
 * them and AveragePool divides by the real cells (count_include_pad 0), as Keras does.
 */
function convertPool(a: ConvertArgs): OnnxValue {
  const layer = a.layer as MaxPooling2D;
  const { perm, spatial } = spatialLayout(a.inputs[0].rank, dataFormatOf(layer));
  const x = a.b.get(a.inputs[0], perm);
  const sizes = spatial.map((i) => a.inShapes[0][i]);
  const ones = layer.poolSize.map(() => 1);
  const pads = kerasPads(sizes, layer.poolSize, layer.strides, ones, layer.padding);
  const attrs = windowAttrs(layer.poolSize, layer.strides, null, pads);
  const y = layer.mode === 'max' ? a.b.node('MaxPool', [x], attrs) : a.b.node('AveragePool', [x], { ...attrs, count_include_pad: int(0) });
  return new OnnxValue(a.outShapes[0]).set(perm, y);
}

/** The layout left after removing logical axes `removed` from layout `perm` (keepdims 0). */
function reducedPerm(perm: readonly number[], removed: readonly number[]): number[] {
  const kept = perm.filter((p) => !removed.includes(p));
  const sorted = [...kept].sort((x, y) => x - y);
  return kept.map((p) => sorted.indexOf(p));
}

/** Global pooling: ReduceMean / ReduceMax over the spatial axes, in the input's layout. */
function convertGlobalPool(a: ConvertArgs): OnnxValue {
  const layer = a.layer as GlobalAveragePooling2D;
  const { perm, name } = a.inputs[0].primary;
  const { spatial } = spatialLayout(perm.length, dataFormatOf(layer));
  const axes = spatial.map((axis) => perm.indexOf(axis)).sort((x, y) => x - y);
  const y = a.b.reduce(layer.mode === 'max' ? 'ReduceMax' : 'ReduceMean', name, axes, layer.keepdims);
  return new OnnxValue(a.outShapes[0]).set(layer.keepdims ? perm : reducedPerm(perm, spatial), y);
}

/** Per logical axis (begin, end) amounts from a layer: ZeroPadding/Cropping 1D and 2D. */
function amounts(a: ConvertArgs, rank: number): Map<number, readonly [number, number]> {
  const layer = a.layer;
  if (layer instanceof ZeroPadding1D) return new Map([[1, layer.padding]]);
  if (layer instanceof Cropping1D) return new Map([[1, layer.cropping]]);
  const pair = layer instanceof ZeroPadding2D ? layer.padding : (layer as Cropping2D).cropping;
  const { spatial } = spatialLayout(rank, dataFormatOf(layer));
  return new Map([[spatial[0], pair[0]], [spatial[1], pair[1]]]);
}

/** ZeroPadding: Pad (constant 0) on the input's own layout. */
function convertZeroPadding(a: ConvertArgs): OnnxValue {
  const { perm, name } = a.inputs[0].primary;
  const byAxis = amounts(a, perm.length);
  const begin = perm.map((p) => byAxis.get(p)?.[0] ?? 0);
  const end = perm.map((p) => byAxis.get(p)?.[1] ?? 0);
  const y = a.b.node('Pad', [name, a.b.int64Init('pads', [...begin, ...end])], { mode: str('constant') });
  return new OnnxValue(a.outShapes[0]).set(perm, y);
}

/** Cropping: Slice on the input's own layout (ends counted from the end). */
function convertCropping(a: ConvertArgs): OnnxValue {
  const { perm, name } = a.inputs[0].primary;
  const byAxis = [...amounts(a, perm.length)];
  const axes = byAxis.map(([axis]) => perm.indexOf(axis));
  const starts = byAxis.map(([, [b]]) => b);
  const ends = byAxis.map(([axis, [, e]]) => (e > 0 ? -e : (a.inShapes[0][axis] ?? 2 ** 31 - 1)));
  const b = a.b;
  const y = b.node('Slice', [name, b.int64Init('starts', starts), b.int64Init('ends', ends), b.int64Init('axes', axes)]);
  return new OnnxValue(a.outShapes[0]).set(perm, y);
}

/**
 * UpSampling: Resize by integer scales in channels-first layout. Nearest repeats each pixel
 * (asymmetric coordinates, floor); bilinear samples at half-pixel centres as TF2 does.
 */
function convertUpSampling(a: ConvertArgs): OnnxValue {
  const layer = a.layer;
  const rank = a.inputs[0].rank;
  const { perm, spatial } = spatialLayout(rank, dataFormatOf(layer));
  const factors = layer instanceof UpSampling1D ? [layer.size] : (layer as UpSampling2D).size;
  const bilinear = layer instanceof UpSampling2D && layer.interpolation === 'bilinear';
  const scales = perm.map((p) => (spatial.includes(p) ? factors[spatial.indexOf(p)] : 1));
  const attrs: Record<string, Attr> = bilinear
    ? { mode: str('linear'), coordinate_transformation_mode: str('half_pixel') }
    : { mode: str('nearest'), coordinate_transformation_mode: str('asymmetric'), nearest_mode: str('floor') };
  const y = a.b.node('Resize', [a.b.get(a.inputs[0], perm), '', a.b.floatInit('scales', scales, [scales.length])], attrs);
  return new OnnxValue(a.outShapes[0]).set(perm, y);
}

export const SPATIAL_CONVERTERS: ReadonlyArray<readonly [LayerClass, Converter]> = [
  [MaxPooling1D, convertPool],
  [MaxPooling2D, convertPool],
  [AveragePooling1D, convertPool],
  [AveragePooling2D, convertPool],
  [GlobalAveragePooling1D, convertGlobalPool],
  [GlobalAveragePooling2D, convertGlobalPool],
  [GlobalMaxPooling1D, convertGlobalPool],
  [GlobalMaxPooling2D, convertGlobalPool],
  [ZeroPadding1D, convertZeroPadding],
  [ZeroPadding2D, convertZeroPadding],
  [Cropping1D, convertCropping],
  [Cropping2D, convertCropping],
  [UpSampling1D, convertUpSampling],
  [UpSampling2D, convertUpSampling],
];
