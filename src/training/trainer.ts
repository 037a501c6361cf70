import { Tensor } from '../tensor/tensor.js';
import { StringTensor } from '../tensor/string-tensor.js';
import { broadcastBuffer, isDistributed, rank, size } from '../distributed/mpi.js';
import { averageLogs, broadcastModel } from '../distributed/model.js';
import { Rng } from '../tensor/rng.js';
import { Variable } from '../tensor/variable.js';
import { concat } from '../ops/index.js';
import { gradients } from '../autograd/backward.js';
import { noGrad } from '../autograd/tape.js';
import { Planner } from '../engine/planner.js';
import { backend } from '../backends/registry.js';
import { Callback, CallbackList, History, type CallbackModel, type CallbackParams, type Logs } from '../callbacks/callback.js';
import { ProgbarLogger } from '../callbacks/progbar.js';
import { Compiled } from './compiled.js';
import { shuffleInPlace } from '../data/utils.js';
import { type Arrays, checkArraysFinite, classWeightsToSampleWeights, isDataSource, iterate, numSamples, selectRows, splitValidation, toList, unpackBatch } from './data.js';
import { Metric } from '../metrics/metric.js';
import type { Batch, CompileArgs, CustomSteps, DataSource, EvaluateArgs, FitArgs, FitState, ModelData, PredictArgs, StepData, StepLogs, TrainableModel } from './types.js';

type Verbose = 0 | 1 | 2;

function verbosity(v: FitArgs['verbose']): Verbose {
  return v === undefined || v === 'auto' ? 1 : v;
}

