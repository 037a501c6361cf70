/**
 * `npm run bench:data`: does the `nt.data.Dataset` pipeline keep up with training?
 *
 * On real Fashion-MNIST (the first N training images, scaled to [0, 1]), batch 128:
 *
 *   D1  mnist_cnn (examples/cnn-fashion-mnist.ts), one epoch over N = 6,144 images, shuffled:
 *         model.fit(x, y, { batchSize: 128, shuffle: true, epochs: 1 })
 *       vs
 *         model.fit(nt.data.Dataset.fromTensorSlices([x, y]).shuffle(N).batch(128).prefetch(1), { epochs: 1 })
 *       training samples/s of each; target: Dataset ≥ 0.95x arrays.
 *   D2  the same with a small MLP (Flatten → Dense 128 relu → Dense 10 softmax) over 59,904
 *       images (all 60,000 but a last partial batch), where the pipeline's own cost weighs most; same target.
 *   D3  augmentation: Dataset.fromTensorSlices(x).shuffle(N).batch(128).map(b => augment(b)).prefetch(2)
 *       images/s, augment being preprocessing layers called with { training: true }
 *       (RandomFlip('horizontal'), RandomTranslation(0.1, 0.1), RandomRotation(0.05) where those
 *       are registered and work; else RandomFlip('horizontal'), ZeroPadding2D(2) + RandomCrop(28, 28),
 *       RandomContrast(0.2)), vs mnist_cnn training samples/s at batch 128 (trainOnBatch on
 *       one fixed batch, as bench:augment's training side); target: ≥ 3x. Also end to end:
 *       fit on the augmented Dataset ([x, y] batches, map on x) vs D1's fit on arrays.
 *
 * On the shared harness (bench/common.ts): every measurement is a side in its own child
 * process (native threads pinned to BENCH_THREADS), all sides in alternating rounds whose
 * order rotates (at least 5 rounds). A fit side trains one warm-up epoch (it traces the
 * step's plan) and then whole epochs until BENCH_BUDGET_S seconds have passed (at least
 * 2); a Dataset side then times passes of its pipeline alone (no training) the same way,
 * which shows what the pipeline costs by itself. The header prints the machine, the
 * measured peak, the thread pins and the versions; the tables show medians [min–max] over
 * the rounds and the ratio of the medians.
 *
 *   BENCH_ROUNDS=5 BENCH_BUDGET_S=1 npm run bench:data   # rounds (≥ 5); timed seconds per measurement (defaults)
 *   BENCH_WORKLOADS=d1,d2 npm run bench:data             # default: d1,d2,d3
 *   BENCH_DATA_E2E=0                                      # leave out D3's end-to-end fit (default 1)
 *   BENCH_THREADS=2                                       # every side's native threads
 * Writes bench-results/data.json.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mnistCnn } from '../examples/cnn-fashion-mnist.js';
import type * as Nt from '../src/index.js';
import {
  alternateRounds, benchRounds, cell, emit, envList, envNumber, FASHION, fashionMnist, failureNotes, libraryVersions, makeHeader, measureMachine, nativePins, nodeSide, pinNativeThreads,
  printStart, remeasurePeak, ROOT, samplesPerSecond, sideArgs, target, writeResults, type SideSpec,
} from './common.js';
import type { DataAugmentRow, DataFitId, DataFitRow, DataResults } from './results.js';
import { renderData, versionText } from './tables.js';

const SELF = fileURLToPath(import.meta.url);
const BATCH = 128;
/** The image shape every workload feeds its model. */
const SHAPE = [28, 28, 1] as const;

/** D1 and D2: a model trained on arrays and on a Dataset of the same images. */
interface FitWorkload {
  readonly id: 'd1' | 'd2';
  readonly title: string;
  readonly model: 'cnn' | 'mlp';
  /** Images per epoch (a multiple of the batch: every batch is full, one plan per side). */
  readonly samples: number;
}

