export * from './filters.js';
export * from './plot-model.js';
export * from './charts.js';
