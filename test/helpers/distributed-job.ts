/**
 * The programs test/distributed.test.ts runs under `mpirun -np 2` (and alone, as one process):
 *   node build/test/helpers/distributed-job.js <what> <out.json> [options]
 *  - collectives: rank, size, localRank and allreduce / broadcast / allgather / barrier results;
 *  - train <batch>: a fixed MLP trained with fit on fixed data (SGD with momentum, no shuffle),
 *    its optimizer wrapped by DistributedOptimizer; writes the final weights and the logs;
 *  - train-dataset <batch>: the same on Dataset.fromTensorSlices([x, y]).batch(batch);
 *  - train-shard <batch>: the same on Dataset…shard(size, rank).batch(batch);
 *  - die: rank 1 exits with code 3 during the first epoch while rank 0 keeps training;
 *  - resume <batch>[:<epoch>] <backupDir>: an MLP with Dropout (each rank its own generator)
 *    trained 4 epochs with shuffling and BackupAndRestore; with `:<epoch>`, rank 1 is killed
 *    (SIGKILL) in the middle of that epoch. Run again, the job resumes from the backup.
 * Each rank writes `<out>.<rank>.json`.
 */
import { writeFileSync } from 'node:fs';
import * as nt from '../../src/index.js';

const [what, out, arg] = process.argv.slice(2);
const { rank, size, localRank } = await nt.distributed.init();
const write = (value: unknown): void => writeFileSync(`${out}.${rank}.json`, JSON.stringify(value));

/** 24 samples of 5 features and 2 targets, the same on every rank. */
function data(): [nt.Tensor, nt.Tensor] {
  const x = Float32Array.from({ length: 24 * 5 }, (_, i) => Math.sin(i * 0.7) + 0.1 * (i % 7));
  const y = Float32Array.from({ length: 24 * 2 }, (_, i) => Math.cos(i * 0.3));
  return [nt.tensor(x, [24, 5]), nt.tensor(y, [24, 2])];
}

function model(): nt.Sequential {
  // Different initial weights on each rank: fit must start every rank from rank 0's.
  nt.setSeed(100 + rank);
  const m = new nt.Sequential([new nt.Dense({ units: 8, activation: 'tanh', inputShape: [5] }), new nt.Dense({ units: 2 })]);
  m.compile({ optimizer: nt.distributed.DistributedOptimizer(new nt.SGD({ learningRate: 0.05, momentum: 0.9 })), loss: 'mse', metrics: ['mae'] });
  return m;
}

if (what === 'collectives') {
  const t = nt.tensor([rank + 1, 10 * (rank + 1)]);
  const [sum] = await nt.distributed.allreduce([t], { op: 'sum' });
  const [avg, second] = await nt.distributed.allreduce([t, nt.tensor([[rank, 2 * rank]])], { op: 'average' });
  const [b] = await nt.distributed.broadcast([nt.tensor([rank + 5, -rank])], size - 1);
  const g = await nt.distributed.allgather(nt.tensor([rank, rank * 2]));
  nt.distributed.barrier();
  const warmup = new nt.distributed.LearningRateWarmupCallback({ initialLr: 0.4, warmupEpochs: 2 });
  write({ warmup: [0, 0.5, 1, 2, 3].map((e) => warmup.rateAt(e)), scaled: nt.distributed.scaleLearningRate(0.1), rank, size, localRank, sum: Array.from(sum.dataSync()), avg: Array.from(avg.dataSync()), second: { shape: second.shape, values: Array.from(second.dataSync()) }, broadcast: Array.from(b.dataSync()), gather: { shape: g.shape, values: Array.from(g.dataSync()) }, version: nt.distributed.mpiVersion() });
} else if (what === 'train') {
  const batch = Number(arg);
  const [x, y] = data();
  const m = model();
  const history = await m.fit(x, y, { epochs: 3, batchSize: batch, shuffle: false, verbose: 0, callbacks: [new nt.CSVLogger(`${out}.csv`)] });
  write({ rank, size, weights: m.getWeights().map((w) => Array.from(w.dataSync())), loss: history.history.loss, mae: history.history.mae });
} else if (what === 'train-dataset') {
  // Batches of 4 from a Dataset: each rank takes every other batch (fit shards a data source).
  const [x, y] = data();
  const m = model();
  const history = await m.fit(nt.data.Dataset.fromTensorSlices([x, y]).batch(Number(arg)), { epochs: 3, verbose: 0 });
  write({ rank, size, weights: m.getWeights().map((w) => Array.from(w.dataSync())), loss: history.history.loss });
} else if (what === 'train-shard') {
  // The script shards the Dataset itself (rank r reads elements r, r + size, …): fit does not shard it again.
  const [x, y] = data();
  const m = model();
  const history = await m.fit(nt.data.Dataset.fromTensorSlices([x, y]).shard(size, rank).batch(Number(arg)), { epochs: 3, verbose: 0 });
  write({ rank, size, weights: m.getWeights().map((w) => Array.from(w.dataSync())), loss: history.history.loss });
} else if (what === 'resume') {
  const [batch, killAt] = arg.split(':').map(Number);
  const [x, y] = data();
  nt.setSeed(100 + rank);
  const m = new nt.Sequential([new nt.Dense({ units: 8, activation: 'tanh', inputShape: [5] }), new nt.Dropout({ rate: 0.3 }), new nt.Dense({ units: 2 })]);
  m.compile({ optimizer: nt.distributed.DistributedOptimizer(new nt.Adam({ learningRate: 0.01 })), loss: 'mse' });
  const backup = new nt.BackupAndRestore({ backupDir: process.argv[5] });
  let epoch = -1;
  const killer = new nt.LambdaCallback({
    onEpochBegin: (e: number) => void (epoch = e),
    onTrainBatchEnd: (b: number) => {
      if (rank === 1 && epoch === killAt && b === 1) process.kill(process.pid, 'SIGKILL');
    },
  });
  const history = await m.fit(x, y, { epochs: 4, batchSize: batch, seed: 7, verbose: 0, callbacks: [backup, killer] });
  write({ rank, resumedFrom: backup.resumedFrom, weights: m.getWeights().map((w) => Array.from(w.dataSync())), loss: history.history.loss });
} else if (what === 'die') {
  const [x, y] = data();
  const m = model();
  const dying = new nt.LambdaCallback({
    onTrainBatchEnd: (b: number) => {
      if (rank === 1 && b === 1) {
        console.error('rank 1: exiting on purpose (the test of a dying rank)');
        process.exit(3);
      }
    },
  });
  await m.fit(x, y, { epochs: 1000, batchSize: 2, shuffle: false, verbose: 0, callbacks: [dying] });
  write({ rank, finished: true });
} else {
  throw new Error(`distributed-job: unknown job ${what}`);
}
nt.distributed.finalize();
