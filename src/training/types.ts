import type { Tensor } from '../tensor/tensor.js';
import type { StringTensor } from '../tensor/string-tensor.js';
import type { Variable } from '../tensor/variable.js';
import type { LayerShape } from '../layers/symbolic.js';
import type { Callback } from '../callbacks/callback.js';
import type { Optimizer } from '../optimizers/index.js';
import type { Loss } from '../losses/index.js';
import type { Metric } from '../metrics/index.js';

/** Inputs or targets: one tensor, one per model input/output, or by input/output name. */
/** One input or target array: numbers, or strings for a model whose input is text (Input({ dtype: 'string' })). */
export type ModelArray = Tensor | StringTensor;
export type ModelData = ModelArray | readonly ModelArray[] | Readonly<Record<string, ModelArray>>;

/** One batch from a data source: [x, y], [x, y, sampleWeight] or an object; [x] or { x } where the model's step needs no targets. */
export type Batch = readonly [ModelData, ModelData] | readonly [ModelData, ModelData, Tensor] | { readonly x: ModelData; readonly y: ModelData; readonly sampleWeight?: Tensor } | readonly [ModelData] | { readonly x: ModelData };

/** A source of batches for fit/evaluate (the input module's generators): sync or async. */
export type DataSource = AsyncIterable<Batch> | Iterable<Batch> | AsyncIterator<Batch> | Iterator<Batch> | BatchPipeline;

/** A pipeline whose elements are batches at run time (an `nt.data.Dataset` of `[x, y]` pairs); checked as they arrive. */
export interface BatchPipeline {
  [Symbol.asyncIterator](): AsyncIterator<unknown>;
  readonly cardinality: number | null;
}

export type OptimizerLike = string | Optimizer | { readonly class_name: string; readonly config: Record<string, unknown> };
export type LossLike = string | Loss | ((yTrue: Tensor, yPred: Tensor) => Tensor);
export type MetricLike = string | Metric | ((yTrue: Tensor, yPred: Tensor) => Tensor);

export interface CompileArgs {
  /** Default 'rmsprop', as Keras. */
  readonly optimizer?: OptimizerLike;
  /**
   * One loss for all outputs, one per output (list), or by output name. It may be left out
   * when the model computes its own loss (a `computeLoss` or `trainStep` override, or
   * losses added with `addLoss`).
   */
  readonly loss?: LossLike | readonly LossLike[] | Readonly<Record<string, LossLike>>;
  /** Metrics for every output (list), per output (list of lists), or by output name. */
  readonly metrics?: readonly MetricLike[] | readonly (readonly MetricLike[])[] | Readonly<Record<string, MetricLike | readonly MetricLike[]>>;
  /** Weights of the output losses in the total loss. */
  readonly lossWeights?: readonly number[] | Readonly<Record<string, number>>;
  /**
   * Keras' run_eagerly: run every training and test step op by op. By default a step runs
   * from a plan traced once per input shape (see docs/architecture.md, planned execution),
   * which is faster; eager steps help when debugging a custom layer.
   */
  readonly runEagerly?: boolean;
}

export interface FitArgs {
  readonly batchSize?: number;
  readonly epochs?: number;
  /** 0 silent, 1 progress bar, 2 one line per epoch; 'auto' = 1. */
  readonly verbose?: 0 | 1 | 2 | 'auto';
  readonly callbacks?: readonly Callback[];
  /** Fraction of the data (the last samples, before shuffling) held out for validation. */
  readonly validationSplit?: number;
  readonly validationData?: readonly [ModelData, ModelData] | readonly [ModelData, ModelData, Tensor] | DataSource;
  readonly shuffle?: boolean;
  /** Class index → weight, applied to each sample's loss through its label. */
  readonly classWeight?: Readonly<Record<number, number>>;
  /** One weight per sample, shape [N]. */
  readonly sampleWeight?: Tensor;
  readonly initialEpoch?: number;
  /** Batches per epoch (needed for endless data sources). */
  readonly stepsPerEpoch?: number;
  readonly validationSteps?: number;
  readonly validationBatchSize?: number;
  /** Validate every n-th epoch (default 1). */
  readonly validationFreq?: number;
  /** Seed of the per-epoch shuffling. */
  readonly seed?: number;
}

