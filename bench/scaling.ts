/**
 * `npm run bench:scaling` (or `BENCH_SCALING=1 npm run bench:models`): how Neurite's native
 * backend scales.
 *
 *   - samples/s of W1 and W2 (bench/models.ts), inference and training, as the batch grows
 *     (1, 8, 32, 128, 1024), on 1 thread and on 2 (BENCH_SCALING_THREADS);
 *   - W1 training cost per epoch (60,000 samples, batch 128, BENCH_THREADS threads) as the
 *     model widens: hidden layers h and h/2 for h = 256, 512, 1024, 2048.
 *
 * Each (workload, thread count) and each width is a side in its own process, in alternating
 * rounds (bench/common.ts); cells are medians over the rounds with their spread, GFLOP/s
 * from FLOPs derived from the model.
 *
 *   BENCH_ROUNDS=5 BENCH_BUDGET_S=0.5 npm run bench:scaling   # rounds; timed seconds per measurement
 *   BENCH_SCALING_BATCHES=1,8,32,128,1024 BENCH_SCALING_THREADS=1,2 BENCH_SCALING_WIDTHS=256,512,1024,2048
 * Writes bench-results/scaling.json.
 */
import { fileURLToPath } from 'node:url';
import {
  alternateRounds, benchRounds, cell, emit, envList, envNumber, failureNotes, libraryVersions, makeHeader, measureMachine, remeasurePeak, modelFlops, nativePins, nodeSide,
  pinNativeThreads, printStart, samplesPerSecond, sideArgs, THREADS, writeResults, type SideRuns, type SideSpec,
} from './common.js';
import { build, SPECS } from './models.js';
import type { ScalingBatchRow, ScalingResults, ScalingWidthRow } from './results.js';
import { renderScaling } from './tables.js';

type Nt = typeof import('../src/index.js');

const SELF = fileURLToPath(import.meta.url);
const EPOCH_SAMPLES = 60_000;
const WIDTH_BATCH = 128;

