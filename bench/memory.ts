/**
 * `npm run bench:memory`: memory over a long training run. A small MLP (784→64 relu→10
 * softmax, Adam, batch 128) trains for many epochs on real Fashion-MNIST rows (Debian's
 * dataset-fashion-mnist through datasets.fashionMnist), with validation every epoch; after
 * each epoch a full garbage collection runs (the script re-runs itself with --expose-gc when
 * needed) and the process's RSS, JS heap and ArrayBuffer memory are sampled. A leak shows as
 * a curve that keeps rising after the warm-up epochs; a healthy run is flat.
 *
 * A leak curve, not a side-by-side comparison: there are no alternating rounds. It shares
 * the rest of bench/common.ts's protocol: the header (machine, measured fp32 peak, versions)
 * is printed at the start, the native pool (and with it OpenBLAS and oneDNN) is pinned to
 * BENCH_THREADS (default 2; the re-run gets OMP_NUM_THREADS, OPENBLAS_NUM_THREADS and
 * NEURITE_WASM_THREADS alike), and the curve is written to bench-results/memory.json with
 * the common header.
 *
 *   npm run bench:memory                         # 100 epochs on 3000 rows, the curve as a table
 *   npm run bench:memory -- --epochs 30 --rows 1000
 *   BENCH_THREADS=2 npm run bench:memory         # native threads (default 2)
 *   node --expose-gc build/bench/memory.js --json # one JSON object on stdout ({ samples, backend, threads }), nothing written (for tests)
 * Writes bench-results/memory.json (not with --json).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as nt from '../src/index.js';
import { benchEnv, libraryVersions, makeHeader, measureMachine, nativePins, pinNativeThreads, THREADS, writeResults } from './common.js';
import type { MemoryGrowth, MemoryResults, MemorySample, ThreadPin } from './results.js';
import { machineText, renderMemory, versionText } from './tables.js';

// The results' types and the curve's text table live in bench/results.ts and bench/tables.ts
// (which `npm run bench:readme` reads); re-exported here for the memory tests.
export type { MemoryGrowth, MemoryResults, MemorySample } from './results.js';
export { formatCurve, renderMemory } from './tables.js';

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

/** Growth from epoch `from` (clamped to the curve) to the last epoch. */
export function curveGrowth(samples: readonly MemorySample[], from = 10): MemoryGrowth {
  const last = samples[samples.length - 1];
  const warm = samples[Math.min(from, samples.length) - 1];
  return {
    fromEpoch: warm.epoch,
    toEpoch: last.epoch,
    rssMb: (last.rss - warm.rss) / MB,
    heapMb: (last.heapUsed - warm.heapUsed) / MB,
    tensorMb: (last.tensorBytes - warm.tensorBytes) / MB,
    tensors: last.tensors - warm.tensors,
  };
}

function arg(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : undefined;
}

/** The thread pins of this process: the native pool (all backends load it), and wasm's workers when wasm runs. */
function pins(native: number | null): ThreadPin[] {
  const out = nativePins(native);
  if (nt.getBackendName() === 'wasm') out.push({ library: 'Neurite wasm workers', threads: nt.wasmModule()?.threadCount() ?? null, how: 'NEURITE_WASM_THREADS=n' });
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (!(globalThis as { gc?: unknown }).gc) {
    // Re-run with --expose-gc (npm scripts start node without it), with every library's threads pinned.
    const r = spawnSync(process.execPath, ['--expose-gc', ...process.argv.slice(1)], { stdio: 'inherit', env: benchEnv() });
    process.exit(r.status ?? 1);
  }
  const epochs = arg('epochs') ?? 100;
  const rows = arg('rows') ?? 3000;
  if (process.argv.includes('--json')) {
    const threads = pinNativeThreads(nt.nativeAddon());
    const samples = await memoryCurve({ epochs, rows });
    console.log(JSON.stringify({ samples, backend: nt.getBackendName(), threads }));
  } else {
    const machine = await measureMachine();
    const threads = pinNativeThreads(nt.nativeAddon());
    const versions = libraryVersions([]);
    const model = 'MLP 784-64-10, Adam, batch 128';
    console.log(`bench:memory — ${machineText(machine)}`);
    console.log(`one run of ${epochs} epochs (${model}) on ${rows} rows, on the ${nt.getBackendName()} backend, ${THREADS} threads pinned (native pool ${threads ?? '—'}); versions: ${versionText(versions)}`);
    const t = performance.now();
    const samples = await memoryCurve({ epochs, rows });
    const seconds = (performance.now() - t) / 1000;
    const header = makeHeader({
      benchmark: 'memory',
      command: 'npm run bench:memory',
      machine,
      pins: pins(threads),
      versions,
      rounds: 1,
      budgetSeconds: seconds,
      notes: [
        `a leak curve, not a timing comparison: one training run of ${epochs} epochs in one process (no alternating rounds); budgetSeconds is that run's wall time`,
        `every sample follows two full collections (gc() and a turn of the event loop, so finalizers return buffers)`,
      ],
    });
    const results: MemoryResults = {
      // A leak curve has one run: makeHeader's note about too few rounds does not apply.
      ...header,
      notes: header.notes.filter((n) => !n.startsWith('only 1 round')),
      backend: nt.getBackendName(),
      model,
      epochs: samples.length,
      rows,
      seconds,
      growth: curveGrowth(samples),
      samples,
    };
    const file = writeResults('memory', results);
    console.log(renderMemory(results, 'bench-results/memory.json'));
    console.log(`(written to ${file})`);
  }
}
