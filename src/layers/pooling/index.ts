export * from './pooling.js';
export * from './pooling3d.js';
