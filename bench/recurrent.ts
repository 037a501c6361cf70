/**
 * `npm run bench:recurrent`: recurrent layers, training and inference samples/s.
 *
 *   R1  LSTM(128) on sequences of 100 steps × 32 features → Dense(10) softmax; batch 64
 *   R2  GRU(128), same shapes
 *   R3  Embedding(10000, 64, maskZero) → LSTM(128) on 100 token ids (last 30 padded) → Dense(1) sigmoid; batch 64
 *   R4  Bidirectional(LSTM(64)) on 100 × 32 → Dense(10); batch 64
 *
 * Training = trainOnBatch on one fixed batch with Adam (categorical or binary crossentropy);
 * inference = predictOnBatch on the same batch. Neurite and PyTorch (bench/torch_recurrent.py,
 * R1 and R2, under glibc malloc and tcmalloc) each run in their own processes in alternating
 * rounds (bench/common.ts), with the same thread count.
 *
 *   BENCH_ROUNDS=5 BENCH_BUDGET_S=1 npm run bench:recurrent
 *   BENCH_WORKLOADS=r1 npm run bench:recurrent
 * Writes bench-results/recurrent.json.
 */
import { fileURLToPath } from 'node:url';
import {
  alternateRounds, bestOf, benchRounds, cell, emit, envList, envNumber, failureNotes, libraryVersions, makeHeader, measureMachine, remeasurePeak, modelFlops, nativePins, nodeSide,
  pinNativeThreads, printStart, samplesPerSecond, sideArgs, torchCells, torchConfigs, torchSide, writeResults, type SideRuns, type TorchSideInfo,
} from './common.js';
import type { RecurrentResults, RecurrentRow } from './results.js';
import { renderRecurrent } from './tables.js';

type Nt = typeof import('../src/index.js');
type Model = InstanceType<Nt['Sequential']>;
type Tensor = InstanceType<Nt['Tensor']>;

const SELF = fileURLToPath(import.meta.url);
const BATCH = 64;
const STEPS = 100;

interface Workload {
  readonly label: string;
  readonly sample: number[];
  readonly build: (nt: Nt) => Model;
  readonly data: (nt: Nt) => [Tensor, Tensor];
  readonly loss: string;
}

const features = (nt: Nt): Tensor => nt.randomUniform([BATCH, STEPS, 32], { seed: 1, minval: -1, maxval: 1 });
const classes = (nt: Nt): Tensor => nt.oneHot(nt.tensor(Array.from({ length: BATCH }, (_, i) => i % 10), undefined, 'int32'), 10);

const SPECS: Record<string, Workload> = {
  r1: {
    label: 'LSTM(128), 100 steps × 32 features',
    sample: [STEPS, 32],
    build: (nt) => new nt.Sequential([new nt.LSTM({ units: 128, inputShape: [STEPS, 32] }), new nt.Dense({ units: 10, activation: 'softmax' })]),
    data: (nt) => [features(nt), classes(nt)],
    loss: 'categorical_crossentropy',
  },
  r2: {
    label: 'GRU(128), 100 steps × 32 features',
    sample: [STEPS, 32],
    build: (nt) => new nt.Sequential([new nt.GRU({ units: 128, inputShape: [STEPS, 32] }), new nt.Dense({ units: 10, activation: 'softmax' })]),
    data: (nt) => [features(nt), classes(nt)],
    loss: 'categorical_crossentropy',
  },
  r3: {
    label: 'Embedding(10000, 64, maskZero) → LSTM(128), 100 ids (30 padded)',
    sample: [STEPS],
    build: (nt) => new nt.Sequential([new nt.Embedding({ inputDim: 10000, outputDim: 64, maskZero: true, inputLength: STEPS }), new nt.LSTM({ units: 128 }), new nt.Dense({ units: 1, activation: 'sigmoid' })]),
    data: (nt) => {
      const ids = nt.randomUniform([BATCH, STEPS], { seed: 2, minval: 1, maxval: 9999 }).cast('int32');
      const keep = nt.tensor(Array.from({ length: BATCH * STEPS }, (_, i) => (i % STEPS < 70 ? 1 : 0)), [BATCH, STEPS], 'int32');
      return [nt.mul(ids, keep), nt.tensor(Array.from({ length: BATCH }, (_, i) => [i % 2]))];
    },
    loss: 'binary_crossentropy',
  },
  r4: {
    label: 'Bidirectional(LSTM(64)), 100 steps × 32 features',
    sample: [STEPS, 32],
    build: (nt) => new nt.Sequential([new nt.Bidirectional({ layer: new nt.LSTM({ units: 64 }), inputShape: [STEPS, 32] }), new nt.Dense({ units: 10, activation: 'softmax' })]),
    data: (nt) => [features(nt), classes(nt)],
    loss: 'categorical_crossentropy',
  },
};

