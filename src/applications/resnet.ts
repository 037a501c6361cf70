import type { Model } from '../models/model.js';
import type { SymbolicTensor } from '../layers/symbolic.js';
import { Conv2D } from '../layers/conv/conv.js';
import { MaxPooling2D, GlobalAveragePooling2D } from '../layers/pooling/pooling.js';
import { BatchNormalization } from '../layers/normalization/normalization.js';
import { ZeroPadding2D } from '../layers/reshaping/reshaping.js';
import { Dense } from '../layers/core/dense.js';
import { Activation } from '../layers/core/simple.js';
import { Add } from '../layers/merge/merge.js';
import { type ApplicationArgs, applyPooling, finish, resolveArgs } from './common.js';

const EPSILON = 1.001e-5;

const bn = (x: SymbolicTensor, name: string): SymbolicTensor => new BatchNormalization({ axis: 3, epsilon: EPSILON, name }).apply(x);
const relu = (x: SymbolicTensor, name: string): SymbolicTensor => new Activation({ activation: 'relu', name }).apply(x);

/** Keras' resnet block1: the bottleneck residual block (1×1, 3×3, 1×1 with 4·filters out). */
function block1(input: SymbolicTensor, filters: number, stride: number, convShortcut: boolean, name: string): SymbolicTensor {
  let shortcut = input;
  if (convShortcut) {
    shortcut = new Conv2D({ filters: 4 * filters, kernelSize: 1, strides: stride, name: `${name}_0_conv` }).apply(input);
    shortcut = bn(shortcut, `${name}_0_bn`);
  }
  let x = new Conv2D({ filters, kernelSize: 1, strides: stride, name: `${name}_1_conv` }).apply(input);
  x = relu(bn(x, `${name}_1_bn`), `${name}_1_relu`);
  x = new Conv2D({ filters, kernelSize: 3, padding: 'same', name: `${name}_2_conv` }).apply(x);
  x = relu(bn(x, `${name}_2_bn`), `${name}_2_relu`);
  x = new Conv2D({ filters: 4 * filters, kernelSize: 1, name: `${name}_3_conv` }).apply(x);
  x = bn(x, `${name}_3_bn`);
  x = new Add({ name: `${name}_add` }).apply([shortcut, x]) as SymbolicTensor;
  return relu(x, `${name}_out`);
}

/** Keras' resnet stack1: `blocks` bottleneck blocks, the first one strided with a projection. */
function stack1(x: SymbolicTensor, filters: number, blocks: number, stride1: number, name: string): SymbolicTensor {
  let y = block1(x, filters, stride1, true, `${name}_block1`);
  for (let i = 2; i <= blocks; i++) y = block1(y, filters, 1, false, `${name}_block${i}`);
  return y;
}

/** ResNet50 (He et al. 2015), as keras.applications.ResNet50: 25,636,712 parameters. */
export async function ResNet50(args: ApplicationArgs = {}): Promise<Model> {
  const r = resolveArgs('ResNet50', args, [224, 224, 3], 32);
  let x = new ZeroPadding2D({ padding: [[3, 3], [3, 3]], name: 'conv1_pad' }).apply(r.input);
  x = new Conv2D({ filters: 64, kernelSize: 7, strides: 2, useBias: true, name: 'conv1_conv' }).apply(x);
  x = relu(bn(x, 'conv1_bn'), 'conv1_relu');
  x = new ZeroPadding2D({ padding: [[1, 1], [1, 1]], name: 'pool1_pad' }).apply(x);
  x = new MaxPooling2D({ poolSize: 3, strides: 2, name: 'pool1_pool' }).apply(x);
  x = stack1(x, 64, 3, 1, 'conv2');
  x = stack1(x, 128, 4, 2, 'conv3');
  x = stack1(x, 256, 6, 2, 'conv4');
  x = stack1(x, 512, 3, 2, 'conv5');
  if (r.includeTop) {
    x = new GlobalAveragePooling2D({ name: 'avg_pool' }).apply(x);
    x = new Dense({ units: r.classes, activation: r.classifierActivation, name: 'predictions' }).apply(x);
  } else {
    x = applyPooling(x, r.pooling, { avg: 'avg_pool', max: 'max_pool' });
  }
  return finish(r, x, args.name ?? 'resnet50');
}
