import type { Model } from '../models/model.js';
import { Conv2D } from '../layers/conv/conv.js';
import { AveragePooling2D } from '../layers/pooling/pooling.js';
import { Dense } from '../layers/core/dense.js';
import { Flatten } from '../layers/core/simple.js';
import { type ApplicationArgs, applyPooling, finish, resolveArgs } from './common.js';

/**
 * LeNet-5 (LeCun et al. 1998) in its usual modern form: C3 fully connected to S2 (the paper
 * connects it partially), S2/S4 plain average pooling (the paper's have a trainable
 * coefficient and bias), tanh activations, a softmax output instead of RBF units.
 * Input 32×32×1, 10 classes: 61,706 parameters (see the test for the arithmetic).
 * Without the top the model ends at C5 (a 5×5 convolution to 120 maps).
 */
export async function LeNet5(args: ApplicationArgs = {}): Promise<Model> {
  const r = resolveArgs('LeNet5', { classes: 10, ...args }, [32, 32, 1], 32);
  let x = new Conv2D({ filters: 6, kernelSize: 5, activation: 'tanh', name: 'c1' }).apply(r.input);
  x = new AveragePooling2D({ poolSize: 2, name: 's2' }).apply(x);
  x = new Conv2D({ filters: 16, kernelSize: 5, activation: 'tanh', name: 'c3' }).apply(x);
  x = new AveragePooling2D({ poolSize: 2, name: 's4' }).apply(x);
  x = new Conv2D({ filters: 120, kernelSize: 5, activation: 'tanh', name: 'c5' }).apply(x);
  if (r.includeTop) {
    x = new Flatten({ name: 'flatten' }).apply(x);
    x = new Dense({ units: 84, activation: 'tanh', name: 'f6' }).apply(x);
    x = new Dense({ units: r.classes, activation: r.classifierActivation, name: 'predictions' }).apply(x);
  } else {
    x = applyPooling(x, r.pooling);
  }
  return finish(r, x, args.name ?? 'lenet5');
}
