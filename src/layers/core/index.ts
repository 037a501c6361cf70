export * from './input.js';
export * from './dense.js';
export * from './simple.js';
export * from './masking.js';
export * from './lambda.js';
