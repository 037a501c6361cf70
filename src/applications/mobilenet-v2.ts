import type { Model } from '../models/model.js';
import type { SymbolicTensor } from '../layers/symbolic.js';
import { Conv2D } from '../layers/conv/conv.js';
import { DepthwiseConv2D } from '../layers/conv/depthwise.js';
import { GlobalAveragePooling2D } from '../layers/pooling/pooling.js';
import { BatchNormalization } from '../layers/normalization/normalization.js';
import { ZeroPadding2D } from '../layers/reshaping/reshaping.js';
import { ReLU } from '../layers/advanced-activations/activations.js';
import { Dense } from '../layers/core/dense.js';
import { Add } from '../layers/merge/merge.js';
import { type ApplicationArgs, applyPooling, finish, resolveArgs } from './common.js';

export interface MobileNetV2Args extends ApplicationArgs {
  /** Width multiplier (Keras alpha). Default 1. */
  readonly alpha?: number;
}

const bn = (x: SymbolicTensor, name: string): SymbolicTensor => new BatchNormalization({ axis: 3, epsilon: 1e-3, momentum: 0.999, name }).apply(x);
const relu6 = (x: SymbolicTensor, name: string): SymbolicTensor => new ReLU({ maxValue: 6, name }).apply(x);

/** Keras' _make_divisible: v rounded to a multiple of divisor, never below 90% of v. */
export function makeDivisible(v: number, divisor: number, minValue: number = divisor): number {
  let out = Math.max(minValue, Math.floor(Math.trunc(v + divisor / 2) / divisor) * divisor);
  if (out < 0.9 * v) out += divisor;
  return out;
}

/** Keras' imagenet_utils.correct_pad: padding that makes a strided 'valid' conv behave like TF 'same'. */
export function correctPad(x: SymbolicTensor, kernel: number): [[number, number], [number, number]] {
  const h = x.shape[1];
  const w = x.shape[2];
  const adjust = h === null || w === null ? [1, 1] : [1 - (h % 2), 1 - (w % 2)];
  const c = Math.floor(kernel / 2);
  return [[c - adjust[0], c], [c - adjust[1], c]];
}

function invertedResBlock(input: SymbolicTensor, expansion: number, stride: number, alpha: number, filters: number, id: number): SymbolicTensor {
  const inChannels = input.shape[3] ?? 0;
  const pointwiseFilters = makeDivisible(Math.trunc(filters * alpha), 8);
  let x = input;
  let prefix = `block_${id}_`;
  if (id > 0) {
    x = new Conv2D({ filters: expansion * inChannels, kernelSize: 1, padding: 'same', useBias: false, name: `${prefix}expand` }).apply(x);
    x = relu6(bn(x, `${prefix}expand_BN`), `${prefix}expand_relu`);
  } else {
    prefix = 'expanded_conv_';
  }
  if (stride === 2) x = new ZeroPadding2D({ padding: correctPad(x, 3), name: `${prefix}pad` }).apply(x);
  x = new DepthwiseConv2D({ kernelSize: 3, strides: stride, useBias: false, padding: stride === 1 ? 'same' : 'valid', name: `${prefix}depthwise` }).apply(x);
  x = relu6(bn(x, `${prefix}depthwise_BN`), `${prefix}depthwise_relu`);
  x = new Conv2D({ filters: pointwiseFilters, kernelSize: 1, padding: 'same', useBias: false, name: `${prefix}project` }).apply(x);
  x = bn(x, `${prefix}project_BN`);
  if (inChannels === pointwiseFilters && stride === 1) return new Add({ name: `${prefix}add` }).apply([input, x]) as SymbolicTensor;
  return x;
}

/** [filters, stride, expansion] of blocks 0..16. */
const BLOCKS: readonly (readonly [number, number, number])[] = [
  [16, 1, 1], [24, 2, 6], [24, 1, 6], [32, 2, 6], [32, 1, 6], [32, 1, 6],
  [64, 2, 6], [64, 1, 6], [64, 1, 6], [64, 1, 6], [96, 1, 6], [96, 1, 6], [96, 1, 6],
  [160, 2, 6], [160, 1, 6], [160, 1, 6], [320, 1, 6],
];

/** MobileNetV2 (Sandler et al. 2018), as keras.applications.MobileNetV2: 3,538,984 parameters. */
export async function MobileNetV2(args: MobileNetV2Args = {}): Promise<Model> {
  const alpha = args.alpha ?? 1;
  if (!(alpha > 0)) throw new RangeError(`MobileNetV2: alpha must be > 0; got ${alpha}`);
  const r = resolveArgs('MobileNetV2', args, [224, 224, 3], 32);
  let x = new Conv2D({ filters: makeDivisible(32 * alpha, 8), kernelSize: 3, strides: 2, padding: 'same', useBias: false, name: 'Conv1' }).apply(r.input);
  x = relu6(bn(x, 'bn_Conv1'), 'Conv1_relu');
  BLOCKS.forEach(([filters, stride, expansion], id) => {
    x = invertedResBlock(x, expansion, stride, alpha, filters, id);
  });
  const last = alpha > 1 ? makeDivisible(1280 * alpha, 8) : 1280;
  x = new Conv2D({ filters: last, kernelSize: 1, useBias: false, name: 'Conv_1' }).apply(x);
  x = relu6(bn(x, 'Conv_1_bn'), 'out_relu');
  if (r.includeTop) {
    x = new GlobalAveragePooling2D().apply(x);
    x = new Dense({ units: r.classes, activation: r.classifierActivation, name: 'predictions' }).apply(x);
  } else {
    x = applyPooling(x, r.pooling);
  }
  return finish(r, x, args.name ?? `mobilenetv2_${alpha.toFixed(2)}_${r.shape[0]}`);
}
