import type { Model } from '../models/model.js';
import { Conv2D } from '../layers/conv/conv.js';
import { MaxPooling2D } from '../layers/pooling/pooling.js';
import { Dense } from '../layers/core/dense.js';
import { Dropout, Flatten } from '../layers/core/simple.js';
import { type ApplicationArgs, applyPooling, finish, resolveArgs } from './common.js';

/**
 * AlexNet (Krizhevsky, Sutskever & Hinton 2012) as one tower: the paper's two-GPU split
 * (grouped conv2, conv4, conv5) and local response normalisation are left out, as in most
 * re-implementations. Input 227×227×3 (the size that makes the paper's 55×55 maps),
 * 1000 classes: 62,378,344 parameters (see the test for the arithmetic). Smallest input 67×67.
 */
export async function AlexNet(args: ApplicationArgs = {}): Promise<Model> {
  const r = resolveArgs('AlexNet', args, [227, 227, 3], 67);
  let x = new Conv2D({ filters: 96, kernelSize: 11, strides: 4, activation: 'relu', name: 'conv1' }).apply(r.input);
  x = new MaxPooling2D({ poolSize: 3, strides: 2, name: 'pool1' }).apply(x);
  x = new Conv2D({ filters: 256, kernelSize: 5, padding: 'same', activation: 'relu', name: 'conv2' }).apply(x);
  x = new MaxPooling2D({ poolSize: 3, strides: 2, name: 'pool2' }).apply(x);
  x = new Conv2D({ filters: 384, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv3' }).apply(x);
  x = new Conv2D({ filters: 384, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv4' }).apply(x);
  x = new Conv2D({ filters: 256, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv5' }).apply(x);
  x = new MaxPooling2D({ poolSize: 3, strides: 2, name: 'pool5' }).apply(x);
  if (r.includeTop) {
    x = new Flatten({ name: 'flatten' }).apply(x);
    x = new Dense({ units: 4096, activation: 'relu', name: 'fc6' }).apply(x);
    x = new Dropout({ rate: 0.5, name: 'drop6' }).apply(x);
    x = new Dense({ units: 4096, activation: 'relu', name: 'fc7' }).apply(x);
    x = new Dropout({ rate: 0.5, name: 'drop7' }).apply(x);
    x = new Dense({ units: r.classes, activation: r.classifierActivation, name: 'predictions' }).apply(x);
  } else {
    x = applyPooling(x, r.pooling);
  }
  return finish(r, x, args.name ?? 'alexnet');
}