const FIT_WORKLOADS: Record<'d1' | 'd2', FitWorkload> = {
  d1: { id: 'd1', title: 'D1 mnist_cnn, Adam', model: 'cnn', samples: 6144 },
  d2: { id: 'd2', title: 'D2 MLP 784-128-10, Adam', model: 'mlp', samples: 60000 - (60000 % BATCH) },
};
/** D3's images per pass (D1's, so that its end-to-end row compares with D1's fit on arrays). */
const D3_SAMPLES = FIT_WORKLOADS.d1.samples;

/** Which augmentation layers D3 runs: Keras' geometric ones when registered and working, else the fallback. */
type Augmentation = 'geometric' | 'fallback';
const AUGMENTATION_TEXT: Record<Augmentation, string> = {
  geometric: "RandomFlip('horizontal'), RandomTranslation(0.1, 0.1), RandomRotation(0.05)",
  fallback: "RandomFlip('horizontal'), ZeroPadding2D(2) + RandomCrop(28, 28), RandomContrast(0.2, valueRange [0, 1])",
};

/** What a side reports. */
interface DataRun {
  /** Training samples/s (fit, train) or augmented images/s (augment). */
  readonly rate: number;
  /** A Dataset side: samples/s of its pipeline alone, without training (null for the others). */
  readonly pipeline: number | null;
  readonly backend: string;
  readonly threads: number | null;
}

type Mode = 'arrays' | 'dataset' | 'augmented';

// ---- what the sides run ------------------------------------------------------------------


function compiledModel(nt: typeof Nt, kind: 'cnn' | 'mlp'): Nt.Sequential {
  const init = (k: number): Nt.initializers.Initializer => new nt.initializers.GlorotUniform({ seed: 1 + k });
  const model =
    kind === 'cnn'
      ? mnistCnn(1, SHAPE)
      : new nt.Sequential([
          new nt.Flatten({ inputShape: [...SHAPE] }),
          new nt.Dense({ units: 128, activation: 'relu', kernelInitializer: init(0) }),
          new nt.Dense({ units: 10, activation: 'softmax', kernelInitializer: init(1) }),
        ]);
  model.compile({ optimizer: 'adam', loss: 'categorical_crossentropy' });
  return model;
}

/** D3's augmentation layers (seeded). */
function augmentationLayers(nt: typeof Nt, which: Augmentation): Nt.Layer[] {
  const flip = new nt.RandomFlip({ mode: 'horizontal', seed: 11 });
  if (which === 'geometric') {
    // Built by class name: the bench compiles whether or not the geometric layers are there yet.
    return [
      flip,
      nt.deserializeLayer({ class_name: 'RandomTranslation', config: { height_factor: 0.1, width_factor: 0.1, seed: 12 } }),
      nt.deserializeLayer({ class_name: 'RandomRotation', config: { factor: 0.05, seed: 13 } }),
    ];
  }
  return [flip, new nt.ZeroPadding2D({ padding: 2 }), new nt.RandomCrop({ height: SHAPE[0], width: SHAPE[1], seed: 12 }), new nt.RandomContrast({ factor: 0.2, valueRange: [0, 1], seed: 13 })];
}

/** The augmentation as one function of a batch of images: each layer called with { training: true }. */
function augmenter(nt: typeof Nt, which: Augmentation): (batch: Nt.Tensor) => Nt.Tensor {
  const layers = augmentationLayers(nt, which);
  return (batch) => layers.reduce((t, l) => l.apply(t, { training: true }), batch);
}

/**
 * Whether Keras' geometric layers (RandomTranslation, RandomRotation) are registered and
 * augment a batch to its own shape; why not, when they do not.
 */
async function geometricMissing(): Promise<string | null> {
  const nt = await import('../src/index.js');
  const names = nt.registeredLayerNames();
  const missing = ['RandomTranslation', 'RandomRotation'].filter((n) => !names.includes(n));
  if (missing.length) return `${missing.join(' and ')} not registered (src/layers/preprocessing/geometric.ts ${existsSync(join(ROOT, 'src', 'layers', 'preprocessing', 'geometric.ts')) ? 'exists but does not register them' : 'does not exist yet'})`;
  try {
    const x = nt.randomUniform([4, ...SHAPE], { seed: 3 });
    const out = augmenter(nt, 'geometric')(x);
    if (out.shape.join(',') !== x.shape.join(',')) return `they turn [${x.shape.join(', ')}] into [${out.shape.join(', ')}]`;
    const v = await out.data();
    if (!Array.from(v).every(Number.isFinite)) return 'they give non-finite values';
  } catch (e) {
    return `they fail: ${(e as Error).message}`;
  }
  return null;
}

