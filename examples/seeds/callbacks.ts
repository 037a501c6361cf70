/**
 * Seed 000's callbacks on real Fashion-MNIST:
 *   - a training monitor (the seed's `TrainingMonitor("./perEpochGraph.png")`): a custom
 *     Callback that, after every epoch, writes the history so far as JSON and a plot of
 *     loss/accuracy per epoch as SVG and PNG, so training can be watched while it runs;
 *   - `ModelCheckpoint("./checkpoints/model-checkpoint-{epoch:02d}-{val_accuracy:.2f}.hdf5",
 *     monitor='val_accuracy', verbose=1, save_best_only=True, mode='max')`: whole models in
 *     Keras' HDF5 layout, one each time the validation accuracy improves;
 *   - EarlyStopping, and 20% of the training data held out for validation (the seed's advice);
 *   - the best checkpoint loaded back with `loadModel` and checked against the number in its name;
 *   - `model.save(...)` to HDF5 (seed 000's "save the model to disk").
 *
 *   node build/examples/seeds/callbacks.js                      # 60,000 images, up to 10 epochs
 *   node build/examples/seeds/callbacks.js --smoke --out /tmp/cb
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import * as nt from '../../src/index.js';
import { stringArg } from '../common/cli.js';
import { flatten, isSmoke, loadFashion, lossAndAccuracy, printResult, runIfMain } from './common.js';

/** One epoch's logs, as the monitor records them. */
export type EpochLogs = Record<string, number>;

/**
 * Writes the training history after every epoch: `jsonPath` (all logs so far, by key) and
 * `figPath` (a line plot of every logged series against the epoch; `.png` or `.svg`).
 */
export class TrainingMonitor extends nt.Callback {
  readonly history: Record<string, number[]> = {};
  /** Files written (the last epoch's). */
  written: string[] = [];

  constructor(readonly figPath: string, readonly jsonPath?: string) {
    super();
    if (!/\.(png|svg)$/i.test(figPath)) throw new TypeError(`TrainingMonitor: figPath must end in .png or .svg; got ${figPath}`);
  }

  override async onEpochEnd(_epoch: number, logs: EpochLogs = {}): Promise<void> {
    for (const [k, v] of Object.entries(logs)) (this.history[k] ??= []).push(v);
    this.written = [];
    if (this.jsonPath) {
      writeFileSync(this.jsonPath, JSON.stringify(this.history, null, 1));
      this.written.push(this.jsonPath);
    }
    const svg = plotSvg(this.history, `Training loss and accuracy [epoch ${(this.history.loss ?? []).length}]`);
    if (this.figPath.toLowerCase().endsWith('.svg')) writeFileSync(this.figPath, svg);
    else await sharp(Buffer.from(svg)).png().toFile(this.figPath);
    this.written.push(this.figPath);
  }
}

const COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];

