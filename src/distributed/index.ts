export { abort, allgather, allreduce, allreduceBuffer, barrier, broadcast, broadcastBuffer, finalize, init, isDistributed, launchedByMpi, localRank, mpiVersion, rank, size } from './mpi.js';
export { DistributedOptimizer, isDistributedOptimizer } from './optimizer.js';
export { averageLogs, broadcastModel, scaleLearningRate } from './model.js';
