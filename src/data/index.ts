export * from './datasets/index.js';
export * from './utils.js';
export * from './image/index.js';
export * from './text/index.js';