/** Samples/s of whole epochs (passes): one warm-up epoch, then epochs for `seconds` (at least 2). */
async function epochsPerSecond(epoch: () => Promise<unknown>, samples: number, seconds: number): Promise<number> {
  await epoch();
  const t = performance.now();
  let n = 0;
  while ((performance.now() - t) / 1000 < seconds || n < 2) {
    await epoch();
    n++;
  }
  return (n * samples) / ((performance.now() - t) / 1000);
}

/** One pass over a Dataset, its elements dropped (the pipeline alone). */
async function drain(ds: AsyncIterable<unknown>): Promise<void> {
  for await (const e of ds) void e;
}

/** Side 'fit': training samples/s of `fit` on arrays, on the Dataset, or on the augmented Dataset (D3, mnist_cnn). */
async function measureFit(id: DataFitId, mode: Mode, budget: number, which: Augmentation): Promise<DataRun> {
  const nt = await import('../src/index.js');
  const threads = pinNativeThreads(nt.nativeAddon());
  const w = FIT_WORKLOADS[id === 'd3' ? 'd1' : id];
  const n = id === 'd3' ? D3_SAMPLES : w.samples;
  const { x, y } = await fashionMnist(nt, n);
  const model = compiledModel(nt, w.model);
  if (mode === 'arrays') {
    const rate = await epochsPerSecond(() => model.fit(x, y, { batchSize: BATCH, shuffle: true, epochs: 1, verbose: 0 }), n, budget);
    return { rate, pipeline: null, backend: nt.getBackendName(), threads };
  }
  const pairs = nt.data.Dataset.fromTensorSlices([x, y]).shuffle(n).batch(BATCH);
  let ds: Nt.data.Dataset<Nt.data.Element>;
  if (mode === 'dataset') ds = pairs.prefetch(1);
  else {
    const augment = augmenter(nt, which);
    ds = pairs
      .map((e) => {
        const [bx, by] = e as [Nt.Tensor, Nt.Tensor];
        return [augment(bx), by];
      })
      .prefetch(2);
  }
  const rate = await epochsPerSecond(() => model.fit(ds, { epochs: 1, verbose: 0 }), n, budget);
  // The augmented pipeline alone is the 'augment' side's measurement.
  const pipeline = mode === 'dataset' ? await epochsPerSecond(() => drain(ds), n, budget) : null;
  return { rate, pipeline, backend: nt.getBackendName(), threads };
}

/** Side 'augment': images/s of D3's augmentation pipeline alone (whole passes). */
async function measureAugment(budget: number, which: Augmentation): Promise<DataRun> {
  const nt = await import('../src/index.js');
  const threads = pinNativeThreads(nt.nativeAddon());
  const { x } = await fashionMnist(nt, D3_SAMPLES);
  const augment = augmenter(nt, which);
  const ds = nt.data.Dataset.fromTensorSlices(x).shuffle(D3_SAMPLES).batch(BATCH).map((b) => augment(b as Nt.Tensor)).prefetch(2);
  const rate = await epochsPerSecond(async () => {
    let images = 0;
    for await (const b of ds) images += b.shape[0];
    if (images !== D3_SAMPLES) throw new Error(`d3: a pass gave ${images} images, expected ${D3_SAMPLES}`);
  }, D3_SAMPLES, budget);
  return { rate, pipeline: null, backend: nt.getBackendName(), threads };
}

/** Side 'train': mnist_cnn training samples/s, trainOnBatch on one fixed batch of 128 real images (bench:augment's training side). */
async function measureTrain(budget: number): Promise<DataRun> {
  const nt = await import('../src/index.js');
  const threads = pinNativeThreads(nt.nativeAddon());
  const { x, y } = await fashionMnist(nt, BATCH);
  const model = compiledModel(nt, 'cnn');
  const rate = await samplesPerSecond(() => model.trainOnBatch(x, y), BATCH, budget);
  return { rate, pipeline: null, backend: nt.getBackendName(), threads };
}

