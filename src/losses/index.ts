export * from './loss.js';
export * from './functions.js';
export * from './regression.js';
export * from './hinge.js';
export * from './probabilistic.js';
export * from './focal.js';
export * from './ctc.js';
export * from './registry.js';
