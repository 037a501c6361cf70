/**
 * TrainingMonitor: after each epoch, the loss and metric curves of training and validation
 * as a picture (curves.svg, curves.png) and the whole run as JSON (log.json, events.jsonl)
 * that `neurite board` shows live.
 */
import { Callback, type Logs } from './callback.js';
import { integerArgument } from './monitor.js';
import { Tensor } from '../tensor/tensor.js';
import { chartSvg, svgToPng, writeFileAtomic, type ChartPanel } from '../viz/charts.js';
import { loadSharp } from '../data/image/io.js';

/** A few input rows whose predictions are recorded each epoch. */
export interface MonitorSamples {
  /** The rows, batch first (e.g. [8, 28, 28, 1]). */
  readonly x: Tensor;
  /** Their true classes: integer labels [n] or one-hot rows [n, classes] (optional). */
  readonly y?: Tensor | readonly number[];
  /** Names of the classes (index → name) for the dashboard. */
  readonly classNames?: readonly string[];
  /**
   * How to show a row as an image ([h, w] or [h, w, 1|3]) when the rows are not images
   * themselves (e.g. flattened 784-vectors: [28, 28]). Rows shaped [h, w] or [h, w, 1|3]
   * are shown as images without it.
   */
  readonly imageShape?: readonly number[];
}

/** TrainingMonitor's arguments. */
export interface TrainingMonitorArgs {
  /** The folder holding runs (one sub-folder per run); created when missing. */
  readonly logDir: string;
  /** The run's folder name (letters, digits, `._-`); default `run-YYYYMMDD-HHMMSS`. */
  readonly runName?: string;
  /** Write the files every `every` epochs (and always at the end of training). Default 1. */
  readonly every?: number;
  /** Sample rows whose top class and probability are recorded after each epoch. */
  readonly samples?: MonitorSamples;
}

/** A sample's prediction after one epoch. */
export interface SamplePrediction {
  /** The top class. */
  readonly predicted: number;
  /** Its probability (the model's output there; softmax outputs give probabilities). */
  readonly probability: number;
}

/** One epoch in log.json. */
export interface MonitorEpoch {
  /** 0-based, as Keras' callbacks count. */
  readonly epoch: number;
  /** The epoch's logs as fit reported them (loss, metrics, val_*). Non-finite values are null. */
  readonly logs: Record<string, number | null>;
  /** The optimizer's learning rate during the epoch. */
  readonly lr: number | null;
  /** When the epoch ended (ISO 8601) and seconds since the run started. */
  readonly time: string;
  readonly elapsed: number;
  /** The sample predictions, in the order of `samples.labels`. */
  readonly samples?: readonly SamplePrediction[];
}

/** The contents of log.json. */
export interface MonitorLog {
  readonly format: 'neurite-training-log';
  readonly version: 1;
  readonly run: string;
  status: 'running' | 'finished';
  readonly startedAt: string;
  updatedAt: string;
  finishedAt: string | null;
  /** Whether training ended early (EarlyStopping, TerminateOnNaN). */
  stoppedEarly: boolean;
  readonly model: string;
  params: { epochs: number | null; batchSize: number | null; steps: number | null; samples: number | null };
  readonly epochs: MonitorEpoch[];
  samples: { count: number; labels: (number | null)[]; classNames: string[] | null; images: string[] | null } | null;
}

/** What predictions need from the model (a Neurite Model has it). */
interface Predicting {
  predict(x: Tensor, args: { verbose: 0; batchSize?: number }): Tensor | Tensor[];
}

const RUN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

