export * from './einsum-dense.js';
export * from './multi-head-attention.js';
