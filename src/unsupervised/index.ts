export * from './autoencoder.js';
export * from './pseudo-label.js';
export { RBM, type RBMOptions, type RBMFitOptions, type RBMHistory, type CDStatistics } from './rbm.js';
export * from './dbn.js';
