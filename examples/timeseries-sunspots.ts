/**
 * A one-year-ahead forecast of a real series: the yearly sunspot numbers 1700–2008 (public
 * domain, from NOAA's National Geophysical Data Center, as shipped by Debian's
 * python3-statsmodels). Keras' recipe for time series:
 *
 *   makeCsvDataset (the CSV, read as rows) → a chronological split (train / validation /
 *   test) → Normalization.adapt on the training years only → timeseriesDatasetFromArray
 *   (windows of `sequenceLength` years, the target the year after each window, shuffled
 *   batches for training) → a small model → fit with EarlyStopping on the validation
 *   windows → the test MAE in sunspot units beside the naive forecast (next year = this
 *   year) on the very same test windows.
 *
 * The windows for the validation and test years start before those years: a forecast may
 * look at the past, only its target has to lie in the held-out part.
 *
 *   node build/examples/timeseries-sunspots.js               # a few seconds on 2 cores
 *   node build/examples/timeseries-sunspots.js --model gru --epochs 200
 *   node build/examples/timeseries-sunspots.js --smoke
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import * as nt from '../src/index.js';
import { numberArg, stringArg } from './common/cli.js';

/** Debian's python3-statsmodels ships the series as YEAR,SUNACTIVITY rows. */
export const SUNSPOTS_CSV = '/usr/lib/python3/dist-packages/statsmodels/datasets/sunspots/sunspots.csv';

export type ForecastModel = 'mlp' | 'gru' | 'lstm';

export interface SunspotsOptions {
  readonly csv?: string;
  /** Years per input window (default 12: a little more than one ~11-year solar cycle). */
  readonly sequenceLength?: number;
  /** 'mlp' (Flatten → Dense → Dense, default), 'gru' or 'lstm' (then Dense). */
  readonly model?: ForecastModel;
  readonly units?: number;
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly learningRate?: number;
  /** Epochs without a better validation loss before training stops (the best weights come back). */
  readonly patience?: number;
  /** The first trainFraction of the years train, the next valFraction validate, the rest test. */
  readonly trainFraction?: number;
  readonly valFraction?: number;
  readonly seed?: number;
  readonly verbose?: 0 | 1 | 2;
  readonly log?: (line: string) => void;
}

/** Forecasts for held-out years, in sunspot units, window by window. */
export interface ForecastPart {
  /** The target year of each window, in order. */
  readonly years: number[];
  readonly actual: number[];
  readonly predicted: number[];
  /** The naive forecast: the last year of the window. */
  readonly naive: number[];
  readonly mae: number;
  readonly naiveMae: number;
}

export interface SunspotsResult {
  readonly years: number[];
  readonly values: number[];
  /** Index of the first validation year and of the first test year in `years`. */
  readonly valStart: number;
  readonly testStart: number;
  readonly mean: number;
  readonly std: number;
  /** Shapes of one training batch: [x, y]. */
  readonly batchShapes: readonly [readonly number[], readonly number[]];
  readonly trainWindows: number;
  readonly history: nt.History;
  readonly validation: ForecastPart;
  readonly test: ForecastPart;
  readonly model: nt.Sequential;
  readonly seconds: number;
}

/** The CSV through Neurite's reader: YEAR and SUNACTIVITY columns, in file order. */
export async function readSunspots(csv = SUNSPOTS_CSV): Promise<{ years: number[]; values: number[] }> {
  if (!existsSync(csv)) throw new Error(`readSunspots: ${csv} not found (install the Debian package python3-statsmodels, or pass csv)`);
  const years: number[] = [];
  const values: number[] = [];
  for await (const batch of nt.data.makeCsvDataset(csv, { batchSize: 128, select: ['YEAR', 'SUNACTIVITY'] })) {
    const row = batch as unknown as { YEAR: nt.Tensor; SUNACTIVITY: nt.Tensor };
    years.push(...row.YEAR.dataSync());
    values.push(...row.SUNACTIVITY.dataSync());
  }
  return { years, values };
}

