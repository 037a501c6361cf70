export * from './interface.js';
export * from './registry.js';
export { jsBackend } from './js/index.js';
export { nativeAddon, type NativeAddon } from './native/index.js';
import './wasm/load.js';
export { loadWasmBackend, wasmModule, type WasmBackendOptions } from './wasm/index.js';
import './webgpu/load.js';
export { startWebGpuBackend, webgpuDevice, webgpuSync } from './webgpu/index.js';
