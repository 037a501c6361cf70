/**
 * `scan`: a loop over the leading (time) axis of a tensor that carries states from step to
 * step (the recurrence of RNN layers), recorded on the tape as ONE op.
 *
 * Why one op: taking step t's slice of a [T, ...] input with a recorded `slice` costs a
 * full-size gradient (pad) per step, O(T²) work for a sequence. Here each step reads a copy
 * of its slice, outside the tape, and runs its own small graph on detached leaves (the step's input, the carried
 * states, the previous output and the parameters); the backward rule walks the steps in
 * reverse (backpropagation through time), running each step's recorded graph once with the
 * gradients carried from the later steps, and collects the input's gradient step by step.
 * The step function is ordinary ops, so its gradient is theirs: nothing is derived by hand.
 *
 * Masks follow Keras' backend.rnn: at a step whose mask is 0 the states keep their previous
 * values and the output repeats the previous output (zeros before the first step), or is
 * zero with `zeroOutputForMask`.
 */
import { Tensor } from '../tensor/tensor.js';
import { formatShape, shapesEqual, sizeOf } from '../tensor/shape.js';
import { zeros } from '../tensor/create.js';
import { enableGrad, isGradEnabled, noGrad, record } from '../autograd/tape.js';
import { run } from '../autograd/engine.js';
import { run1 } from '../engine/launch.js';
import { concatK, sliceK } from './kernels.js';
import { checkTensor, requireFloat, view } from './util.js';
import { add, where } from './elementwise.js';
import { reshape, slice } from './shape.js';

/** Elements [start, start + count) of x's row-major data as a new tensor of `shape` (a copy; not recorded). */
function piece(x: Tensor, start: number, count: number, shape: readonly number[]): Tensor {
  return view(run1(sliceK([x.size], [start], [count]), [x], [count], x.dtype), shape);
}

/** Tensors joined end to end into one flat tensor (not recorded). */
function joinFlat(parts: readonly Tensor[]): Tensor {
  const widths = parts.map((p) => p.size);
  return run1(concatK(1, widths), parts, [widths.reduce((a, b) => a + b, 0)], parts[0].dtype);
}

/** What one step returns: its output and the new states (same shapes as the old ones). */
export interface ScanStepResult {
  readonly output: Tensor;
  readonly states: readonly Tensor[];
}

/**
 * One step: the inputs at step t (one [batch, ...] slice per input sequence), the states,
 * and the parameters. It must use only these tensors (and constants that need no
 * gradient): anything else that requires a gradient is reported as an error in the
 * backward pass.
 */
export type ScanStep = (inputs: readonly Tensor[], states: readonly Tensor[], params: readonly Tensor[], t: number) => ScanStepResult;

export interface ScanOptions {
  /** [T, batch] float32 (or int32) mask, time-major: 1 runs the step, 0 skips it. */
  readonly mask?: Tensor | null;
  /** Masked steps output zeros instead of repeating the previous output (Keras zero_output_for_mask). */
  readonly zeroOutputForMask?: boolean;
  /** Keep every step's output (default true); false returns only the last output (cheaper). */
  readonly sequence?: boolean;
}

export interface ScanResult {
  /** The outputs of all steps, [T, ...output] (null with `sequence: false`). */
  readonly outputs: Tensor | null;
  /** The output of the last step (after masking). */
  readonly lastOutput: Tensor;
  /** The final states. */
  readonly states: Tensor[];
}

/** One recorded step: its leaves and its (masked) results. */
interface StepRecord {
  readonly xs: readonly Tensor[];
  readonly states: readonly Tensor[];
  readonly prev: Tensor | null;
  readonly output: Tensor;
  readonly newStates: readonly Tensor[];
}

function leaf(t: Tensor): Tensor {
  const l = t.detach();
  l.requiresGrad = true;
  return l;
}

function checkScanArgs(list: readonly Tensor[], initialStates: readonly Tensor[], params: readonly Tensor[], mask: Tensor | null): void {
  if (list.length === 0) throw new RangeError('scan: needs at least one input sequence');
  list.forEach((x, i) => {
    checkTensor(x, 'scan', `inputs[${i}]`);
    requireFloat(x, 'scan', `inputs[${i}]`);
    if (x.rank < 2) throw new RangeError(`scan: inputs must be [time, batch, ...]; got shape ${formatShape(x.shape)}`);
    if (x.shape[0] !== list[0].shape[0] || x.shape[1] !== list[0].shape[1]) {
      throw new RangeError(`scan: all inputs must share time and batch; got shapes ${formatShape(list[0].shape)} and ${formatShape(x.shape)}`);
    }
  });
  const inputs = list[0];
  if (inputs.shape[0] === 0) throw new RangeError(`scan: the sequence has no time steps (inputs shape ${formatShape(inputs.shape)})`);
  initialStates.forEach((s, i) => checkTensor(s, 'scan', `initialStates[${i}]`));
  params.forEach((p, i) => checkTensor(p, 'scan', `params[${i}]`));
  if (mask && (mask.rank !== 2 || mask.shape[0] !== inputs.shape[0] || mask.shape[1] !== inputs.shape[1])) {
    throw new RangeError(`scan: the mask must have shape [time, batch] = [${inputs.shape[0]}, ${inputs.shape[1]}]; got ${formatShape(mask.shape)}`);
  }
}

