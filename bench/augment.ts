/**
 * `npm run bench:augment`: can augmentation keep up with training on this machine?
 *
 * Images/s of ImageDataGenerator batches with rotation + shift + zoom + flip, beside the
 * training samples/s of the Keras mnist_cnn layout measured in the same run on images of
 * the same size. A ratio above 1 means augmentation prepares images faster than the
 * model consumes them.
 *
 *   A1  flow, 28×28×1, batch 128        vs  mnist_cnn training on 28×28×1, batch 128
 *   A2  flow, 128×128×3, batch 32       vs  the same layout on 128×128×3 (seed 000's target size), batch 32
 *   A3  flowFromDirectory, real PNGs (Fashion-MNIST written to a temp folder), 28×28×1, batch 128
 *       (read + decode + augment)       vs  mnist_cnn training on 28×28×1, batch 128
 *
 *   BENCH_BUDGET_S=5 npm run bench:augment      # seconds per measurement (default 3)
 */
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nt from '../src/index.js';
import { mnistCnn } from '../examples/cnn-fashion-mnist.js';

const BUDGET = Number(process.env.BENCH_BUDGET_S ?? 3);
const AUGMENT: nt.ImageDataGeneratorArgs = { rotationRange: 15, widthShiftRange: 0.1, heightShiftRange: 0.1, zoomRange: 0.1, horizontalFlip: true, rescale: 1 / 255 };

/** Median items/s over 3 timed blocks after one warm-up call. */
async function rate(step: () => Promise<number> | number): Promise<number> {
  await step();
  const runs: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t = performance.now();
    let items = 0;
    let calls = 0;
    while ((performance.now() - t) / 1000 < BUDGET / 3 || calls < 2) {
      items += await step();
      calls++;
    }
    runs.push(items / ((performance.now() - t) / 1000));
  }
  return runs.sort((a, b) => a - b)[1];
}

function cnn(shape: [number, number, number]): nt.Sequential {
  const model = mnistCnn(1, shape);
  model.compile({ optimizer: 'adam', loss: 'categorical_crossentropy' });
  return model;
}

async function trainRate(shape: [number, number, number], batch: number): Promise<number> {
  const model = cnn(shape);
  const x = nt.randomUniform([batch, ...shape], { seed: 1 });
  const y = nt.toCategorical(nt.tensor(Int32Array.from({ length: batch }, (_, i) => i % 10)), 10);
  return rate(() => {
    void model.trainOnBatch(x, y);
    return batch;
  });
}

function images(n: number, shape: [number, number, number]): nt.Tensor {
  return nt.randomUniform([n, ...shape], { minval: 0, maxval: 255, seed: 2 });
}

async function flowRate(it: AsyncIterator<nt.ImageBatch>): Promise<number> {
  return rate(async () => {
    const { value } = await it.next();
    return (value instanceof nt.Tensor ? value : value[0]).shape[0];
  });
}

async function pngTree(n: number): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), 'neurite-bench-png-'));
  const img = await nt.readIdxFile('/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz');
  const lab = await nt.readIdxFile('/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz');
  for (let c = 0; c < 10; c++) mkdirSync(join(root, `class_${c}`));
  await Promise.all(
    Array.from({ length: n }, (_, i) => nt.saveImg(join(root, `class_${lab.data[i]}`, `${i}.png`), nt.tensor(Float32Array.from(img.data.subarray(i * 784, (i + 1) * 784)), [28, 28, 1]), { scale: false })),
  );
  return root;
}

async function main(): Promise<void> {
  console.log(`backend ${nt.getBackendName()}; budget ${BUDGET} s per measurement`);
  const rows: [string, number, number][] = [];
  const g = new nt.ImageDataGenerator(AUGMENT);
  const y = (n: number): nt.Tensor => nt.toCategorical(nt.tensor(Int32Array.from({ length: n }, (_, i) => i % 10)), 10);

  const train28 = await trainRate([28, 28, 1], 128);
  rows.push(['A1 flow 28x28x1, batch 128', await flowRate(g.flow(images(2048, [28, 28, 1]), y(2048), { batchSize: 128, seed: 1 })), train28]);

  const train128 = await trainRate([128, 128, 3], 32);
  rows.push(['A2 flow 128x128x3, batch 32', await flowRate(g.flow(images(256, [128, 128, 3]), y(256), { batchSize: 32, seed: 1 })), train128]);

  const root = await pngTree(4096);
  try {
    const dir = g.flowFromDirectory(root, { targetSize: [28, 28], colorMode: 'grayscale', batchSize: 128, seed: 1, verbose: false });
    rows.push(['A3 flowFromDirectory PNG 28x28x1, batch 128', await flowRate(dir), train28]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }

  console.log('\n| workload | augmentation images/s | training samples/s (same size) | ratio |');
  console.log('|---|---:|---:|---:|');
  for (const [name, aug, train] of rows) console.log(`| ${name} | ${aug.toFixed(0)} | ${train.toFixed(0)} | ${(aug / train).toFixed(1)}x |`);
}

main().catch((e: unknown) => {
  console.error((e as Error).stack ?? e);
  process.exit(1);
});
