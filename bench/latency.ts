/**
 * `npm run bench:latency`: predict latency of W1 and W2 (bench/models.ts) at batch 1 and
 * batch 1024, Neurite (its default backend) against ONNX Runtime (onnxruntime-node) running
 * the same model with the same weights, exported by Neurite's own ONNX exporter:
 *
 *   W1  Dense 784→512 relu → 256 relu → 10 softmax
 *   W2  Keras mnist_cnn (Conv 32, Conv 64, MaxPool, Dropout, Dense 128, Dropout, Dense 10)
 *
 * Each side is its own process (bench/common.ts), in alternating rounds; in each round a
 * side warms every case up and times it for BENCH_BUDGET_S seconds. Both sides pin the same
 * thread count (Neurite's pool, OpenBLAS and oneDNN through setThreads; ORT's
 * intraOpNumThreads, interOp 1, its default spinning: its best latency). Before the rounds
 * the parent checks that both compute the same outputs (max |Neurite − ORT|), and every
 * side checks that it built the same weights. The table shows the median time per predict
 * call over the rounds and its range, the speed ratio (ORT time / Neurite time), samples/s,
 * GFLOP/s and % of the measured peak, and issue 19's targets (batch 1: ≥ 1.0x ORT; batch
 * 1024: ≥ 1.2x).
 *
 *   BENCH_ROUNDS=7 BENCH_BUDGET_S=0.4 npm run bench:latency
 *   BENCH_THREADS=1 BENCH_BATCHES=1,32,1024 npm run bench:latency
 * Writes bench-results/latency.json.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import {
  alternateRounds, benchRounds, cell, emit, envList, envNumber, failureNotes, libraryVersions, makeHeader, measureMachine, remeasurePeak, modelFlops, nativePins, nodeSide,
  pinNativeThreads, printStart, sideArgs, target, THREADS, writeResults, type SideRuns,
} from './common.js';
import { build, SPECS, TITLES } from './models.js';
import type { LatencyResults, LatencyRow } from './results.js';
import { renderLatency } from './tables.js';

type Nt = typeof import('../src/index.js');
type Ort = typeof import('onnxruntime-node');
type Model = InstanceType<Nt['Sequential']>;
type Session = Awaited<ReturnType<Ort['InferenceSession']['create']>>;

const SELF = fileURLToPath(import.meta.url);
const WORKLOADS = ['w1', 'w2'] as const;
type Workload = (typeof WORKLOADS)[number];

/** Issue 19's latency targets (speed vs ORT) by batch. */
const TARGETS: Record<number, number> = { 1: 1.0, 1024: 1.2 };

/** The model of a workload with seed 7 (every side builds it the same way: the same weights). */
function model(nt: Nt, w: Workload): Model {
  nt.setSeed(7);
  return build(nt, w).model as Model;
}

/** A checksum of a model's weights (equal on every side that built the same ones). */
function weightsChecksum(m: Model): number {
  let s = 0;
  for (const w of m.getWeights()) {
    const v = w.dataSync();
    for (let i = 0; i < v.length; i++) s += v[i] * ((i % 7) + 1);
  }
  return s;
}

async function loadOrt(): Promise<Ort> {
  return createRequire(import.meta.url)('onnxruntime-node') as Ort;
}

