/**
 * `npm run bench:models`: training and inference samples/s of the peer workloads, beside
 * PyTorch measured in the same run when /usr/bin/python3 has torch.
 *
 *   W1  Dense 784→512 relu → 256 relu → 10 softmax; categorical crossentropy; Adam 1e-3; batch 128
 *   W2  Keras mnist_cnn (Conv 32, Conv 64, MaxPool, Dropout, Dense 128, Dropout, Dense 10); Adam; batch 128
 *   W3  the VGG-like net on 100×100×3; SGD 0.01 momentum 0.9 nesterov; batch 32
 *
 * Training = trainOnBatch on one fixed batch (like the peers harness); inference = predict
 * on a batch of 1024 (W3: 32). Inputs are seeded uniform data, labels random.
 *
 *   BENCH_BUDGET_S=5 npm run bench:models          # seconds per measurement (default 3)
 *   BENCH_WORKLOADS=w2,w3 npm run bench:models
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as nt from '../src/index.js';
import { medianRate } from './common.js';

const BUDGET = Number(process.env.BENCH_BUDGET_S ?? 3);
const WORKLOADS = (process.env.BENCH_WORKLOADS ?? 'w1,w2,w3').split(',');

function rate(step: () => void, batch: number): number {
  return medianRate(step, batch, BUDGET);
}

function torchRates(): Record<string, number | string> | null {
  if (!existsSync('/usr/bin/python3')) return null;
  const script = fileURLToPath(new URL('../../bench/torch_models.py', import.meta.url));
  const r = spawnSync('/usr/bin/python3', [script, String(BUDGET), WORKLOADS.join(',')], { encoding: 'utf8', timeout: 900_000 });
  if (r.status !== 0) {
    console.log(`(PyTorch not measured: ${(r.stderr || '').trim().split('\n').pop()})`);
    return null;
  }
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as Record<string, number | string>;
}

interface Workload {
  readonly build: () => nt.Sequential;
  readonly optimizer: () => nt.Optimizer;
  readonly sample: number[];
  readonly batch: number;
  readonly inferBatch: number;
}

const conv = (filters: number, inputShape?: number[]): nt.Conv2D => new nt.Conv2D({ filters, kernelSize: 3, activation: 'relu', inputShape });

const SPECS: Record<string, Workload> = {
  w1: {
    build: () => new nt.Sequential([new nt.Dense({ units: 512, activation: 'relu', inputShape: [784] }), new nt.Dense({ units: 256, activation: 'relu' }), new nt.Dense({ units: 10, activation: 'softmax' })]),
    optimizer: () => new nt.Adam({ learningRate: 1e-3 }),
    sample: [784],
    batch: 128,
    inferBatch: 1024,
  },
  w2: {
    build: () => new nt.Sequential([conv(32, [28, 28, 1]), conv(64), new nt.MaxPooling2D({ poolSize: 2 }), new nt.Dropout({ rate: 0.25 }), new nt.Flatten(), new nt.Dense({ units: 128, activation: 'relu' }), new nt.Dropout({ rate: 0.5 }), new nt.Dense({ units: 10, activation: 'softmax' })]),
    optimizer: () => new nt.Adam({ learningRate: 1e-3 }),
    sample: [28, 28, 1],
    batch: 128,
    inferBatch: 1024,
  },
  w3: {
    build: () =>
      new nt.Sequential([
        conv(32, [100, 100, 3]), conv(32), new nt.MaxPooling2D({ poolSize: 2 }), new nt.Dropout({ rate: 0.25 }),
        conv(64), conv(64), new nt.MaxPooling2D({ poolSize: 2 }), new nt.Dropout({ rate: 0.25 }),
        new nt.Flatten(), new nt.Dense({ units: 256, activation: 'relu' }), new nt.Dropout({ rate: 0.5 }), new nt.Dense({ units: 10, activation: 'softmax' }),
      ]),
    optimizer: () => new nt.SGD({ learningRate: 0.01, momentum: 0.9, nesterov: true }),
    sample: [100, 100, 3],
    batch: 32,
    inferBatch: 32,
  },
};

function main(): void {
  console.log(`Neurite model benchmark — backend ${nt.getBackendName()}, ${BUDGET} s per measurement, workloads ${WORKLOADS.join(', ')}`);
  const torch = torchRates();
  const rows: [string, number, number | null][] = [];
  for (const name of WORKLOADS) {
    const spec = SPECS[name];
    if (!spec) throw new Error(`unknown workload ${name}; use w1, w2, w3`);
    const model = spec.build();
    model.compile({ optimizer: spec.optimizer(), loss: 'categorical_crossentropy' });
    const x = nt.randomUniform([spec.batch, ...spec.sample], { seed: 1 });
    const y = nt.toCategorical(nt.randomUniform([spec.batch], { seed: 2, minval: 0, maxval: 10, dtype: 'int32' }), 10);
    const xi = nt.randomUniform([spec.inferBatch, ...spec.sample], { seed: 3 });
    rows.push([`${name.toUpperCase()} train (batch ${spec.batch})`, rate(() => void model.trainOnBatch(x, y), spec.batch), (torch?.[`${name}_train`] as number | undefined) ?? null]);
    rows.push([`${name.toUpperCase()} inference (batch ${spec.inferBatch})`, rate(() => void (model.predict(xi, { batchSize: spec.inferBatch }) as nt.Tensor).dataSync()[0], spec.inferBatch), (torch?.[`${name}_infer`] as number | undefined) ?? null]);
  }
  console.log(`| workload | Neurite samples/s | PyTorch ${torch?.version ?? ''} samples/s | Neurite / PyTorch |`);
  console.log('|---|---|---|---|');
  for (const [name, ours, theirs] of rows) {
    const fmt = (v: number): string => (v >= 100 ? String(Math.round(v)) : v.toFixed(1));
    console.log(`| ${name} | ${fmt(ours)} | ${theirs === null ? '—' : fmt(theirs)} | ${theirs === null ? '—' : `${(ours / theirs).toFixed(2)}x`} |`);
  }
}

main();
