/**
 * `npm run bench:models`: training and inference samples/s of the reference workloads on
 * this checkout, the previous release (0.1.0, built beside it by bench/baseline.ts),
 * PyTorch in every configuration (glibc malloc and tcmalloc, each NCHW and channels_last
 * for the convolutional nets: all printed, the best counted), and ONNX Runtime
 * (onnxruntime-node) on every inference row, running the same model with the same weights
 * (exported by Neurite's ONNX exporter; the outputs of both on 8 samples are compared).
 *
 *   W1  Dense 784→512 relu → 256 relu → 10 softmax; categorical crossentropy; Adam 1e-3; batch 128
 *   W2  Keras mnist_cnn (Conv 32, Conv 64, MaxPool, Dropout, Dense 128, Dropout, Dense 10); Adam; batch 128
 *   W3  the VGG-like net on 100×100×3; SGD 0.01 momentum 0.9 nesterov; batch 32
 *
 * Training = trainOnBatch on one fixed batch; inference = predict on a batch of 1024 (W3:
 * 32, BENCH_W3_INFER_BATCH to change). Inputs are seeded uniform data, labels random. Every
 * side runs in its own process per workload, in alternating rounds (bench/common.ts), and
 * reports samples/s and the peak RSS of its training steps. The table shows medians
 * [min–max], GFLOP/s and % of the measured peak (FLOPs per sample derived from the model:
 * forward, plus both gradients when training), the comparisons and issue 19's targets.
 *
 *   BENCH_ROUNDS=5 BENCH_BUDGET_S=1 npm run bench:models     # rounds (≥ 5); timed seconds per measurement (defaults; W3 at least 3)
 *   BENCH_WORKLOADS=w2,w3 npm run bench:models
 *   BENCH_THREADS=2                                          # every side's threads
 *   NEURITE_BASELINE=0 npm run bench:models                  # without the previous release
 *   BENCH_SCALING=1 npm run bench:models                     # then the scaling tables (bench/scaling.ts)
 * Writes bench-results/models.json.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { baselineLibrary } from './baseline.js';
import {
  alternateRounds, bestOf, benchRounds, cell, emit, envList, envNumber, failureNotes, libraryVersions, makeHeader, maxRssMb, measureMachine, remeasurePeak, modelFlops,
  nativePins, nodeSide, pinNativeThreads, printStart, samplesPerSecond, sideArgs, target, THIS_LIB, THREADS, torchCells, torchConfigs, torchSide, writeResults,
  type SideRuns, type SideSpec, type TorchConfig, type TorchSideInfo,
} from './common.js';
import type { ModelsResults, ModelsRow, RssRow, Target, WorkloadId } from './results.js';
import { renderModels } from './tables.js';

const SELF = fileURLToPath(import.meta.url);

/** Forward FLOPs per sample (multiply-adds × 2); equal to modelFlops(...).forward. bench/webgpu.ts uses it. */
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

export const TITLES: Record<WorkloadId, string> = {
  w1: 'W1 MLP 784-512-256-10, Adam',
  w2: 'W2 Keras mnist_cnn, Adam',
  w3: 'W3 VGG-like 100×100×3, SGD nesterov',
};

/** Issue 19's training targets: % of the measured peak. */
const PEAK_TARGET: Record<WorkloadId, number> = { w1: 35, w2: 50, w3: 50 };

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

/** Samples checked for equal outputs between Neurite and ONNX Runtime. */
const CHECK_SAMPLES = 8;

/** The inference batch of a workload (W3: BENCH_W3_INFER_BATCH, default 32). */
export function inferBatch(name: string): number {
  return name === 'w3' ? envNumber('BENCH_W3_INFER_BATCH', SPECS.w3.inferBatch, { min: 1, integer: true }) : SPECS[name].inferBatch;
}