/** The forecaster: input [sequenceLength, 1] (normalized), output the next normalized value. */
export function forecaster(kind: ForecastModel, sequenceLength: number, units: number): nt.Sequential {
  const inputShape = [sequenceLength, 1];
  if (kind === 'mlp') return new nt.Sequential([new nt.Flatten({ inputShape }), new nt.Dense({ units, activation: 'relu' }), new nt.Dense({ units: 1 })]);
  const rnn = kind === 'gru' ? new nt.GRU({ units, inputShape }) : kind === 'lstm' ? new nt.LSTM({ units, inputShape }) : null;
  if (rnn === null) throw new RangeError(`forecaster: model must be 'mlp', 'gru' or 'lstm'; got '${String(kind)}'`);
  return new nt.Sequential([rnn, new nt.Dense({ units: 1 })]);
}

/** Runs the model and the naive forecast over the (unshuffled) windows of one part; sunspot units. */
async function forecastPart(model: nt.Sequential, windows: nt.data.Dataset<nt.data.Element>, years: number[], mean: number, std: number): Promise<ForecastPart> {
  const actual: number[] = [];
  const predicted: number[] = [];
  const naive: number[] = [];
  const units = (v: number): number => v * std + mean;
  for await (const element of windows) {
    const [x, y] = element as [nt.Tensor, nt.Tensor];
    const steps = x.shape[1];
    const xs = x.dataSync();
    const p = (model.predict(x) as nt.Tensor).dataSync();
    y.dataSync().forEach((v, i) => {
      actual.push(units(v));
      predicted.push(units(p[i]));
      naive.push(units(xs[i * steps + steps - 1]));
    });
  }
  if (actual.length !== years.length) throw new Error(`forecastPart: ${actual.length} windows for ${years.length} target years`);
  const mae = (f: number[]): number => f.reduce((s, v, i) => s + Math.abs(v - actual[i]), 0) / actual.length;
  return { years, actual, predicted, naive, mae: mae(predicted), naiveMae: mae(naive) };
}

