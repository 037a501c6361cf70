import { Tensor } from '../tensor/tensor.js';
import { Storage } from '../tensor/storage.js';
import { stringTensorError } from '../tensor/string-tensor.js';
import { setVariableOps } from '../tensor/variable.js';
import type { DataType } from '../tensor/dtype.js';
import { type Shape, sizeOf } from '../tensor/shape.js';
import type { Backend, EpilogueActivation } from '../backends/interface.js';
import { backend } from '../backends/registry.js';

/**
 * One kernel invocation in replayable form. `exec` calls a backend kernel with the
 * handles of its inputs and of its (already allocated) outputs; everything else it needs
 * (op, shapes, parameters) it carries. An op builds a Launch and runs it once through
 * `run`; a plan records the same Launch and calls `exec` again on every step with the
 * plan's own buffers, so any JavaScript inside `exec` (a random seed drawn from a
 * generator) runs again on every step too.
 */
export interface Launch {
  /** The kernel family ('unary', 'matmul', 'conv2d', ...): plans read it to fuse launches. */
  readonly kernel: string;
  /** Kernel-specific attributes plans read (for example `{ op, p }` of a unary op). */
  readonly attrs?: Readonly<Record<string, unknown>>;
  readonly exec: (b: Backend, ins: readonly unknown[], outs: readonly unknown[]) => void;
  /**
   * For matmul and conv2d: the same launch with another fused epilogue; with `bias` its
   * inputs gain the bias as the third. Plans use it to fuse a following bias add or ReLU.
   */
  readonly variant?: (epilogue: { readonly bias: boolean; readonly activation: EpilogueActivation }) => Launch;
  /** Kernels with effects beyond their outputs (random draws advance a generator; checks throw): plans never drop them. */
  readonly effect?: boolean;
}

/** Shape and dtype of one output. */
export interface OutSpec {
  readonly shape: Shape;
  readonly dtype: DataType;
}

/** Sees every launch (the plan tracer, engine/trace.ts). */
export interface LaunchObserver {
  /**
   * `outputs` are fresh storages, or existing ones written in place when `inPlace`
   * (Variable.assign, optimizer updates).
   */
  launch(l: Launch, inputs: readonly Storage[], outputs: readonly Storage[], inPlace: boolean): void;
}

let observer: LaunchObserver | null = null;

/** Installs (or removes, with null) the launch observer; returns the previous one. */
export function setLaunchObserver(o: LaunchObserver | null): LaunchObserver | null {
  const prev = observer;
  observer = o;
  return prev;
}

/** The handles of `inputs` on backend `b`, moving any that live in another memory there (once). */
function inputHandles(b: Backend, inputs: readonly Tensor[]): { storages: Storage[]; handles: unknown[] } {
  const storages = new Array<Storage>(inputs.length);
  const handles = new Array<unknown>(inputs.length);
  for (let i = 0; i < inputs.length; i++) {
    const s = inputs[i].storage as Storage | undefined;
    // A StringTensor (no storage) that got past the ops' type checks: say what it is.
    if (s === undefined) throw stringTensorError(`a kernel: input ${i}`);
    if (s.memory !== b.memory) s.moveTo(b.memory);
    storages[i] = s;
    handles[i] = s.handle;
  }
  return { storages, handles };
}

/**
 * Runs a launch on the current backend: moves inputs living elsewhere to its memory,
 * allocates the outputs there, records the launch when a plan is being traced, and calls
 * the kernel. Returns the output tensors.
 */
export function run(l: Launch, inputs: readonly Tensor[], outputs: readonly OutSpec[]): Tensor[] {
  const b = backend();
  const { storages, handles } = inputHandles(b, inputs);
  const mem = b.memory;
  const outStorages = new Array<Storage>(outputs.length);
  const outHandles = new Array<unknown>(outputs.length);
  for (let i = 0; i < outputs.length; i++) {
    const o = outputs[i];
    const size = sizeOf(o.shape);
    const h = mem.alloc(o.dtype, size);
    outStorages[i] = new Storage(mem, h, o.dtype, size);
    outHandles[i] = h;
  }
  if (observer !== null) observer.launch(l, storages, outStorages, false);
  l.exec(b, handles, outHandles);
  const result = new Array<Tensor>(outputs.length);
  for (let i = 0; i < outputs.length; i++) result[i] = new Tensor(outStorages[i], outputs[i].shape);
  return result;
}

/** `run` for a launch with one output. */
export function run1(l: Launch, inputs: readonly Tensor[], shape: Shape, dtype: DataType): Tensor {
  return run(l, inputs, [{ shape, dtype }])[0];
}

/**
 * Runs a launch that writes into existing storages (the data of Variables: assign,
 * optimizer updates). Their versions are bumped so results cached from the old values
 * (folded weights) are recomputed.
 */
export function runInPlace(l: Launch, inputs: readonly Tensor[], targets: readonly Tensor[]): void {
  const b = backend();
  const { storages, handles } = inputHandles(b, inputs);
  const t = inputHandles(b, targets);
  if (observer !== null) observer.launch(l, storages, t.storages, true);
  l.exec(b, handles, t.handles);
  for (const s of t.storages) s.version++;
}

const copy: Launch = { kernel: 'copy', exec: (b, [x], [out]) => b.copy(x, out) };

// Variables copy and assign through launches, so a plan records (and replays) every write
// into a variable made while it was traced.
setVariableOps({
  copy: (t) => run1(copy, [t], t.shape, t.dtype).storage,
  assign: (target, value) => runInPlace(copy, [value], [target]),
});
