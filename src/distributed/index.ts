export { abort, allgather, allgatherBytes, allreduce, allreduceBuffer, barrier, broadcast, broadcastBuffer, broadcastBytes, finalize, init, isDistributed, launchedByMpi, localRank, mpiVersion, rank, resetStats, size, stats, type AllreduceStats } from './mpi.js';
export { DistributedOptimizer, isDistributedOptimizer } from './optimizer.js';
export { averageLogs, broadcastModel, scaleLearningRate } from './model.js';