export async function runSunspots(options: SunspotsOptions = {}): Promise<SunspotsResult> {
  const { csv = SUNSPOTS_CSV, sequenceLength: L = 12, model: kind = 'mlp', units = 32, epochs = 300, batchSize = 32, learningRate = 0.003, patience = 40 } = options;
  const { trainFraction = 0.7, valFraction = 0.15, seed = 1, verbose = 0, log = console.log } = options;
  const started = performance.now();
  const { years, values } = await readSunspots(csv);
  const n = values.length;
  const valStart = Math.floor(n * trainFraction);
  const testStart = Math.floor(n * (trainFraction + valFraction));
  if (!(valStart > 2 * L && testStart > valStart && testStart < n)) throw new RangeError(`runSunspots: trainFraction ${trainFraction} and valFraction ${valFraction} leave no room for windows of ${L} years in ${n} years`);
  log(`${n} yearly sunspot numbers ${years[0]}–${years[n - 1]} from ${csv}; train ${years[0]}–${years[valStart - 1]}, validation ${years[valStart]}–${years[testStart - 1]}, test ${years[testStart]}–${years[n - 1]}; backend ${nt.getBackendName()}`);

  // Normalization statistics from the training years alone (nothing leaks from the future).
  const norm = new nt.Normalization();
  await norm.adapt(nt.tensor(values.slice(0, valStart), [valStart, 1]));
  const series = norm.apply(nt.tensor(values, [n, 1])) as nt.Tensor;
  const mean = (norm.meanWeight as nt.Tensor).dataSync()[0];
  const std = Math.sqrt((norm.varianceWeight as nt.Tensor).dataSync()[0]);

  // targets[i] is the year after the window that starts at i; the last L entries have no such
  // year (NaN) and endIndex keeps every window before them (a window at i reads i … i+L−1).
  const s = series.dataSync();
  const targets = nt.tensor(Float32Array.from({ length: n }, (_, i) => (i + L < n ? s[i + L] : NaN)), [n, 1]);
  // Windows whose target year lies in [from, to): they start at from − L and read data below to − 1.
  const windows = (from: number, to: number, shuffle: boolean, batch: number): nt.data.Dataset<nt.data.Element> =>
    nt.data.timeseriesDatasetFromArray(series, targets, { sequenceLength: L, batchSize: batch, shuffle, seed, startIndex: from - L, endIndex: to - 1 });
  const train = windows(L, valStart, true, batchSize).prefetch(2);
  const val = windows(valStart, testStart, false, 256);
  const test = windows(testStart, n, false, 256);
  const [bx, by] = (await train.take(1).toArray())[0] as [nt.Tensor, nt.Tensor];
  log(`windows of ${L} years → the next year: a training batch is x [${bx.shape.join(', ')}], y [${by.shape.join(', ')}]; ${valStart - L} training, ${testStart - valStart} validation, ${n - testStart} test windows`);

  nt.clearSession();
  nt.setSeed(seed);
  const model = forecaster(kind, L, units);
  model.compile({ optimizer: new nt.Adam({ learningRate }), loss: 'mse', metrics: ['mae'] });
  const stop = new nt.EarlyStopping({ monitor: 'val_loss', patience, restoreBestWeights: true });
  const history = await model.fit(train, { epochs, validationData: val, verbose, callbacks: [stop] });
  const loss = history.history.loss;
  log(`${kind}: ${loss.length} epochs, training loss (normalized) ${loss[0].toFixed(4)} → ${loss[loss.length - 1].toFixed(4)}${stop.stoppedEpoch > 0 ? `; stopped early, weights of epoch ${stop.bestEpoch + 1} restored` : ''}`);

  const validation = await forecastPart(model, val, years.slice(valStart, testStart), mean, std);
  const testPart = await forecastPart(model, test, years.slice(testStart), mean, std);
  const seconds = (performance.now() - started) / 1000;
  log(`validation MAE ${validation.mae.toFixed(2)} sunspots (naive ${validation.naiveMae.toFixed(2)})`);
  log(`test MAE ${testPart.mae.toFixed(2)} sunspots on ${testPart.years.length} windows, naive last-value forecast ${testPart.naiveMae.toFixed(2)} (${((1 - testPart.mae / testPart.naiveMae) * 100).toFixed(0)}% lower); ${seconds.toFixed(1)} s in all`);
  for (const i of [0, 1, 2].map((k) => Math.floor((k * (testPart.years.length - 1)) / 2))) {
    log(`  ${testPart.years[i]}: actual ${testPart.actual[i].toFixed(1)}, forecast ${testPart.predicted[i].toFixed(1)}, naive ${testPart.naive[i].toFixed(1)}`);
  }
  return { years, values, valStart, testStart, mean, std, batchShapes: [bx.shape, by.shape], trainWindows: valStart - L, history, validation, test: testPart, model, seconds };
}

/** A short run: few epochs (a few seconds), the same data and windows. */
export const SMOKE_OPTIONS: SunspotsOptions = { epochs: 40, patience: 40 };

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const smoke = process.argv.includes('--smoke');
  runSunspots({
    ...(smoke ? SMOKE_OPTIONS : {}),
    model: stringArg('model') as ForecastModel | undefined,
    epochs: numberArg('epochs') ?? (smoke ? SMOKE_OPTIONS.epochs : undefined),
    units: numberArg('units'),
    sequenceLength: numberArg('sequence-length'),
    seed: numberArg('seed'),
    csv: stringArg('csv'),
  }).catch((e: unknown) => {
    console.error((e as Error).stack ?? e);
    process.exit(1);
  });
}
