/**
 * The messages between the Playground page (main.ts) and its training worker (worker.ts),
 * and the settings both sides share.
 */

/** The four 2-D classification problems of TensorFlow Playground. */
export type DatasetName = 'circle' | 'xor' | 'gaussian' | 'spiral';
/** Hidden-layer activations offered by the page. */
export type ActivationName = 'relu' | 'tanh' | 'sigmoid' | 'linear';
/** Weight penalty on every kernel. */
export type RegularizationName = 'none' | 'l1' | 'l2';
/** Input features computed from a point (x1, x2). */
export type FeatureName = 'x1' | 'x2' | 'x1sq' | 'x2sq' | 'x1x2' | 'sinx1' | 'sinx2';

export const DATASETS: readonly DatasetName[] = ['circle', 'xor', 'gaussian', 'spiral'];
export const ACTIVATIONS: readonly ActivationName[] = ['relu', 'tanh', 'sigmoid', 'linear'];
export const REGULARIZATIONS: readonly RegularizationName[] = ['none', 'l1', 'l2'];
export const FEATURES: readonly FeatureName[] = ['x1', 'x2', 'x1sq', 'x2sq', 'x1x2', 'sinx1', 'sinx2'];

/** Everything that defines a run; changing any field but learningRate/batchSize restarts it. */
export interface Settings {
  dataset: DatasetName;
  /** Label noise (circle, xor), spread (gaussian) or jitter (spiral), 0 … 0.5. */
  noise: number;
  /** Share of the points used for training, 0.1 … 0.9 (the rest is the test set). */
  trainRatio: number;
  /** Number of points generated. */
  samples: number;
  batchSize: number;
  learningRate: number;
  activation: ActivationName;
  regularization: RegularizationName;
  regularizationRate: number;
  /** Units of each hidden layer (may be empty: logistic regression on the features). */
  hidden: number[];
  features: FeatureName[];
  /** Seed of the data and of the first weight initialisation. */
  seed: number;
}

export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze<Settings>({
  dataset: 'circle',
  noise: 0,
  trainRatio: 0.5,
  samples: 500,
  batchSize: 10,
  learningRate: 0.03,
  activation: 'tanh',
  regularization: 'none',
  regularizationRate: 0,
  hidden: [4, 2],
  features: ['x1', 'x2'],
  seed: 1,
});

/** The square the data lives in: x1, x2 ∈ [-DOMAIN, DOMAIN]. */
export const DOMAIN = 6;

/** Page → worker. */
export type ToWorker =
  | { type: 'reset'; settings: Settings; reinit: number }
  | { type: 'set'; learningRate: number; batchSize: number }
  | { type: 'play' }
  | { type: 'pause' }
  | { type: 'step' }
  /** Switch the backend (one of the `available` ones of the last 'ready'); the network restarts. */
  | { type: 'backend'; name: string };

/** One snapshot of training, with the model's output over a res × res grid of the domain. */
export interface Update {
  type: 'update';
  epoch: number;
  trainLoss: number;
  testLoss: number;
  trainAccuracy: number;
  testAccuracy: number;
  /** P(class 1) at grid cell (row, col), row 0 at the top (x2 = +DOMAIN), row-major. */
  grid: Float32Array;
  res: number;
  /**
   * Each hidden layer's outputs over a coarser neuronRes × neuronRes grid: for layer l,
   * neurons[l][cell · units + unit], cells row-major as in `grid`.
   */
  neurons: Float32Array[];
  neuronRes: number;
}

/** Worker → page. */
export type FromWorker =
  /** The backend running, the ones this browser offers (webgpu where it has navigator.gpu), and a note on any that failed. */
  | { type: 'ready'; backend: string; available: string[]; note: string }
  | { type: 'data'; train: Float32Array; test: Float32Array; params: number }
  | Update
  | { type: 'paused' }
  | { type: 'error'; message: string };
