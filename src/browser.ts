/**
 * Neurite for the browser: the entry bundled by `scripts/build-browser.mjs` into
 * `build/browser/neurite.js` (one ES module, `import * as nt from './neurite.js'`).
 *
 * It carries what runs without Node: tensors, ops, autograd, layers, models (with
 * `loadModel` from a URL or bytes), training, losses, metrics, optimizers, initializers,
 * regularizers, constraints, activations, the callbacks that write no files, the data
 * helpers that need neither `node:fs` nor sharp (splits, one-hot, text, IDX parsing, affine
 * warps), the autoencoder/RBM/DBN builders and the backend registry. It leaves out what
 * reads or writes files or needs Node built-ins: dataset downloads, image files
 * (sharp), directory iterators, ImageDataGenerator, Keras .h5 (h5wasm in a worker thread),
 * ONNX export, checkpoints and the native addon.
 *
 * Each line below imports a module file directly rather than a folder's barrel whenever the
 * barrel also re-exports a Node-only module.
 */
export * from './tensor/index.js';
export * from './autograd/index.js';
export { memory, Planner, type MemoryInfo, type PlanState } from './engine/index.js';
export * from './ops/index.js';
export { backend, getBackendName, setBackend, availableBackends, registerBackend, backendFailure, type BackendName } from './backends/registry.js';
export type { Backend } from './backends/interface.js';
// The WebAssembly SIMD backend: call loadWasmBackend() once (see docs/backends.md).
export { loadWasmBackend, wasmModule, type WasmBackendOptions } from './backends/wasm/index.js';
// The WebGPU backend (navigator.gpu): await setBackend('webgpu') (see docs/backends.md).
export { startWebGpuBackend, webgpuDevice, webgpuSync } from './backends/webgpu/index.js';
export * from './layers/index.js';
export { type ConfigDict, type ConfigValue, type Serialized, serialize } from './utils/serialization.js';
export * from './models/index.js';
export * from './optimizers/index.js';
export type { CompileArgs, FitArgs, EvaluateArgs, PredictArgs, ModelData, DataSource, Batch } from './training/index.js';
export type { ModelSource, ModelJson } from './io/model-json.js';
export { encodeWeights, decodeWeights, type WeightEntry, type WeightsHeader } from './io/weights-format.js';

// Callbacks that write no files (ModelCheckpoint, CSVLogger and BackupAndRestore are Node-only).
import { Callback, History, CallbackList } from './callbacks/callback.js';
import { ProgbarLogger } from './callbacks/progbar.js';
import { EarlyStopping } from './callbacks/early-stopping.js';
import { ReduceLROnPlateau } from './callbacks/reduce-lr-on-plateau.js';
import { LearningRateScheduler } from './callbacks/learning-rate-scheduler.js';
import { TerminateOnNaN } from './callbacks/terminate-on-nan.js';
import { LambdaCallback } from './callbacks/lambda-callback.js';
export * from './callbacks/callback.js';
export * from './callbacks/progbar.js';
export * from './callbacks/format.js';
export * from './callbacks/early-stopping.js';
export * from './callbacks/reduce-lr-on-plateau.js';
export * from './callbacks/learning-rate-scheduler.js';
export * from './callbacks/terminate-on-nan.js';
export * from './callbacks/lambda-callback.js';

// Data helpers that need neither node:fs nor sharp.
import { toCategorical, permutation, shuffleArrays, splitDataset, trainValTestSplit } from './data/utils.js';
import { padSequences } from './data/text/index.js';
export { toCategorical, permutation, shuffleArrays, splitDataset, trainValTestSplit, type SplitArgs } from './data/utils.js';
export * from './data/text/index.js';
export { parseIdx, type IdxArray, type IdxData } from './data/datasets/idx.js';
export { transformMatrix, warpAffine, type FillMode, type TransformParams, type Affine } from './data/image/affine.js';
export { fromPixels, type PixelData, type PixelSource } from './data/image/pixels.js';
// Models in the browser's storage (model.save('indexeddb://name'), nt.loadModel('localstorage://name')).
export { listBrowserModels, removeBrowserModel, type PickedFile } from './io/browser-storage.js';

export * from './unsupervised/autoencoder.js';
export { RBM, type RBMOptions, type RBMFitOptions, type RBMHistory, type CDStatistics } from './unsupervised/rbm.js';
export * from './unsupervised/dbn.js';

export * as layers from './layers/index.js';
export * as models from './models/index.js';
export * as optimizers from './optimizers/index.js';
export * as losses from './losses/index.js';
export * as metrics from './metrics/index.js';
export * as initializers from './initializers/index.js';
export * as regularizers from './regularizers/index.js';
export * as constraints from './constraints/index.js';
export * as activations from './activations/index.js';

/** `nt.callbacks.*` in the browser: the callbacks that write no files. */
export const callbacks = Object.freeze({
  Callback,
  History,
  CallbackList,
  ProgbarLogger,
  EarlyStopping,
  ReduceLROnPlateau,
  LearningRateScheduler,
  TerminateOnNaN,
  LambdaCallback,
});

/** `nt.utils.*` in the browser: Keras' `keras.utils` data helpers that need no files. */
export const utils = Object.freeze({ toCategorical, permutation, shuffleArrays, splitDataset, trainValTestSplit, padSequences });
export * as data from './data/namespace-browser.js';
export { Dataset } from './data/dataset.js';
