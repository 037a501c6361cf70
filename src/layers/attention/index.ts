export * from './attention.js';
export * from './einsum-dense.js';
export * from './multi-head-attention.js';
