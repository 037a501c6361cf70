/**
 * `npm run bench:models`: training and inference samples/s of the peer workloads on this
 * checkout and on the previous release (0.1.0, built beside it by bench/baseline.ts) in the
 * same run, beside PyTorch (Debian python3-torch with tcmalloc, channels_last) when
 * /usr/bin/python3 has torch.
 *
 *   W1  Dense 784→512 relu → 256 relu → 10 softmax; categorical crossentropy; Adam 1e-3; batch 128
 *   W2  Keras mnist_cnn (Conv 32, Conv 64, MaxPool, Dropout, Dense 128, Dropout, Dense 10); Adam; batch 128
 *   W3  the VGG-like net on 100×100×3; SGD 0.01 momentum 0.9 nesterov; batch 32
 *
 * Training = trainOnBatch on one fixed batch (like the peers harness); inference = predict
 * on a batch of 1024 (W3: 32). Inputs are seeded uniform data, labels random. Each
 * measurement runs in its own process, the two Neurite builds and PyTorch alternating round
 * by round (the order rotates too) after a warm-up; the table shows medians and
 * the range over the rounds, and GFLOP/s as a share of the machine's measured fp32 peak
 * (training counts 3× the forward pass).
 *
 *   BENCH_ROUNDS=5 BENCH_BUDGET_S=2 npm run bench:models     # rounds; seconds per measurement
 *   BENCH_WORKLOADS=w2,w3 npm run bench:models
 *   NEURITE_BASELINE=0 npm run bench:models                  # without the previous release
 * Writes bench-results/models.json.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { baselineLibrary } from './baseline.js';
import { torchAllocator, torchResults, writeResults } from './common.js';

const BUDGET = Number(process.env.BENCH_BUDGET_S ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const WORKLOADS = (process.env.BENCH_WORKLOADS ?? 'w1,w2,w3').split(',');
const SELF = fileURLToPath(import.meta.url);
const THIS_LIB = fileURLToPath(new URL('../src/index.js', import.meta.url));

/** Forward FLOPs per sample (multiply-adds × 2). */
export const FLOPS: Record<string, number> = {
  w1: 2 * (784 * 512 + 512 * 256 + 256 * 10),
  w2: 2 * (26 * 26 * 32 * 9 + 24 * 24 * 64 * 288 + 9216 * 128 + 128 * 10),
  w3: 2 * (98 * 98 * 32 * 27 + 96 * 96 * 32 * 288 + 46 * 46 * 64 * 288 + 44 * 44 * 64 * 576 + 22 * 22 * 64 * 256 + 256 * 10),
};

/** A workload's sample shape and batch sizes (training, inference). */
export interface Spec {
  readonly sample: number[];
  readonly batch: number;
  readonly inferBatch: number;
}

export const SPECS: Record<string, Spec> = {
  w1: { sample: [784], batch: 128, inferBatch: 1024 },
  w2: { sample: [28, 28, 1], batch: 128, inferBatch: 1024 },
  w3: { sample: [100, 100, 3], batch: 32, inferBatch: 32 },
};

/**
 * A Neurite build loaded at run time: this checkout's or the previous release's, whose API
 * differs (synchronous trainOnBatch, a `data` getter), so no one static type describes both.
 */
// biome-ignore lint: see above
type Lib = any;

