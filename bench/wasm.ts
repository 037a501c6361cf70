/**
 * `npm run bench:wasm`: the WebAssembly backend against TensorFlow.js' WebAssembly backend
 * (@tensorflow/tfjs-backend-wasm, XNNPACK) and the previous release's wasm backend, same
 * shapes, each side in its own process in alternating rounds (bench/common.ts):
 *
 *   W1 train      Dense 784→512 relu → 256 relu → 10 softmax, Adam 1e-3, batch 128
 *   W2 inference  Keras mnist_cnn (Conv 32, Conv 64, MaxPool, Dense 128, Dense 10), batch 1024
 *   W2 train      the same net with its Dropouts, Adam, batch 128 (tfjs-wasm has no
 *                 convolution gradient kernels, so it has no number there)
 *
 * Both run the same Keras models (Neurite's Sequential and its tfjs-layers twin: same
 * layers, Glorot-uniform kernels, Adam 1e-3, categorical cross-entropy) with trainOnBatch
 * and predict on one fixed batch of seeded uniform data. Threads: Neurite wasm runs
 * BENCH_THREADS workers (NEURITE_WASM_THREADS); tfjs-wasm is asked for as many
 * (setThreadsCount) and its table column says how many it ran with (in Node it finds no
 * thread support: one).
 *
 *   BENCH_BUDGET_S=2 npm run bench:wasm      # timed seconds per workload and side (default 1)
 *   BENCH_ROUNDS=7 npm run bench:wasm        # alternating rounds (default 5)
 * Writes bench-results/wasm.json.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { baselineLibrary } from './baseline.js';
import {
  alternateRounds, benchRounds, cell, emit, envNumber, failureNotes, libraryVersions, makeHeader, measureMachine, remeasurePeak, modelFlops, nodeSide, printStart,
  samplesPerSecond, sideArgs, THIS_LIB, THREADS, writeResults, type SideRuns,
} from './common.js';
import { build } from './models.js';
import type { WasmResults, WasmRow } from './results.js';
import { renderWasm } from './tables.js';

/** A Neurite build loaded at run time (this checkout's or the previous release's; their APIs differ). */
// biome-ignore lint: two API versions
type Lib = any;

const SELF = fileURLToPath(import.meta.url);
const TRAIN_BATCH = 128;
const W2_INFER_BATCH = 1024;
/** Seconds of warm-up per workload before timing (V8 tiers hot wasm functions up). */
const WARM_S = 1;

type Tf = typeof import('@tensorflow/tfjs');
type TfModel = ReturnType<Tf['sequential']>;
type Key = WasmRow['key'];

async function loadTf(): Promise<{ tf: Tf; threads: number; label: string }> {
  // CommonJS builds: tfjs (layers, optimizers, gradients) and the wasm backend share one tfjs-core.
  const require = createRequire(import.meta.url);
  const tf = require('@tensorflow/tfjs') as Tf;
  const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/'));
  wasm.setThreadsCount(THREADS);
  if (!(await tf.setBackend('wasm'))) throw new Error('setBackend(wasm) failed');
  await tf.ready();
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const mt = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  const threads = mt ? wasm.getThreadsCount() : 1;
  const label = `tfjs-backend-wasm ${wasm.version_wasm} (XNNPACK${simd ? ', SIMD' : ''}, ${threads} thread${threads === 1 ? '' : 's'}${mt ? '' : ': no thread support in Node'})`;
  return { tf, threads, label };
}