/** A line chart of each series (x: epoch 1..n, y: 0..max) as an SVG document. */
export function plotSvg(series: Readonly<Record<string, readonly number[]>>, title: string): string {
  const [w, h, left, top, right, bottom] = [640, 400, 50, 30, 150, 40];
  const keys = Object.keys(series).filter((k) => series[k].every(Number.isFinite) && k !== 'lr');
  const n = Math.max(1, ...keys.map((k) => series[k].length));
  const yMax = Math.max(1, ...keys.flatMap((k) => series[k]));
  const px = (i: number): number => left + (n === 1 ? 0 : (i / (n - 1)) * (w - left - right));
  const py = (v: number): number => top + (1 - v / yMax) * (h - top - bottom);
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="12">`, `<rect width="${w}" height="${h}" fill="white"/>`];
  out.push(`<text x="${left}" y="18">${title}</text>`);
  out.push(`<path d="M${left} ${top}V${h - bottom}H${w - right}" fill="none" stroke="#444"/>`);
  for (let t = 0; t <= 4; t++) out.push(`<text x="${left - 6}" y="${py((yMax * t) / 4) + 4}" text-anchor="end">${((yMax * t) / 4).toFixed(2)}</text>`);
  for (let i = 0; i < n; i++) out.push(`<text x="${px(i)}" y="${h - bottom + 16}" text-anchor="middle">${i + 1}</text>`);
  keys.forEach((k, j) => {
    const c = COLOURS[j % COLOURS.length];
    const d = series[k].map((v, i) => `${i ? 'L' : 'M'}${px(i).toFixed(1)} ${py(v).toFixed(1)}`).join('');
    out.push(`<path d="${d}" fill="none" stroke="${c}" stroke-width="2"/>`);
    out.push(`<text x="${w - right + 10}" y="${top + 16 * j + 10}" fill="${c}">${k}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

export interface CallbacksOptions {
  readonly smoke?: boolean;
  readonly epochs?: number;
  /** Folder for checkpoints, the monitor's files and the saved model (default checkpoints/seeds). */
  readonly outDir?: string;
  readonly log?: (line: string) => void;
}

export interface CallbacksResult {
  readonly epochsRun: number;
  readonly bestValAccuracy: number;
  readonly checkpoints: readonly string[];
  /** Validation accuracy of the best checkpoint, loaded back from disk. */
  readonly reloadedValAccuracy: number;
  readonly testAccuracy: number;
  readonly monitorFiles: readonly string[];
}

export async function runCallbacks(options: CallbacksOptions = {}): Promise<CallbacksResult> {
  const { smoke = false, outDir = 'checkpoints/seeds', log = console.log } = options;
  const epochs = options.epochs ?? (smoke ? 3 : 10);
  mkdirSync(outDir, { recursive: true });
  for (const f of readdirSync(outDir)) if (f.startsWith('model-checkpoint-')) throw new Error(`${outDir} already holds checkpoints (${f}); use an empty folder`);
  const data = await loadFashion(smoke ? { train: 2000, test: 500 } : { train: 60000, test: 10000 });
  const x = flatten(data.train.x);
  const y = nt.toCategorical(data.train.labels, 10);

  nt.setSeed(7);
  const model = new nt.Sequential([
    new nt.Dense({ units: 256, activation: 'relu', inputShape: [784] }),
    new nt.Dropout({ rate: 0.2 }),
    new nt.Dense({ units: 10, activation: 'softmax' }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy'] });

  const monitor = new TrainingMonitor(join(outDir, 'perEpochGraph.png'), join(outDir, 'perEpochHistory.json'));
  const filepath = join(outDir, 'model-checkpoint-{epoch:02d}-{val_accuracy:.2f}.hdf5');
  const modelCheckpoint = new nt.ModelCheckpoint({ filepath, monitor: 'val_accuracy', verbose: 1, saveBestOnly: true, mode: 'max' });
  const earlyStopping = new nt.EarlyStopping({ monitor: 'val_loss', patience: 2 });
  const H = await model.fit(x, y, { batchSize: 64, epochs, validationSplit: 0.2, verbose: 2, seed: 7, callbacks: [monitor, modelCheckpoint, earlyStopping] });

  const valAcc = H.history.val_accuracy;
  const bestValAccuracy = Math.max(...valAcc);
  const checkpoints = readdirSync(outDir).filter((f) => f.startsWith('model-checkpoint-')).sort();
  log(`checkpoints written (one per improvement of val_accuracy): ${checkpoints.join(', ')}`);

  // The last checkpoint is the best model; reload it and re-measure on the same validation rows
  // (validationSplit holds out the last 20%, as Keras does).
  const best = await nt.loadModel(join(outDir, checkpoints[checkpoints.length - 1]));
  const n = x.shape[0];
  const nVal = n - Math.floor(n * 0.8);
  const xVal = nt.slice(x, [n - nVal, 0], [nVal, 784]);
  const yVal = nt.slice(y, [n - nVal, 0], [nVal, 10]);
  const [, reloadedValAccuracy] = await lossAndAccuracy(best, xVal, yVal);
  const [, testAccuracy] = await lossAndAccuracy(best, flatten(data.test.x), nt.toCategorical(data.test.labels, 10));
  log(`best val_accuracy ${bestValAccuracy.toFixed(4)} (epoch ${valAcc.indexOf(bestValAccuracy) + 1} of ${valAcc.length}); reloaded checkpoint: val_accuracy ${reloadedValAccuracy.toFixed(4)}, test accuracy ${testAccuracy.toFixed(4)}`);

  await model.save(join(outDir, 'final-model.h5'));
  log(`monitor files: ${monitor.written.join(', ')}; final model: ${join(outDir, 'final-model.h5')}`);
  return { epochsRun: valAcc.length, bestValAccuracy, checkpoints, reloadedValAccuracy, testAccuracy, monitorFiles: monitor.written };
}

runIfMain(import.meta.url, async () => {
  const r = await runCallbacks({ smoke: isSmoke(), outDir: stringArg('out') });
  printResult({ epochsRun: r.epochsRun, bestValAccuracy: r.bestValAccuracy, checkpoints: r.checkpoints.length, lastCheckpoint: r.checkpoints.at(-1) ?? '', reloadedValAccuracy: r.reloadedValAccuracy, testAccuracy: r.testAccuracy, monitorFiles: r.monitorFiles.join(',') });
});
