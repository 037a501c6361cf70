export * from './filters.js';
export * from './plot-model.js';
export * from './charts.js';
export { startBoard, type Board, type BoardOptions, type RunSummary } from '../board/server.js';
