import { Tensor } from '../tensor/tensor.js';
import { add, mul } from '../ops/index.js';
import { noGrad } from '../autograd/tape.js';
import { type Optimizer, getOptimizer } from '../optimizers/index.js';
import { type Loss, getLoss } from '../losses/index.js';
import { Metric, Mean, getMetric } from '../metrics/index.js';
import type { Logs } from '../callbacks/callback.js';
import type { CompileArgs, LossLike, MetricLike, TrainableModel } from './types.js';

interface OutputSpec {
  readonly name: string;
  /** Null when compile gave no loss (the model computes its own, or only adds losses). */
  readonly loss: Loss | null;
  readonly weight: number;
  /** Metric objects with the names they carry in logs. */
  metrics: { readonly key: string; readonly metric: Metric }[] | null;
  readonly metricIds: readonly MetricLike[];
  readonly lossMean: Mean;
}

function isRecord(v: unknown): v is Readonly<Record<string, unknown>> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { call?: unknown }).call !== 'function' && !('updateState' in (v as object));
}

/** Picks the entry for output i from a single value, a list or a by-name record. */
function perOutput<T>(value: T | readonly T[] | Readonly<Record<string, T>> | undefined, names: readonly string[], i: number, what: string, single: (v: unknown) => boolean): T | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) {
    if (value.length !== names.length) throw new RangeError(`compile: ${what} has ${value.length} entries but the model has ${names.length} output(s) (${names.join(', ')})`);
    return value[i] as T;
  }
  if (!single(value) && isRecord(value)) {
    const rec = value as Readonly<Record<string, T>>;
    for (const k of Object.keys(rec)) if (!names.includes(k)) throw new RangeError(`compile: ${what} names '${k}', which is not an output (outputs: ${names.join(', ')})`);
    return rec[names[i]];
  }
  return value as T;
}

/** The compiled training configuration: optimizer, per-output losses and metrics, and their running values. */
export class Compiled {
  readonly optimizer: Optimizer;
  private outputs: OutputSpec[] | null = null;
  private readonly lossMean = new Mean({ name: 'loss' });

  constructor(readonly args: CompileArgs) {
    if (args === undefined || args === null || typeof args !== 'object') throw new TypeError("compile: give the options, e.g. compile({ optimizer: 'adam', loss: 'categorical_crossentropy' })");
    this.optimizer = getOptimizer((args.optimizer ?? 'rmsprop') as Parameters<typeof getOptimizer>[0]);
    Compiled.checkIdentifiers(args);
  }

  /** Whether compile gave a loss (else the model's added losses, or its own computeLoss, are the loss). */
  get hasLoss(): boolean {
    return this.args.loss !== undefined;
  }

  /** Unknown loss or metric names fail at compile time (the objects are built later, per output). */
  private static checkIdentifiers(args: CompileArgs): void {
    const flat = (v: unknown): unknown[] => (Array.isArray(v) ? v.flatMap(flat) : v !== null && typeof v === 'object' && !('call' in v) && !('updateState' in v) && !('compute' in v) ? Object.values(v).flatMap(flat) : [v]);
    for (const id of flat(args.loss)) if (typeof id === 'string') getLoss(id);
    const shapeDependent = new Set(['accuracy', 'acc', 'crossentropy', 'ce']);
    for (const id of flat(args.metrics)) if (typeof id === 'string' && !shapeDependent.has(id)) getMetric(id);
  }

  /** Resolves losses and metric lists per output (needs the model's output names). */
  private resolve(model: TrainableModel): OutputSpec[] {
    if (this.outputs) return this.outputs;
    const names = model.outputNames;
    const isLoss = (v: unknown): boolean => typeof v === 'string' || typeof v === 'function' || (typeof v === 'object' && v !== null && 'compute' in v);
    this.outputs = names.map((name, i) => {
      const lossId = this.args.loss === undefined ? undefined : perOutput<LossLike>(this.args.loss as LossLike, names, i, 'loss', isLoss);
      if (lossId === undefined && this.args.loss !== undefined) throw new RangeError(`compile: no loss for output '${name}'`);
      const weight = perOutput<number>(this.args.lossWeights as number[] | undefined, names, i, 'lossWeights', (v) => typeof v === 'number') ?? 1;
      let metricIds: readonly MetricLike[] = [];
      const m = this.args.metrics;
      if (Array.isArray(m) && m.length > 0 && Array.isArray(m[0])) metricIds = (m as readonly (readonly MetricLike[])[])[i] ?? [];
      else if (Array.isArray(m)) metricIds = m as readonly MetricLike[];
      else if (m) {
        const v = (m as Readonly<Record<string, MetricLike | readonly MetricLike[]>>)[name];
        metricIds = v === undefined ? [] : Array.isArray(v) ? (v as readonly MetricLike[]) : [v as MetricLike];
      }
      return { name, loss: lossId === undefined ? null : getLoss(lossId as Parameters<typeof getLoss>[0]), weight, metrics: null, metricIds, lossMean: new Mean({ name: `${name}_loss` }) };
    });
    return this.outputs;
  }