const numbers = (name: string, fallback: string): number[] => envList(name, fallback).map((s) => {
  const v = Number(s);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name}: '${s}' is not a positive integer`);
  return v;
});

/** W1 with hidden layers h and h/2. */
function widened(nt: Nt, h: number): InstanceType<Nt['Sequential']> {
  return new nt.Sequential([new nt.Dense({ units: h, activation: 'relu', inputShape: [784] }), new nt.Dense({ units: h / 2, activation: 'relu' }), new nt.Dense({ units: 10, activation: 'softmax' })]);
}

interface BatchRun {
  readonly threads: number | null;
  readonly backend: string;
  /** Samples/s by batch. */
  readonly train: Record<string, number>;
  readonly infer: Record<string, number>;
}

interface WidthRun {
  readonly threads: number | null;
  readonly train: number;
}

/** Side 'batch': one workload at every batch size, with `threads` threads. */
async function measureBatches(name: 'w1' | 'w2', threads: number, batches: readonly number[], budget: number): Promise<BatchRun> {
  const nt: Nt = await import('../src/index.js');
  const addon = nt.nativeAddon();
  addon?.setThreads(threads);
  const spec = SPECS[name];
  nt.setSeed(1);
  const { model, optimizer } = build(nt, name);
  model.compile({ optimizer, loss: 'categorical_crossentropy' });
  const train: Record<string, number> = {};
  const infer: Record<string, number> = {};
  for (const b of batches) {
    const x = nt.randomUniform([b, ...spec.sample], { seed: 1 });
    const y = nt.toCategorical(nt.randomUniform([b], { seed: 2, minval: 0, maxval: 10, dtype: 'int32' }), 10);
    infer[b] = await samplesPerSecond(() => (model.predict(x, { batchSize: b }) as InstanceType<Nt['Tensor']>).dataSync()[0], b, budget);
    train[b] = await samplesPerSecond(() => model.trainOnBatch(x, y), b, budget);
  }
  return { threads: addon?.threads() ?? null, backend: nt.getBackendName(), train, infer };
}

/** Side 'width': W1 with hidden h, h/2, training at batch 128 on THREADS threads. */
async function measureWidth(h: number, budget: number): Promise<WidthRun> {
  const nt: Nt = await import('../src/index.js');
  const threads = pinNativeThreads(nt.nativeAddon());
  nt.setSeed(1);
  const model = widened(nt, h);
  model.compile({ optimizer: new nt.Adam({ learningRate: 1e-3 }), loss: 'categorical_crossentropy' });
  const x = nt.randomUniform([WIDTH_BATCH, 784], { seed: 1 });
  const y = nt.toCategorical(nt.randomUniform([WIDTH_BATCH], { seed: 2, minval: 0, maxval: 10, dtype: 'int32' }), 10);
  return { threads, train: await samplesPerSecond(() => model.trainOnBatch(x, y), WIDTH_BATCH, budget) };
}

async function main(): Promise<void> {
  const budget = envNumber('BENCH_BUDGET_S', 0.5, { min: 0.01 });
  const batches = numbers('BENCH_SCALING_BATCHES', '1,8,32,128,1024');
  const threadCounts = numbers('BENCH_SCALING_THREADS', '1,2');
  const widths = numbers('BENCH_SCALING_WIDTHS', '256,512,1024,2048');
  for (const h of widths) if (h % 2) throw new Error(`BENCH_SCALING_WIDTHS: ${h} is odd (the second layer has h/2 units)`);
  const side = sideArgs();
  if (side) {
    emit(side[0] === 'batch' ? await measureBatches(side[1] as 'w1' | 'w2', Number(side[2]), batches, budget) : await measureWidth(Number(side[1]), budget));
    return;
  }
  const rounds = benchRounds();
  const started = await measureMachine();
  const sides: SideSpec[] = [
    ...(['w1', 'w2'] as const).flatMap((w) => threadCounts.map((t) => nodeSide(`batch:${w}:${t}`, `${w.toUpperCase()} on ${t} thread${t === 1 ? '' : 's'}`, SELF, ['batch', w, String(t)], { required: true, env: { BENCH_THREADS: String(t), OMP_NUM_THREADS: String(t), OPENBLAS_NUM_THREADS: String(t) } }))),
    ...widths.map((h) => nodeSide(`width:${h}`, `W1 h=${h}`, SELF, ['width', String(h)], { required: true })),
  ];
  printStart('bench:scaling', started, rounds, sides, budget);
  const runs = alternateRounds<unknown>(sides, rounds, 'scaling');
  const machine = await remeasurePeak(started);
  const nt: Nt = await import('../src/index.js');
  const batchRows: ScalingBatchRow[] = [];
  let backend = '';
  const reported = new Set<number>();
  for (const w of ['w1', 'w2'] as const) {
    const flops = modelFlops(build(nt, w).model, SPECS[w].sample);
    for (const t of threadCounts) {
      const r = (runs.get(`batch:${w}:${t}`) as SideRuns<BatchRun>).runs;
      backend = r[0].backend;
      if (r[0].threads !== null && r[0].threads !== t) throw new Error(`${w} asked for ${t} threads, ran with ${r[0].threads}`);
      reported.add(t);
      for (const kind of ['infer', 'train'] as const) {
        const perSample = kind === 'train' ? flops.training : flops.forward;
        for (const b of batches) {
          const c = cell(r.map((x) => x[kind][b]));
          const gflops = (c.median * perSample) / 1e9;
          batchRows.push({ workload: w, kind, threads: t, batch: b, flopsPerSample: perSample, cell: c, gflops, peakPercent: (100 * gflops) / machine.peakGflops });
        }
      }
    }
  }
  const widthRows: ScalingWidthRow[] = [];
  let widthThreads: number | null = null;
  for (const h of widths) {
    const r = (runs.get(`width:${h}`) as SideRuns<WidthRun>).runs;
    widthThreads = r[0].threads;
    const c = cell(r.map((x) => x.train));
    const perSample = modelFlops(widened(nt, h), [784]).training;
    const gflops = (c.median * perSample) / 1e9;
    widthRows.push({ hidden: [h, h / 2], batch: WIDTH_BATCH, flopsPerSample: perSample, cell: c, epochSeconds: EPOCH_SAMPLES / c.median, gflops, peakPercent: (100 * gflops) / machine.peakGflops });
  }
  const results: ScalingResults = {
    ...makeHeader({
      benchmark: 'scaling',
      command: 'npm run bench:scaling',
      machine,
      pins: nativePins(widthThreads),
      versions: libraryVersions([]),
      rounds,
      budgetSeconds: budget,
      notes: [
        `the batch tables pin ${[...reported].join(' and ')} thread(s) per side through setThreads (asked and reported equal); the width table runs on ${THREADS}`,
        ...failureNotes(runs.values()),
      ],
    }),
    backend,
    batches,
    threadCounts,
    epochSamples: EPOCH_SAMPLES,
    batchRows,
    widthRows,
  };
  const file = writeResults('scaling', results);
  console.log(renderScaling(results, 'bench-results/scaling.json'));
  console.log(`(written to ${file})`);
}

await main();
