/**
 * `npm run bench:wasm`: the WebAssembly backend against TensorFlow.js' WebAssembly backend
 * (@tensorflow/tfjs-backend-wasm, XNNPACK) in the same benchmark run, same shapes; each side
 * runs in its own child process, alternating rounds so both see the same machine load:
 *
 *   W1 train      Dense 784→512 relu → 256 relu → 10 softmax, Adam 1e-3, batch 128
 *   W2 inference  Keras mnist_cnn (Conv 32, Conv 64, MaxPool, Dense 128, Dense 10), batch 256
 *   W2 train      the same net with its Dropouts, Adam, batch 128 (tfjs-wasm has no
 *                 convolution gradient kernels, so it has no number there)
 *
 * Both run the same Keras models (Neurite's Sequential and its tfjs-layers twin: same
 * layers, Glorot-uniform kernels, Adam 1e-3, categorical cross-entropy) with trainOnBatch
 * and predict on one fixed batch of seeded uniform data.
 *
 *   BENCH_BUDGET_S=6 npm run bench:wasm      # timed seconds per workload and side (default 3)
 *   BENCH_ROUNDS=7 npm run bench:wasm        # alternating rounds (default 5)
 *   NEURITE_WASM_THREADS=1 npm run bench:wasm
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { baselineLibrary } from './baseline.js';
import { writeResults } from './common.js';

/** A Neurite build loaded at run time (this checkout's or the previous release's; their APIs differ). */
// biome-ignore lint: two API versions
type Lib = any;

const THIS_LIB = fileURLToPath(new URL('../src/index.js', import.meta.url));

const BUDGET = Number(process.env.BENCH_BUDGET_S ?? 3);
const W2_INFER_BATCH = 256;
/** Alternating timed rounds per side. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/** Seconds of warm-up per workload before timing (V8 tiers hot wasm functions up). */
const WARM_S = 1;

type Tf = typeof import('@tensorflow/tfjs');
type TfModel = ReturnType<Tf['sequential']>;

