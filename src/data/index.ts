export * from './datasets/index.js';
export * from './utils.js';
export * from './image/index.js';
export { decodeWav, resampleAudio, type DecodedWav } from './audio.js';
export * from './text/index.js';
export { Dataset, type Batched, type Cardinality, type Element, type ElementSpec, type Leaf } from './dataset.js';
