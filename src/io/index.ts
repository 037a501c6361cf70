export * from './weights-format.js';
export * from './model-io.js';
export * from './checkpoint.js';
export * from './model-json.js';
export * from './onnx/index.js';
export * from './h5/index.js';
export * from './tfjs.js';
