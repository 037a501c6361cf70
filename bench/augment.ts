/**
 * `npm run bench:augment`: can augmentation keep up with training on this machine?
 *
 * Images/s of ImageDataGenerator batches with rotation + shift + zoom + flip, beside the
 * training samples/s of the Keras mnist_cnn layout on images of the same size. A ratio
 * above 1 means augmentation prepares images faster than the model consumes them.
 *
 *   A1  flow, 28×28×1, batch 128        vs  mnist_cnn training on 28×28×1, batch 128
 *   A2  flow, 128×128×3, batch 32       vs  the same layout on 128×128×3 (seed 000's target size), batch 32
 *   A3  flowFromDirectory, real PNGs (Fashion-MNIST written once to a temp folder), 28×28×1, batch 128
 *       (read + decode + augment)       vs  mnist_cnn training on 28×28×1, batch 128 (A1's training side)
 *
 * On the shared harness (bench/common.ts): every augmentation and every training
 * measurement is a side in its own child process (native threads pinned to BENCH_THREADS),
 * all sides in alternating rounds whose order rotates (at least 5 rounds), each a warm-up
 * then BENCH_BUDGET_S timed seconds (samplesPerSecond). The header prints the machine, the
 * measured peak, the thread pins and the versions; the table shows medians [min–max] over
 * the rounds, the ratio of the medians, and training GFLOP/s (FLOPs from the model).
 *
 *   BENCH_ROUNDS=5 BENCH_BUDGET_S=1 npm run bench:augment   # rounds (≥ 5); timed seconds per measurement (defaults)
 *   BENCH_WORKLOADS=a1,a3 npm run bench:augment             # default: a1,a2,a3
 *   BENCH_THREADS=2                                         # every side's native threads
 * Writes bench-results/augment.json.
 */
import { existsSync, mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mnistCnn } from '../examples/cnn-fashion-mnist.js';
import type * as Nt from '../src/index.js';
import {
  alternateRounds, benchRounds, cell, emit, envList, envNumber, failureNotes, libraryVersions, makeHeader, measureMachine, modelFlops, nativePins, nodeSide, pinNativeThreads,
  printStart, remeasurePeak, samplesPerSecond, sideArgs, target, writeResults, type SideRuns, type SideSpec,
} from './common.js';
import type { AugmentId, AugmentResults, AugmentRow } from './results.js';
import { renderAugment, versionText } from './tables.js';

const SELF = fileURLToPath(import.meta.url);
const FASHION = '/usr/share/datasets/fashion-mnist';
const PNG_COUNT = 4096;
const AUGMENT: Nt.ImageDataGeneratorArgs = { rotationRange: 15, widthShiftRange: 0.1, heightShiftRange: 0.1, zoomRange: 0.1, horizontalFlip: true, rescale: 1 / 255 };

type Shape = [number, number, number];

/** One workload: what augments and the training it is compared with. */
interface Workload {
  readonly id: AugmentId;
  readonly title: string;
  readonly shape: Shape;
  readonly batch: number;
  /** Images the flow iterates over (a multiple of the batch: every batch is full). */
  readonly images: number;
  /** The training side (shared by workloads of the same size and batch). */
  readonly train: string;
}

const WORKLOADS: Record<AugmentId, Workload> = {
  a1: { id: 'a1', title: 'A1 flow 28×28×1', shape: [28, 28, 1], batch: 128, images: 2048, train: '28x28x1:128' },
  a2: { id: 'a2', title: 'A2 flow 128×128×3', shape: [128, 128, 3], batch: 32, images: 256, train: '128x128x3:32' },
  a3: { id: 'a3', title: 'A3 flowFromDirectory PNG 28×28×1', shape: [28, 28, 1], batch: 128, images: PNG_COUNT, train: '28x28x1:128' },
};

/** What a side reports. */
interface AugmentRun {
  /** Images/s (augmentation) or samples/s (training). */
  readonly rate: number;
  readonly backend: string;
  readonly threads: number | null;
}