// ---- the parent --------------------------------------------------------------------------

const datasetCode = (id: DataFitId): string => {
  const n = id === 'd3' ? D3_SAMPLES : FIT_WORKLOADS[id].samples;
  return id === 'd3'
    ? `fromTensorSlices([x, y]).shuffle(${n}).batch(${BATCH}).map(([x, y]) => [augment(x), y]).prefetch(2)`
    : `fromTensorSlices([x, y]).shuffle(${n}).batch(${BATCH}).prefetch(1)`;
};

async function main(): Promise<void> {
  const budget = envNumber('BENCH_BUDGET_S', 1, { min: 0.01 });
  const side = sideArgs();
  if (side) {
    const [kind, a, b, c] = side;
    try {
      if (kind === 'fit') emit(await measureFit(a as DataFitId, b as Mode, budget, (c ?? 'fallback') as Augmentation));
      else if (kind === 'augment') emit(await measureAugment(budget, a as Augmentation));
      else if (kind === 'train') emit(await measureTrain(budget));
      else throw new Error(`unknown side '${kind}'`);
    } catch (e) {
      // The error's own line last: the parent quotes the last lines of a failed side.
      console.error(`${side.join(' ')}: ${(e as Error).message}`);
      process.exitCode = 1;
    }
    return;
  }
  const rounds = benchRounds();
  const asked = envList('BENCH_WORKLOADS', 'd1,d2,d3').map((w) => w.toLowerCase());
  for (const w of asked) if (!['d1', 'd2', 'd3'].includes(w)) throw new Error(`BENCH_WORKLOADS: unknown workload '${w}'; use d1, d2, d3`);
  const e2e = envNumber('BENCH_DATA_E2E', 1, { integer: true }) !== 0;
  if (!existsSync(join(FASHION, 'train-images-idx3-ubyte.gz'))) throw new Error(`bench:data: no Fashion-MNIST in ${FASHION} (Debian's dataset-fashion-mnist; npm run bench:setup)`);
  const notes: string[] = [];
  const started = await measureMachine();
  const nt = await import('../src/index.js');
  const versions = libraryVersions([]);
  const d3 = asked.includes('d3');
  const whyNot = d3 ? await geometricMissing() : null;
  const which: Augmentation = whyNot === null ? 'geometric' : 'fallback';
  if (d3 && whyNot) notes.push(`D3 augments with the fallback layers: Keras' geometric layers are not usable (${whyNot})`);

  const fitIds = (['d1', 'd2'] as const).filter((id) => asked.includes(id));
  const sides: SideSpec[] = [];
  for (const id of fitIds) {
    sides.push(nodeSide(`fit:${id}:arrays`, `${id.toUpperCase()} fit on arrays`, SELF, ['fit', id, 'arrays'], { required: true }));
    sides.push(nodeSide(`fit:${id}:dataset`, `${id.toUpperCase()} fit on the Dataset`, SELF, ['fit', id, 'dataset'], { required: true }));
  }
  if (d3) {
    sides.push(nodeSide('augment:d3', 'D3 augmentation', SELF, ['augment', which], { required: true }));
    sides.push(nodeSide('train:d3', 'D3 mnist_cnn trainOnBatch', SELF, ['train'], { required: true }));
    if (e2e) {
      // The end-to-end row compares with D1's fit on arrays (the same images and model).
      if (!fitIds.includes('d1')) sides.push(nodeSide('fit:d1:arrays', 'D1 fit on arrays', SELF, ['fit', 'd1', 'arrays'], { required: true }));
      sides.push(nodeSide('fit:d3:augmented', 'D3 fit on the augmented Dataset', SELF, ['fit', 'd3', 'augmented', which]));
    }
  }
  printStart('bench:data', started, rounds, sides, budget);
  console.log(`versions: ${versionText(versions)}`);
  if (d3) console.log(`D3 augmentation: ${AUGMENTATION_TEXT[which]}${whyNot ? ` (fallback: ${whyNot})` : ''}`);
  const runs = alternateRounds<DataRun>(sides, rounds, 'data');
  const machine = await remeasurePeak(started);
  notes.push(...failureNotes(runs.values()));
  const sideRuns = (id: string): DataRun[] => runs.get(id)?.runs ?? [];

  const fitRow = (id: DataFitId, title: string, arraysSide: string, datasetSide: string, goal: number | null): DataFitRow | null => {
    const a = sideRuns(arraysSide);
    const d = sideRuns(datasetSide);
    if (a.length === 0 || d.length === 0) return null;
    const arrays = cell(a.map((r) => r.rate));
    const dataset = cell(d.map((r) => r.rate));
    const pipe = d.map((r) => r.pipeline).filter((v): v is number => v !== null);
    const ratio = dataset.median / arrays.median;
    return {
      workload: id,
      title,
      samples: id === 'd3' ? D3_SAMPLES : FIT_WORKLOADS[id].samples,
      batch: BATCH,
      pipeline: datasetCode(id),
      arrays,
      dataset,
      pipelineAlone: pipe.length ? cell(pipe) : null,
      ratio,
      target: goal === null ? null : target('x arrays', '>=', goal, ratio, 'x'),
    };
  };
  const fitRows: DataFitRow[] = [];
  for (const id of fitIds) {
    const row = fitRow(id, FIT_WORKLOADS[id].title, `fit:${id}:arrays`, `fit:${id}:dataset`, 0.95);
    if (row) fitRows.push(row);
  }
  if (d3 && e2e) {
    const row = fitRow('d3', 'D3 mnist_cnn, Adam, augmented (end to end)', 'fit:d1:arrays', 'fit:d3:augmented', null);
    if (row) fitRows.push(row);
  }
  const augmentRows: DataAugmentRow[] = [];
  if (d3) {
    const augment = cell(sideRuns('augment:d3').map((r) => r.rate));
    const train = cell(sideRuns('train:d3').map((r) => r.rate));
    const ratio = augment.median / train.median;
    augmentRows.push({
      workload: 'd3',
      title: 'D3 Fashion-MNIST 28×28×1',
      samples: D3_SAMPLES,
      batch: BATCH,
      pipeline: `fromTensorSlices(x).shuffle(${D3_SAMPLES}).batch(${BATCH}).map(augment).prefetch(2)`,
      augmentation: AUGMENTATION_TEXT[which],
      augment,
      train,
      ratio,
      target: target('x training', '>=', 3, ratio, 'x'),
    });
  }
  const first = [...runs.values()].flatMap((r) => r.runs)[0];
  const threads = [...runs.values()].flatMap((r) => r.runs.map((x) => x.threads)).find((t) => t !== null) ?? null;
  const results: DataResults = {
    ...makeHeader({
      benchmark: 'data',
      command: 'npm run bench:data',
      machine,
      pins: nativePins(threads),
      versions,
      rounds,
      budgetSeconds: budget,
      notes: [
        `real data: the first N Fashion-MNIST training images (${FASHION}), scaled to [0, 1], one-hot labels, categorical cross-entropy, Adam, batch ${BATCH}; arrays: model.fit(x, y, { batchSize: ${BATCH}, shuffle: true, epochs: 1 }); Dataset: model.fit(nt.data.Dataset.<pipeline>, { epochs: 1 }); verbose 0`,
        'a fit side trains one warm-up epoch, then whole epochs (one fit call each) for the timed seconds, at least 2; "pipeline alone" is a pass over the same Dataset without training, timed the same way in the same process (for the augmented pipeline: the augmentation row)',
        ...(d3
          ? [`D3: augmentation ${AUGMENTATION_TEXT[which]}, each layer called with { training: true } inside map; the training side is mnist_cnn trainOnBatch on one fixed batch of ${BATCH} images (as bench:augment's); the end-to-end row is fit on the augmented Dataset against D1's fit on arrays`]
          : []),
        ...notes,
      ],
    }),
    backend: first?.backend ?? nt.getBackendName(),
    fitRows,
    augmentRows,
  };
  const file = writeResults('data', results);
  console.log(renderData(results, 'bench-results/data.json'));
  console.log(`(written to ${file})`);
}

await main();
