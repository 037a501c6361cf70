/**
 * Neurite: a deep-learning framework for TypeScript with the Keras API.
 *
 * Flat exports cover tensors, ops, autograd, layers, models, optimizers and callbacks
 * (`nt.tensor`, `nt.conv2d`, `nt.Dense`, `nt.Sequential`, `nt.Adam`, `nt.EarlyStopping`).
 * Families whose Keras names overlap live in namespaces, as in Keras: `nt.losses.*`,
 * `nt.metrics.*`, `nt.initializers.*`, `nt.regularizers.*`, `nt.constraints.*`,
 * `nt.activations.*` (string identifiers such as 'categorical_crossentropy' work anywhere).
 */
export * from './tensor/index.js';
export * from './autograd/index.js';
export { memory, Planner, type MemoryInfo, type PlanState } from './engine/index.js';
export * from './ops/index.js';
export { backend, getBackendName, setBackend, availableBackends, registerBackend, backendFailure, nativeAddon, loadWasmBackend, wasmModule, startWebGpuBackend, webgpuDevice, webgpuSync, type WasmBackendOptions, type Backend, type BackendName } from './backends/index.js';
export * from './data/index.js';
export * from './layers/index.js';
export { type ConfigDict, type ConfigValue, type Serialized, serialize } from './utils/serialization.js';
export * from './models/index.js';
export * from './callbacks/index.js';
export * from './optimizers/index.js';
export type { CompileArgs, FitArgs, EvaluateArgs, PredictArgs, ModelData, DataSource, Batch, StepData, StepLogs, ComputeLossArgs } from './training/index.js';
export * as layers from './layers/index.js';
export * as models from './models/index.js';
export * as callbacks from './callbacks/index.js';
export * as optimizers from './optimizers/index.js';
export * as losses from './losses/index.js';
export * as metrics from './metrics/index.js';
export * as initializers from './initializers/index.js';
export * as regularizers from './regularizers/index.js';
export * as constraints from './constraints/index.js';
export * as activations from './activations/index.js';
export * as io from './io/index.js';
export * as applications from './applications/index.js';
export * as viz from './viz/index.js';
export * from './unsupervised/index.js';
export * as utils from './data/keras-utils.js';
export * as data from './data/namespace.js';
export * as distributed from './distributed/namespace.js';
export type { ModelSource } from './io/model-json.js';
export { parseNpy, readNpy, loadNpy, encodeNpy, saveNpy, npyToTensor, type NpyArray, type NpyData } from './io/npy.js';
