export * from './dtype.js';
export * from './shape.js';
export * from './tensor.js';
export * from './create.js';
export * from './rng.js';
export * from './variable.js';
export * from './string-tensor.js';
