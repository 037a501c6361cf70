export * from './preprocessing.js';
