/** `nt.data` in the browser bundle: the pipeline (the directory utilities read files, so they are Node-only). */
export { Dataset, type Batched, type Cardinality, type Element, type ElementSpec, type Leaf } from './dataset.js';
export { decodeWav, resampleAudio, type DecodedWav } from './audio.js';
