/**
 * `npm run bench:wasm`: the WebAssembly backend against TensorFlow.js' WebAssembly backend
 * (@tensorflow/tfjs-backend-wasm, XNNPACK), both measured in this process, same shapes:
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
 *   BENCH_BUDGET_S=5 npm run bench:wasm      # seconds per measurement (default 3)
 *   NEURITE_WASM_THREADS=1 npm run bench:wasm
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as nt from '../src/index.js';


const BUDGET = Number(process.env.BENCH_BUDGET_S ?? 3);
const W2_INFER_BATCH = 256;
/** Alternating timed rounds per side. */
const ROUNDS = 5;

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

/** Samples/s of `step` over `seconds` (after one warm-up call). */
async function rateOver(step: Step, batch: number, seconds: number): Promise<number> {
  await step();
  const t = performance.now();
  let n = 0;
  while ((performance.now() - t) / 1000 < seconds || n < 2) {
    await step();
    n++;
  }
  return (n * batch) / ((performance.now() - t) / 1000);
}

/**
 * Interleaved rounds (ours, theirs, ours, theirs, …) so that both see the same machine
 * load; the median of each side.
 */
async function compare(ours: Step, theirs: Step | null, batch: number): Promise<[number, number | null]> {
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    a.push(await rateOver(ours, batch, BUDGET / ROUNDS));
    if (theirs) b.push(await rateOver(theirs, batch, BUDGET / ROUNDS));
  }
  const median = (v: number[]): number => v.sort((x, y) => x - y)[v.length >> 1];
  return [median(a), theirs ? median(b) : null];
}

function neurite(): { w1Train: () => void; w2Infer: () => void; w2Train: () => void } {
  const w1 = new nt.Sequential([new nt.Dense({ units: 512, activation: 'relu', inputShape: [784] }), new nt.Dense({ units: 256, activation: 'relu' }), new nt.Dense({ units: 10, activation: 'softmax' })]);
  w1.compile({ optimizer: new nt.Adam({ learningRate: 1e-3 }), loss: 'categorical_crossentropy' });
  const conv = (filters: number, inputShape?: number[]): nt.Conv2D => new nt.Conv2D({ filters, kernelSize: 3, activation: 'relu', inputShape });
  const w2 = new nt.Sequential([conv(32, [28, 28, 1]), conv(64), new nt.MaxPooling2D({ poolSize: 2 }), new nt.Dropout({ rate: 0.25 }), new nt.Flatten(), new nt.Dense({ units: 128, activation: 'relu' }), new nt.Dropout({ rate: 0.5 }), new nt.Dense({ units: 10, activation: 'softmax' })]);
  w2.compile({ optimizer: new nt.Adam({ learningRate: 1e-3 }), loss: 'categorical_crossentropy' });
  const x1 = nt.randomUniform([128, 784], { seed: 1 });
  const y = nt.toCategorical(nt.randomUniform([128], { seed: 2, minval: 0, maxval: 10, dtype: 'int32' }), 10);
  const x2 = nt.randomUniform([128, 28, 28, 1], { seed: 3 });
  const xi = nt.randomUniform([W2_INFER_BATCH, 28, 28, 1], { seed: 4 });
  return {
    w1Train: () => void w1.trainOnBatch(x1, y),
    w2Infer: () => void (w2.predict(xi, { batchSize: W2_INFER_BATCH }) as nt.Tensor).data[0],
    w2Train: () => void w2.trainOnBatch(x2, y),
  };
}

async function main(): Promise<void> {
  nt.setBackend('wasm');
  const threads = nt.wasmModule()?.threadCount() ?? 1;
  const n = neurite();
  // Let the worker threads park before timing.
  await new Promise((r) => setTimeout(r, 200));
  const loaded = await loadTf();
  const t = typeof loaded === 'string' ? null : await tfSteps(loaded.tf);
  const label = typeof loaded === 'string' ? `(${loaded})` : loaded.variant;
  const sync = (f: () => void): Step => async () => f();
  const w1 = await compare(sync(n.w1Train), t?.w1Train ?? null, 128);
  const w2i = await compare(sync(n.w2Infer), t?.w2Infer ?? null, W2_INFER_BATCH);
  const w2t = await compare(sync(n.w2Train), typeof t?.w2Train === 'function' ? t.w2Train : null, 128);
  console.log(`Neurite wasm backend (${nt.wasmModule()?.threadCount() ?? threads} threads) vs ${label}; ${BUDGET} s per side per workload, ${ROUNDS} interleaved rounds, medians`);
  console.log('| workload | Neurite wasm samples/s | tfjs-wasm samples/s | Neurite / tfjs-wasm |');
  console.log('|---|---|---|---|');
  const fmt = (v: number): string => (v >= 100 ? String(Math.round(v)) : v.toFixed(1));
  const row = (name: string, a: number, b: number | string | null): void => {
    const other = typeof b === 'number' ? fmt(b) : b ?? '—';
    console.log(`| ${name} | ${fmt(a)} | ${other} | ${typeof b === 'number' ? `${(a / b).toFixed(2)}x` : '—'} |`);
  };
  row('W1 train (batch 128)', w1[0], w1[1]);
  row(`W2 inference (batch ${W2_INFER_BATCH})`, w2i[0], w2i[1]);
  row('W2 train (batch 128)', w2t[0], w2t[1] ?? (typeof t?.w2Train === 'string' ? t.w2Train : null));
  process.exit(0);
}

await main();
