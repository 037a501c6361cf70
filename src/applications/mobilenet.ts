import type { Model } from '../models/model.js';
import type { SymbolicTensor } from '../layers/symbolic.js';
import { Conv2D } from '../layers/conv/conv.js';
import { DepthwiseConv2D } from '../layers/conv/depthwise.js';
import { GlobalAveragePooling2D } from '../layers/pooling/pooling.js';
import { BatchNormalization } from '../layers/normalization/normalization.js';
import { ZeroPadding2D } from '../layers/reshaping/reshaping.js';
import { ReLU } from '../layers/advanced-activations/activations.js';
import { Activation, Dropout, Reshape } from '../layers/core/simple.js';
import { type ApplicationArgs, applyPooling, finish, resolveArgs } from './common.js';

export interface MobileNetArgs extends ApplicationArgs {
  /** Width multiplier (Keras alpha): filters of every layer scaled by it. Default 1. */
  readonly alpha?: number;
  /** Depth multiplier of the depthwise convolutions. Default 1. */
  readonly depthMultiplier?: number;
  /** Dropout rate of the head. Default 1e-3. */
  readonly dropout?: number;
}

// Keras' mobilenet.py leaves BatchNormalization at its defaults (momentum 0.99, epsilon 1e-3).
const bn = (x: SymbolicTensor, name: string): SymbolicTensor => new BatchNormalization({ axis: 3, name }).apply(x);
const relu6 = (x: SymbolicTensor, name: string): SymbolicTensor => new ReLU({ maxValue: 6, name }).apply(x);

/** Keras' _conv_block: strided 3×3 convolution 'conv1', BN, ReLU6. */
function convBlock(x: SymbolicTensor, filters: number, alpha: number, strides: number): SymbolicTensor {
  const y = new Conv2D({ filters: Math.trunc(filters * alpha), kernelSize: 3, padding: 'same', useBias: false, strides, name: 'conv1' }).apply(x);
  return relu6(bn(y, 'conv1_bn'), 'conv1_relu');
}

/** Keras' _depthwise_conv_block: (pad) depthwise 3×3, BN, ReLU6, pointwise 1×1, BN, ReLU6. */
function depthwiseBlock(input: SymbolicTensor, filters: number, alpha: number, depthMultiplier: number, strides: number, id: number): SymbolicTensor {
  let x = input;
  if (strides !== 1) x = new ZeroPadding2D({ padding: [[0, 1], [0, 1]], name: `conv_pad_${id}` }).apply(x);
  x = new DepthwiseConv2D({ kernelSize: 3, padding: strides === 1 ? 'same' : 'valid', depthMultiplier, strides, useBias: false, name: `conv_dw_${id}` }).apply(x);
  x = relu6(bn(x, `conv_dw_${id}_bn`), `conv_dw_${id}_relu`);
  x = new Conv2D({ filters: Math.trunc(filters * alpha), kernelSize: 1, padding: 'same', useBias: false, strides: 1, name: `conv_pw_${id}` }).apply(x);
  return relu6(bn(x, `conv_pw_${id}_bn`), `conv_pw_${id}_relu`);
}

/** [pointwise filters, stride] of blocks 1..13. */
const BLOCKS: readonly (readonly [number, number])[] = [
  [64, 1], [128, 2], [128, 1], [256, 2], [256, 1], [512, 2],
  [512, 1], [512, 1], [512, 1], [512, 1], [512, 1], [1024, 2], [1024, 1],
];

/** MobileNet v1 (Howard et al. 2017), as keras.applications.MobileNet: 4,253,864 parameters. */
export async function MobileNet(args: MobileNetArgs = {}): Promise<Model> {
  const alpha = args.alpha ?? 1;
  const depthMultiplier = args.depthMultiplier ?? 1;
  if (!(alpha > 0)) throw new RangeError(`MobileNet: alpha must be > 0; got ${alpha}`);
  if (!Number.isInteger(depthMultiplier) || depthMultiplier < 1) throw new RangeError(`MobileNet: depthMultiplier must be a positive integer; got ${depthMultiplier}`);
  const r = resolveArgs('MobileNet', args, [224, 224, 3], 32);
  let x = convBlock(r.input, 32, alpha, 2);
  BLOCKS.forEach(([filters, stride], i) => {
    x = depthwiseBlock(x, filters, alpha, depthMultiplier, stride, i + 1);
  });
  if (r.includeTop) {
    x = new GlobalAveragePooling2D({ keepdims: true }).apply(x);
    x = new Dropout({ rate: args.dropout ?? 1e-3, name: 'dropout' }).apply(x);
    x = new Conv2D({ filters: r.classes, kernelSize: 1, padding: 'same', name: 'conv_preds' }).apply(x);
    x = new Reshape({ targetShape: [r.classes], name: 'reshape_2' }).apply(x);
    x = new Activation({ activation: r.classifierActivation, name: 'predictions' }).apply(x);
  } else {
    x = applyPooling(x, r.pooling);
  }
  return finish(r, x, args.name ?? `mobilenet_${alpha.toFixed(2)}_${r.shape[0]}`);
}