/** The tfjs-layers twins of the Neurite models (same layers, initializers, optimizer, loss). */
function tfModels(tf: Tf): { w1: TfModel; w2: TfModel } {
  const w1 = tf.sequential({
    layers: [tf.layers.dense({ units: 512, activation: 'relu', inputShape: [784] }), tf.layers.dense({ units: 256, activation: 'relu' }), tf.layers.dense({ units: 10, activation: 'softmax' })],
  });
  const w2 = tf.sequential({
    layers: [
      tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.dropout({ rate: 0.25 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 128, activation: 'relu' }),
      tf.layers.dropout({ rate: 0.5 }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  for (const m of [w1, w2]) m.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  return { w1, w2 };
}

type Step = () => Promise<void>;
interface Steps {
  readonly w1Train: Step;
  readonly w2Infer: Step;
  /** A string when the side cannot run it. */
  readonly w2Train: Step | string;
}

/** The tfjs steps (W2 training is a string when tfjs-wasm cannot run it). */
async function tfSteps(tf: Tf): Promise<Steps> {
  const { w1, w2 } = tfModels(tf);
  const x1 = tf.randomUniform([TRAIN_BATCH, 784], 0, 1, 'float32', 1);
  const y = tf.oneHot(tf.randomUniform([TRAIN_BATCH], 0, 10, 'int32', 2), 10);
  const x2 = tf.randomUniform([TRAIN_BATCH, 28, 28, 1], 0, 1, 'float32', 3);
  const xi = tf.randomUniform([W2_INFER_BATCH, 28, 28, 1], 0, 1, 'float32', 4);
  let w2Train: Step | string = async () => void (await w2.trainOnBatch(x2, y));
  try {
    await w2Train();
  } catch (e) {
    w2Train = `cannot train (${(e as Error).message.split('\n')[0].slice(0, 70)})`;
  }
  return {
    w1Train: async () => void (await w1.trainOnBatch(x1, y)),
    w2Infer: async () => {
      const out = w2.predict(xi, { batchSize: W2_INFER_BATCH }) as ReturnType<Tf['tensor']>;
      await out.data();
      out.dispose();
    },
    w2Train,
  };
}

/** The Neurite steps on either API (0.1.0: a `data` getter and a synchronous trainOnBatch). */
function neuriteSteps(nt: Lib): Steps {
  const w1 = build(nt, 'w1');
  const w2 = build(nt, 'w2');
  w1.model.compile({ optimizer: w1.optimizer, loss: 'categorical_crossentropy' });
  w2.model.compile({ optimizer: w2.optimizer, loss: 'categorical_crossentropy' });
  const x1 = nt.randomUniform([TRAIN_BATCH, 784], { seed: 1 });
  const y = nt.toCategorical(nt.randomUniform([TRAIN_BATCH], { seed: 2, minval: 0, maxval: 10, dtype: 'int32' }), 10);
  const x2 = nt.randomUniform([TRAIN_BATCH, 28, 28, 1], { seed: 3 });
  const xi = nt.randomUniform([W2_INFER_BATCH, 28, 28, 1], { seed: 4 });
  const values = (t: Lib): ArrayLike<number> => (typeof t.dataSync === 'function' ? t.dataSync() : t.data);
  return {
    w1Train: async () => void (await w1.model.trainOnBatch(x1, y)),
    w2Infer: async () => void values(w2.model.predict(xi, { batchSize: W2_INFER_BATCH }))[0],
    w2Train: async () => void (await w2.model.trainOnBatch(x2, y)),
  };
}

interface Run {
  readonly label: string;
  readonly threads: number;
  readonly w1Train: number;
  readonly w2Infer: number;
  readonly w2Train: number | string;
}

/** One side's three rates, in this child process: 'tfjs', or the path of a Neurite build. */
async function measure(side: string, budget: number): Promise<Run> {
  let steps: Steps;
  let label: string;
  let threads: number;
  if (side === 'tfjs') {
    const loaded = await loadTf();
    steps = await tfSteps(loaded.tf);
    label = loaded.label;
    threads = loaded.threads;
  } else {
    const nt = (await import(pathToFileURL(side).href)) as Lib;
    nt.setBackend('wasm');
    nt.setSeed?.(1);
    steps = neuriteSteps(nt);
    await new Promise((r) => setTimeout(r, 200)); // let the worker threads park
    threads = nt.wasmModule()?.threadCount() ?? 1;
    label = `Neurite wasm, ${threads} threads`;
  }
  const rate = (s: Step, batch: number): Promise<number> => samplesPerSecond(s, batch, budget, WARM_S);
  return {
    label,
    threads,
    w1Train: await rate(steps.w1Train, TRAIN_BATCH),
    w2Infer: await rate(steps.w2Infer, W2_INFER_BATCH),
    w2Train: typeof steps.w2Train === 'string' ? steps.w2Train : await rate(steps.w2Train, TRAIN_BATCH),
  };
}

async function main(): Promise<void> {
  const budget = envNumber('BENCH_BUDGET_S', 1, { min: 0.01 });
  const side = sideArgs();
  if (side) {
    emit(await measure(side[0], budget));
    process.exit(0); // the wasm worker threads would keep the process alive
  }
  const rounds = benchRounds();
  const base = baselineLibrary();
  const started = await measureMachine();
  const sides = [
    nodeSide('this', 'Neurite wasm (this checkout)', SELF, [THIS_LIB], { required: true }),
    ...(base ? [nodeSide('base', `Neurite 0.1.0 wasm (${base.commit})`, SELF, [base.path])] : []),
    nodeSide('tfjs', 'tfjs-backend-wasm', SELF, ['tfjs']),
  ];
  printStart('bench:wasm', started, rounds, sides, budget);
  const runs = alternateRounds<unknown>(sides, rounds, 'wasm');
  const machine = await remeasurePeak(started);
  const ours = (runs.get('this') as SideRuns<Run>).runs;
  const before = (runs.get('base') as SideRuns<Run> | undefined)?.runs ?? [];
  const tfjs = runs.get('tfjs') as SideRuns<Run>;
  const theirs = tfjs.runs;
  const nt = await import('../src/index.js');
  const w1 = modelFlops(build(nt, 'w1').model, [784]);
  const w2 = modelFlops(build(nt, 'w2').model, [28, 28, 1]);
  const specs: { key: Key; title: string; batch: number; flops: number }[] = [
    { key: 'w1Train', title: 'W1 MLP 784-512-256-10, Adam, train', batch: TRAIN_BATCH, flops: w1.training },
    { key: 'w2Infer', title: 'W2 Keras mnist_cnn inference', batch: W2_INFER_BATCH, flops: w2.forward },
    { key: 'w2Train', title: 'W2 mnist_cnn, Adam, train', batch: TRAIN_BATCH, flops: w2.training },
  ];
  const numbers = (rs: readonly Run[], k: Key): number[] => rs.map((r) => r[k]).filter((v): v is number => typeof v === 'number');
  const rows: WasmRow[] = specs.map((s) => {
    const neurite = cell(numbers(ours, s.key));
    const gflops = (neurite.median * s.flops) / 1e9;
    const t = numbers(theirs, s.key);
    const why = theirs.length ? String(theirs[0][s.key]) : `tfjs-wasm did not run: ${tfjs.failure ?? 'unknown'}`;
    return {
      key: s.key,
      title: s.title,
      batch: s.batch,
      flopsPerSample: s.flops,
      neurite,
      gflops,
      peakPercent: (100 * gflops) / machine.peakGflops,
      previous: before.length ? cell(numbers(before, s.key)) : null,
      tfjs: t.length ? cell(t) : why,
    };
  });
  const tfjsThreads = theirs[0]?.threads ?? 1;
  const results: WasmResults = {
    ...makeHeader({
      benchmark: 'wasm',
      command: 'npm run bench:wasm',
      machine,
      pins: [
        { library: 'Neurite wasm', threads: ours[0].threads, how: 'NEURITE_WASM_THREADS (worker_threads)' },
        ...(before.length ? [{ library: 'Neurite 0.1.0 wasm', threads: before[0].threads, how: 'NEURITE_WASM_THREADS' }] : []),
        { library: 'tfjs-wasm', threads: theirs.length ? tfjsThreads : null, how: 'setThreadsCount(n); Node has no tfjs-wasm threads' },
      ],
      versions: libraryVersions(['tfjs']),
      rounds,
      budgetSeconds: budget,
      notes: [
        `a warm-up of ${WARM_S} s (and at least 3 calls) per workload and side before timing; % of peak: of the native fp32 peak (wasm SIMD is 128 bits wide)`,
        ...failureNotes(runs.values()),
      ],
    }),
    neuriteThreads: ours[0].threads,
    tfjsThreads,
    tfjsLabel: theirs[0]?.label ?? 'tfjs-backend-wasm (did not run)',
    previous: base?.commit ?? null,
    rows,
  };
  const file = writeResults('wasm', results);
  console.log(renderWasm(results, 'bench-results/wasm.json'));
  console.log(`(written to ${file})`);
}

await main();