/** What a Neurite side reports for one workload. */
interface NeuriteRun {
  readonly train: number;
  readonly infer: number;
  readonly trainRssMb: number;
  readonly backend: string;
  readonly threads: number | null;
  /** Outputs on the CHECK_SAMPLES samples before any training (the ONNX Runtime side must match them). */
  readonly check: number[];
}

interface OrtRun {
  readonly infer: number;
  readonly threads: number;
  readonly version: string;
  readonly check: number[];
}

interface TorchRun extends TorchSideInfo {
  readonly train: number;
  readonly infer: number;
  readonly trainRssMb: number;
}

/** The same seeded inputs on every Neurite-API side. */
function inputs(nt: Lib, name: string): { x: Lib; y: Lib; xi: Lib; xc: Lib } {
  const spec = SPECS[name];
  return {
    x: nt.randomUniform([spec.batch, ...spec.sample], { seed: 1 }),
    y: nt.toCategorical(nt.randomUniform([spec.batch], { seed: 2, minval: 0, maxval: 10, dtype: 'int32' }), 10),
    xi: nt.randomUniform([inferBatch(name), ...spec.sample], { seed: 3 }),
    xc: nt.randomUniform([CHECK_SAMPLES, ...spec.sample], { seed: 4 }),
  };
}

/** Side 'neurite': one workload on one build, in this child process. */
async function measureNeurite(libPath: string, name: string, budget: number): Promise<NeuriteRun> {
  const nt = (await import(pathToFileURL(libPath).href)) as Lib;
  const threads = pinNativeThreads(nt.nativeAddon?.());
  const { x, y, xi, xc } = inputs(nt, name);
  nt.setSeed?.(1);
  const { model, optimizer } = build(nt, name);
  model.compile({ optimizer, loss: 'categorical_crossentropy' });
  const check = Array.from(values(model.predict(xc, { batchSize: CHECK_SAMPLES })));
  const train = await samplesPerSecond(() => model.trainOnBatch(x, y), SPECS[name].batch, budget);
  const trainRssMb = maxRssMb();
  const batch = inferBatch(name);
  const infer = await samplesPerSecond(() => values(model.predict(xi, { batchSize: batch }))[0], batch, budget);
  return { train, infer, trainRssMb, backend: nt.getBackendName(), threads, check };
}