function defaultRunName(): string {
  const d = new Date();
  const p = (n: number): string => String(n).padStart(2, '0');
  return `run-${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

function finite(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** The loss and metric panels of curves.svg from the epochs' logs. */
export function curvePanels(epochs: readonly MonitorEpoch[]): ChartPanel[] {
  const keys: string[] = [];
  for (const e of epochs) for (const k of Object.keys(e.logs)) if (!keys.includes(k) && k !== 'lr') keys.push(k);
  const x = epochs.map((e) => e.epoch + 1);
  const series = (name: string): { name: string; values: (number | null)[]; x: number[] } => ({ name, values: epochs.map((e) => e.logs[name] ?? null), x });
  const base = keys.filter((k) => !k.startsWith('val_'));
  const withVal = (names: string[]): string[] => names.flatMap((k) => (keys.includes(`val_${k}`) ? [k, `val_${k}`] : [k]));
  const lossNames = withVal(base.filter((k) => k === 'loss' || k.endsWith('_loss')));
  const metricNames = withVal(base.filter((k) => !(k === 'loss' || k.endsWith('_loss'))));
  const panels: ChartPanel[] = [{ title: 'Loss', yLabel: 'loss', series: lossNames.map(series) }];
  if (metricNames.length > 0) panels.push({ title: metricNames.some((k) => k.includes('acc')) ? 'Accuracy' : 'Metrics', yLabel: metricNames[0], series: metricNames.map(series) });
  return panels;
}

/**
 * Watches training (the "training monitor" of PyImageSearch and Keras books): after every
 * `every`-th epoch and at the end of training it writes, in `<logDir>/<runName>/`,
 * - `curves.svg` and `curves.png`: a loss panel and an accuracy/metric panel, training
 *   solid and validation dashed, epochs on the x axis, with ticks, labels and a legend;
 * - `log.json` ({@link MonitorLog}): every epoch's logs, the learning rate the optimizer
 *   used in that epoch, timestamps, the run status (running, then finished) and, with
 *   `samples`, each sample's top class and probability per epoch (sample images as
 *   `samples/<i>.png` when the rows are images);
 * - `events.jsonl`: one JSON line per epoch, appended (for streaming readers).
 * log.json and the pictures are replaced atomically (temporary file + rename), so a reader
 * never sees half a file. `neurite board <logDir>` shows the runs live.
 *
 * ```ts
 * await model.fit(x, y, { epochs: 10, validationSplit: 0.1, callbacks: [new nt.TrainingMonitor({ logDir: 'runs' })] });
 * ```
 */
export class TrainingMonitor extends Callback {
  /** Rank 0 alone writes in a distributed job. */
  override readonly rankZeroOnly = true;
  readonly logDir: string;
  readonly runName: string;
  readonly every: number;
  readonly samples: MonitorSamples | null;
  /** The run's folder. */
  readonly runDir: string;
  /** The log as last written (null before training starts). */
  log: MonitorLog | null = null;
  private started = 0;
  private epochLr: number | null = null;
  private sampleLabels: (number | null)[] = [];

  constructor(args: TrainingMonitorArgs) {
    super();
    if (args === null || typeof args !== 'object') throw new TypeError('TrainingMonitor: expected { logDir, runName?, every?, samples? }');
    if (typeof args.logDir !== 'string' || args.logDir === '') throw new TypeError(`TrainingMonitor: logDir must be a non-empty string; got ${String(args.logDir)}`);
    const name = args.runName ?? defaultRunName();
    if (typeof name !== 'string' || !RUN_NAME.test(name)) throw new RangeError(`TrainingMonitor: runName must be 1–128 letters, digits, '.', '_' or '-' (not starting with '.', '_' or '-'); got ${JSON.stringify(name)}`);
    this.logDir = args.logDir;
    this.runName = name;
    this.every = integerArgument(args.every, 1, 'every', 'TrainingMonitor', 1);
    this.samples = args.samples ?? null;
    if (this.samples) this.sampleLabels = checkSamples(this.samples);
    this.runDir = `${args.logDir.replace(/[\\/]+$/, '')}/${name}`;
  }

  private path(file: string): string {
    return `${this.runDir}/${file}`;
  }

  override async onTrainBegin(): Promise<void> {
    const fs = await import('node:fs/promises');
    await fs.mkdir(this.runDir, { recursive: true });
    const now = new Date().toISOString();
    const params = { epochs: this.params.epochs ?? null, batchSize: this.params.batchSize ?? null, steps: this.params.steps ?? null, samples: this.params.samples ?? null };
    if (this.log) {
      // Another fit with the same monitor continues the run.
      this.log.status = 'running';
      this.log.finishedAt = null;
      this.log.params = params;
    } else {
      this.started = Date.now();
      this.log = { format: 'neurite-training-log', version: 1, run: this.runName, status: 'running', startedAt: now, updatedAt: now, finishedAt: null, stoppedEarly: false, model: this.model?.name ?? '', params, epochs: [], samples: null };
      await fs.writeFile(this.path('events.jsonl'), '');
      if (this.samples) this.log.samples = { count: this.sampleLabels.length, labels: this.sampleLabels, classNames: this.samples.classNames ? [...this.samples.classNames] : null, images: await writeSampleImages(this.samples, this.runDir) };
    }
    this.log.updatedAt = now;
    await this.writeFiles();
  }

  override onEpochBegin(): void {
    this.epochLr = null;
  }

  override onTrainBatchEnd(): void {
    // The rate the optimizer used in this epoch's steps (a scheduler may change it between epochs).
    this.epochLr = finite(this.model?.optimizer?.learningRate);
  }

  override async onEpochEnd(epoch: number, logs: Logs = {}): Promise<void> {
    if (!this.log) return;
    const clean: Record<string, number | null> = {};
    for (const [k, v] of Object.entries(logs)) clean[k] = finite(v);
    const now = new Date();
    const entry: MonitorEpoch = {
      epoch,
      logs: clean,
      lr: finite(logs.lr) ?? this.epochLr ?? finite(this.model?.optimizer?.learningRate),
      time: now.toISOString(),
      elapsed: (now.getTime() - this.started) / 1000,
      ...(this.samples ? { samples: await this.predictSamples(this.samples) } : {}),
    };
    this.log.epochs.push(entry);
    this.log.updatedAt = entry.time;
    const fs = await import('node:fs/promises');
    await fs.appendFile(this.path('events.jsonl'), `${JSON.stringify({ type: 'epoch', run: this.runName, ...entry })}\n`);
    if ((this.log.epochs.length % this.every) === 0) await this.writeFiles();
  }

  override async onTrainEnd(): Promise<void> {
    if (!this.log) return;
    const now = new Date().toISOString();
    this.log.status = 'finished';
    this.log.finishedAt = now;
    this.log.updatedAt = now;
    const planned = this.params.epochs;
    this.log.stoppedEarly = Boolean(this.model?.stopTraining) || (typeof planned === 'number' && this.log.epochs.length > 0 && this.log.epochs[this.log.epochs.length - 1].epoch + 1 < planned);
    const fs = await import('node:fs/promises');
    await fs.appendFile(this.path('events.jsonl'), `${JSON.stringify({ type: 'finished', run: this.runName, time: now, stoppedEarly: this.log.stoppedEarly })}\n`);
    await this.writeFiles();
  }

  private async predictSamples(samples: MonitorSamples): Promise<SamplePrediction[]> {
    const model = this.model as unknown as Partial<Predicting> | null;
    if (!model || typeof model.predict !== 'function') throw new Error('TrainingMonitor: samples need a model with predict()');
    let out: Tensor | Tensor[];
    try {
      out = model.predict(samples.x, { verbose: 0 });
    } catch (e) {
      throw new Error(`TrainingMonitor: predicting the samples failed: ${(e as Error).message}`);
    }
    const probs = Array.isArray(out) ? out[0] : out;
    const n = probs.shape[0];
    const k = probs.size / n;
    // Read asynchronously: on a GPU backend the predictions have no synchronous reads.
    const data = await probs.data();
    const result: SamplePrediction[] = [];
    for (let i = 0; i < n; i++) {
      if (k === 1) {
        // One sigmoid unit: class 1 when p ≥ 0.5.
        const p = Number(data[i]);
        result.push(p >= 0.5 ? { predicted: 1, probability: p } : { predicted: 0, probability: 1 - p });
        continue;
      }
      let best = 0;
      for (let j = 1; j < k; j++) if (data[i * k + j] > data[i * k + best]) best = j;
      result.push({ predicted: best, probability: Number(data[i * k + best]) });
    }
    return result;
  }

  /** Writes log.json, curves.svg and curves.png (each atomically). */
  private async writeFiles(): Promise<void> {
    const log = this.log as MonitorLog;
    const svg = chartSvg(curvePanels(log.epochs), { title: `${log.run} (${log.status})` });
    await writeFileAtomic(this.path('curves.svg'), svg);
    await writeFileAtomic(this.path('curves.png'), await svgToPng(svg));
    await writeFileAtomic(this.path('log.json'), `${JSON.stringify(log, null, 1)}\n`);
  }
}

/** Checks the samples and returns their integer labels (null where none are given). */
function checkSamples(s: MonitorSamples): (number | null)[] {
  if (!(s.x instanceof Tensor) || s.x.rank < 2) throw new TypeError('TrainingMonitor: samples.x must be a tensor with a batch dimension, e.g. [8, 28, 28, 1]');
  const n = s.x.shape[0];
  if (n < 1 || n > 64) throw new RangeError(`TrainingMonitor: samples.x must hold 1 to 64 rows; got ${n}`);
  const img = s.imageShape;
  if (img !== undefined && !(Array.isArray(img) && (img.length === 2 || img.length === 3) && img.every((d) => Number.isInteger(d) && d > 0) && img.reduce((a, b) => a * b, 1) === s.x.size / n)) {
    throw new RangeError(`TrainingMonitor: samples.imageShape must be [h, w] or [h, w, c] with h·w·c = ${s.x.size / n} (one row's size); got ${JSON.stringify(img)}`);
  }
  if (s.classNames !== undefined && !(Array.isArray(s.classNames) && s.classNames.every((c) => typeof c === 'string'))) throw new TypeError('TrainingMonitor: samples.classNames must be an array of strings');
  if (s.y === undefined) return new Array<null>(n).fill(null);
  let labels: number[];
  if (s.y instanceof Tensor) {
    if (s.y.shape[0] !== n) throw new RangeError(`TrainingMonitor: samples.y has ${s.y.shape[0]} rows but samples.x has ${n}`);
    const d = Array.from(s.y.dataSync(), Number);
    const k = s.y.size / n;
    labels = k === 1 ? d : Array.from({ length: n }, (_, i) => d.slice(i * k, i * k + k).indexOf(Math.max(...d.slice(i * k, i * k + k))));
  } else if (Array.isArray(s.y)) {
    labels = [...s.y];
  } else {
    throw new TypeError('TrainingMonitor: samples.y must be a tensor or an array of class indices');
  }
  if (labels.length !== n || !labels.every((v) => Number.isInteger(v) && v >= 0)) throw new RangeError(`TrainingMonitor: samples.y must give ${n} class indices ≥ 0`);
  return labels;
}

