export * from './embedding.js';
export * from './position-embedding.js';
