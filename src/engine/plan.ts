/**
 * Planned execution. A function of tensors (a model's forward pass, a training step's
 * forward + loss + gradients) is run once under a tracer that records every kernel launch
 * with the storages it read and wrote; the recording becomes a Plan: kernels in order,
 * with every intermediate assigned a buffer that the plan owns and reuses from step to step
 * (buffers whose values are dead are shared), fusable chains fused (engine/fuse.ts).
 * Running the plan binds new inputs and calls the recorded kernels directly: no tape, no
 * shape checks, no new closures, no allocation except the outputs handed to the caller.
 *
 * What a trace captures, as in Keras' graph functions (tf.function): tensor computations.
 * JavaScript values computed while tracing (a counter in a layer, a constant built from
 * one) are frozen into the plan; random draws are not, since random kernels draw their
 * seeds when they run. A function that reads tensor values while it is traced (dataSync,
 * item) or creates variables cannot be planned: tracing reports why and the caller keeps
 * running it eagerly.
 */
import { Tensor } from '../tensor/tensor.js';
import { Storage, setReadHook } from '../tensor/storage.js';
import { Variable } from '../tensor/variable.js';
import type { DataType } from '../tensor/dtype.js';
import type { Backend } from '../backends/interface.js';
import { backend } from '../backends/registry.js';
import { type Launch, type LaunchObserver, setLaunchObserver } from './launch.js';
import { type GuardedStep, optimizeSteps } from './fuse.js';

/** Where a step's operand lives while a plan runs. */
export type Slot =
  /** The i-th input of the plan, bound at every run. */
  | { readonly kind: 'input'; readonly index: number; readonly dtype: DataType; readonly size: number }
  /** A storage that existed before tracing: a constant or a variable (read live; variables may be written in place). */
  | { readonly kind: 'ref'; readonly storage: Storage; readonly dtype: DataType; readonly size: number }
  /** An intermediate: a buffer of the plan, or a fresh storage per run for outputs handed to the caller. */
  | { readonly kind: 'temp'; readonly dtype: DataType; readonly size: number };

/** One recorded launch: slot indices of its inputs and outputs. */
export interface Step {
  readonly launch: Launch;
  readonly ins: readonly number[];
  readonly outs: readonly number[];
  /** Outputs are existing storages written in place (ref slots). */
  readonly inPlace: boolean;
}

/** A recording before optimization: what the tracer saw. */
export interface Recording {
  readonly slots: Slot[];
  readonly steps: Step[];
  /** Slot of each output of the traced function. */
  readonly outputs: readonly number[];
}

class Recorder implements LaunchObserver {
  readonly slots: Slot[] = [];
  readonly steps: Step[] = [];
  private readonly of = new Map<Storage, number>();
  /** Why the function cannot be planned (the first reason seen), or null. */
  reason: string | null = null;

  constructor(inputs: readonly Tensor[]) {
    inputs.forEach((t, index) => {
      if (this.of.has(t.storage)) return;
      this.of.set(t.storage, this.slots.length);
      this.slots.push({ kind: 'input', index, dtype: t.dtype, size: t.size });
    });
  }

  slotOf(s: Storage): number {
    let i = this.of.get(s);
    if (i === undefined) {
      i = this.slots.length;
      this.of.set(s, i);
      this.slots.push({ kind: 'ref', storage: s, dtype: s.dtype, size: s.size });
    }
    return i;
  }

  launch(l: Launch, inputs: readonly Storage[], outputs: readonly Storage[], inPlace: boolean): void {
    const ins = inputs.map((s) => this.slotOf(s));
    let outs: number[];
    if (inPlace) {
      outs = outputs.map((s) => this.slotOf(s));
      for (const o of outs) if (this.slots[o].kind !== 'ref') this.fail(`it writes in place into a tensor computed while tracing (${l.kernel})`);
    } else {
      outs = outputs.map((s) => {
        const i = this.slots.length;
        this.of.set(s, i);
        this.slots.push({ kind: 'temp', dtype: s.dtype, size: s.size });
        return i;
      });
    }
    this.steps.push({ launch: l, ins, outs, inPlace });
  }

  /** A synchronous read of a value: fine for constants and variables, fatal for anything the inputs flow into. */
  read(s: Storage, what: string): void {
    const i = this.of.get(s);
    if (i !== undefined && this.slots[i].kind !== 'ref') this.fail(`it reads tensor values while it runs (${what}), so its results depend on data, not only on shapes`);
  }