const labels = (nt: typeof Nt, n: number): Nt.Tensor => nt.toCategorical(nt.tensor(Int32Array.from({ length: n }, (_, i) => i % 10)), 10);

function compiledCnn(shape: Shape): Nt.Sequential {
  const model = mnistCnn(1, shape);
  model.compile({ optimizer: 'adam', loss: 'categorical_crossentropy' });
  return model;
}

/** The first `n` Fashion-MNIST test images as PNGs in class folders under a new temp folder. */
async function pngTree(nt: typeof Nt, n: number): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), 'neurite-bench-png-'));
  const img = await nt.readIdxFile(join(FASHION, 't10k-images-idx3-ubyte.gz'));
  const lab = await nt.readIdxFile(join(FASHION, 't10k-labels-idx1-ubyte.gz'));
  for (let c = 0; c < 10; c++) mkdirSync(join(root, `class_${c}`));
  await Promise.all(
    Array.from({ length: n }, (_, i) => nt.saveImg(join(root, `class_${lab.data[i]}`, `${i}.png`), nt.tensor(Float32Array.from(img.data.subarray(i * 784, (i + 1) * 784)), [28, 28, 1]), { scale: false })),
  );
  return root;
}

/** Side 'train': mnist_cnn training samples/s on seeded images of `shape`. */
async function measureTrain(shape: Shape, batch: number, budget: number): Promise<AugmentRun> {
  const nt = await import('../src/index.js');
  const threads = pinNativeThreads(nt.nativeAddon());
  const model = compiledCnn(shape);
  const x = nt.randomUniform([batch, ...shape], { seed: 1 });
  const y = labels(nt, batch);
  const rate = await samplesPerSecond(() => model.trainOnBatch(x, y), batch, budget);
  return { rate, backend: nt.getBackendName(), threads };
}

/** Side 'augment': images/s of augmented batches from flow (A1, A2) or flowFromDirectory over `pngRoot` (A3). */
async function measureAugment(w: Workload, budget: number, pngRoot: string | undefined): Promise<AugmentRun> {
  const nt = await import('../src/index.js');
  const threads = pinNativeThreads(nt.nativeAddon());
  const g = new nt.ImageDataGenerator(AUGMENT);
  let it: AsyncIterator<Nt.ImageBatch>;
  if (w.id === 'a3') {
    if (!pngRoot) throw new Error('A3 needs the PNG folder');
    it = g.flowFromDirectory(pngRoot, { targetSize: [w.shape[0], w.shape[1]], colorMode: 'grayscale', batchSize: w.batch, seed: 1, verbose: false });
  } else {
    it = g.flow(nt.randomUniform([w.images, ...w.shape], { minval: 0, maxval: 255, seed: 2 }), labels(nt, w.images), { batchSize: w.batch, seed: 1 });
  }
  const rate = await samplesPerSecond(async () => {
    const { value } = await it.next();
    const n = (value instanceof nt.Tensor ? value : value[0]).shape[0];
    if (n !== w.batch) throw new Error(`${w.id}: a batch of ${n} images, expected ${w.batch}`);
  }, w.batch, budget);
  return { rate, backend: nt.getBackendName(), threads };
}

