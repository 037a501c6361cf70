/** `nt.data`: the input pipeline (tf.data's names). */
export { Dataset, type Batched, type Cardinality, type Element, type ElementSpec, type Leaf } from './dataset.js';
export { imageDatasetFromDirectory, imageDatasetsFromDirectory, textDatasetFromDirectory, timeseriesDatasetFromArray, type DirectoryDatasetArgs, type ImageDatasetArgs, type TimeseriesArgs } from './dataset-utils.js';
export { audioDatasetFromDirectory, type AudioDatasetArgs } from './dataset-utils.js';
export { decodeWav, resampleAudio, type DecodedWav } from './audio.js';
export { makeCsvDataset, type CsvDatasetArgs } from './csv.js';