  fail(reason: string): void {
    this.reason ??= reason;
  }
}

let tracing = false;

/** Whether a trace is recording now (plans are not nested: an inner planned call runs eagerly). */
export function isTracing(): boolean {
  return tracing;
}

/**
 * Runs `fn` once, for real, while recording it. Returns its outputs and, when it could be
 * planned, the recording; otherwise the reason it could not.
 */
export function trace(fn: () => Tensor[], inputs: readonly Tensor[]): { outputs: Tensor[]; recording: Recording | null; reason: string | null } {
  if (tracing) return { outputs: fn(), recording: null, reason: 'a plan is already being traced' };
  const rec = new Recorder(inputs);
  const createdBefore = Variable.created;
  const prevObserver = setLaunchObserver(rec);
  setReadHook((s, what) => rec.read(s, what));
  tracing = true;
  let outputs: Tensor[];
  try {
    outputs = fn();
  } finally {
    tracing = false;
    setReadHook(null);
    setLaunchObserver(prevObserver);
  }
  if (Variable.created !== createdBefore) rec.fail('it creates variables (run it once before planning, so that layers and metrics are built)');
  if (rec.reason !== null) return { outputs, recording: null, reason: rec.reason };
  return { outputs, recording: { slots: rec.slots, steps: rec.steps, outputs: outputs.map((t) => rec.slotOf(t.storage)) }, reason: null };
}

/** Buffers of one plan, by slot; `fresh` outputs get a new storage on every run. */
interface Buffers {
  readonly storages: (Storage | null)[];
}

/**
 * An executable plan: the optimized steps with buffers assigned. Built by `Plan.build`
 * from a recording on the backend it was traced on; running it on another backend is an
 * error (callers rebuild plans when the backend changes).
 */
export class Plan {
  private readonly handles: unknown[];
  private readonly buffers: Buffers;
  private readonly refSlots: number[] = [];
  private readonly inputSlots: number[] = [];
  private readonly freshSlots: number[] = [];
  private readonly stepIns: unknown[][];
  private readonly stepOuts: unknown[][];
  /** Number of kernel launches per run (after fusion). */
  readonly launches: number;
  /** Per step: the storages a guarded step depends on and what they were when it last ran. */
  private readonly guards: ({ storages: readonly Storage[]; seen: unknown[] | null } | null)[];

  private constructor(
    readonly backend: Backend,
    private readonly slots: readonly Slot[],
    private readonly steps: readonly Step[],
    private readonly outputs: readonly number[],
    private readonly outputShapes: readonly (readonly number[])[],
    fresh: readonly boolean[],
    persistent: ReadonlySet<number>,
  ) {
    this.handles = new Array<unknown>(slots.length).fill(null);
    this.launches = steps.length;
    const freshSet = new Set<number>();
    outputs.forEach((o, i) => {
      if (fresh[i] && slots[o].kind === 'temp') freshSet.add(o);
    });
    this.buffers = assignBuffers(backend, slots, steps, outputs, freshSet, persistent);
    this.guards = steps.map((s) => ((s as GuardedStep).guard ? { storages: (s as GuardedStep).guard, seen: null } : null));
    slots.forEach((s, i) => {
      if (s.kind === 'ref') this.refSlots.push(i);
      else if (s.kind === 'input') this.inputSlots.push(i);
      else if (freshSet.has(i)) this.freshSlots.push(i);
      else if (this.buffers.storages[i] !== null) this.handles[i] = (this.buffers.storages[i] as Storage).handle;
    });
    this.stepIns = steps.map((s) => new Array<unknown>(s.ins.length));
    this.stepOuts = steps.map((s) => new Array<unknown>(s.outs.length));
  }

  /**
   * Optimizes a recording (dead steps dropped, chains fused, batch norm folded where the
   * recording allows) and assigns its buffers. `fresh[i]` says whether output i is handed
   * to the caller (a new storage every run) or borrowed (a plan buffer, valid until the
   * next run).
   */
  static build(rec: Recording, outputShapes: readonly (readonly number[])[], fresh: readonly boolean[]): Plan {
    const { slots, steps, persistent } = optimizeSteps(rec);
    return new Plan(backend(), slots, steps, rec.outputs, outputShapes, fresh, persistent);
  }

