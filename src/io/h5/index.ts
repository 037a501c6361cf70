export { saveModelH5, loadModelH5, saveWeightsH5, loadWeightsH5, type SaveModelH5Options, type LoadModelH5Options, type LoadWeightsH5Options } from './model-h5.js';
export { checkHdf5File, checkHdf5Header, parseSuperblock, type Hdf5Superblock } from './hdf5-check.js';
export { readH5, writeH5Atomic } from './client.js';
export { parseModelConfig, parsePythonJson, pythonJson, normalizeLayer } from './keras-config.js';
export { trainingConfig, compileArgsFromTrainingConfig, type CompileFromConfig } from './training-config.js';
export { KERAS_VERSION } from './keras-weights.js';
export type { H5Group, H5Dataset, H5Node, H5AttrValue, H5Array, H5WriteOp } from './protocol.js';
