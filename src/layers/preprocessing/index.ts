export * from './preprocessing.js';
export * from './geometric.js';
export * from './text.js';