/**
 * Runs `step` over the leading axis of the input sequences (each [T, batch, ...]), starting
 * from `initialStates`; returns every step's output, the last output and the final states.
 * Gradients reach inputs, initial states and params.
 */
export function scan(step: ScanStep, inputs: Tensor | readonly Tensor[], initialStates: readonly Tensor[], params: readonly Tensor[] = [], options: ScanOptions = {}): ScanResult {
  const mask = options.mask ?? null;
  const list = inputs instanceof Tensor ? [inputs] : [...inputs];
  checkScanArgs(list, initialStates, params, mask);
  const T = list[0].shape[0];
  const batch = list[0].shape[1];
  const tracking = isGradEnabled() && [...list, ...initialStates, ...params].some((t) => t.requiresGrad);
  const pLeaves = tracking ? params.map((p) => (p.requiresGrad ? leaf(p) : p)) : params;
  const repeat = mask !== null && !options.zeroOutputForMask;
  const records: StepRecord[] = [];
  let states: readonly Tensor[] = initialStates;
  let prevOut: Tensor | null = null;
  const outData: Tensor[] = [];
  let outShape: readonly number[] = [];
  const body = (): void => {
    for (let t = 0; t < T; t++) {
      const xs = list.map((s) => stepView(s, t));
      const carried = tracking ? states.map(leaf) : states;
      const res = step(xs, carried, pLeaves, t);
      checkStep(res, carried, t, outShape);
      outShape = res.output.shape;
      let output = res.output;
      let next = res.states;
      let prev: Tensor | null = null;
      if (mask !== null) {
        const m = maskAt(mask, t, batch, output.rank);
        if (repeat) prev = tracking ? leaf(prevOut ?? zeros(output.shape)) : prevOut ?? zeros(output.shape);
        output = where(m, output, prev ?? 0);
        next = next.map((s, i) => where(maskAt(mask, t, batch, s.rank), s, carried[i]));
      }
      if (tracking) records.push({ xs, states: carried, prev, output, newStates: next });
      outData.push(output.detach());
      prevOut = output.detach();
      states = next.map((s) => s.detach());
    }
  };
  if (tracking) enableGrad(body);
  else body();
  const last = prevOut as unknown as Tensor;
  const keep = options.sequence ?? true;
  const flat = joinFlat([...(keep ? outData : []), last, ...states]);
  const y = tracking ? record('scan', [...list, ...initialStates, ...params], flat, (dy, needs) => scanBackward(dy, needs, records, list, initialStates, pLeaves, keep)) : flat;
  return unpack(y, keep ? T : 0, outShape, states.map((s) => s.shape));

  /** Step t of a sequence: a copy of its slice, outside the tape (a leaf when recording). */
  function stepView(seq: Tensor, t: number): Tensor {
    const shape = seq.shape.slice(1);
    const n = sizeOf(shape);
    const step = piece(seq, t * n, n, shape);
    return tracking ? leaf(step) : step;
  }
}

/** The mask of step t as [batch, 1, ...] (rank `rank`) for broadcasting over a step's tensors. */
function maskAt(mask: Tensor, t: number, batch: number, rank: number): Tensor {
  return noGrad(() => piece(mask, t * batch, batch, [batch, ...new Array<number>(Math.max(rank - 1, 0)).fill(1)]));
}

function checkStep(res: ScanStepResult, states: readonly Tensor[], t: number, outShape: readonly number[]): void {
  if (!(res.output instanceof Tensor)) throw new TypeError(`scan: step ${t} must return { output, states } with a Tensor output`);
  if (res.states.length !== states.length) throw new RangeError(`scan: step ${t} returned ${res.states.length} states; expected ${states.length}`);
  res.states.forEach((s, i) => {
    if (!shapesEqual(s.shape, states[i].shape)) {
      throw new RangeError(`scan: step ${t} returned state ${i} of shape ${formatShape(s.shape)}; the state has shape ${formatShape(states[i].shape)}`);
    }
  });
  if (t > 0 && !shapesEqual(res.output.shape, outShape)) {
    throw new RangeError(`scan: step ${t} returned an output of shape ${formatShape(res.output.shape)}; earlier steps gave ${formatShape(outShape)}`);
  }
}

