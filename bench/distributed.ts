/**
 * `npm run bench:distributed`: what data-parallel training on MPI (nt.distributed) costs and
 * gains, measured on this machine, and what it would give on N machines.
 *
 *  1. mnist_cnn (examples/cnn-fashion-mnist.ts) training on real Fashion-MNIST (6,144
 *     images per epoch, global batch 128, Adam, DistributedOptimizer):
 *       - 1 rank × 2 threads (batch 128),
 *       - 2 ranks × 1 thread (`mpirun -np 2 --bind-to core`, batch 64 per rank),
 *       - 1 rank × 1 thread at batch 64: the compute of one rank of the 2-rank job, which
 *         with the measured allreduce gives the model's prediction for that job.
 *     A side trains one warm-up epoch and then whole epochs for BENCH_BUDGET_S seconds (at
 *     least 2), in one fit call (rank 0 decides when to stop and tells the others). Rank 0's
 *     time inside the gradients' allreduce comes from nt.distributed.stats().
 *  2. MPI_Allreduce bus bandwidth on 2 ranks for float32 buffers of 1 KB … 100 MB (the
 *     buffer DistributedOptimizer fuses the gradients into), NCCL-tests' definitions:
 *     algbw = bytes / time, busbw = algbw × 2(N − 1)/N.
 *  3. ResNet50 (keras.applications' layout, 25.6 M parameters) training steps at batch 16 on
 *     1 rank × 2 threads: the compute per step of the model's second workload
 *     (BENCH_RESNET50=0 leaves it out; the scaling model then has mnist_cnn only).
 * From the measured compute per step C and the gradients' size G, the scaling model gives
 * the ring allreduce's time T = 2(N − 1)/N · G / L + 2(N − 1)·α and the efficiency C / (C + T)
 * at 8 and 64 ranks on 10 and 100 Gbit/s links.
 *
 * On the shared harness (bench/common.ts): every side in its own process (or mpirun job),
 * alternating rounds (at least 5), medians [min–max]. Ranks on this machine talk through
 * Open MPI's shared-memory transport: the bus bandwidth here is memory's, not a network's.
 *
 *   BENCH_ROUNDS=5 BENCH_BUDGET_S=2 npm run bench:distributed
 *   BENCH_RESNET50=0                      # leave ResNet50 out (about 70 s a round)
 * Writes bench-results/distributed.json; `npm run bench:readme -- --readme docs/distributed.md
 * --results bench-results` puts its tables in docs/distributed.md.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mnistCnn } from '../examples/cnn-fashion-mnist.js';
import {
  alternateRounds, benchRounds, cell, emit, envNumber, FASHION, fashionMnist, failureNotes, graphFlops, libraryVersions, makeHeader, measureMachine, modelFlops, nativePins,
  nodeSide, pinNativeThreads, printStart, remeasurePeak, samplesPerSecond, sideArgs, THREADS, writeResults, type SideSpec,
} from './common.js';
import type { DistributedBusRow, DistributedModelRow, DistributedResults, DistributedTrainRow } from './results.js';
import { renderDistributed, versionText } from './tables.js';

const SELF = fileURLToPath(import.meta.url);
const SAMPLES = 6144;
const GLOBAL_BATCH = 128;
const RESNET_BATCH = 16;
const BUS_BYTES = [1e3, 1e4, 1e5, 1e6, 1e7, 1e8];
/** The latency of one ring step the model charges (µs): a TCP round on a datacenter network. */
const ALPHA_US = 20;
const LINKS_GBIT = [10, 100];
const MODEL_RANKS = [8, 64];
/** What mpirun needs to run as root on an oversubscribed machine (this VM's CI). */
const MPI_ENV = { OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1', OMPI_MCA_rmaps_base_oversubscribe: '1' };
const ONE_THREAD = { BENCH_THREADS: '1', OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' };

/** A training side's report (rank 0's). */
interface TrainRun {
  readonly rate: number;
  readonly stepMs: number;
  readonly allreduceMs: number | null;
  readonly ranks: number;
  readonly threads: number | null;
  readonly backend: string;
  readonly flopsPerSample: number;
  readonly parameters: number;
  readonly mpi: string | null;
}

/** The allreduce side's report: microseconds per allreduce of each buffer size. */
interface BusRun {
  readonly us: number[];
  readonly ranks: number;
}

// ---- the sides ---------------------------------------------------------------------------

/** mnist_cnn with fit over whole epochs: one warm-up epoch, then epochs until rank 0's budget is spent. */
async function measureMnist(perRankBatch: number, budget: number): Promise<void> {
  const nt = await import('../src/index.js');
  const { rank, size } = await nt.distributed.init();
  const threads = pinNativeThreads(nt.nativeAddon());
  const { x, y } = await fashionMnist(nt, SAMPLES);
  const model = mnistCnn(1, [28, 28, 1]);
  model.compile({ optimizer: nt.distributed.DistributedOptimizer(new nt.Adam()), loss: 'categorical_crossentropy' });
  let started = 0;
  let epochs = 0;
  const go = Float64Array.of(1);
  const timer = new nt.LambdaCallback({
    onEpochEnd: (epoch: number) => {
      if (epoch === 0) {
        nt.distributed.resetStats();
        started = performance.now();
        return;
      }
      epochs++;
      go[0] = (performance.now() - started) / 1000 < budget || epochs < 2 ? 1 : 0;
      nt.distributed.broadcastBuffer(go, 0);
      if (go[0] === 0) model.stopTraining = true;
    },
  });
  await model.fit(x, y, { batchSize: perRankBatch, epochs: 1000, shuffle: true, verbose: 0, callbacks: [timer] });
  const seconds = (performance.now() - started) / 1000;
  const steps = (epochs * SAMPLES) / (perRankBatch * size);
  const stats = nt.distributed.stats();
  if (rank === 0) {
    emit({
      rate: (epochs * SAMPLES) / seconds,
      stepMs: (1000 * seconds) / steps,
      allreduceMs: size > 1 ? (1000 * stats.seconds) / steps : null,
      ranks: size,
      threads,
      backend: nt.getBackendName(),
      flopsPerSample: modelFlops(model, [28, 28, 1]).training,
      parameters: model.countParams(),
      mpi: nt.distributed.mpiVersion(),
    } satisfies TrainRun);
  }
  nt.distributed.finalize();
}

/** ResNet50 trainOnBatch steps on random images (the compute per step only). */
async function measureResnet(budget: number): Promise<void> {
  const nt = await import('../src/index.js');
  const threads = pinNativeThreads(nt.nativeAddon());
  const model = await nt.applications.ResNet50();
  model.compile({ optimizer: new nt.SGD({ learningRate: 0.01, momentum: 0.9 }), loss: 'sparse_categorical_crossentropy' });
  const x = nt.randomUniform([RESNET_BATCH, 224, 224, 3], { seed: 1 });
  const y = nt.tensor(Int32Array.from({ length: RESNET_BATCH }, (_, i) => (i * 97) % 1000));
  // Each step yields to the event loop, as fit does between steps. The first steps run
  // eagerly, the third is traced into a plan and the fourth is the plan's first run (fresh
  // buffers): 14, 8, 42 and 7 s at batch 16 against 3.5 s after, so 5 steps warm up.
  const step = async (): Promise<void> => {
    model.trainOnBatch(x, y);
    await new Promise<void>((resolve) => setImmediate(resolve));
  };
  const rate = await samplesPerSecond(step, RESNET_BATCH, budget, undefined, 5);
  emit({
    rate,
    stepMs: (1000 * RESNET_BATCH) / rate,
    allreduceMs: null,
    ranks: 1,
    threads,
    backend: nt.getBackendName(),
    flopsPerSample: graphFlops(model).training,
    parameters: model.countParams(),
    mpi: null,
  } satisfies TrainRun);
}

/** MPI_Allreduce of float32 buffers of each size: a warm-up, then a count of calls every rank agrees on (about 0.2 s of data movement). */
async function measureBus(): Promise<void> {
  const nt = await import('../src/index.js');
  const { rank, size } = await nt.distributed.init();
  if (size < 2) throw new Error('the allreduce side runs under mpirun -np 2');
  const us: number[] = [];
  for (const bytes of BUS_BYTES) {
    const buffer = new Float32Array(bytes / 4).fill(1);
    const calls = Math.max(5, Math.min(2000, Math.round(2e8 / bytes)));
    for (let i = 0; i < Math.max(2, calls / 10); i++) nt.distributed.allreduceBuffer(buffer);
    nt.distributed.barrier();
    const t = performance.now();
    for (let i = 0; i < calls; i++) nt.distributed.allreduceBuffer(buffer);
    nt.distributed.barrier();
    us.push(((performance.now() - t) * 1000) / calls);
  }
  if (rank === 0) emit({ us, ranks: size } satisfies BusRun);
  nt.distributed.finalize();
}

// ---- the parent --------------------------------------------------------------------------

function mpiSide(id: string, label: string, args: readonly string[], env: Readonly<Record<string, string>>): SideSpec {
  return { id, label, command: 'mpirun', args: ['--bind-to', 'core', '-np', '2', process.execPath, SELF, '--side', ...args], env: { ...MPI_ENV, ...env }, required: true };
}

/** Open MPI's mpirun, or why it cannot run. */
function mpirunMissing(): string | null {
  const r = spawnSync('mpirun', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return 'no mpirun (Debian: apt-get install openmpi-bin libopenmpi-dev)';
  if (!existsSync(join(fileURLToPath(new URL('../../native/mpi/build/Release/neurite_mpi.node', import.meta.url))))) return 'the MPI binding is not built (node scripts/build-mpi.mjs)';
  return null;
}

async function main(): Promise<void> {
  const budget = envNumber('BENCH_BUDGET_S', 2, { min: 0.01 });
  const side = sideArgs();
  if (side) {
    const [kind, a] = side;
    try {
      if (kind === 'mnist') await measureMnist(Number(a), budget);
      else if (kind === 'resnet50') await measureResnet(budget);
      else if (kind === 'allreduce') await measureBus();
      else throw new Error(`unknown side '${kind}'`);
    } catch (e) {
      console.error(`${side.join(' ')}: ${(e as Error).message}`);
      process.exitCode = 1;
    }
    return;
  }
  if (THREADS !== 2) throw new Error(`bench:distributed compares 1 rank × 2 threads with 2 ranks × 1 thread; BENCH_THREADS is ${THREADS}`);
  const missing = mpirunMissing();
  if (missing) throw new Error(`bench:distributed: ${missing}`);
  if (!existsSync(join(FASHION, 'train-images-idx3-ubyte.gz'))) throw new Error(`bench:distributed: no Fashion-MNIST in ${FASHION} (Debian's dataset-fashion-mnist; npm run bench:setup)`);
  const resnet = envNumber('BENCH_RESNET50', 1, { integer: true }) !== 0;
  const rounds = benchRounds();
  const started = await measureMachine();
  const nt = await import('../src/index.js');
  const versions = libraryVersions([]);
  const sides: SideSpec[] = [
    nodeSide('mnist:1x2', 'mnist_cnn 1 rank × 2 threads', SELF, ['mnist', String(GLOBAL_BATCH)], { required: true }),
    mpiSide('mnist:2x1', 'mnist_cnn 2 ranks × 1 thread', ['mnist', String(GLOBAL_BATCH / 2)], ONE_THREAD),
    nodeSide('mnist:1x1', 'mnist_cnn 1 rank × 1 thread, batch 64', SELF, ['mnist', String(GLOBAL_BATCH / 2)], { required: true, env: ONE_THREAD }),
    mpiSide('allreduce', 'MPI_Allreduce on 2 ranks', ['allreduce'], ONE_THREAD),
  ];
  if (resnet) sides.push(nodeSide('resnet50:1x2', `ResNet50 1 rank × 2 threads, batch ${RESNET_BATCH}`, SELF, ['resnet50'], { timeoutS: 1200 }));
  printStart('bench:distributed', started, rounds, sides, budget);
  console.log(`versions: ${versionText(versions)}`);
  const runs = alternateRounds<TrainRun | BusRun>(sides, rounds, 'distributed');
  const machine = await remeasurePeak(started);
  const notes: string[] = failureNotes(runs.values());
  const trainRuns = (id: string): TrainRun[] => (runs.get(id)?.runs ?? []) as TrainRun[];

  const trainRow = (id: string, label: string, model: string, ranks: number, threadsPerRank: number, perRankBatch: number): DistributedTrainRow | null => {
    const r = trainRuns(id);
    if (r.length === 0) return null;
    const rate = cell(r.map((x) => x.rate));
    const gflops = (rate.median * r[0].flopsPerSample) / 1e9;
    const allreduce = r.map((x) => x.allreduceMs).filter((v): v is number => v !== null);
    return {
      label,
      model,
      ranks,
      threadsPerRank,
      perRankBatch,
      globalBatch: perRankBatch * ranks,
      rate,
      stepMs: cell(r.map((x) => x.stepMs)),
      allreduceMs: allreduce.length ? cell(allreduce) : null,
      gflops,
      peakPercent: (100 * gflops) / machine.peakGflops,
    };
  };
  const trainRows = [
    trainRow('mnist:1x2', 'mnist_cnn, 1 rank × 2 threads', 'mnist_cnn', 1, 2, GLOBAL_BATCH),
    trainRow('mnist:2x1', 'mnist_cnn, 2 ranks × 1 thread (mpirun --bind-to core)', 'mnist_cnn', 2, 1, GLOBAL_BATCH / 2),
    trainRow('mnist:1x1', 'mnist_cnn, 1 rank × 1 thread (the compute of one rank of the 2-rank job)', 'mnist_cnn', 1, 1, GLOBAL_BATCH / 2),
    resnet ? trainRow('resnet50:1x2', 'ResNet50 (trainOnBatch, random images), 1 rank × 2 threads', 'ResNet50', 1, 2, RESNET_BATCH) : null,
  ].filter((r): r is DistributedTrainRow => r !== null);
  const row = (id: string): DistributedTrainRow | undefined => trainRows.find((r) => r.label.startsWith(id));
  const one = row('mnist_cnn, 1 rank × 2');
  const two = row('mnist_cnn, 2 ranks');
  const single = row('mnist_cnn, 1 rank × 1');

  const bus = (runs.get('allreduce')?.runs ?? []) as BusRun[];
  const busRows: DistributedBusRow[] = bus.length
    ? BUS_BYTES.map((bytes, i) => {
        const us = bus.map((b) => b.us[i]);
        const factor = (2 * (bus[0].ranks - 1)) / bus[0].ranks;
        return { bytes, us: cell(us), algbw: cell(us.map((t) => bytes / t / 1e3)), busbw: cell(us.map((t) => (factor * bytes) / t / 1e3)) };
      })
    : [];
  /** The measured time of an allreduce of `bytes`, interpolated on log–log between the measured sizes (ms). */
  const measuredAllreduceMs = (bytes: number): number | null => {
    if (busRows.length === 0) return null;
    const i = Math.max(0, Math.min(busRows.length - 2, busRows.findIndex((r) => r.bytes >= bytes) - 1));
    const [a, b] = [busRows[i], busRows[i + 1]];
    const f = Math.log(bytes / a.bytes) / Math.log(b.bytes / a.bytes);
    return Math.exp(Math.log(a.us.median) + f * (Math.log(b.us.median) - Math.log(a.us.median))) / 1000;
  };
  const params = trainRuns('mnist:1x2')[0]?.parameters ?? 0;
  const allreduceMs = measuredAllreduceMs(4 * params);
  const predicted = single && allreduceMs !== null ? { computeMs: single.stepMs.median, allreduceMs, rate: GLOBAL_BATCH / ((single.stepMs.median + allreduceMs) / 1000) } : null;

  const modelRows: DistributedModelRow[] = [];
  const scaling = (name: string, r: DistributedTrainRow | undefined, parameters: number): void => {
    if (!r || parameters === 0) return;
    for (const link of LINKS_GBIT) {
      for (const n of MODEL_RANKS) {
        const t = ((2 * (n - 1)) / n) * ((4 * parameters) / (link * 1.25e8)) * 1000 + (2 * (n - 1) * ALPHA_US) / 1000;
        const c = r.stepMs.median;
        modelRows.push({ model: name, parameters, perRankBatch: r.perRankBatch, computeMs: c, linkGbit: link, ranks: n, allreduceMs: t, efficiency: c / (c + t) });
      }
    }
  };
  scaling('mnist_cnn', one, params);
  scaling('ResNet50', row('ResNet50'), trainRuns('resnet50:1x2')[0]?.parameters ?? 0);

  const first = trainRuns('mnist:1x2')[0];
  const results: DistributedResults = {
    ...makeHeader({
      benchmark: 'distributed',
      command: 'npm run bench:distributed',
      machine,
      pins: nativePins(first?.threads ?? null),
      versions,
      rounds,
      budgetSeconds: budget,
      notes: [
        'threads: the 1-rank × 2-thread side runs on 2 threads; every rank of a 2-rank job and the 1-rank × 1-thread side on 1 (BENCH_THREADS=1 → setThreads(1), OpenBLAS and OpenMP at 1), the 2 ranks bound one per core (mpirun --bind-to core)',
        `mnist_cnn: the first ${SAMPLES.toLocaleString('en-US')} Fashion-MNIST training images (${FASHION}), one-hot labels, categorical cross-entropy, Adam wrapped by DistributedOptimizer, fit({ batchSize: per rank, shuffle: true }), one warm-up epoch then whole epochs for the timed seconds (at least 2); samples/s of the whole job`,
        'the allreduce rows: one float32 buffer per call (as DistributedOptimizer fuses a step\'s gradients), a warm-up then a fixed count of calls (about 0.2 s of data, 5 to 2,000 calls) between barriers; the 2 ranks share this machine, so the transport is Open MPI\'s shared memory, not a network',
        ...(resnet ? [`ResNet50: keras.applications' layout (1,000 classes), SGD with momentum, trainOnBatch on random 224×224×3 images, batch ${RESNET_BATCH}, yielding to the event loop between steps as fit does; its compute per step is the scaling model's C`] : ['ResNet50 left out (BENCH_RESNET50=0)']),
        `GFLOP/s: training FLOPs per sample counted from the model's Dense and convolution kernels (${first ? (first.flopsPerSample / 1e6).toFixed(1) : '—'} MFLOP for mnist_cnn)`,
        ...notes,
      ],
    }),
    backend: first?.backend ?? nt.getBackendName(),
    mpi: first?.mpi ?? trainRuns('mnist:2x1')[0]?.mpi ?? null,
    trainRows,
    ratio: one && two ? two.rate.median / one.rate.median : null,
    predicted,
    busRows,
    alphaUs: ALPHA_US,
    modelRows,
  };
  const file = writeResults('distributed', results);
  console.log(renderDistributed(results, 'bench-results/distributed.json'));
  console.log(`(written to ${file})`);
}

await main();