/** Writes each sample as samples/<i>.png when the rows are images ([h, w] or [h, w, 1|3]); else null. */
async function writeSampleImages(samples: MonitorSamples, runDir: string): Promise<string[] | null> {
  const x = samples.x;
  const n = x.shape[0];
  const shape = samples.imageShape ?? x.shape.slice(1);
  const [h, w, c = 1] = shape;
  if (!((shape.length === 2 || (shape.length === 3 && (c === 1 || c === 3))) && h >= 4 && w >= 4 && h <= 512 && w <= 512)) return null;
  const fs = await import('node:fs/promises');
  await fs.mkdir(`${runDir}/samples`, { recursive: true });
  const sharp = await loadSharp();
  const size = h * w * c;
  const names: string[] = [];
  // One read for every sample (and asynchronous: a GPU tensor has no synchronous reads).
  const values = await x.data();
  for (let i = 0; i < n; i++) {
    const px = Array.from(values.subarray(i * size, (i + 1) * size) as ArrayLike<number>, Number);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of px) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    const bytes = Uint8Array.from(px, (v) => (hi > lo ? Math.round(((v - lo) / (hi - lo)) * 255) : 0));
    const png = await sharp(bytes, { raw: { width: w, height: h, channels: c as 1 | 3 } }).png().toBuffer();
    names.push(`samples/${i}.png`);
    await writeFileAtomic(`${runDir}/samples/${i}.png`, png);
  }
  return names;
}
