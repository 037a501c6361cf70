/**
 * `npm run bench:memory`: memory over a long training run. A small MLP (784→64 relu→10
 * softmax, Adam, batch 128) trains for many epochs on real Fashion-MNIST rows (Debian's
 * dataset-fashion-mnist through datasets.fashionMnist), with validation every epoch; after
 * each epoch a full garbage collection runs (the script re-runs itself with --expose-gc when
 * needed) and the process's RSS, JS heap and ArrayBuffer memory are sampled. A leak shows as
 * a curve that keeps rising after the warm-up epochs; a healthy run is flat.
 *
 *   npm run bench:memory                         # 100 epochs on 3000 rows, the curve as a table
 *   npm run bench:memory -- --epochs 30 --rows 1000
 *   node --expose-gc build/bench/memory.js --json # one JSON object (for tests)
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as nt from '../src/index.js';

/** One sample of the curve, after the epoch's garbage collection (bytes). */
export interface MemorySample {
  readonly epoch: number;
  readonly rss: number;
  readonly heapUsed: number;
  readonly arrayBuffers: number;
  /** Bytes of live tensor buffers counted by nt.memory() (all memories), and how many. */
  readonly tensorBytes: number;
  readonly tensors: number;
  readonly loss: number;
}

/** Options of memoryCurve. */
export interface MemoryCurveOptions {
  readonly epochs?: number;
  readonly rows?: number;
}

/** The first `rows` training images (x/255) and labels; the full split is dropped on return. */
async function firstRows(rows: number): Promise<{ pixels: Float32Array; labels: Float32Array }> {
  const [x, y] = await nt.datasets.fashionMnist.loadSplit('train', { download: false });
  return { pixels: Float32Array.from(x.dataSync().subarray(0, rows * 784), (v) => v / 255), labels: Float32Array.from(y.dataSync().subarray(0, rows)) };
}

/** Trains the MLP and samples memory after every epoch; needs global.gc (node --expose-gc). */
export async function memoryCurve(options: MemoryCurveOptions = {}): Promise<MemorySample[]> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('memoryCurve: run node with --expose-gc so that each sample follows a full collection');
  const epochs = options.epochs ?? 100;
  const rows = options.rows ?? 3000;
  const { pixels, labels } = await firstRows(rows);
  const val = Math.floor(rows / 5);
  const xTrain = nt.tensor(pixels.subarray(0, (rows - val) * 784), [rows - val, 784]);
  const yTrain = nt.tensor(labels.subarray(0, rows - val), [rows - val]);
  const xVal = nt.tensor(pixels.subarray((rows - val) * 784), [val, 784]);
  const yVal = nt.tensor(labels.subarray(rows - val), [val]);
  const model = new nt.Sequential([new nt.Dense({ units: 64, activation: 'relu', inputShape: [784] }), new nt.Dense({ units: 10, activation: 'softmax' })]);
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  const samples: MemorySample[] = [];
  const sample = new nt.LambdaCallback({
    onEpochEnd: async (epoch, logs) => {
      // Collect, then let the finalizers of what was collected run (they return buffers).
      for (let i = 0; i < 2; i++) {
        gc();
        await new Promise((r) => setTimeout(r, 0));
      }
      const m = process.memoryUsage();
      const t = nt.memory();
      samples.push({ epoch: epoch + 1, rss: m.rss, heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers, tensorBytes: t.bytes, tensors: t.tensors, loss: logs.loss as number });
    },
  });
  await model.fit(xTrain, yTrain, { epochs, batchSize: 128, verbose: 0, validationData: [xVal, yVal], callbacks: [sample], seed: 1 });
  return samples;
}

const MB = 1024 * 1024;

/** The curve as a text table (MB), every `every`-th epoch plus the first and the last. */
export function formatCurve(samples: readonly MemorySample[], every = 5): string {
  const lines = ['epoch   RSS MB   heap MB   ArrayBuffers MB   tensors  tensor MB   loss'];
  samples.forEach((s, i) => {
    if (i === 0 || i === samples.length - 1 || s.epoch % every === 0) {
      lines.push(`${String(s.epoch).padStart(5)} ${(s.rss / MB).toFixed(1).padStart(8)} ${(s.heapUsed / MB).toFixed(1).padStart(9)} ${(s.arrayBuffers / MB).toFixed(1).padStart(17)} ${String(s.tensors).padStart(9)} ${(s.tensorBytes / MB).toFixed(2).padStart(10)}   ${s.loss.toFixed(4)}`);
    }
  });
  return lines.join('\n');
}

function arg(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : undefined;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (!(globalThis as { gc?: unknown }).gc) {
    // Re-run with --expose-gc (npm scripts start node without it).
    const r = spawnSync(process.execPath, ['--expose-gc', ...process.argv.slice(1)], { stdio: 'inherit' });
    process.exit(r.status ?? 1);
  }
  const samples = await memoryCurve({ epochs: arg('epochs'), rows: arg('rows') });
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify({ samples }));
  } else {
    console.log(`Memory over ${samples.length} epochs on the ${nt.getBackendName()} backend (MLP 784-64-10, Adam, ${arg('rows') ?? 3000} Fashion-MNIST rows, 20% validation; sampled after a full GC each epoch; tensors = nt.memory())`);
    console.log(formatCurve(samples));
    const at = (e: number): MemorySample => samples[Math.min(samples.length, e) - 1];
    const warm = Math.min(10, samples.length);
    console.log(`RSS growth from epoch ${warm} to ${samples.length}: ${((at(samples.length).rss - at(warm).rss) / MB).toFixed(1)} MB; heap: ${((at(samples.length).heapUsed - at(warm).heapUsed) / MB).toFixed(1)} MB`);
  }
}
