/**
 * The Metric base class (Keras `keras.metrics.Metric`). A metric is stateful: `updateState`
 * adds a batch to totals held in non-trainable Variables, `result` reads the value over
 * everything seen since the last `resetState` (so an epoch's accuracy is the accuracy over
 * all its samples, not an average of batch accuracies).
 */
import type { Tensor } from '../tensor/tensor.js';
import type { TypedArray } from '../tensor/dtype.js';
import { Variable } from '../tensor/variable.js';
import { add } from '../ops/index.js';
import { noGrad } from '../autograd/tape.js';
import type { ConfigDict, Serializable } from '../utils/serialization.js';
import { describe } from '../losses/args.js';

export interface MetricArgs {
  /** The name in logs. Default: the Keras name ('binary_accuracy'). */
  readonly name?: string;
  /** Only 'float32' (accepted for Keras configs). */
  readonly dtype?: string;
}

/** Values read by Metric.readAsync, while its body runs. */
let snapshot: Map<Variable, TypedArray> | null = null;

export abstract class Metric implements Serializable {
  readonly name: string;
  readonly dtype = 'float32';
  private readonly state: Variable[] = [];

  constructor(args: MetricArgs = {}, defaultName = 'metric') {
    const className = this.getClassName();
    if (typeof args !== 'object' || args === null) throw new TypeError(`${className}: options must be an object; got ${describe(args)}`);
    if (args.name !== undefined && args.name !== null && (typeof args.name !== 'string' || args.name.length === 0)) {
      throw new TypeError(`${className}: name must be a non-empty string; got ${describe(args.name)}`);
    }
    if (args.dtype !== undefined && args.dtype !== null && args.dtype !== 'float32') {
      throw new TypeError(`${className}: dtype must be 'float32'; got ${describe(args.dtype)}`);
    }
    this.name = args.name ?? defaultName;
  }

  /** Adds a batch to the state. */
  abstract updateState(yTrue: Tensor, yPred: Tensor, sampleWeight?: Tensor): void;

  /**
   * The value over everything seen since the last reset, read now (on backends that read
   * synchronously; on webgpu use `resultAsync`, as fit and evaluate do).
   */
  abstract result(): number;

  /** `result()` on every backend: the state is read asynchronously first. */
  resultAsync(): Promise<number> {
    return Metric.readAsync([this], () => this.result());
  }

  /** The Keras class name. */
  abstract getClassName(): string;

  /** Sets every state variable back to zero. */
  resetState(): void {
    for (const v of this.state) v.assign(new Float32Array(v.size));
  }

  /** The state variables (Keras' `metric.variables`). */
  get variables(): readonly Variable[] {
    return this.state;
  }

  getConfig(): ConfigDict {
    return { name: this.name, dtype: this.dtype };
  }

  /** A zero-initialised, non-trainable state variable. */
  protected addWeight(name: string, shape: readonly number[] = []): Variable {
    const v = new Variable(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape, { name: `${this.name}/${name}`, trainable: false });
    this.state.push(v);
    return v;
  }

  /**
   * The values of a state variable, for `result()`: from the snapshot `Metric.readAsync`
   * took (GPU memory is read that way, at batch and epoch boundaries), else read now.
   */
  protected read(v: Variable): TypedArray {
    return snapshot?.get(v) ?? v.dataSync();
  }

  /** A scalar state variable's value (see `read`). */
  protected scalar(v: Variable): number {
    return this.read(v)[0] as number;
  }

  /**
   * Runs `body` (which calls `result()` on metrics) with the state variables of `metrics`
   * read asynchronously first: the only way to read them where the backend has no
   * synchronous reads (webgpu), and one wait for all of them elsewhere.
   */
  static async readAsync<T>(metrics: readonly Metric[], body: () => T): Promise<T> {
    const vars = metrics.flatMap((m) => m.variables);
    const values = await Promise.all(vars.map((v) => v.data()));
    const previous = snapshot;
    snapshot = new Map(vars.map((v, i) => [v, values[i] as TypedArray]));
    try {
      return body();
    } finally {
      snapshot = previous;
    }
  }

  /** v += delta, in float32 like Keras' assign_add. */
  protected static accumulate(v: Variable, delta: Tensor | number): void {
    noGrad(() => v.assign(add(v, delta)));
  }
}

/**
 * A metric whose value may be a list (one per threshold, class or output): `results()`
 * gives every value, `resultsAsync()` the same on every backend (the state is read
 * asynchronously first, as on webgpu), and `result()` the single value, throwing with
 * `manyResultsMessage` when there are several.
 */
export abstract class MultiResultMetric extends Metric {
  /** Every value, computed from the state (read with `read`/`scalar`). */
  abstract results(): number[];

  /** `results()` on every backend: the state is read asynchronously first (webgpu). */
  resultsAsync(): Promise<number[]> {
    return Metric.readAsync([this], () => this.results());
  }

  /** The one value; throws when there are several (read them with `results()`). */
  override result(): number {
    const known = this.resultCount();
    if (known !== null && known !== 1) throw new Error(this.manyResultsMessage(known));
    const r = this.results();
    if (r.length !== 1) throw new Error(this.manyResultsMessage(r.length));
    return r[0];
  }

  /** The number of values when it is known without reading the state (thresholds), else null. */
  protected resultCount(): number | null {
    return null;
  }

  /** The error of `result()` when there are `count` values. */
  protected manyResultsMessage(count: number): string {
    return `${this.name}: this metric has ${count} values; read them with results()`;
  }
}