function positiveInt(v: number | undefined, fallback: number, name: string, where: string): number {
  const n = v ?? fallback;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${where}: ${name} must be a positive integer; got ${v}`);
  return n;
}

/** Batches per pass of a source that knows it (a Keras Sequence such as flow's iterators), else null. */
function sourceLength(x: unknown): number | null {
  const len = (x as { length?: unknown } | null)?.length;
  return isDataSource(x) && typeof len === 'number' && Number.isInteger(len) && len > 0 ? len : null;
}

/**
 * Rank `rank`'s share of each global batch (indices, or a [start, end) range): rows
 * [⌊r·m/size⌋, ⌊(r + 1)·m/size⌋) of its m rows, so the ranks' shares make up the batch one
 * process would take. A last batch with fewer rows than ranks is dropped (every rank must
 * take the same number of steps).
 */
function shardBatches(plan: readonly (Int32Array | readonly [number, number])[], rank: number, size: number): (Int32Array | readonly [number, number])[] {
  const out: (Int32Array | readonly [number, number])[] = [];
  for (const b of plan) {
    const m = b instanceof Int32Array ? b.length : b[1] - b[0];
    if (m < size) break;
    const lo = Math.floor((rank * m) / size);
    const hi = Math.floor(((rank + 1) * m) / size);
    out.push(b instanceof Int32Array ? b.subarray(lo, hi) : ([b[0] + lo, b[0] + hi] as const));
  }
  return out;
}

/** Batches i with i mod size = rank of an iterator; ends when a round of `size` batches is incomplete. */
interface ShardedIterator extends AsyncIterator<Batch> {
  readonly inner: AsyncIterator<Batch> | Iterator<Batch>;
}

function shardIterator(inner: AsyncIterator<Batch> | Iterator<Batch>, rank: number, size: number): ShardedIterator {
  return {
    inner,
    async next(): Promise<IteratorResult<Batch>> {
      let mine: IteratorResult<Batch> | null = null;
      for (let i = 0; i < size; i++) {
        const r = await inner.next();
        if (r.done) return { done: true, value: undefined };
        if (i === rank) mine = r;
      }
      return mine as IteratorResult<Batch>;
    },
  };
}

/** Pulls batches from an iterator, optionally one ahead (a rejected prefetch surfaces when taken). */
class Prefetcher {
  private pending: Promise<IteratorResult<Batch>> | null = null;
  /** Whether the iterator reported done (a re-iterable source then starts a new pass). */
  exhausted = false;

  constructor(readonly it: AsyncIterator<Batch> | Iterator<Batch>) {}

  async take(): Promise<IteratorResult<Batch>> {
    const p = this.pending ?? this.pull();
    this.pending = null;
    const r = await p;
    if (r.done) this.exhausted = true;
    return r;
  }

  ahead(): void {
    if (this.pending !== null) return;
    const p = this.pull();
    p.catch(() => undefined);
    this.pending = p;
  }

  private pull(): Promise<IteratorResult<Batch>> {
    try {
      return Promise.resolve(this.it.next());
    } catch (e) {
      return Promise.reject(e);
    }
  }
}

/** Validation input for fit: arrays or a data source. */
type ValidationInput = { arrays: Arrays } | { source: DataSource };

const NO_CUSTOM_STEPS: CustomSteps = { train: null, test: null, predict: null, computeLoss: null };

/** A batch as a custom step receives it (Keras' data): [x, y, sampleWeight], single tensors unwrapped. */
export function stepData(batch: Arrays): StepData {
  const one = (ts: Tensor[]): Tensor | Tensor[] => (ts.length === 1 ? ts[0] : ts);
  return [one(batch.xs), batch.ys.length === 0 ? undefined : one(batch.ys), batch.sw ?? undefined];
}

/** Whether fit/evaluate's second argument is targets (a Tensor, a list, or Tensors by output name) rather than options. */
function isTargets(v: unknown): boolean {
  if (v instanceof Tensor || Array.isArray(v)) return true;
  if (v === null || typeof v !== 'object') return false;
  const values = Object.values(v);
  return values.length > 0 && values.every((t) => t instanceof Tensor);
}

/** A step's inputs in a fixed order: inputs, targets, sample weights. */
function stepInputs(batch: Arrays): Tensor[] {
  return batch.sw ? [...batch.xs, ...batch.ys, batch.sw] : [...batch.xs, ...batch.ys];
}

/** Whether a step's inputs hold strings: a plan records kernels, and text layers run on the host (eagerly). */
function hasStrings(inputs: readonly Tensor[]): boolean {
  return inputs.some((t) => (t as unknown) instanceof StringTensor);
}

/** A plan signature: the step kind and the shape and dtype of every input. */
function signature(kind: string, inputs: readonly Tensor[]): string {
  let key = kind;
  for (const t of inputs) key += `|${t.dtype}[${t.shape.join(',')}]`;
  return key;
}

let lastTurn = 0;

/**
 * Lets the event loop turn between batches: finalizers then return the buffers of
 * collected tensors (wasm memory: to its pool; every memory: to nt.memory()'s counts), and
 * timers, I/O and a page's rendering get their turn. Every batch where the backend has its
 * own memory, else every 50 ms.
 */
function turn(): Promise<void> | null {
  const now = performance.now();
  if (!backend().memory.managed && now - lastTurn < 50) return null;
  lastTurn = now;
  return macrotask();
}

/**
 * A new macrotask: setImmediate in Node; elsewhere a MessageChannel message (setTimeout(0)
 * in a chain is clamped to 4 ms by browsers, which would slow small batches down).
 */
function macrotask(): Promise<void> {
  const g = globalThis as { setImmediate?: (f: () => void) => unknown; MessageChannel?: typeof MessageChannel };
  if (g.setImmediate) return new Promise((resolve) => g.setImmediate?.(resolve));
  if (g.MessageChannel) {
    return new Promise((resolve) => {
      const ch = new (g.MessageChannel as typeof MessageChannel)();
      ch.port1.onmessage = () => {
        ch.port1.close();
        resolve();
      };
      ch.port2.postMessage(null);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * What invalidates a model's plans besides the backend: new variables anywhere (a layer
 * built or replaced, weights swapped), weights frozen or unfrozen.
 */
export function planValidity(): unknown[] {
  return [Variable.created, Variable.structureVersion];
}

/**
 * compile/fit/evaluate/predict for a model. One training step = forward in training mode,
 * total loss (weighted output losses + regularization), gradients of the trainable weights,
 * one fused optimizer update per weight, constraints; then the stateful metrics.
 */
export class Trainer {
  readonly compiled: Compiled;
  /** Plans of the training and test steps, one per input signature (see engine/planner.ts). */
  readonly plans = new Planner();

  constructor(readonly model: TrainableModel & CallbackModel, args: CompileArgs) {
    this.compiled = new Compiled(args);
    this.runEagerly = args.runEagerly ?? false;
  }

  /** Keras' run_eagerly: every step runs op by op instead of from a plan. */
  readonly runEagerly: boolean;

  get optimizer(): Compiled['optimizer'] {
    return this.compiled.optimizer;
  }

  metricsNames(): string[] {
    return this.compiled.names();
  }

  // ---- steps -----------------------------------------------------------------------------

  /** The model's step overrides (Model.trainStep, testStep, predictStep, computeLoss), read per step. */
  private custom(): CustomSteps {
    return this.model.customSteps?.() ?? NO_CUSTOM_STEPS;
  }

  /**
   * Forward + loss (+ gradients when training) of one batch, from the signature's plan:
   * [total loss, per-output losses, predictions, gradients]. Losses and predictions are
   * new tensors; gradients are the plan's buffers, valid until the next step. A model that
   * computes its own loss (computeLoss override) runs eagerly: its loss may update metrics.
   */
  private planned(kind: 'train' | 'test', batch: Arrays, vars: readonly Variable[]): { total: Tensor; perOutput: Tensor[]; preds: Tensor[]; grads: Tensor[] } {
    const model = this.model;
    const ownLoss = this.custom().computeLoss;
    const nOut = model.outputNames.length;
    const nLoss = ownLoss || !this.compiled.hasLoss ? 0 : nOut;
    const inputs = stepInputs(batch);
    const body = (): Tensor[] => {
      const preds = model.forward(batch.xs, kind === 'train');
      let total: Tensor;
      let perOutput: Tensor[] = [];
      if (ownLoss) {
        const [x, y, sampleWeight] = stepData(batch);
        total = ownLoss({ x, y, yPred: preds.length === 1 ? preds[0] : preds, sampleWeight, training: kind === 'train' });
        if (!(total instanceof Tensor)) throw new TypeError(`Model ${model.name}: computeLoss must return a scalar Tensor`);
      } else ({ total, perOutput } = this.compiled.totalLoss(model, batch.ys, preds, batch.sw));
      const grads = kind === 'train' ? gradients(total, vars, { retainGraph: false }) : [];
      return [total, ...perOutput, ...preds, ...grads];
    };
    const fresh = [...new Array<boolean>(1 + nLoss + nOut).fill(true), ...vars.map(() => false)];
    const outs = this.runEagerly || ownLoss || hasStrings(inputs) ? body() : this.plans.run(signature(kind, inputs), inputs, body, fresh, planValidity);
    return { total: outs[0], perOutput: outs.slice(1, 1 + nLoss), preds: outs.slice(1 + nLoss, 1 + nLoss + nOut), grads: outs.slice(1 + nLoss + nOut) };
  }

  /** The logs of the last custom step (null after a built-in one): see batchLogs. */
  private stepLogs: StepLogs | null = null;

  /** One training step: the model's trainStep override if it has one, else the built-in step. */
  private trainStep(batch: Arrays): void {
    const own = this.custom().train;
    if (own) {
      // A subclassed model's layers are built before its step reads trainableWeights.
      this.model.ensureGraph(batch.xs);
      const logs = own(stepData(batch));
      this.stepLogs = logs ?? this.metricsLogs();
      return;
    }
    this.stepLogs = null;
    this.defaultTrainStep(batch);
  }

  /**
   * The built-in training step (Keras' default train_step): forward, loss, gradients,
   * optimizer update, constraints, metrics. Model.trainStep's default calls it, so an
   * override can call `super.trainStep(data)`.
   */
  defaultTrainStep(batch: Arrays): void {
    const model = this.model;
    model.ensureGraph(batch.xs);
    const vars = model.trainableWeights;
    if (vars.length === 0) throw new Error(`Model ${model.name}: there are no trainable weights (is every layer frozen?)`);
    const { total, perOutput, preds, grads } = this.planned('train', batch, vars);
    this.optimizer.applyGradients(grads.map((g, i) => [g, vars[i]] as const));
    model.applyConstraints();
    this.compiled.update(model, batch.ys, preds, batch.sw, { total, perOutput });
  }

  private testStep(batch: Arrays): void {
    const own = this.custom().test;
    if (own) {
      this.model.ensureGraph(batch.xs);
      const logs = noGrad(() => own(stepData(batch)));
      this.stepLogs = logs ?? this.metricsLogs();
      return;
    }
    this.stepLogs = null;
    this.defaultTestStep(batch);
  }

  /** The built-in test step (Keras' default test_step): forward, loss, metrics. */
  defaultTestStep(batch: Arrays): void {
    const model = this.model;
    noGrad(() => {
      model.ensureGraph(batch.xs);
      const { total, perOutput, preds } = this.planned('test', batch, []);
      this.compiled.update(model, batch.ys, preds, batch.sw, { total, perOutput });
    });
  }

  /** Every metric of the model (Keras' model.metrics): the compiled ones, then those the model tracks itself. */
  metrics(): Metric[] {
    return [...this.compiled.metrics(), ...(this.model.trackedMetrics?.() ?? [])];
  }

  /** Resets every metric (at the start of each epoch and evaluation, as Keras' reset_metrics). */
  resetMetrics(): void {
    this.compiled.reset();
    for (const m of this.model.trackedMetrics?.() ?? []) m.resetState();
  }

  /** Logs of every metric by name (Keras' get_metrics_result). */
  private metricsLogs(): StepLogs {
    const out: Record<string, Metric> = {};
    for (const m of this.metrics()) out[m.name] = m;
    return out;
  }

  /**
   * The logs after a step: the compiled loss and metrics (and the model's own metrics) after
   * a built-in step; after a custom step, what it returned, read asynchronously.
   */
  private async batchLogs(prefix = ''): Promise<Logs> {
    if (this.stepLogs === null) {
      const own = this.model.trackedMetrics?.() ?? [];
      const logs = await this.compiled.logsAsync(prefix);
      if (own.length > 0) Object.assign(logs, await Metric.readAsync(own, () => Object.fromEntries(own.map((m) => [`${prefix}${m.name}`, m.result()]))));
      return logs;
    }
    const entries = Object.entries(this.stepLogs);
    const metrics = entries.map(([, v]) => v).filter((v): v is Metric => v instanceof Metric);
    const tensors = await Promise.all(entries.map(([, v]) => (v instanceof Tensor ? v.data() : null)));
    return Metric.readAsync(metrics, () => {
      const logs: Logs = {};
      entries.forEach(([k, v], i) => {
        const t = tensors[i];
        let value: number;
        if (v instanceof Metric) value = v.result();
        else if (t !== null) {
          if (t.length !== 1) throw new RangeError(`Model ${this.model.name}: the step's log '${k}' must be a scalar; got ${t.length} values`);
          value = Number(t[0]);
        } else if (typeof v === 'number') value = v;
        else throw new TypeError(`Model ${this.model.name}: the step's log '${k}' must be a number, a scalar Tensor or a Metric`);
        logs[`${prefix}${k}`] = value;
      });
      return logs;
    });
  }

  /** Whether a step can run on inputs alone: a custom step or loss, or no compiled loss (losses added in call). */
  private worksWithoutTargets(kind: 'train' | 'test'): boolean {
    const c = this.custom();
    return (kind === 'train' ? c.train : c.test) !== null || c.computeLoss !== null || this.compiled.args.loss === undefined;
  }

  // ---- data --------------------------------------------------------------------------------

  private arrays(x: ModelData, y: ModelData | undefined, sw: Tensor | undefined, where: string): Arrays {
    const a: Arrays = { xs: toList(this.model, x, 'x', where), ys: y === undefined ? [] : toList(this.model, y, 'y', where), sw: sw ?? null };
    numSamples(a, where);
    checkArraysFinite(a, where);
    return a;
  }

  /** Batch index lists for one epoch over n samples. */
  private static batches(n: number, batchSize: number, shuffle: boolean, rng: Rng): (Int32Array | readonly [number, number])[] {
    const out: (Int32Array | readonly [number, number])[] = [];
    if (!shuffle) {
      for (let s = 0; s < n; s += batchSize) out.push([s, Math.min(n, s + batchSize)] as const);
      return out;
    }
    const order = shuffleInPlace(Int32Array.from({ length: n }, (_, i) => i), rng);
    for (let s = 0; s < n; s += batchSize) out.push(order.subarray(s, Math.min(n, s + batchSize)));
    return out;
  }

  // ---- fit -----------------------------------------------------------------------------------

  async fit(x: ModelData | DataSource, yOrArgs?: ModelData | FitArgs, maybeArgs?: FitArgs): Promise<History> {
    const where = `fit (model ${this.model.name})`;
    const fromSource = isDataSource(x);
    const targets = !fromSource && isTargets(yOrArgs) ? (yOrArgs as ModelData) : undefined;
    const args: FitArgs = (fromSource || targets === undefined ? (yOrArgs as FitArgs | undefined) : maybeArgs) ?? {};
    const epochs = positiveInt(args.epochs, 1, 'epochs', where);
    const initialEpoch = args.initialEpoch ?? 0;
    const verbose = verbosity(args.verbose);
    let train: Arrays | null = null;
    let validation: ValidationInput | null = null;
    if (!fromSource) {
      if (targets === undefined && !this.worksWithoutTargets('train')) throw new Error(`${where}: give targets y (or pass a data source of [x, y] batches)`);
      train = this.arrays(x as ModelData, targets, args.sampleWeight, where);
      if (args.classWeight) {
        const cw = classWeightsToSampleWeights(train.ys[0], args.classWeight, where);
        train = { ...train, sw: train.sw ? noGrad(() => train!.sw!.mul(cw)) : cw };
      }
      if (train.sw) checkArraysFinite({ xs: [], ys: [], sw: train.sw }, where);
      if (args.validationSplit) {
        const split = splitValidation(train, args.validationSplit, where);
        train = split.train;
        validation = { arrays: split.val };
      }
    } else if (args.validationSplit) {
      throw new Error(`${where}: validationSplit needs arrays; with a data source, pass validationData`);
    }
    if (args.validationData !== undefined) validation = this.validationInput(args.validationData, where);
    const batchSize = positiveInt(args.batchSize, 32, 'batchSize', where);
    const samples = train ? numSamples(train, where) : undefined;
    const steps = args.stepsPerEpoch ?? (samples !== undefined ? Math.ceil(samples / batchSize) : sourceLength(x));

    // In a distributed job (nt.distributed): each rank trains on its shard of every global
    // batch of batchSize × size samples (or on every size-th batch of a data source), rank 0
    // alone prints and runs the callbacks that write, and the ranks start from rank 0's
    // weights and shuffle with rank 0's seed.
    const job = isDistributed() ? { rank: rank(), size: size() } : null;
    const shown: Verbose = job !== null && job.rank !== 0 ? 0 : verbose;
    const globalBatch = batchSize * (job?.size ?? 1);
    // A data source the script sharded itself (Dataset.shard) is read whole by each rank.
    const preSharded = fromSource && (x as { isSharded?: boolean }).isSharded === true;
    const globalSteps = job === null || preSharded ? steps : args.stepsPerEpoch ?? (samples !== undefined ? Math.ceil(samples / globalBatch) : steps === null || steps === undefined ? steps : Math.floor(steps / job.size));
    const history = new History();
    const userCallbacks = job !== null && job.rank !== 0 ? (args.callbacks ?? []).filter((c) => !c.rankZeroOnly) : args.callbacks;
    const callbacks = this.callbackList(userCallbacks, history, shown, { epochs, steps: globalSteps, verbose: shown, batchSize, samples, metrics: [] });
    this.model.stopTraining = false;
    const seedBox = Float64Array.of(args.seed ?? Math.floor(Math.random() * 2 ** 31));
    if (job !== null) {
      broadcastBuffer(seedBox, 0);
      await broadcastModel(this.model, this.optimizer, 0);
    }
    const state: FitState = { seed: seedBox[0], epoch: initialEpoch, initialEpoch };
    this.model.fitState = state;
    const shardSource = job !== null && fromSource && !preSharded;
    const sharded = (it: AsyncIterator<Batch> | Iterator<Batch>): AsyncIterator<Batch> | Iterator<Batch> => (job !== null && shardSource ? shardIterator(it, job.rank, job.size) : it);
    const sourceIterator = (): AsyncIterator<Batch> | Iterator<Batch> => sharded(iterate(x as DataSource));
    let source = fromSource ? new Prefetcher(sourceIterator()) : null;
    const stepsPerEpoch = fromSource ? (globalSteps ?? undefined) : args.stepsPerEpoch;
    await callbacks.call('onTrainBegin', {});
    for (let epoch = state.initialEpoch; epoch < epochs && !this.model.stopTraining; epoch++) {
      state.epoch = epoch;
      const rng = new Rng(state.seed * 1000003 + epoch);
      // A re-iterable source (an iterable whose iterator is a new object) starts a new pass each
      // epoch once it ran out, and, as Keras does for a Dataset or Sequence of known length
      // without stepsPerEpoch, after each full pass (whose end the iterator has not reported yet).
      if (source !== null && epoch > state.initialEpoch && (source.exhausted || (args.stepsPerEpoch === undefined && sourceLength(x) !== null))) {
        const fresh = iterate(x as DataSource);
        // A source that is its own iterator keeps going (with the batch already fetched ahead).
        if (fresh !== (!shardSource ? source.it : (source.it as ShardedIterator).inner)) source = new Prefetcher(sharded(fresh));
      }
      this.resetMetrics();
      await callbacks.call('onEpochBegin', epoch, {});
      const logs = train
        ? await this.epochOnArrays(train, batchSize, args.shuffle ?? true, rng, callbacks, args.stepsPerEpoch, job)
        : await this.epochOnSource(source as Prefetcher, stepsPerEpoch, epoch + 1 < epochs, callbacks, where, args.classWeight);
      const freq = args.validationFreq ?? 1;
      if (validation && (epoch + 1 - state.initialEpoch) % freq === 0) {
        // The onTest* hooks fire during fit's validation too, as in tf.keras 2.
        const valSteps = args.validationSteps ?? ('source' in validation ? sourceLength(validation.source) ?? undefined : undefined);
        const val = await this.runEvaluation(validation, args.validationBatchSize ?? batchSize, valSteps, callbacks);
        for (const [k, v] of Object.entries(val)) logs[`val_${k}`] = v;
      }
      // The compiled optimizer's rate (a custom step may not use that optimizer: Keras 3 logs none then).
      if (this.custom().train === null) logs.lr = this.optimizer.learningRate;
      await callbacks.call('onEpochEnd', epoch, job === null ? logs : averageLogs(logs as Record<string, number>));
    }
    // Keras: with useEma, the weights take their moving averages when training ends.
    if (epochs > state.initialEpoch) this.optimizer.finalizeVariableValues(this.model.trainableWeights);
    await callbacks.call('onTrainEnd', {});
    return history;
  }

  private validationInput(v: NonNullable<FitArgs['validationData']>, where: string): ValidationInput {
    if (isDataSource(v)) return { source: v };
    const t = v as readonly [ModelData, ModelData, Tensor?];
    if (!Array.isArray(t) || t.length < 2) throw new TypeError(`${where}: validationData must be [x, y], [x, y, sampleWeight] or a data source`);
    return { arrays: this.arrays(t[0], t[1], t[2], `${where}, validationData`) };
  }

  private callbackList(user: readonly Callback[] | undefined, history: History, verbose: Verbose, params: CallbackParams): CallbackList {
    const list: Callback[] = [];
    if (verbose !== 0) list.push(new ProgbarLogger({ verbose }));
    list.push(...(user ?? []), history);
    const callbacks = new CallbackList(list);
    callbacks.setModel(this.model);
    callbacks.setParams({ ...params, metrics: this.compiled.names() });
    return callbacks;
  }

  private async epochOnArrays(train: Arrays, batchSize: number, shuffle: boolean, rng: Rng, callbacks: CallbackList, stepsPerEpoch: number | undefined, job: { readonly rank: number; readonly size: number } | null = null): Promise<Logs> {
    const n = numSamples(train, 'fit');
    const global = Trainer.batches(n, batchSize * (job?.size ?? 1), shuffle, rng).slice(0, stepsPerEpoch ?? Infinity);
    const plan = job === null ? global : shardBatches(global, job.rank, job.size);
    for (let b = 0; b < plan.length && !this.model.stopTraining; b++) {
      await callbacks.call('onTrainBatchBegin', b, { batch: b, size: plan[b] instanceof Int32Array ? (plan[b] as Int32Array).length : (plan[b] as readonly number[])[1] - (plan[b] as readonly number[])[0] });
      this.trainStep(selectRows(train, plan[b]));
      await turn();
      await callbacks.call('onTrainBatchEnd', b, await this.batchLogs());
    }
    return this.batchLogs();
  }

  /**
   * One epoch over a data source. The next batch is requested before the current one trains,
   * so a source that works asynchronously (file reads and decoding in flowFromDirectory)
   * prepares it while the step runs.
   */
  private async epochOnSource(source: Prefetcher, steps: number | undefined, moreEpochs: boolean, callbacks: CallbackList, where: string, classWeight?: FitArgs['classWeight']): Promise<Logs> {
    for (let b = 0; steps === undefined || b < steps; b++) {
      if (this.model.stopTraining) break;
      const next = await source.take();
      if (next.done) {
        if (steps !== undefined && b < steps) console.warn(`${where}: the data source ran out after ${b} of ${steps} steps in this epoch`);
        break;
      }
      if (steps === undefined || b + 1 < steps || moreEpochs) source.ahead();
      await callbacks.call('onTrainBatchBegin', b, { batch: b });
      let batch = unpackBatch(this.model, next.value, where, this.worksWithoutTargets('train'));
      numSamples(batch, where);
      checkArraysFinite(batch, where, b);
      if (classWeight) {
        const cw = classWeightsToSampleWeights(batch.ys[0], classWeight, where);
        batch = { ...batch, sw: batch.sw ? noGrad(() => (batch.sw as Tensor).mul(cw)) : cw };
      }
      this.trainStep(batch);
      await turn();
      await callbacks.call('onTrainBatchEnd', b, await this.batchLogs());
    }
    return this.batchLogs();
  }

  // ---- evaluate ------------------------------------------------------------------------------

  private async runEvaluation(input: ValidationInput, batchSize: number, steps: number | undefined, callbacks: CallbackList | null): Promise<Logs> {
    this.resetMetrics();
    await callbacks?.call('onTestBegin', {});
    if ('arrays' in input) {
      const n = numSamples(input.arrays, 'evaluate');
      const plan = Trainer.batches(n, batchSize, false, new Rng(0)).slice(0, steps ?? Infinity);
      for (let b = 0; b < plan.length; b++) {
        await callbacks?.call('onTestBatchBegin', b, {});
        this.testStep(selectRows(input.arrays, plan[b]));
        await turn();
        await callbacks?.call('onTestBatchEnd', b, await this.batchLogs());
      }
    } else {
      // A Sequence-like source (length + reset, as flow's iterators) is evaluated from its first batch.
      const seq = input.source as { length?: unknown; reset?: unknown };
      if (typeof seq.length === 'number' && typeof seq.reset === 'function') (seq.reset as () => void).call(input.source);
      const it = iterate(input.source);
      for (let b = 0; steps === undefined || b < steps; b++) {
        const next = await it.next();
        if (next.done) break;
        await callbacks?.call('onTestBatchBegin', b, {});
        const batch = unpackBatch(this.model, next.value, 'evaluate', this.worksWithoutTargets('test'));
        checkArraysFinite(batch, 'evaluate', b);
        this.testStep(batch);
        await turn();
        await callbacks?.call('onTestBatchEnd', b, await this.batchLogs());
      }
    }
    const logs = await this.batchLogs();
    await callbacks?.call('onTestEnd', logs);
    return logs;
  }

  async evaluate(x: ModelData | DataSource, yOrArgs?: ModelData | EvaluateArgs, maybeArgs?: EvaluateArgs): Promise<number | number[] | Record<string, number>> {
    const where = `evaluate (model ${this.model.name})`;
    const fromSource = isDataSource(x);
    const targets = !fromSource && isTargets(yOrArgs) ? (yOrArgs as ModelData) : undefined;
    const args: EvaluateArgs = (fromSource || targets === undefined ? (yOrArgs as EvaluateArgs | undefined) : maybeArgs) ?? {};
    if (!fromSource && targets === undefined && !this.worksWithoutTargets('test')) throw new Error(`${where}: give targets y`);
    const input: ValidationInput = fromSource ? { source: x as DataSource } : { arrays: this.arrays(x as ModelData, targets, args.sampleWeight, where) };
    const verbose = args.verbose === undefined || args.verbose === 'auto' ? 1 : args.verbose;
    const batchSize = positiveInt(args.batchSize, 32, 'batchSize', where);
    const samples = 'arrays' in input ? numSamples(input.arrays, where) : undefined;
    const list: Callback[] = [...(verbose !== 0 ? [new ProgbarLogger({ verbose, mode: 'test' })] : []), ...(args.callbacks ?? [])];
    const callbacks = new CallbackList(list);
    callbacks.setModel(this.model);
    callbacks.setParams({ steps: args.steps ?? (samples !== undefined ? Math.ceil(samples / batchSize) : sourceLength(x)), verbose, batchSize, samples });
    const steps = args.steps ?? ('source' in input ? sourceLength(input.source) ?? undefined : undefined);
    const logs = await this.runEvaluation(input, batchSize, steps, callbacks);
    if (args.returnDict) return logs;
    const values = Object.values(logs);
    return values.length === 1 ? values[0] : values;
  }

  // ---- single batches ------------------------------------------------------------------------

  async trainOnBatch(x: ModelData, y: ModelData, args: { sampleWeight?: Tensor; classWeight?: Readonly<Record<number, number>> }): Promise<number | number[]> {
    const where = `trainOnBatch (model ${this.model.name})`;
    let batch = this.arrays(x, y, args.sampleWeight, where);
    if (args.classWeight) batch = { ...batch, sw: classWeightsToSampleWeights(batch.ys[0], args.classWeight, where) };
    this.resetMetrics();
    this.trainStep(batch);
    const v = Object.values(await this.batchLogs());
    return v.length === 1 ? v[0] : v;
  }

  async testOnBatch(x: ModelData, y: ModelData, args: { sampleWeight?: Tensor }): Promise<number | number[]> {
    const batch = this.arrays(x, y, args.sampleWeight, `testOnBatch (model ${this.model.name})`);
    this.resetMetrics();
    this.testStep(batch);
    const v = Object.values(await this.batchLogs());
    return v.length === 1 ? v[0] : v;
  }

  // ---- predict -------------------------------------------------------------------------------

  /**
   * Forward passes in inference mode over batches, each from the plan of its input
   * signature (`plans`; none with `eager`); outputs concatenated.
   */
  static predict(model: TrainableModel, x: ModelData, args: PredictArgs, plans: Planner | null): Tensor | Tensor[] {
    const where = `predict (model ${model.name})`;
    const xs = toList(model, x, 'x', where);
    const n = xs[0].shape[0];
    for (const t of xs) if (t.shape[0] !== n) throw new RangeError(`${where}: inputs have different numbers of samples (${n} and ${t.shape[0]})`);
    const batchSize = positiveInt(args.batchSize, 32, 'batchSize', where);
    const parts: Tensor[][] = [];
    noGrad(() => {
      model.ensureGraph(xs);
      const steps = args.steps ?? Math.ceil(n / batchSize);
      for (let b = 0; b < steps && b * batchSize < n; b++) {
        const batch = n <= batchSize ? xs : selectRows({ xs, ys: [], sw: null }, [b * batchSize, Math.min(n, (b + 1) * batchSize)] as const).xs;
        const own = model.customSteps?.().predict;
        if (own) {
          const out = own(stepData({ xs: batch, ys: [], sw: null }));
          parts.push(Array.isArray(out) ? out : [out]);
          continue;
        }
        const body = (): Tensor[] => model.forward(batch, false);
        parts.push(plans === null || hasStrings(batch) ? body() : plans.run(signature('predict', batch), batch, body, model.outputNames.map(() => true), planValidity));
      }
    });
    if (parts.length === 0) throw new RangeError(`${where}: no samples to predict`);
    const outs = parts[0].map((_, o) => (parts.length === 1 ? parts[0][o] : noGrad(() => concat(parts.map((p) => p[o]), 0))));
    return outs.length === 1 ? outs[0] : outs;
  }
}