/** The workloads PyTorch runs (bench/torch_recurrent.py). */
const TORCH_WORKLOADS = ['r1', 'r2'];

interface Run {
  readonly threads: number | null;
  readonly backend: string;
  /** `${workload}_${train|infer}` → samples/s. */
  readonly rates: Record<string, number>;
}

async function measure(workloads: readonly string[], budget: number): Promise<Run> {
  const nt: Nt = await import('../src/index.js');
  const threads = pinNativeThreads(nt.nativeAddon());
  const rates: Record<string, number> = {};
  for (const key of workloads) {
    const spec = SPECS[key];
    nt.setSeed(1);
    const model = spec.build(nt);
    model.compile({ optimizer: new nt.Adam({ learningRate: 1e-3 }), loss: spec.loss });
    const [x, y] = spec.data(nt);
    rates[`${key}_train`] = await samplesPerSecond(() => model.trainOnBatch(x, y), BATCH, budget);
    rates[`${key}_infer`] = await samplesPerSecond(() => (model.predictOnBatch(x) as Tensor).dataSync()[0], BATCH, budget);
  }
  return { threads, backend: nt.getBackendName(), rates };
}

async function main(): Promise<void> {
  const budget = envNumber('BENCH_BUDGET_S', 1, { min: 0.01 });
  const workloads = envList('BENCH_WORKLOADS', 'r1,r2,r3,r4');
  for (const k of workloads) if (!SPECS[k]) throw new Error(`BENCH_WORKLOADS: unknown workload '${k}'; known: ${Object.keys(SPECS).join(', ')}`);
  const side = sideArgs();
  if (side) {
    emit(await measure(workloads, budget));
    return;
  }
  const rounds = benchRounds();
  const started = await measureMachine();
  const torchAsked = workloads.filter((w) => TORCH_WORKLOADS.includes(w));
  const { configs, notes } = torchAsked.length ? torchConfigs(false) : { configs: [], notes: [] };
  const sides = [nodeSide('neurite', 'Neurite', SELF, [], { required: true }), ...configs.map((c) => torchSide(c, 'torch_recurrent.py', budget, [torchAsked.join(',')]))];
  printStart('bench:recurrent', started, rounds, sides, budget);
  const runs = alternateRounds<unknown>(sides, rounds, 'recurrent');
  const machine = await remeasurePeak(started);
  const ours = (runs.get('neurite') as SideRuns<Run>).runs;
  let torchInfo: TorchSideInfo | null = null;
  for (const c of configs) {
    const r = runs.get(`torch:${c.id}`)?.runs[0] as TorchSideInfo | undefined;
    if (r) torchInfo = r;
  }
  const nt: Nt = await import('../src/index.js');
  const rows: RecurrentRow[] = [];
  for (const key of workloads) {
    const spec = SPECS[key];
    nt.setSeed(1);
    const flops = modelFlops(spec.build(nt), spec.sample);
    for (const kind of ['train', 'infer'] as const) {
      const neurite = cell(ours.map((r) => r.rates[`${key}_${kind}`]));
      const perSample = kind === 'train' ? flops.training : flops.forward;
      const gflops = (neurite.median * perSample) / 1e9;
      const torch = torchCells(runs, configs, (r: { rates: Record<string, number> }) => r.rates[`${key}_${kind}`]);
      rows.push({ workload: key, title: spec.label, kind, batch: BATCH, flopsPerSample: perSample, neurite, gflops, peakPercent: (100 * gflops) / machine.peakGflops, torch, torchBest: bestOf(torch, true) });
    }
  }
  const results: RecurrentResults = {
    ...makeHeader({
      benchmark: 'recurrent',
      command: 'npm run bench:recurrent',
      machine,
      pins: [...nativePins(ours[0].threads), { library: 'PyTorch', threads: torchInfo?.threads ?? null, how: 'torch.set_num_threads(n)' }],
      versions: { ...libraryVersions(['torch', 'tcmalloc']), torch: torchInfo?.version ?? null },
      rounds,
      budgetSeconds: budget,
      notes: [...notes, ...failureNotes(runs.values())],
    }),
    backend: ours[0].backend,
    rows,
  };
  const file = writeResults('recurrent', results);
  console.log(renderRecurrent(results, 'bench-results/recurrent.json'));
  console.log(`(written to ${file})`);
}

await main();