  /** The kernels of one run, in order (for tests and `explain`). */
  get kernels(): string[] {
    return this.steps.map((s) => s.launch.kernel);
  }

  /** Runs the plan on new inputs (same shapes and dtypes as when traced). */
  run(inputs: readonly Tensor[]): Tensor[] {
    const b = this.backend;
    const mem = b.memory;
    const h = this.handles;
    for (const i of this.inputSlots) {
      const s = inputs[(this.slots[i] as { index: number }).index].storage;
      if (s.memory !== mem) s.moveTo(mem);
      h[i] = s.handle;
    }
    for (const i of this.refSlots) {
      const s = (this.slots[i] as { storage: Storage }).storage;
      if (s.memory !== mem) s.moveTo(mem);
      h[i] = s.handle;
    }
    const freshStorages = new Map<number, Storage>();
    for (const i of this.freshSlots) {
      const slot = this.slots[i];
      const s = new Storage(mem, mem.alloc(slot.dtype, slot.size), slot.dtype, slot.size);
      freshStorages.set(i, s);
      h[i] = s.handle;
    }
    const steps = this.steps;
    for (let k = 0; k < steps.length; k++) {
      const step = steps[k];
      const guard = this.guards[k];
      if (guard !== null && !changed(guard)) continue;
      const ins = this.stepIns[k];
      const outs = this.stepOuts[k];
      for (let j = 0; j < ins.length; j++) ins[j] = h[step.ins[j]];
      for (let j = 0; j < outs.length; j++) outs[j] = h[step.outs[j]];
      step.launch.exec(b, ins, outs);
      if (step.inPlace) for (const o of step.outs) (this.slots[o] as { storage: Storage }).storage.version++;
    }
    return this.outputs.map((o, i) => {
      const slot = this.slots[o];
      const storage = slot.kind === 'input' ? inputs[slot.index].storage : slot.kind === 'ref' ? slot.storage : freshStorages.get(o) ?? (this.buffers.storages[o] as Storage);
      return new Tensor(storage, this.outputShapes[i]);
    });
  }
}

/** Whether a guarded step's sources changed (values or place) since it last ran; records them. */
function changed(g: { storages: readonly Storage[]; seen: unknown[] | null }): boolean {
  const now: unknown[] = [];
  for (const s of g.storages) now.push(s.version, s.handle);
  const same = g.seen !== null && g.seen.length === now.length && g.seen.every((v, i) => v === now[i]);
  g.seen = now;
  return !same;
}

/**
 * Gives every temp slot a buffer: plan buffers are shared between slots whose values are
 * never alive at the same time (same dtype and size; a step's outputs never share a buffer
 * with its inputs); fresh outputs get none (they are allocated per run).
 */
function assignBuffers(b: Backend, slots: readonly Slot[], steps: readonly Step[], outputs: readonly number[], fresh: ReadonlySet<number>, persistent: ReadonlySet<number>): Buffers {
  const lastUse = new Array<number>(slots.length).fill(-1);
  steps.forEach((s, k) => {
    for (const i of s.ins) lastUse[i] = k;
  });
  for (const o of outputs) lastUse[o] = steps.length; // outputs live past the last step
  for (const o of persistent) lastUse[o] = Infinity; // kept from run to run
  const storages: (Storage | null)[] = new Array<Storage | null>(slots.length).fill(null);
  const free = new Map<string, Storage[]>();
  const key = (s: Slot): string => `${s.dtype}:${s.size}`;
  steps.forEach((step, k) => {
    if (!step.inPlace) {
      for (const o of step.outs) {
        const slot = slots[o];
        if (slot.kind !== 'temp' || fresh.has(o)) continue;
        const list = free.get(key(slot));
        storages[o] = list !== undefined && list.length > 0 ? (list.pop() as Storage) : new Storage(b.memory, b.memory.alloc(slot.dtype, slot.size), slot.dtype, slot.size);
      }
    }
    // Buffers whose last reader is this step are free for the steps after it.
    for (const i of new Set([...step.ins, ...step.outs])) {
      const st = storages[i];
      if (st !== null && lastUse[i] <= k && slots[i].kind === 'temp') {
        const list = free.get(key(slots[i])) ?? [];
        list.push(st);
        free.set(key(slots[i]), list);
        lastUse[i] = Infinity; // freed once
      }
    }
  });
  return { storages };
}