/** Splits the packed result [outputs (T of them, maybe 0) | last output | states] into tensors (differentiably). */
function unpack(y: Tensor, T: number, outShape: readonly number[], stateShapes: readonly (readonly number[])[]): ScanResult {
  const per = sizeOf(outShape);
  let at = 0;
  const take = (n: number, shape: readonly number[]): Tensor => {
    const piece = reshape(slice(y, [at], [n]), shape);
    at += n;
    return piece;
  };
  const outputs = T > 0 ? take(T * per, [T, ...outShape]) : null;
  const lastOutput = take(per, outShape);
  const states = stateShapes.map((s) => take(sizeOf(s), s));
  return { outputs, lastOutput, states };
}

/** Backpropagation through time over the recorded steps. */
function scanBackward(dy: Tensor, needs: readonly boolean[], records: readonly StepRecord[], inputs: readonly Tensor[], initialStates: readonly Tensor[], pLeaves: readonly Tensor[], sequence: boolean): (Tensor | null)[] {
  const T = records.length;
  const outShape = records[0].output.shape;
  const per = records[0].output.size;
  let at = sequence ? T * per : 0;
  const gLast = piece(dy, at, per, outShape);
  at += per;
  let gStates: Tensor[] = records[T - 1].newStates.map((s) => {
    const v = piece(dy, at, s.size, s.shape);
    at += s.size;
    return v;
  });
  const nIn = inputs.length;
  const paramOffset = nIn + initialStates.length;
  const dParams: (Tensor | null)[] = pLeaves.map(() => null);
  const dxs: Tensor[][] = inputs.map(() => new Array<Tensor>(T));
  let gPrev: Tensor | null = null;
  for (let t = T - 1; t >= 0; t--) {
    const r = records[t];
    let gOut: Tensor | null = sequence ? piece(dy, t * per, per, outShape) : null;
    if (t === T - 1) gOut = gOut ? add(gOut, gLast) : gLast;
    if (gPrev !== null) gOut = gOut ? add(gOut, gPrev) : gPrev;
    const targets = new Set<Tensor>([...r.states]);
    r.xs.forEach((x, i) => {
      if (needs[i]) targets.add(x);
    });
    if (r.prev) targets.add(r.prev);
    pLeaves.forEach((p, k) => {
      if (needs[paramOffset + k] && p.requiresGrad) targets.add(p);
    });
    const grads = runStep(r, gOut ?? zeros(outShape), gStates, targets, pLeaves, t);
    r.xs.forEach((x, i) => {
      if (needs[i]) dxs[i][t] = grads.get(x) ?? zeros(x.shape);
    });
    gStates = r.states.map((s) => grads.get(s) ?? zeros(s.shape));
    gPrev = r.prev ? grads.get(r.prev) ?? null : null;
    pLeaves.forEach((p, k) => {
      const gp = grads.get(p);
      if (gp) dParams[k] = dParams[k] ? add(dParams[k] as Tensor, gp) : gp;
    });
  }
  const dx = inputs.map((x, i) => (needs[i] ? view(joinFlat(dxs[i]), x.shape) : null));
  const dInit = initialStates.map((_, i) => (needs[nIn + i] ? gStates[i] : null));
  const dP = pLeaves.map((p, k) => (needs[paramOffset + k] ? dParams[k] ?? zeros(p.shape) : null));
  return [...dx, ...dInit, ...dP];
}

/** Runs one step's recorded graph backwards; a leaf it reaches that is not one of its own is an error. */
function runStep(r: StepRecord, gOut: Tensor, gStates: readonly Tensor[], targets: ReadonlySet<Tensor>, pLeaves: readonly Tensor[], t: number): Map<Tensor, Tensor> {
  const own = new Set<Tensor>([...r.xs, ...r.states, ...pLeaves]);
  if (r.prev) own.add(r.prev);
  const isTarget = (x: Tensor): boolean => {
    if (x.gradFn === null && x.requiresGrad && !own.has(x)) {
      throw new Error(`scan: step ${t} uses a tensor of shape ${formatShape(x.shape)} that requires gradients but is not among its inputs, states or params; pass it in params`);
    }
    return targets.has(x);
  };
  return run([r.output, ...r.newStates], [gOut, ...gStates], isTarget, { retainGraph: true });
}
