/**
 * Seed 000's callbacks on real Fashion-MNIST:
 *   - the seed's `TrainingMonitor("./perEpochGraph.png")` (a PyImageSearch helper that plots
 *     loss/accuracy after every epoch): Neurite's own `nt.TrainingMonitor`, which writes
 *     curves.png/curves.svg and log.json after every epoch (and feeds `neurite board`);
 *   - `ModelCheckpoint("./checkpoints/model-checkpoint-{epoch:02d}-{val_accuracy:.2f}.hdf5",
 *     monitor='val_accuracy', verbose=1, save_best_only=True, mode='max')`: whole models in
 *     Keras' HDF5 layout, one each time the validation accuracy improves;
 *   - a custom callback (seed 000: "Keras lets you define your own callback functions … and
 *     make decisions from what Keras passes them"): one that stops training at a target;
 *   - EarlyStopping, and 20% of the training data held out for validation (the seed's advice);
 *   - the best checkpoint loaded back with `loadModel` and checked against the number in its name;
 *   - `model.save(...)` to HDF5 and `plot_model` (seed 000's "save the model", "view the model").
 *
 *   node build/examples/seeds/callbacks.js                      # 60,000 images, up to 10 epochs
 *   node build/examples/seeds/callbacks.js --smoke --out /tmp/cb
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as nt from '../../src/index.js';
import { stringArg } from '../common/cli.js';
import { flatten, isSmoke, loadFashion, lossAndAccuracy, printResult, runIfMain } from './common.js';

/** A custom callback: stops training once `monitor` reaches `target` (checked after each epoch). */
export class StopAtTarget extends nt.Callback {
  stoppedAt: number | null = null;

  constructor(readonly monitor: string, readonly target: number) {
    super();
  }

  override onEpochEnd(epoch: number, logs: Record<string, number> = {}): void {
    const v = logs[this.monitor];
    if (v === undefined) throw new Error(`StopAtTarget: '${this.monitor}' is not in the logs (${Object.keys(logs).join(', ')})`);
    if (v >= this.target && this.model) {
      this.model.stopTraining = true;
      this.stoppedAt = epoch + 1;
    }
  }
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
  /** The epoch (1-based) after which the custom callback stopped training, or null. */
  readonly stopAtEpoch: number | null;
  readonly moreValAccuracy: readonly number[];
  readonly target: number;
}

export async function runCallbacks(options: CallbacksOptions = {}): Promise<CallbacksResult> {
  const { smoke = false, outDir = 'checkpoints/seeds', log = console.log } = options;
  const epochs = options.epochs ?? (smoke ? 3 : 10);
  mkdirSync(outDir, { recursive: true });
  for (const f of readdirSync(outDir)) if (f.startsWith('model-checkpoint-')) throw new Error(`${outDir} already holds checkpoints (${f}); use an empty folder`);
  const data = await loadFashion(smoke ? { train: 2000, test: 500 } : { train: 60000, test: 10000 });
  const x = flatten(data.train.x);
  const y = nt.toCategorical(data.train.labels, 10);

  const mlp = (): nt.Sequential => {
    nt.setSeed(7);
    return new nt.Sequential([
      new nt.Dense({ units: 256, activation: 'relu', inputShape: [784] }),
      new nt.Dropout({ rate: 0.2 }),
      new nt.Dense({ units: 10, activation: 'softmax' }),
    ]);
  };
  const model = mlp();
  model.compile({ optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy'] });

  const monitor = new nt.TrainingMonitor({ logDir: outDir, runName: 'seed000' });
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
  await nt.utils.plotModel(model, { toFile: join(outDir, 'model.png'), showShapes: true });
  const monitorFiles = ['curves.png', 'log.json'].map((f) => join(monitor.runDir, f)).filter((f) => existsSync(f));
  log(`monitor files: ${monitorFiles.join(', ')}; final model: ${join(outDir, 'final-model.h5')}; architecture: ${join(outDir, 'model.png')}`);

  // The custom callback: a fresh model trains until val_accuracy reaches the target.
  const target = smoke ? 0.75 : 0.86;
  const stopper = new StopAtTarget('val_accuracy', target);
  const fresh = mlp();
  fresh.compile({ optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
  const more = await fresh.fit(x, y, { batchSize: 64, epochs: 10, validationSplit: 0.2, verbose: 0, seed: 7, callbacks: [stopper] });
  log(`StopAtTarget('val_accuracy', ${target}): stopped after epoch ${stopper.stoppedAt}; val_accuracy ${more.history.val_accuracy.map((v) => v.toFixed(4)).join(', ')}`);
  return { epochsRun: valAcc.length, bestValAccuracy, checkpoints, reloadedValAccuracy, testAccuracy, monitorFiles, stopAtEpoch: stopper.stoppedAt, moreValAccuracy: more.history.val_accuracy, target };
}

runIfMain(import.meta.url, async () => {
  const r = await runCallbacks({ smoke: isSmoke(), outDir: stringArg('out') });
  printResult({ epochsRun: r.epochsRun, bestValAccuracy: r.bestValAccuracy, checkpoints: r.checkpoints.length, lastCheckpoint: r.checkpoints.at(-1) ?? '', reloadedValAccuracy: r.reloadedValAccuracy, testAccuracy: r.testAccuracy, monitorFiles: r.monitorFiles.join(','), stopAtEpoch: r.stopAtEpoch, moreValAccuracy: r.moreValAccuracy, target: r.target });
});
