/** `nt.distributed`: the process group and collectives, DistributedOptimizer, the helpers and Horovod's callbacks. */
export * from './index.js';
export { BroadcastGlobalVariablesCallback, LearningRateWarmupCallback, type LearningRateWarmupArgs } from '../callbacks/distributed.js';
