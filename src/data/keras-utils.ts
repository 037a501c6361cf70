/**
 * `nt.utils`: the data helpers under Keras' `keras.utils` names (to_categorical, get_file,
 * load_img, save_img, split_dataset, pad_sequences), for code ported from Keras.
 */
export { toCategorical, permutation, shuffleArrays, splitDataset, trainValTestSplit } from './utils.js';
export { getFile } from './datasets/index.js';
export { loadImg, saveImg } from './image/index.js';
export { padSequences } from './text/index.js';
export { plotModel, type PlotModelOptions, type PlotModelResult } from '../viz/plot-model.js';