/** Workload `name`'s model and optimizer (not compiled), on either API; bench/webgpu.ts runs the same ones. */
export function build(nt: Lib, name: string): { model: Lib; optimizer: Lib } {
  const conv = (filters: number, inputShape?: number[]): Lib => new nt.Conv2D({ filters, kernelSize: 3, activation: 'relu', inputShape });
  if (name === 'w1') {
    return {
      model: new nt.Sequential([new nt.Dense({ units: 512, activation: 'relu', inputShape: [784] }), new nt.Dense({ units: 256, activation: 'relu' }), new nt.Dense({ units: 10, activation: 'softmax' })]),
      optimizer: new nt.Adam({ learningRate: 1e-3 }),
    };
  }
  if (name === 'w2') {
    return {
      model: new nt.Sequential([conv(32, [28, 28, 1]), conv(64), new nt.MaxPooling2D({ poolSize: 2 }), new nt.Dropout({ rate: 0.25 }), new nt.Flatten(), new nt.Dense({ units: 128, activation: 'relu' }), new nt.Dropout({ rate: 0.5 }), new nt.Dense({ units: 10, activation: 'softmax' })]),
      optimizer: new nt.Adam({ learningRate: 1e-3 }),
    };
  }
  return {
    model: new nt.Sequential([
      conv(32, [100, 100, 3]), conv(32), new nt.MaxPooling2D({ poolSize: 2 }), new nt.Dropout({ rate: 0.25 }),
      conv(64), conv(64), new nt.MaxPooling2D({ poolSize: 2 }), new nt.Dropout({ rate: 0.25 }),
      new nt.Flatten(), new nt.Dense({ units: 256, activation: 'relu' }), new nt.Dropout({ rate: 0.5 }), new nt.Dense({ units: 10, activation: 'softmax' }),
    ]),
    optimizer: new nt.SGD({ learningRate: 0.01, momentum: 0.9, nesterov: true }),
  };
}

/** A tensor's values on either API (0.1.0: the `data` getter; now: dataSync()). */
const values = (t: Lib): ArrayLike<number> => (typeof t.dataSync === 'function' ? t.dataSync() : t.data);

/** Samples/s of `step` over `seconds` after a short warm-up (awaits the step: trainOnBatch is async now). */
async function rate(step: () => unknown, batch: number, seconds: number): Promise<number> {
  const w = performance.now();
  let n = 0;
  while ((performance.now() - w) / 1000 < Math.min(1, seconds / 2) || n < 3) {
    await step();
    n++;
  }
  const t = performance.now();
  n = 0;
  while ((performance.now() - t) / 1000 < seconds || n < 2) {
    await step();
    n++;
  }
  return (n * batch) / ((performance.now() - t) / 1000);
}

/** One workload on one build, in this (child) process. */
async function measure(libPath: string, name: string): Promise<{ train: number; infer: number; backend: string }> {
  const nt = (await import(pathToFileURL(libPath).href)) as Lib;
  const spec = SPECS[name];
  nt.setSeed?.(1);
  const { model, optimizer } = build(nt, name);
  model.compile({ optimizer, loss: 'categorical_crossentropy' });
  const x = nt.randomUniform([spec.batch, ...spec.sample], { seed: 1 });
  const y = nt.toCategorical(nt.randomUniform([spec.batch], { seed: 2, minval: 0, maxval: 10, dtype: 'int32' }), 10);
  const xi = nt.randomUniform([spec.inferBatch, ...spec.sample], { seed: 3 });
  const train = await rate(() => model.trainOnBatch(x, y), spec.batch, BUDGET);
  const infer = await rate(() => values(model.predict(xi, { batchSize: spec.inferBatch }))[0], spec.inferBatch, BUDGET);
  return { train, infer, backend: nt.getBackendName() };
}

function child(libPath: string, name: string): { train: number; infer: number; backend: string } {
  const r = spawnSync(process.execPath, [SELF, '--side', libPath, name], { encoding: 'utf8', env: process.env, timeout: 900_000 });
  const line = (r.stdout || '').trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !line.startsWith('{')) throw new Error(`bench: ${libPath} ${name} failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-5).join('\n')}`);
  return JSON.parse(line) as { train: number; infer: number; backend: string };
}

type TorchRates = Record<string, number | string>;
const torchRates = (name: string): TorchRates | null => torchResults<TorchRates>('torch_models.py', [String(BUDGET), name]);

