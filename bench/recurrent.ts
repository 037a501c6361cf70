/**
 * Recurrent layers: training and inference samples/s.
 *
 *   R1  LSTM(128) on sequences of 100 steps × 32 features → Dense(10) softmax; batch 64
 *   R2  GRU(128), same shapes
 *   R3  Embedding(10000, 64, maskZero) → LSTM(128) on 100 token ids (last 30 padded) → Dense(1) sigmoid; batch 64
 *   R4  Bidirectional(LSTM(64)) on 100 × 32 → Dense(10); batch 64
 *
 * Training = trainOnBatch on one fixed batch with Adam (categorical or binary crossentropy);
 * inference = predictOnBatch on the same batch. Median of 3 timed blocks after warm-up.
 *
 * PyTorch (bench/torch_recurrent.py, /usr/bin/python3 with torch) runs R1 and R2 in the same run.
 *
 *   npm run bench:recurrent
 *   BENCH_BUDGET_S=6 BENCH_WORKLOADS=r1 npm run bench:recurrent
 */
import * as nt from '../src/index.js';
import { medianRate, torchAllocator, torchResults } from './common.js';

const BUDGET = Number(process.env.BENCH_BUDGET_S ?? 4);
const WORKLOADS = (process.env.BENCH_WORKLOADS ?? 'r1,r2,r3,r4').split(',');
const BATCH = 64;
const STEPS = 100;

function rate(step: () => void): number {
  return medianRate(step, BATCH, BUDGET);
}

interface Workload {
  readonly label: string;
  readonly build: () => nt.Sequential;
  readonly data: () => [nt.Tensor, nt.Tensor];
  readonly loss: string;
}

const features = (): nt.Tensor => nt.randomUniform([BATCH, STEPS, 32], { seed: 1, minval: -1, maxval: 1 });
const classes = (): nt.Tensor => nt.oneHot(nt.tensor(Array.from({ length: BATCH }, (_, i) => i % 10), undefined, 'int32'), 10);

const SPECS: Record<string, Workload> = {
  r1: {
    label: 'LSTM(128), 100 steps × 32 features',
    build: () => new nt.Sequential([new nt.LSTM({ units: 128, inputShape: [STEPS, 32] }), new nt.Dense({ units: 10, activation: 'softmax' })]),
    data: () => [features(), classes()],
    loss: 'categorical_crossentropy',
  },
  r2: {
    label: 'GRU(128), 100 steps × 32 features',
    build: () => new nt.Sequential([new nt.GRU({ units: 128, inputShape: [STEPS, 32] }), new nt.Dense({ units: 10, activation: 'softmax' })]),
    data: () => [features(), classes()],
    loss: 'categorical_crossentropy',
  },
  r3: {
    label: 'Embedding(10000, 64, maskZero) → LSTM(128), 100 ids (30 padded)',
    build: () => new nt.Sequential([new nt.Embedding({ inputDim: 10000, outputDim: 64, maskZero: true, inputLength: STEPS }), new nt.LSTM({ units: 128 }), new nt.Dense({ units: 1, activation: 'sigmoid' })]),
    data: () => {
      const ids = nt.randomUniform([BATCH, STEPS], { seed: 2, minval: 1, maxval: 9999 }).cast('int32');
      const keep = nt.tensor(Array.from({ length: BATCH * STEPS }, (_, i) => (i % STEPS < 70 ? 1 : 0)), [BATCH, STEPS], 'int32');
      return [nt.mul(ids, keep), nt.tensor(Array.from({ length: BATCH }, (_, i) => [i % 2]))];
    },
    loss: 'binary_crossentropy',
  },
  r4: {
    label: 'Bidirectional(LSTM(64)), 100 steps × 32 features',
    build: () => new nt.Sequential([new nt.Bidirectional({ layer: new nt.LSTM({ units: 64 }), inputShape: [STEPS, 32] }), new nt.Dense({ units: 10, activation: 'softmax' })]),
    data: () => [features(), classes()],
    loss: 'categorical_crossentropy',
  },
};

const torchRates = (): Record<string, number | string> | null => torchResults<Record<string, number | string>>('torch_recurrent.py', [String(BUDGET)]);

const rows: [string, number, number | null][] = [];
for (const key of WORKLOADS) {
  const spec = SPECS[key];
  if (!spec) throw new Error(`unknown workload ${key}; known: ${Object.keys(SPECS).join(', ')}`);
  nt.setSeed(1);
  const model = spec.build();
  model.compile({ optimizer: new nt.Adam({ learningRate: 1e-3 }), loss: spec.loss });
  const [x, y] = spec.data();
  rows.push([`${key.toUpperCase()} ${spec.label}, train`, rate(() => model.trainOnBatch(x, y)), null]);
  rows.push([`${key.toUpperCase()} ${spec.label}, predict`, rate(() => model.predictOnBatch(x)), null]);
}
const torch = WORKLOADS.some((k) => k === 'r1' || k === 'r2') ? torchRates() : null;
console.log(`Neurite recurrent benchmark — backend ${nt.getBackendName()}, batch ${BATCH}, ${BUDGET} s per measurement${torch ? `; PyTorch with ${torchAllocator()}` : ""}`);
console.log(`| workload | Neurite samples/s | PyTorch ${torch?.version ?? ''} samples/s | Neurite / PyTorch |`);
console.log('|---|---|---|---|');
for (const [label, ours] of rows) {
  const key = label.slice(0, 2).toLowerCase();
  const ref = torch ? (torch[`${key}_${label.endsWith('train') ? 'train' : 'infer'}`] as number | undefined) : undefined;
  console.log(`| ${label} | ${ours.toFixed(0)} | ${ref ? ref.toFixed(0) : '—'} | ${ref ? `${(ours / ref).toFixed(2)}x` : '—'} |`);
}