async function loadTf(): Promise<{ tf: Tf; variant: string } | string> {
  try {
    // CommonJS builds: tfjs (layers, optimizers, gradients) and the wasm backend share one tfjs-core.
    const require = createRequire(import.meta.url);
    const tf = require('@tensorflow/tfjs') as Tf;
    const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/'));
    if (!(await tf.setBackend('wasm'))) throw new Error('setBackend(wasm) failed');
    await tf.ready();
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    const mt = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    return { tf, variant: `tfjs-backend-wasm ${wasm.version_wasm}${simd ? ' SIMD' : ''}, ${mt ? `${wasm.getThreadsCount()} threads` : '1 thread'}` };
  } catch (e) {
    return `tfjs-backend-wasm did not load: ${(e as Error).message}`;
  }
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

/** The tfjs steps (W2 training is a string when tfjs-wasm cannot run it). */
async function tfSteps(tf: Tf): Promise<{ w1Train: Step; w2Infer: Step; w2Train: Step | string }> {
  const { w1, w2 } = tfModels(tf);
  const x1 = tf.randomUniform([128, 784], 0, 1, 'float32', 1);
  const y = tf.oneHot(tf.randomUniform([128], 0, 10, 'int32', 2), 10);
  const x2 = tf.randomUniform([128, 28, 28, 1], 0, 1, 'float32', 3);
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

/** Samples/s of `step` over `seconds`, after `warmS` seconds of warm-up (wasm tier-up). */
async function rateOver(step: Step, batch: number, seconds: number, warmS: number): Promise<number> {
  const w = performance.now();
  do await step();
  while ((performance.now() - w) / 1000 < warmS);
  const t = performance.now();
  let n = 0;
  while ((performance.now() - t) / 1000 < seconds || n < 2) {
    await step();
    n++;
  }
  return (n * batch) / ((performance.now() - t) / 1000);
}

type Side = 'neurite' | 'tfjs' | string;
type Rates = { label: string; w1Train: number; w2Infer: number; w2Train: number | string };

/** One side's three rates, measured in this process (a child of the benchmark); a side other than 'tfjs' is the path of a Neurite build. */
async function measure(side: Side): Promise<Rates> {
  const per = BUDGET / ROUNDS;
  if (side !== 'tfjs') {
    const nt = (await import(pathToFileURL(side === 'neurite' ? THIS_LIB : side).href)) as Lib;
    nt.setBackend('wasm');
    const n = neurite(nt);
    await new Promise((r) => setTimeout(r, 200)); // let the worker threads park
    const sync = (f: () => unknown): Step => async () => void (await f());
    return {
      label: `Neurite wasm, ${nt.wasmModule()?.threadCount() ?? 1} threads`,
      w1Train: await rateOver(sync(n.w1Train), 128, per, WARM_S),
      w2Infer: await rateOver(sync(n.w2Infer), W2_INFER_BATCH, per, WARM_S),
      w2Train: await rateOver(sync(n.w2Train), 128, per, WARM_S),
    };
  }
  const loaded = await loadTf();
  if (typeof loaded === 'string') throw new Error(loaded);
  const t = await tfSteps(loaded.tf);
  return {
    label: loaded.variant,
    w1Train: await rateOver(t.w1Train, 128, per, WARM_S),
    w2Infer: await rateOver(t.w2Infer, W2_INFER_BATCH, per, WARM_S),
    w2Train: typeof t.w2Train === 'string' ? t.w2Train : await rateOver(t.w2Train, 128, per, WARM_S),
  };
}

function neurite(nt: Lib): { w1Train: () => unknown; w2Infer: () => unknown; w2Train: () => unknown } {
  const w1 = new nt.Sequential([new nt.Dense({ units: 512, activation: 'relu', inputShape: [784] }), new nt.Dense({ units: 256, activation: 'relu' }), new nt.Dense({ units: 10, activation: 'softmax' })]);
  w1.compile({ optimizer: new nt.Adam({ learningRate: 1e-3 }), loss: 'categorical_crossentropy' });
  const conv = (filters: number, inputShape?: number[]): Lib => new nt.Conv2D({ filters, kernelSize: 3, activation: 'relu', inputShape });
  const w2 = new nt.Sequential([conv(32, [28, 28, 1]), conv(64), new nt.MaxPooling2D({ poolSize: 2 }), new nt.Dropout({ rate: 0.25 }), new nt.Flatten(), new nt.Dense({ units: 128, activation: 'relu' }), new nt.Dropout({ rate: 0.5 }), new nt.Dense({ units: 10, activation: 'softmax' })]);
  w2.compile({ optimizer: new nt.Adam({ learningRate: 1e-3 }), loss: 'categorical_crossentropy' });
  const x1 = nt.randomUniform([128, 784], { seed: 1 });
  const y = nt.toCategorical(nt.randomUniform([128], { seed: 2, minval: 0, maxval: 10, dtype: 'int32' }), 10);
  const x2 = nt.randomUniform([128, 28, 28, 1], { seed: 3 });
  const xi = nt.randomUniform([W2_INFER_BATCH, 28, 28, 1], { seed: 4 });
  // 0.1.0 has a `data` getter and a synchronous trainOnBatch; this build dataSync() and a promise.
  const values = (t: Lib): ArrayLike<number> => (typeof t.dataSync === 'function' ? t.dataSync() : t.data);
  return {
    w1Train: () => w1.trainOnBatch(x1, y),
    w2Infer: () => values(w2.predict(xi, { batchSize: W2_INFER_BATCH }))[0],
    w2Train: () => w2.trainOnBatch(x2, y),
  };
}

function runSide(side: Side): Rates | string {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--side', side], { encoding: 'utf8', env: process.env, timeout: 600_000 });
  const line = (r.stdout || '').trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !line.startsWith('{')) return `${side} failed: ${(r.stderr || r.stdout || '').trim().split('\n').slice(-3).join(' ')}`;
  return JSON.parse(line) as Rates;
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--side');
  if (i >= 0) {
    console.log(JSON.stringify(await measure(process.argv[i + 1] as Side)));
    process.exit(0);
  }
  // Each side runs in its own process (no shared heap, GC or caches), alternating rounds so
  // all see the same machine load; the table shows each side's median. The previous
  // release (bench/baseline.ts) runs as a third side.
  const base = baselineLibrary();
  const ours: Rates[] = [];
  const before: Rates[] = [];
  const theirs: Rates[] = [];
  let failure = '';
  for (let r = 0; r < ROUNDS; r++) {
    const sides = ['neurite', ...(base ? [base.path] : []), 'tfjs'];
    const order = r % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) {
      const res = runSide(side);
      if (side === 'tfjs') {
        if (typeof res === 'string') failure = res;
        else theirs.push(res);
      } else {
        if (typeof res === 'string') throw new Error(res);
        (side === 'neurite' ? ours : before).push(res);
      }
    }
  }
  const median = (v: number[]): number => [...v].sort((x, y) => x - y)[v.length >> 1];
  const pick = (rs: Rates[], k: 'w1Train' | 'w2Infer' | 'w2Train'): number | string | null => {
    if (rs.length === 0) return null;
    const nums = rs.map((r) => r[k]).filter((v): v is number => typeof v === 'number');
    return nums.length ? median(nums) : (rs[0][k] as string);
  };
  console.log(`${ours[0].label} vs ${base ? `the previous release (${base.commit}) and ` : ''}${theirs[0]?.label ?? `tfjs-backend-wasm (${failure})`}; each side in its own process, ${ROUNDS} alternating rounds of ${(BUDGET / ROUNDS).toFixed(1)} s per workload after ${WARM_S} s of warm-up; medians`);
  console.log('| workload | Neurite wasm samples/s | 0.1.0 wasm samples/s | now / 0.1.0 | tfjs-wasm samples/s | Neurite / tfjs-wasm |');
  console.log('|---|---|---|---|---|---|');
  const fmt = (v: number): string => (v >= 100 ? String(Math.round(v)) : v.toFixed(1));
  const results: Record<string, { now: number; previous: number | null; tfjs: number | string | null }> = {};
  const row = (name: string, k: 'w1Train' | 'w2Infer' | 'w2Train'): void => {
    const a = pick(ours, k) as number;
    const p = pick(before, k) as number | null;
    const b = pick(theirs, k);
    results[k] = { now: a, previous: p, tfjs: b };
    console.log(`| ${name} | ${fmt(a)} | ${p === null ? '—' : fmt(p)} | ${p === null ? '—' : `${(a / p).toFixed(2)}x`} | ${typeof b === 'number' ? fmt(b) : b ?? '—'} | ${typeof b === 'number' ? `${(a / b).toFixed(2)}x` : '—'} |`);
  };
  row('W1 train (batch 128)', 'w1Train');
  row(`W2 inference (batch ${W2_INFER_BATCH})`, 'w2Infer');
  row('W2 train (batch 128)', 'w2Train');
  const file = writeResults('wasm', { rounds: ROUNDS, budgetSeconds: BUDGET, previous: base?.commit ?? null, neurite: ours[0].label, tfjs: theirs[0]?.label ?? failure, results });
  console.log(`(written to ${file})`);
}

await main();