/** The machine's measured fp32 peak and the native backend's thread count. */
async function machine(): Promise<{ peakGflops: number; threads: number }> {
  const nt = (await import(pathToFileURL(THIS_LIB).href)) as Lib;
  const addon = nt.nativeAddon();
  return { peakGflops: addon?.peakGflops(1) ?? NaN, threads: addon?.threads() ?? 1 };
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--side');
  if (i >= 0) {
    console.log(JSON.stringify(await measure(process.argv[i + 1], process.argv[i + 2])));
    return;
  }
  const base = baselineLibrary();
  const { peakGflops, threads } = await machine();
  const median = (v: readonly number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1];
  type Cell = { median: number; min: number; max: number };
  const cell = (v: readonly number[]): Cell => ({ median: median(v), min: Math.min(...v), max: Math.max(...v) });
  const rows: { workload: string; kind: 'train' | 'infer'; batch: number; current: Cell; previous: Cell | null; torch: Cell | null; gflops: number }[] = [];
  let backend = '';
  let torchVersion: string | null = null;
  for (const name of WORKLOADS) {
    if (!SPECS[name]) throw new Error(`unknown workload ${name}; use w1, w2, w3`);
    const now: { train: number; infer: number }[] = [];
    const before: { train: number; infer: number }[] = [];
    const torch: { train: number; infer: number }[] = [];
    let torchMissing = false;
    for (let r = 0; r < ROUNDS; r++) {
      const sides = ['this', 'base', 'torch'];
      const order = [...sides.slice(r % 3), ...sides.slice(0, r % 3)];
      for (const side of order) {
        if (side === 'this') {
          const m = child(THIS_LIB, name);
          backend = m.backend;
          now.push(m);
        } else if (side === 'base' && base) {
          before.push(child(base.path, name));
        } else if (side === 'torch' && !torchMissing) {
          const t = torchRates(name);
          if (t === null) torchMissing = true;
          else {
            torchVersion = String(t.version);
            torch.push({ train: Number(t[`${name}_train`]), infer: Number(t[`${name}_infer`]) });
          }
        }
      }
    }
    const spec = SPECS[name];
    for (const kind of ['train', 'infer'] as const) {
      const current = cell(now.map((m) => m[kind]));
      rows.push({
        workload: name,
        kind,
        batch: kind === 'train' ? spec.batch : spec.inferBatch,
        current,
        previous: before.length ? cell(before.map((m) => m[kind])) : null,
        torch: torch.length ? cell(torch.map((m) => m[kind])) : null,
        gflops: (current.median * FLOPS[name] * (kind === 'train' ? 3 : 1)) / 1e9,
      });
    }
  }
  const fmt = (v: number): string => (v >= 100 ? String(Math.round(v)) : v.toFixed(1));
  const range = (c: Cell): string => `${fmt(c.median)} [${fmt(c.min)}–${fmt(c.max)}]`;
  console.log(`Neurite model benchmark — ${backend} backend, this checkout vs ${base ? `the previous release (${base.commit})` : '(no previous release)'}; ` +
    `${ROUNDS} alternating rounds of ${BUDGET} s per measurement, each in its own process; medians [min–max]; ${threads} threads each` +
    `${torchVersion ? ` (PyTorch ${torchVersion}: torch.set_num_threads(2), ${torchAllocator()}, channels_last)` : ''}; peak ${peakGflops.toFixed(0)} GFLOP/s fp32 (measured)`);
  console.log('| workload | samples/s now | samples/s 0.1.0 | now / 0.1.0 | GFLOP/s now (% peak) | PyTorch samples/s | now / PyTorch |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const label = `${r.workload.toUpperCase()} ${r.kind === 'train' ? 'train' : 'inference'} (batch ${r.batch})`;
    console.log(`| ${label} | ${range(r.current)} | ${r.previous ? range(r.previous) : '—'} | ${r.previous ? `${(r.current.median / r.previous.median).toFixed(2)}x` : '—'} | ` +
      `${r.gflops.toFixed(1)} (${((100 * r.gflops) / peakGflops).toFixed(1)}%) | ${r.torch === null ? '—' : range(r.torch)} | ${r.torch === null ? '—' : `${(r.current.median / r.torch.median).toFixed(2)}x`} |`);
  }
  const file = writeResults('models', { backend, rounds: ROUNDS, budgetSeconds: BUDGET, previous: base?.commit ?? null, peakGflops, rows, threads, torch: torchVersion, torchAllocator: torchVersion ? torchAllocator() : null });
  console.log(`(written to ${file})`);
}

// Run as a script (node build/bench/models.js and its children), not when imported (bench/webgpu.ts).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
