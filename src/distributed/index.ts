export * from './mpi.js';
export { DistributedOptimizer, isDistributedOptimizer } from './optimizer.js';
export { averageLogs, broadcastModel, scaleLearningRate } from './model.js';