  /** Metric objects are made on the first batch: 'accuracy' depends on the output and label shapes (Keras). */
  private metricsFor(o: OutputSpec, yTrue: Tensor, yPred: Tensor, multi: boolean): { key: string; metric: Metric }[] {
    if (o.metrics) return o.metrics;
    o.metrics = o.metricIds.map((id) => {
      const info = { lossName: o.loss?.name ?? '', yPredShape: yPred.shape, yTrueShape: yTrue.shape };
      const metric = getMetric(id as Parameters<typeof getMetric>[0], info);
      // Keras logs a metric under its name ('auc' for 'AUC', 'acc' when the user wrote 'acc').
      return { key: multi ? `${o.name}_${metric.name}` : metric.name, metric };
    });
    return o.metrics;
  }

  /**
   * The total loss of a batch (recorded for gradients) and each output's loss, as tensors:
   * nothing is read here, so a training step can run from a plan (values are read at
   * batch boundaries, by logsAsync).
   */
  totalLoss(model: TrainableModel, ys: readonly Tensor[], preds: readonly Tensor[], sw: Tensor | null): { total: Tensor; perOutput: Tensor[] } {
    const outs = this.resolve(model);
    let total: Tensor | null = null;
    const perOutput: Tensor[] = [];
    outs.forEach((o, i) => {
      if (o.loss === null) return;
      if (ys[i] === undefined) throw new RangeError(`model ${model.name}: the loss of output '${o.name}' needs targets y, and the data has none`);
      const l = o.loss.compute(ys[i], preds[i], sw ?? undefined);
      perOutput.push(l);
      const weighted = o.weight === 1 ? l : mul(l, o.weight);
      total = total === null ? weighted : add(total, weighted);
    });
    for (const r of model.regularizationLosses()) total = total === null ? r : add(total, r);
    if (total === null) {
      throw new Error(`model ${model.name}: no loss to compute; give a loss in compile(), add losses in call() with addLoss, or override computeLoss or trainStep`);
    }
    return { total, perOutput };
  }

  /** Accumulates the batch's loss values and metrics (stateful over the epoch). */
  update(model: TrainableModel, ys: readonly Tensor[], preds: readonly Tensor[], sw: Tensor | null, loss: { total: Tensor; perOutput: readonly Tensor[] }): void {
    const outs = this.resolve(model);
    const n = (ys[0] ?? preds[0]).shape[0];
    noGrad(() => {
      this.lossMean.updateState(loss.total, n);
      outs.forEach((o, i) => {
        if (outs.length > 1 && loss.perOutput[i] !== undefined) o.lossMean.updateState(loss.perOutput[i], n);
        if (ys[i] === undefined) return;
        for (const { metric } of this.metricsFor(o, ys[i], preds[i], outs.length > 1)) metric.updateState(ys[i], preds[i], sw ?? undefined);
      });
    });
  }

  /** Current values: loss, per-output losses (several outputs), metrics. */
  logs(prefix = ''): Logs {
    const logs: Logs = { [`${prefix}loss`]: this.lossMean.result() };
    const outs = this.outputs ?? [];
    if (outs.length > 1) for (const o of outs) logs[`${prefix}${o.name}_loss`] = o.lossMean.result();
    for (const o of outs) for (const { key, metric } of o.metrics ?? []) logs[`${prefix}${key}`] = metric.result();
    return logs;
  }

  /**
   * The logs, read through the asynchronous path: waits until the metric state is
   * readable (GPU backends copy it back), then reads it. fit and evaluate call this at
   * batch and epoch boundaries only.
   */
  async logsAsync(prefix = ''): Promise<Logs> {
    const metrics = [this.lossMean, ...(this.outputs ?? []).flatMap((o) => [o.lossMean, ...(o.metrics ?? []).map((m) => m.metric)])];
    return Metric.readAsync(metrics, () => this.logs(prefix));
  }

  /** The metric objects, in log order: the loss tracker, per-output loss trackers, the compiled metrics made so far (Keras' model.metrics). */
  metrics(): Metric[] {
    const outs = this.outputs ?? [];
    return [this.lossMean, ...(outs.length > 1 ? outs.map((o) => o.lossMean) : []), ...outs.flatMap((o) => (o.metrics ?? []).map((m) => m.metric))];
  }

  /** Updates the compiled metrics only (Keras' compute_metrics): not the loss trackers. */
  updateMetrics(model: TrainableModel, ys: readonly Tensor[], preds: readonly Tensor[], sw: Tensor | null): void {
    const outs = this.resolve(model);
    noGrad(() => {
      outs.forEach((o, i) => {
        if (ys[i] === undefined) return;
        for (const { metric } of this.metricsFor(o, ys[i], preds[i], outs.length > 1)) metric.updateState(ys[i], preds[i], sw ?? undefined);
      });
    });
  }

  reset(): void {
    this.lossMean.resetState();
    for (const o of this.outputs ?? []) {
      o.lossMean.resetState();
      for (const { metric } of o.metrics ?? []) metric.resetState();
    }
  }

  /** Log keys in order (Keras' metrics_names). */
  names(): string[] {
    // The keys of logs(), without reading any value.
    const outs = this.outputs ?? [];
    const names = ['loss'];
    if (outs.length > 1) for (const o of outs) names.push(`${o.name}_loss`);
    for (const o of outs) for (const { key } of o.metrics ?? []) names.push(key);
    return names;
  }
}
