import type { Model } from '../models/model.js';
import type { SymbolicTensor } from '../layers/symbolic.js';
import { Conv2D } from '../layers/conv/conv.js';
import { GlobalAveragePooling2D, MaxPooling2D } from '../layers/pooling/pooling.js';
import { Dense } from '../layers/core/dense.js';
import { Dropout } from '../layers/core/simple.js';
import { Concatenate } from '../layers/merge/merge.js';
import { type ApplicationArgs, applyPooling, finish, resolveArgs } from './common.js';

const conv = (x: SymbolicTensor, filters: number, k: number, name: string, strides = 1): SymbolicTensor =>
  new Conv2D({ filters, kernelSize: k, strides, padding: 'same', activation: 'relu', name }).apply(x);
const pool = (x: SymbolicTensor, name: string, strides: number): SymbolicTensor =>
  new MaxPooling2D({ poolSize: 3, strides, padding: 'same', name }).apply(x);

/** One inception module: [#1×1, #3×3 reduce, #3×3, #5×5 reduce, #5×5, pool proj] of Table 1. */
function inception(x: SymbolicTensor, f: readonly number[], id: string): SymbolicTensor {
  const p = `inception_${id}`;
  const b1 = conv(x, f[0], 1, `${p}_1x1`);
  const b2 = conv(conv(x, f[1], 1, `${p}_3x3_reduce`), f[2], 3, `${p}_3x3`);
  const b3 = conv(conv(x, f[3], 1, `${p}_5x5_reduce`), f[4], 5, `${p}_5x5`);
  const b4 = conv(pool(x, `${p}_pool`, 1), f[5], 1, `${p}_pool_proj`);
  return new Concatenate({ axis: -1, name: `${p}_output` }).apply([b1, b2, b3, b4]) as SymbolicTensor;
}

const MODULES: readonly (readonly [string, readonly number[]])[] = [
  ['3a', [64, 96, 128, 16, 32, 32]], ['3b', [128, 128, 192, 32, 96, 64]],
  ['4a', [192, 96, 208, 16, 48, 64]], ['4b', [160, 112, 224, 24, 64, 64]], ['4c', [128, 128, 256, 24, 64, 64]],
  ['4d', [112, 144, 288, 32, 64, 64]], ['4e', [256, 160, 320, 32, 128, 128]],
  ['5a', [256, 160, 320, 32, 128, 128]], ['5b', [384, 192, 384, 48, 128, 128]],
];

/**
 * GoogLeNet / Inception v1 (Szegedy et al. 2014, Table 1), without the two auxiliary
 * classifiers and the local response normalisation; layer names follow the BVLC Caffe model
 * ('conv1_7x7_s2', 'inception_3a_1x1', …). 224×224×3, 1000 classes: 6,998,552 parameters.
 */
export async function GoogLeNet(args: ApplicationArgs = {}): Promise<Model> {
  const r = resolveArgs('GoogLeNet', args, [224, 224, 3], 32);
  let x = conv(r.input, 64, 7, 'conv1_7x7_s2', 2);
  x = pool(x, 'pool1_3x3_s2', 2);
  x = conv(x, 64, 1, 'conv2_3x3_reduce');
  x = conv(x, 192, 3, 'conv2_3x3');
  x = pool(x, 'pool2_3x3_s2', 2);
  for (const [id, f] of MODULES) {
    x = inception(x, f, id);
    if (id === '3b') x = pool(x, 'pool3_3x3_s2', 2);
    if (id === '4e') x = pool(x, 'pool4_3x3_s2', 2);
  }
  if (r.includeTop) {
    x = new GlobalAveragePooling2D({ name: 'pool5_7x7_s1' }).apply(x);
    x = new Dropout({ rate: 0.4, name: 'pool5_drop_7x7_s1' }).apply(x);
    x = new Dense({ units: r.classes, activation: r.classifierActivation, name: 'predictions' }).apply(x);
  } else {
    x = applyPooling(x, r.pooling);
  }
  return finish(r, x, args.name ?? 'googlenet');
}