async function session(ort: Ort, nt: Nt, m: Model): Promise<Session> {
  return ort.InferenceSession.create(nt.io.toOnnxBytes(m), { intraOpNumThreads: THREADS, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
}

/** Mean microseconds per call over `seconds` (at least 3 calls), after a warm-up of at least 5 calls and min(0.5, seconds) s. */
async function timeCalls(step: () => Promise<unknown> | unknown, seconds: number): Promise<number> {
  let t = performance.now();
  let n = 0;
  while ((performance.now() - t) / 1000 < Math.min(0.5, seconds) || n < 5) {
    const r = step();
    if (r instanceof Promise) await r;
    n++;
  }
  t = performance.now();
  n = 0;
  while ((performance.now() - t) / 1000 < seconds || n < 3) {
    const r = step();
    if (r instanceof Promise) await r;
    n++;
  }
  return ((performance.now() - t) * 1000) / n;
}

interface Run {
  readonly threads: number | null;
  readonly backend: string;
  /** `${workload}:${batch}` → µs per call. */
  readonly us: Record<string, number>;
  readonly checksums: Record<string, number>;
}

/** One side ('neurite' or 'ort'), every case, in this child process. */
async function measure(side: string, batches: readonly number[], seconds: number): Promise<Run> {
  const nt: Nt = await import('../src/index.js');
  const ort = side === 'ort' ? await loadOrt() : null;
  const threads = ort ? THREADS : pinNativeThreads(nt.nativeAddon());
  const us: Record<string, number> = {};
  const checksums: Record<string, number> = {};
  for (const w of WORKLOADS) {
    const m = model(nt, w);
    checksums[w] = weightsChecksum(m);
    const s = ort ? await session(ort, nt, m) : null;
    for (const batch of batches) {
      const x = nt.randomUniform([batch, ...SPECS[w].sample], { seed: 11 });
      if (s && ort) {
        const feeds = { [s.inputNames[0]]: new ort.Tensor('float32', Float32Array.from(x.dataSync()), [batch, ...SPECS[w].sample]) };
        us[`${w}:${batch}`] = await timeCalls(() => s.run(feeds), seconds);
      } else {
        us[`${w}:${batch}`] = await timeCalls(() => (m.predict(x, { batchSize: batch }) as InstanceType<Nt['Tensor']>).dataSync(), seconds);
      }
    }
    await s?.release();
  }
  return { threads, backend: ort ? `ONNX Runtime ${ort.env.versions?.common ?? ''}` : nt.getBackendName(), us, checksums };
}

/** Max |Neurite − ORT| per case, and the weights' checksums, computed once in the parent. */
async function check(batches: readonly number[]): Promise<{ diffs: Record<string, number>; checksums: Record<string, number> }> {
  const nt: Nt = await import('../src/index.js');
  const ort = await loadOrt();
  const diffs: Record<string, number> = {};
  const checksums: Record<string, number> = {};
  for (const w of WORKLOADS) {
    const m = model(nt, w);
    checksums[w] = weightsChecksum(m);
    const s = await session(ort, nt, m);
    for (const batch of batches) {
      const x = nt.randomUniform([batch, ...SPECS[w].sample], { seed: 11 });
      const a = (m.predict(x, { batchSize: batch }) as InstanceType<Nt['Tensor']>).dataSync();
      const b = (await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', Float32Array.from(x.dataSync()), [batch, ...SPECS[w].sample]) }))[s.outputNames[0]].data as Float32Array;
      let d = 0;
      for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
      diffs[`${w}:${batch}`] = d;
    }
    await s.release();
  }
  return { diffs, checksums };
}

async function main(): Promise<void> {
  const seconds = envNumber('BENCH_BUDGET_S', envNumber('BENCH_ROUND_S', 0.4, { min: 0.01 }), { min: 0.01 });
  const batches = envList('BENCH_BATCHES', '1,1024').map(Number);
  const side = sideArgs();
  if (side) {
    emit(await measure(side[0], batches, seconds));
    return;
  }
  const rounds = benchRounds(7);
  const started = await measureMachine();
  const { diffs, checksums } = await check(batches);
  const sides = [
    nodeSide('neurite', 'Neurite', SELF, ['neurite'], { required: true }),
    nodeSide('ort', 'ONNX Runtime (onnxruntime-node)', SELF, ['ort'], { required: true }),
  ];
  printStart('bench:latency', started, rounds, sides, seconds);
  const runs = alternateRounds<unknown>(sides, rounds, 'latency');
  const machine = await remeasurePeak(started);
  const ours = (runs.get('neurite') as SideRuns<Run>).runs;
  const theirs = (runs.get('ort') as SideRuns<Run>).runs;
  for (const r of [...ours, ...theirs]) {
    for (const w of WORKLOADS) if (r.checksums[w] !== checksums[w]) throw new Error(`${r.backend} built other weights for ${w} (checksum ${r.checksums[w]}, expected ${checksums[w]})`);
  }
  const nt: Nt = await import('../src/index.js');
  const rows: LatencyRow[] = [];
  for (const w of WORKLOADS) {
    const flops = modelFlops(model(nt, w), SPECS[w].sample).forward;
    for (const batch of batches) {
      const key = `${w}:${batch}`;
      const neurite = cell(ours.map((r) => r.us[key]));
      const ort = cell(theirs.map((r) => r.us[key]));
      const neuriteGflops = (flops * batch) / neurite.median / 1e3;
      const ortGflops = (flops * batch) / ort.median / 1e3;
      const speedup = ort.median / neurite.median;
      const goal = TARGETS[batch];
      rows.push({
        workload: w,
        title: TITLES[w].split(',')[0],
        batch,
        flopsPerSample: flops,
        neurite,
        ort,
        speedup,
        neuriteGflops,
        ortGflops,
        neuritePeakPercent: (100 * neuriteGflops) / machine.peakGflops,
        ortPeakPercent: (100 * ortGflops) / machine.peakGflops,
        maxAbsDiff: diffs[key],
        target: goal === undefined ? null : target('x ONNX Runtime', '>=', goal, speedup, 'x'),
      });
    }
  }
  const ortVersion = theirs[0].backend.replace(/^ONNX Runtime /, '');
  const results: LatencyResults = {
    ...makeHeader({
      benchmark: 'latency',
      command: 'npm run bench:latency',
      machine,
      pins: [...nativePins(ours[0].threads), { library: 'ONNX Runtime', threads: theirs[0].threads, how: 'intraOpNumThreads (interOpNumThreads 1, sequential)' }],
      versions: { ...libraryVersions(['onnxruntime-node']), 'onnxruntime (native)': ortVersion },
      rounds,
      budgetSeconds: seconds,
      notes: [
        'both sides run the same model with the same weights (Neurite exports it with nt.io.toOnnxBytes; every side checked the weights\' checksum); max abs diff: the outputs compared once before the rounds',
        ...failureNotes(runs.values()),
      ],
    }),
    backend: ours[0].backend,
    rows,
  };
  const file = writeResults('latency', results);
  console.log(renderLatency(results, 'bench-results/latency.json'));
  console.log(`(written to ${file})`);
}

await main();
