export * from './reshaping.js';
export * from './reshaping3d.js';