export interface EvaluateArgs {
  readonly batchSize?: number;
  readonly verbose?: 0 | 1 | 2 | 'auto';
  readonly sampleWeight?: Tensor;
  readonly steps?: number;
  readonly callbacks?: readonly Callback[];
  /** Return { loss, accuracy, ... } instead of a number or a list. */
  readonly returnDict?: boolean;
}

export interface PredictArgs {
  readonly batchSize?: number;
  readonly verbose?: 0 | 1 | 2 | 'auto';
  readonly steps?: number;
  readonly callbacks?: readonly Callback[];
}

/**
 * The running fit's resumable state, on `model.fitState` while fit runs: the seed of the
 * per-epoch shuffles (epoch e shuffles with a generator seeded from (seed, e), so an epoch's
 * order does not depend on how many epochs ran before it in this process), the current epoch,
 * and the first epoch, which a callback may move in onTrainBegin (BackupAndRestore).
 */
export interface FitState {
  seed: number;
  epoch: number;
  initialEpoch: number;
}

/**
 * The data of one step, as Keras' `train_step(data)` receives it: `[x, y, sampleWeight]`.
 * x and y are one Tensor for a model with one input (output), else a list; y is undefined
 * when the data has no targets (a GAN's or an autoencoder's own step may not need them).
 */
export type StepData = readonly [x: Tensor | Tensor[], y: Tensor | Tensor[] | undefined, sampleWeight: Tensor | undefined];

/**
 * What a custom step returns for the progress bar, callbacks and History: values by log
 * name, as numbers, scalar Tensors or Metric objects (read at the batch's end, asynchronously
 * where the backend needs it). Returning nothing logs every metric of `model.metrics`.
 */
export type StepLogs = Readonly<Record<string, number | Tensor | Metric>>;

/** The arguments of `computeLoss` (Keras' compute_loss). */
export interface ComputeLossArgs {
  readonly x?: Tensor | Tensor[];
  readonly y?: Tensor | Tensor[];
  readonly yPred: Tensor | Tensor[];
  readonly sampleWeight?: Tensor;
  readonly training?: boolean;
}

/** A model's overrides of the training loop's steps (see Model.trainStep). */
export interface CustomSteps {
  readonly train: ((data: StepData) => StepLogs | void) | null;
  readonly test: ((data: StepData) => StepLogs | void) | null;
  readonly predict: ((data: StepData) => Tensor | Tensor[]) | null;
  readonly computeLoss: ((args: ComputeLossArgs) => Tensor) | null;
}

/** What the trainer needs from a model (implemented by Model). */
export interface TrainableModel {
  readonly name: string;
  readonly inputNames: string[];
  readonly outputNames: string[];
  readonly inputShapes: LayerShape[];
  readonly outputShapes: LayerShape[];
  readonly trainableWeights: Variable[];
  readonly weights: Variable[];
  stopTraining: boolean;
  fitState: FitState | null;
  forward(xs: readonly Tensor[], training: boolean): Tensor[];
  ensureGraph(xs: readonly Tensor[]): void;
  regularizationLosses(): Tensor[];
  applyConstraints(): void;
  getWeights(): Tensor[];
  setWeights(values: readonly Tensor[]): void;
  /** The step overrides of a model class (none for a plain model). */
  customSteps?(): CustomSteps;
  /** Metrics the model tracks itself (metric objects among its attributes): reset every epoch and logged. */
  trackedMetrics?(): Metric[];
  saveWeights?(path: string): Promise<void>;
  save?(path: string): Promise<void>;
}