async function main(): Promise<void> {
  const budget = envNumber('BENCH_BUDGET_S', 1, { min: 0.01 });
  const side = sideArgs();
  if (side) {
    const [kind, a, b] = side;
    try {
      if (kind === 'train') {
        const [shape, batch] = a.split(':');
        emit(await measureTrain(shape.split('x').map(Number) as Shape, Number(batch), budget));
      } else emit(await measureAugment(WORKLOADS[a as AugmentId], budget, b));
    } catch (e) {
      // The error's own line last: the parent quotes the last lines of a failed side.
      console.error(`${side.join(' ')}: ${(e as Error).message}`);
      process.exitCode = 1;
    }
    return;
  }
  const rounds = benchRounds();
  const asked = envList('BENCH_WORKLOADS', 'a1,a2,a3').map((w) => w.toLowerCase());
  for (const w of asked) if (!(w in WORKLOADS)) throw new Error(`BENCH_WORKLOADS: unknown workload '${w}'; use a1, a2, a3`);
  const notes: string[] = [];
  const workloads = (asked as AugmentId[]).map((id) => WORKLOADS[id]).filter((w) => {
    if (w.id !== 'a3' || existsSync(join(FASHION, 't10k-images-idx3-ubyte.gz'))) return true;
    notes.push(`A3 not measured: no Fashion-MNIST in ${FASHION} (Debian's dataset-fashion-mnist)`);
    return false;
  });
  if (workloads.length === 0) throw new Error(`bench:augment: nothing to measure${notes.length ? ` (${notes.join('; ')})` : ''}`);
  const started = await measureMachine();
  const nt = await import('../src/index.js');
  const versions = libraryVersions([]);
  // A3's PNGs are written once, here, and read by every A3 side.
  const pngRoot = workloads.some((w) => w.id === 'a3') ? await pngTree(nt, PNG_COUNT) : undefined;
  try {
    const trains = [...new Set(workloads.map((w) => w.train))];
    const sides: SideSpec[] = [
      ...workloads.map((w) => nodeSide(`augment:${w.id}`, `${w.id.toUpperCase()} augmentation`, SELF, ['augment', w.id, ...(w.id === 'a3' && pngRoot ? [pngRoot] : [])], { required: true })),
      ...trains.map((t) => nodeSide(`train:${t}`, `training ${t.replace(':', ', batch ')}`, SELF, ['train', t], { required: true })),
    ];
    printStart('bench:augment', started, rounds, sides, budget);
    console.log(`versions: ${versionText(versions)}`);
    const runs = alternateRounds<AugmentRun>(sides, rounds, 'augment');
    const machine = await remeasurePeak(started);
    notes.push(...failureNotes(runs.values()));
    const sideRuns = (id: string): AugmentRun[] => (runs.get(id) as SideRuns<AugmentRun>).runs;
    const rows: AugmentRow[] = workloads.map((w) => {
      const augment = cell(sideRuns(`augment:${w.id}`).map((r) => r.rate));
      const train = cell(sideRuns(`train:${w.train}`).map((r) => r.rate));
      const ratio = augment.median / train.median;
      const flops = modelFlops(mnistCnn(1, w.shape), w.shape).training;
      const trainGflops = (train.median * flops) / 1e9;
      return {
        workload: w.id,
        title: w.title,
        shape: w.shape,
        batch: w.batch,
        augment,
        train,
        ratio,
        trainFlopsPerSample: flops,
        trainGflops,
        trainPeakPercent: (100 * trainGflops) / machine.peakGflops,
        target: target('x training', '>=', 1, ratio, 'x'),
      };
    });
    const first = sideRuns(sides[sides.length - 1].id)[0];
    const threads = [...runs.values()].flatMap((r) => r.runs.map((x) => x.threads)).find((t) => t !== null) ?? null;
    const results: AugmentResults = {
      ...makeHeader({
        benchmark: 'augment',
        command: 'npm run bench:augment',
        machine,
        pins: nativePins(threads),
        versions,
        rounds,
        budgetSeconds: budget,
        notes: [
          `augmentation: ${Object.entries(AUGMENT).map(([k, v]) => `${k} ${typeof v === 'number' ? String(Number(v.toPrecision(3))) : String(v)}`).join(', ')}; A1/A2 flow over seeded uniform images, A3 reads ${PNG_COUNT} Fashion-MNIST PNGs (written once before the rounds)`,
          'training: the Keras mnist_cnn layout (examples/cnn-fashion-mnist.ts), Adam, trainOnBatch on one fixed batch; A3 is compared with A1\'s training side',
          ...notes,
        ],
      }),
      backend: first?.backend ?? nt.getBackendName(),
      augmentation: AUGMENT,
      rows,
    };
    const file = writeResults('augment', results);
    console.log(renderAugment(results, 'bench-results/augment.json'));
    console.log(`(written to ${file})`);
  } finally {
    if (pngRoot) rmSync(pngRoot, { recursive: true, force: true });
  }
}

await main();
