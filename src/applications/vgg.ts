import type { Model } from '../models/model.js';
import type { SymbolicTensor } from '../layers/symbolic.js';
import { Conv2D } from '../layers/conv/conv.js';
import { MaxPooling2D } from '../layers/pooling/pooling.js';
import { Dense } from '../layers/core/dense.js';
import { Flatten } from '../layers/core/simple.js';
import { type ApplicationArgs, applyPooling, finish, resolveArgs } from './common.js';

/** Convolutions per block (five blocks of 64, 128, 256, 512, 512 filters). */
async function vgg(fn: string, modelName: string, convs: readonly number[], args: ApplicationArgs): Promise<Model> {
  const r = resolveArgs(fn, args, [224, 224, 3], 32);
  const filters = [64, 128, 256, 512, 512];
  let x: SymbolicTensor = r.input;
  convs.forEach((n, b) => {
    for (let i = 1; i <= n; i++) {
      x = new Conv2D({ filters: filters[b], kernelSize: 3, activation: 'relu', padding: 'same', name: `block${b + 1}_conv${i}` }).apply(x);
    }
    x = new MaxPooling2D({ poolSize: 2, strides: 2, name: `block${b + 1}_pool` }).apply(x);
  });
  if (r.includeTop) {
    x = new Flatten({ name: 'flatten' }).apply(x);
    x = new Dense({ units: 4096, activation: 'relu', name: 'fc1' }).apply(x);
    x = new Dense({ units: 4096, activation: 'relu', name: 'fc2' }).apply(x);
    x = new Dense({ units: r.classes, activation: r.classifierActivation, name: 'predictions' }).apply(x);
  } else {
    x = applyPooling(x, r.pooling);
  }
  return finish(r, x, args.name ?? modelName);
}

/** VGG16 (Simonyan & Zisserman 2014), as keras.applications.VGG16: 138,357,544 parameters. */
export async function VGG16(args: ApplicationArgs = {}): Promise<Model> {
  return vgg('VGG16', 'vgg16', [2, 2, 3, 3, 3], args);
}

/** VGG19, as keras.applications.VGG19: 143,667,240 parameters. */
export async function VGG19(args: ApplicationArgs = {}): Promise<Model> {
  return vgg('VGG19', 'vgg19', [2, 2, 4, 4, 4], args);
}