/** Side 'ort': ONNX Runtime on this checkout's model (same seed, so the same weights), exported to ONNX. */
async function measureOrt(name: string, budget: number): Promise<OrtRun> {
  const nt = await import('../src/index.js');
  const ort = createRequire(import.meta.url)('onnxruntime-node') as typeof import('onnxruntime-node');
  const { xi, xc } = inputs(nt, name);
  nt.setSeed(1);
  const { model } = build(nt, name);
  const session = await ort.InferenceSession.create(nt.io.toOnnxBytes(model), { intraOpNumThreads: THREADS, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
  const feed = (t: Lib): Record<string, InstanceType<typeof ort.Tensor>> => ({ [session.inputNames[0]]: new ort.Tensor('float32', Float32Array.from(t.dataSync() as Float32Array), t.shape as number[]) });
  const check = Array.from((await session.run(feed(xc)))[session.outputNames[0]].data as Float32Array);
  const feeds = feed(xi);
  const infer = await samplesPerSecond(() => session.run(feeds), inferBatch(name), budget);
  await session.release();
  return { infer, threads: THREADS, version: ort.env.versions?.common ?? 'unknown', check };
}

/** The cell of one quantity over a side's runs, or null when it has none. */
function cellOf<T>(runs: SideRuns<unknown> | undefined, pick: (r: T) => number): ModelsRow['neurite'] | null {
  return runs && runs.runs.length ? cell(runs.runs.map((r) => pick(r as T))) : null;
}

/**
 * Timed seconds per measurement: BENCH_BUDGET_S, but at least 3 s for W3, whose training
 * step takes ~0.2 s (1 s held 5 steps, and medians moved by 40% between runs).
 */
function budgetFor(name: string, budget: number): number {
  return name === 'w3' ? Math.max(budget, 3) : budget;
}

async function main(): Promise<void> {
  const budget = envNumber('BENCH_BUDGET_S', 1, { min: 0.01 });
  const side = sideArgs();
  if (side) {
    const [kind, a, b] = side;
    emit(kind === 'ort' ? await measureOrt(a, budgetFor(a, budget)) : await measureNeurite(a, b, budgetFor(b, budget)));
    return;
  }
  const rounds = benchRounds();
  const workloads = envList('BENCH_WORKLOADS', 'w1,w2,w3') as WorkloadId[];
  for (const w of workloads) if (!SPECS[w]) throw new Error(`BENCH_WORKLOADS: unknown workload '${w}'; use w1, w2, w3`);
  const base = baselineLibrary();
  const started = await measureMachine();
  const nt = await import('../src/index.js');
  const notes: string[] = [];
  const rows: ModelsRow[] = [];
  const rss: RssRow[] = [];
  let backend = '';
  let neuriteThreads: number | null = null;
  let torchInfo: TorchSideInfo | null = null;
  let ortVersion: string | null = null;
  const torchNotes = new Set<string>();
  let printed = false;
  const measured: { name: WorkloadId; configs: TorchConfig[]; runs: Map<string, SideRuns<unknown>> }[] = [];
  for (const name of workloads) {
    const conv = name !== 'w1';
    const { configs, notes: tn } = torchConfigs(conv);
    for (const n of tn) torchNotes.add(n);
    const sides: SideSpec[] = [
      nodeSide('this', 'Neurite (this checkout)', SELF, ['neurite', THIS_LIB, name], { required: true }),
      ...(base ? [nodeSide('base', `Neurite 0.1.0 (${base.commit})`, SELF, ['neurite', base.path, name])] : []),
      ...configs.map((c) => torchSide(c, 'torch_models.py', budgetFor(name, budget), [name, String(inferBatch(name))])),
      nodeSide('ort', 'ONNX Runtime', SELF, ['ort', name]),
    ];
    if (!printed) printStart('bench:models', started, rounds, sides, budget);
    printed = true;
    const runs = alternateRounds<unknown>(sides, rounds, name.toUpperCase());
    notes.push(...failureNotes(runs.values()));
    const now = runs.get('this') as SideRuns<NeuriteRun>;
    backend = now.runs[0].backend;
    neuriteThreads = now.runs[0].threads;
    const ortRuns = runs.get('ort') as SideRuns<OrtRun>;
    if (ortRuns.runs.length) {
      ortVersion = ortRuns.runs[0].version;
      const a = now.runs[0].check;
      const b = ortRuns.runs[0].check;
      const diff = a.length === b.length ? Math.max(...a.map((v, i) => Math.abs(v - b[i]))) : Infinity;
      notes.push(`${name.toUpperCase()}: ONNX Runtime ran the model Neurite exported with the same weights; max |Neurite − ORT| on ${CHECK_SAMPLES} samples: ${diff.toExponential(1)}`);
      if (!(diff < 1e-3)) throw new Error(`${name}: ONNX Runtime's outputs differ from Neurite's by ${diff}: not the same model`);
    }
    for (const c of configs) {
      const r = runs.get(`torch:${c.id}`)?.runs[0] as TorchRun | undefined;
      if (r) {
        torchInfo = { version: r.version, threads: r.threads, allocator: r.allocator };
        if (r.allocator !== c.allocator) notes.push(`PyTorch ${c.id} ran under ${r.allocator}`);
      }
    }
    measured.push({ name, configs, runs });
  }
  const machine = await remeasurePeak(started);
  for (const { name, configs, runs } of measured) {
    const spec = SPECS[name];
    const now = runs.get('this') as SideRuns<NeuriteRun>;
    const ortRuns = runs.get('ort') as SideRuns<OrtRun>;
    const flops = modelFlops(build(nt, name).model, spec.sample);
    const trainTorch = torchCells(runs, configs, (r: TorchRun) => r.train);
    const trainBest = bestOf(trainTorch, true);
    for (const kind of ['train', 'infer'] as const) {
      const neurite = cell(now.runs.map((r) => r[kind]));
      const perSample = kind === 'train' ? flops.training : flops.forward;
      const gflops = (neurite.median * perSample) / 1e9;
      const peakPercent = (100 * gflops) / machine.peakGflops;
      const torch = kind === 'train' ? trainTorch : torchCells(runs, configs, (r: TorchRun) => r.infer);
      const torchBest = kind === 'train' ? trainBest : bestOf(torch, true);
      const bestMedian = torch.find((t) => t.config === torchBest)?.cell.median ?? null;
      const ort = kind === 'infer' ? cellOf(ortRuns, (r: OrtRun) => r.infer) : null;
      const targets: Target[] = kind === 'train'
        ? [target('% of peak', '>=', PEAK_TARGET[name], peakPercent, '%'), target('x PyTorch', '>=', 2, bestMedian === null ? null : neurite.median / bestMedian, 'x')]
        : [target('x ONNX Runtime', '>=', 1.2, ort === null ? null : neurite.median / ort.median, 'x')];
      rows.push({
        workload: name,
        title: TITLES[name],
        kind,
        batch: kind === 'train' ? spec.batch : inferBatch(name),
        flopsPerSample: perSample,
        neurite,
        gflops,
        peakPercent,
        previous: cellOf(runs.get('base'), (r: NeuriteRun) => r[kind]),
        torch,
        torchBest,
        ort,
        targets,
      });
    }
    const neuriteRss = cell(now.runs.map((r) => r.trainRssMb));
    const torchRss = torchCells(runs, configs, (r: TorchRun) => r.trainRssMb);
    const counted = torchRss.find((t) => t.config === trainBest)?.cell.median ?? null;
    rss.push({ workload: name, batch: spec.batch, neurite: neuriteRss, torch: torchRss, torchBest: trainBest, target: target('RSS vs PyTorch', '<=', 1, counted === null ? null : neuriteRss.median / counted, 'x') });
  }
  if (workloads.includes('w3') && inferBatch('w3') !== 1024) notes.push(`W3 inference runs at batch ${inferBatch('w3')} (issue 19's ORT target names batch 1024: BENCH_W3_INFER_BATCH=1024)`);
  const results: ModelsResults = {
    ...makeHeader({
      benchmark: 'models',
      command: 'npm run bench:models',
      machine,
      pins: [
        ...nativePins(neuriteThreads),
        { library: 'PyTorch', threads: torchInfo?.threads ?? null, how: 'torch.set_num_threads(n)' },
        { library: 'ONNX Runtime', threads: ortVersion ? THREADS : null, how: 'intraOpNumThreads (interOpNumThreads 1)' },
      ],
      versions: { ...libraryVersions(['torch', 'tcmalloc', 'onnxruntime-node']), torch: torchInfo?.version ?? null, 'onnxruntime (native)': ortVersion },
      rounds,
      budgetSeconds: budget,
      notes: [...torchNotes, ...notes],
    }),
    backend,
    previous: base?.commit ?? null,
    rows,
    rss,
  };
  const file = writeResults('models', results);
  console.log(renderModels(results, 'bench-results/models.json'));
  console.log(`(written to ${file})`);
  if (process.env.BENCH_SCALING === '1') {
    const r = spawnSync(process.execPath, [fileURLToPath(new URL('./scaling.js', import.meta.url))], { stdio: 'inherit', env: process.env });
    if (r.status !== 0) process.exitCode = r.status ?? 1;
  }
}

// Run as a script (node build/bench/models.js and its children), not when imported (bench/webgpu.ts).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
