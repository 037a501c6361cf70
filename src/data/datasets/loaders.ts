/**
 * The `datasets` namespace (Keras' `keras.datasets`): `datasets.mnist`,
 * `datasets.fashionMnist`, `datasets.cifar10`, `datasets.cifar100`, each with
 * `loadData(options?)` and `loadSplit(split, options?)`.
 */
export { mnist, fashionMnist } from './mnist.js';
export { cifar10, cifar100, type Cifar100Options } from './cifar.js';
export type { DatasetLoader, DatasetOptions, Split, XY } from './resolve.js';
