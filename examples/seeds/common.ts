/**
 * Helpers shared by the seeds' twins (examples/seeds/*.ts): Fashion-MNIST through
 * `nt.datasets.fashionMnist.loadData()` (Debian's dataset-fashion-mnist, used in place),
 * the `--smoke` switch, and the one machine-readable result line each twin prints last.
 */
import { pathToFileURL } from 'node:url';
import * as nt from '../../src/index.js';

/** True when the command line has `--smoke` (a run of a few seconds, for tests). */
export function isSmoke(argv: readonly string[] = process.argv): boolean {
  return argv.includes('--smoke');
}

/** Images [n, 28, 28] as float32 in [0, 1] and their int32 labels 0..9. */
export interface FashionPart {
  readonly x: nt.Tensor;
  readonly labels: nt.Tensor;
}

/** Training and test parts of Fashion-MNIST, cut to the sizes asked for. */
export interface FashionData {
  readonly train: FashionPart;
  readonly test: FashionPart;
}

function part(x: nt.Tensor, y: nt.Tensor, n: number): FashionPart {
  const m = Math.min(n, x.shape[0]);
  const pixels = nt.slice(x, [0, 0, 0], [m, x.shape[1], x.shape[2]]);
  return { x: nt.div(nt.cast(pixels, 'float32'), 255), labels: nt.slice(y, [0], [m]) };
}

/**
 * Keras' `(x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()`, then the first
 * `train` and `test` images (the files are already in random class order), scaled by 1/255.
 */
export async function loadFashion(sizes: { readonly train: number; readonly test: number }): Promise<FashionData> {
  if (!(sizes.train > 0 && sizes.test > 0)) throw new RangeError(`loadFashion: train and test sizes must be positive; got ${sizes.train}, ${sizes.test}`);
  const [[xTrain, yTrain], [xTest, yTest]] = await nt.datasets.fashionMnist.loadData();
  return { train: part(xTrain, yTrain, sizes.train), test: part(xTest, yTest, sizes.test) };
}

/** [n, 28, 28] → [n, 784]. */
export const flatten = (x: nt.Tensor): nt.Tensor => x.reshape([x.shape[0], x.shape[1] * x.shape[2]]);

/** [n, 28, 28] → [n, 28, 28, 1] (NHWC, one channel). */
export const withChannel = (x: nt.Tensor): nt.Tensor => x.reshape([x.shape[0], x.shape[1], x.shape[2], 1]);

/** Training and test inputs (through `view`: flatten or withChannel) with one-hot labels. */
export interface OneHotSplits {
  readonly x: nt.Tensor;
  readonly y: nt.Tensor;
  readonly xTest: nt.Tensor;
  readonly yTest: nt.Tensor;
}

/** `view` of the images and `to_categorical(labels, 10)` for both parts. */
export function oneHotSplits(data: FashionData, view: (x: nt.Tensor) => nt.Tensor): OneHotSplits {
  return { x: view(data.train.x), y: nt.toCategorical(data.train.labels, 10), xTest: view(data.test.x), yTest: nt.toCategorical(data.test.labels, 10) };
}

/** A JSON value. */
export type Json = number | string | boolean | null | readonly Json[] | { readonly [key: string]: Json };

/** Values a twin reports in its last line. */
export type Result = Readonly<Record<string, Json>>;

/** The prefix of the last line every twin prints: `RESULT {json}`. */
export const RESULT_PREFIX = 'RESULT ';

/** Prints the machine-readable result line (the tests parse it). */
export function printResult(result: Result): void {
  console.log(`${RESULT_PREFIX}${JSON.stringify(result)}`);
}

/** `[loss, accuracy]` of a model compiled with one accuracy metric. */
export async function lossAndAccuracy(model: nt.Model, x: nt.Tensor, y: nt.Tensor, batchSize = 500): Promise<[number, number]> {
  const r = (await model.evaluate(x, y, { verbose: 0, batchSize })) as number[];
  return [r[0], r[1]];
}

/** Runs `main` when the module is the program (`node build/examples/seeds/x.js`), not when imported. */
export function runIfMain(moduleUrl: string, main: () => Promise<void>): void {
  if (process.argv[1] && moduleUrl === pathToFileURL(process.argv[1]).href) {
    main().catch((e: unknown) => {
      console.error((e as Error).stack ?? e);
      process.exit(1);
    });
  }
}
