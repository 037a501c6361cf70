/**
 * Plan optimizations over a recording (see plan.ts), in order:
 *  1. dead steps dropped (results nothing reads; kernels with effects stay);
 *  2. batch norm folded at inference: conv2d/dense → batchNorm with moving statistics
 *     becomes the convolution with rescaled weights and a bias, recomputed by a guarded
 *     step whenever the weights or statistics change;
 *  3. epilogues fused: a bias add or a ReLU right after a matmul/conv2d moves into its
 *     output pass;
 *  4. in training plans, a max-pool gradient and the bias/ReLU gradient of the layer whose
 *     output was pooled run as one kernel (pool2dGradBiasRelu);
 *  5. elementwise chains fused: consecutive unary ops and binary ops with a constant
 *     scalar run as one kernel over cache-sized blocks.
 * A fusion only applies where the intermediate has a single reader and is not an output,
 * so a training plan, whose backward steps read the intermediates, keeps them.
 */
import type { Storage } from '../tensor/storage.js';
import type { BinaryOp, ChainStep, EpilogueActivation, MatmulSpec, Pool2DInfo, UnaryOp, UnaryParams } from '../backends/interface.js';
import { pool2dGradBiasReluK } from '../ops/kernels.js';
import type { Launch } from './launch.js';
import type { Recording, Slot, Step } from './plan.js';

/** A step the plan runs only when the versions or places of `sources` changed since it last ran. */
export interface GuardedStep extends Step {
  readonly guard: readonly Storage[];
}

/** Slots that a guarded step writes: they keep their buffers (never shared). */
export interface OptimizedPlan {
  readonly slots: Slot[];
  readonly steps: Step[];
  readonly persistent: ReadonlySet<number>;
}

type Epilogue = { readonly bias: boolean; readonly activation: EpilogueActivation } | undefined;

function readers(steps: readonly Step[], outputs: readonly number[], nslots: number): number[] {
  const n = new Array<number>(nslots).fill(0);
  for (const s of steps) for (const i of s.ins) n[i]++;
  for (const o of outputs) n[o] += 2; // an output is never fused away
  return n;
}

function dropDead(steps: readonly Step[], outputs: readonly number[], nslots: number): Step[] {
  const live = new Array<boolean>(nslots).fill(false);
  for (const o of outputs) live[o] = true;
  const kept: Step[] = [];
  for (let k = steps.length - 1; k >= 0; k--) {
    const s = steps[k];
    const needed = s.inPlace || s.launch.effect === true || s.outs.length === 0 || s.outs.some((o) => live[o]);
    if (!needed) continue;
    kept.push(s);
    for (const i of s.ins) live[i] = true;
  }
  return kept.reverse();
}

/** The producer step index of each slot (temps only). */
function producers(steps: readonly Step[]): Map<number, number> {
  const m = new Map<number, number>();
  steps.forEach((s, k) => {
    if (!s.inPlace) for (const o of s.outs) m.set(o, k);
  });
  return m;
}

const isRef = (slots: readonly Slot[], i: number): boolean => slots[i].kind === 'ref';

/** conv2d/dense followed by inference batch norm over the last axis → rescaled weights + bias. */
function foldBatchNorm(slots: Slot[], steps: Step[], outputs: readonly number[], persistent: Set<number>): Step[] {
  let out = steps;
  for (;;) {
    const uses = readers(out, outputs, slots.length);
    const prod = producers(out);
    const k = out.findIndex((s) => {
      if (s.launch.kernel !== 'batchNorm') return false;
      const a = s.launch.attrs as { inner: number };
      const p = prod.get(s.ins[0]);
      if (a.inner !== 1 || p === undefined || uses[s.ins[0]] !== 1 || !s.ins.slice(1).every((i) => isRef(slots, i))) return false;
      const src = out[p];
      const ep = (src.launch.attrs as { epilogue?: Epilogue } | undefined)?.epilogue;
      if (!src.launch.variant || (ep !== undefined && ep.activation !== 'linear') || !src.ins.slice(1).every((i) => isRef(slots, i))) return false;
      if (src.launch.kernel === 'matmul') {
        const spec = (src.launch.attrs as { spec: MatmulSpec }).spec;
        return spec.batchB === 1 && !spec.transB;
      }
      return src.launch.kernel === 'conv2d';
    });
    if (k < 0) return out;
    const bn = out[k];
    const p = prod.get(bn.ins[0]) as number;
    const conv = out[p];
    const attrs = bn.launch.attrs as { eps: number; c: number; hasOffset: boolean; hasScale: boolean };
    const hasBias = ((conv.launch.attrs as { epilogue?: Epilogue }).epilogue?.bias ?? false) === true;
    const [, mean, variance, ...rest] = bn.ins;
    const offset = attrs.hasOffset ? rest[0] : null;
    const scale = attrs.hasScale ? rest[attrs.hasOffset ? 1 : 0] : null;
    const w = conv.ins[1];
    const bias = hasBias ? conv.ins[2] : null;
    const w2 = slots.push({ kind: 'temp', dtype: 'float32', size: slots[w].size }) - 1;
    const b2 = slots.push({ kind: 'temp', dtype: 'float32', size: attrs.c }) - 1;
    persistent.add(w2);
    persistent.add(b2);
    const sources = [w, bias, mean, variance, offset, scale].filter((i): i is number => i !== null);
    const fold: GuardedStep = {
      launch: foldLaunch(attrs.eps, attrs.c, slots[w].size, bias !== null, offset !== null, scale !== null),
      ins: sources,
      outs: [w2, b2],
      inPlace: false,
      guard: sources.map((i) => (slots[i] as { storage: Storage }).storage),
    };
    const fused: Step = { launch: (conv.launch.variant as NonNullable<Launch['variant']>)({ bias: true, activation: 'linear' }), ins: [conv.ins[0], w2, b2], outs: bn.outs, inPlace: false };
    out = [...out.slice(0, p), fold, fused, ...out.slice(p + 1, k), ...out.slice(k + 1)];
  }
}

/**
 * The folded weights: s = scale / √(variance + ε); W' = W·s over its last axis (the output
 * channels of an HWIO filter or a dense kernel); b' = (b − mean)·s + offset.
 */
function foldLaunch(eps: number, c: number, wSize: number, hasBias: boolean, hasOffset: boolean, hasScale: boolean): Launch {
  return {
    kernel: 'foldBatchNorm',
    exec: (b, ins, [w2, b2]) => {
      let i = 0;
      const w = ins[i++];
      const bias = hasBias ? ins[i++] : null;
      const mean = ins[i++];
      const variance = ins[i++];
      const offset = hasOffset ? ins[i++] : null;
      const scale = hasScale ? ins[i++] : null;
      const mem = b.memory;
      const s = mem.alloc('float32', c);
      const t = mem.alloc('float32', c);
      const vec = [c];
      b.elementwiseChain([{ binary: 'add', scalar: eps, scalarFirst: false }, { unary: 'rsqrt', p: { alpha: 0, beta: 0 } }], variance, s);
      if (scale !== null) {
        b.binary('mul', s, vec, scale, vec, t, vec);
        b.copy(t, s);
      }
      b.binary('mul', w, [wSize / c, c], s, vec, w2, [wSize / c, c]);
      if (bias !== null) b.binary('sub', bias, vec, mean, vec, t, vec);
      else b.unary('neg', mean, t, { alpha: 0, beta: 0 });
      if (offset !== null) {
        b.binary('mul', t, vec, s, vec, b2, vec);
        b.binary('add', b2, vec, offset, vec, t, vec);
        b.copy(t, b2);
      } else {
        b.binary('mul', t, vec, s, vec, b2, vec);
      }
      mem.free(s);
      mem.free(t);
    },
  };
}

/** The last-axis size of a matmul's or conv2d's output (what an epilogue bias runs along), or null. */
function epilogueWidth(launch: Step['launch']): number | null {
  const attrs = launch.attrs as { spec?: { n: number }; info?: { outC: number } } | undefined;
  if (launch.kernel === 'matmul') return attrs?.spec?.n ?? null;
  if (launch.kernel === 'conv2d') return attrs?.info?.outC ?? null;
  return null;
}

/** matmul/conv2d → bias add over the last axis, or → ReLU: moved into the kernel's epilogue. */
function fuseEpilogues(slots: readonly Slot[], steps: Step[], outputs: readonly number[]): Step[] {
  let out = steps;
  for (;;) {
    const uses = readers(out, outputs, slots.length);
    let changed = false;
    for (let k = 0; k + 1 < out.length && !changed; k++) {
      const a = out[k];
      if (!a.launch.variant || a.outs.length !== 1) continue;
      const t = a.outs[0];
      if (uses[t] !== 1) continue;
      const j = out.findIndex((s, q) => q > k && s.ins.includes(t));
      if (j < 0) continue;
      const b = out[j];
      const ep: Epilogue = (a.launch.attrs as { epilogue?: Epilogue } | undefined)?.epilogue;
      const activation = ep?.activation ?? 'linear';
      const hasBias = ep?.bias ?? false;
      let fused: Step | null = null;
      if (b.launch.kernel === 'unary' && (b.launch.attrs as { op: UnaryOp }).op === 'relu' && activation === 'linear' && slots[t].dtype === 'float32') {
        fused = { launch: a.launch.variant({ bias: hasBias, activation: 'relu' }), ins: a.ins, outs: b.outs, inPlace: false };
      } else if (b.launch.kernel === 'binary' && !hasBias && activation === 'linear') {
        const attrs = b.launch.attrs as { op: BinaryOp; aShape: readonly number[]; bShape: readonly number[]; outShape: readonly number[] };
        const other = b.ins[0] === t ? b.ins[1] : b.ins[0];
        const otherShape = b.ins[0] === t ? attrs.bShape : attrs.aShape;
        const tShape = b.ins[0] === t ? attrs.aShape : attrs.bShape;
        const sameOut = attrs.outShape.length === tShape.length && attrs.outShape.every((d, i) => d === tShape[i]);
        const ready = slots[other].kind !== 'temp' || (producers(out).get(other) ?? Infinity) < k;
        // A bias holds the producer's real last axis (matmul n, conv2d output channels), in the
        // add as the trailing axes it was reshaped into (EinsumDense's [heads, keyDim] on
        // [.., heads, keyDim]), leading 1s aside. The add's own shapes may be flattened
        // (autograd sums two gradients as [size] + [size]): then they are no bias.
        const first = otherShape.findIndex((d) => d !== 1);
        const core = first < 0 ? [] : otherShape.slice(first);
        const trailing = core.length > 0 && core.length <= tShape.length && core.every((d, i) => d === tShape[tShape.length - core.length + i]);
        const width = core.reduce((p, d) => p * d, 1);
        if (attrs.op === 'add' && sameOut && trailing && width === epilogueWidth(a.launch) && other !== t && ready) {
          fused = { launch: a.launch.variant({ bias: true, activation: 'linear' }), ins: [...a.ins, other], outs: b.outs, inPlace: false };
        }
      }
      if (fused !== null) {
        out = [...out.slice(0, k), fused, ...out.slice(k + 1, j), ...out.slice(j + 1)];
        changed = true;
      }
    }
    if (!changed) return out;
  }
}

/**
 * Max-pool gradient → bias/ReLU gradient of the layer whose output was pooled (conv2d with
 * a ReLU epilogue, then MaxPooling2D): one step computing both (Backend.pool2dGradBiasRelu),
 * so the full-size gradient is written once instead of written, read and written again.
 * Applies where the pooling gradient's only reader is that step and the pooled tensor is
 * the one the epilogue gradient masks by.
 */
function fusePoolReluGrads(slots: readonly Slot[], steps: Step[], outputs: readonly number[]): Step[] {
  const uses = readers(steps, outputs, slots.length);
  const out = [...steps];
  for (let k = 0; k < out.length; k++) {
    const p = out[k];
    if (p.launch.kernel !== 'pool2dGrad' || p.outs.length !== 1) continue;
    const info = (p.launch.attrs as { info?: Pool2DInfo } | undefined)?.info;
    const d = p.outs[0];
    if (info === undefined || info.mode !== 'max' || uses[d] !== 1) continue;
    const j = out.findIndex((s, q) => q > k && s.ins.includes(d));
    if (j < 0) continue;
    const g = out[j];
    const a = g.launch.attrs as { channels: number; activation: EpilogueActivation } | undefined;
    if (g.launch.kernel !== 'biasActivationGrad' || a === undefined || a.activation !== 'relu' || a.channels !== info.channels) continue;
    if (g.ins[0] !== p.ins[0] || g.ins[1] !== d || g.outs.length !== 2) continue;
    out[j] = { launch: pool2dGradBiasReluK(info), ins: p.ins, outs: g.outs, inPlace: false };
    out.splice(k, 1);
    k--;
  }
  return out;
}

/** The chain step a launch computes, when it is elementwise on one tensor input (float32). */
function chainStepOf(step: Step, slots: readonly Slot[]): { step: ChainStep; input: number } | null {
  const l = step.launch;
  if (step.outs.length !== 1 || slots[step.outs[0]].dtype !== 'float32') return null;
  if (l.kernel === 'unary') {
    const a = l.attrs as { op: UnaryOp; p: UnaryParams };
    return { step: { unary: a.op, p: a.p }, input: step.ins[0] };
  }
  if (l.kernel === 'elementwiseChain') return null;
  if (l.kernel !== 'binary' || step.ins.length !== 2) return null;
  const a = l.attrs as { op: BinaryOp; aShape: readonly number[]; bShape: readonly number[]; outShape: readonly number[] };
  for (const side of [0, 1] as const) {
    const scalarSlot = slots[step.ins[side]];
    const tensorShape = side === 0 ? a.bShape : a.aShape;
    if (scalarSlot.kind !== 'ref' || scalarSlot.size !== 1 || scalarSlot.storage.mutable || step.ins[0] === step.ins[1]) continue;
    if (tensorShape.length !== a.outShape.length || !tensorShape.every((d, i) => d === a.outShape[i])) continue;
    const values = scalarSlot.storage.memory.readSync(scalarSlot.storage.handle);
    if (values === null) return null;
    return { step: { binary: a.op, scalar: values[0], scalarFirst: side === 0 }, input: step.ins[1 - side] };
  }
  return null;
}

function chainLaunch(steps: readonly ChainStep[]): Launch {
  return { kernel: 'elementwiseChain', attrs: { steps }, exec: (b, [x], [y]) => b.elementwiseChain(steps, x, y) };
}

/** Runs of elementwise steps whose intermediates have one reader become one chain kernel. */
function fuseChains(slots: readonly Slot[], steps: Step[], outputs: readonly number[]): Step[] {
  const uses = readers(steps, outputs, slots.length);
  const out: Step[] = [];
  const consumed = new Set<number>();
  for (let k = 0; k < steps.length; k++) {
    if (consumed.has(k)) continue;
    const first = chainStepOf(steps[k], slots);
    if (first === null || slots[first.input].dtype !== 'float32') {
      out.push(steps[k]);
      continue;
    }
    const chain: ChainStep[] = [first.step];
    let last = k;
    for (;;) {
      const t = steps[last].outs[0];
      if (uses[t] !== 1) break;
      const j = steps.findIndex((s, q) => q > last && s.ins.includes(t));
      if (j < 0) break;
      const next = chainStepOf(steps[j], slots);
      if (next === null || next.input !== t) break;
      chain.push(next.step);
      consumed.add(j);
      last = j;
    }
    if (chain.length === 1) {
      out.push(steps[k]);
      continue;
    }
    // The fused step runs where the chain starts: its input is ready there, and the chain's
    // result has no reader before the chain's last step.
    out.push({ launch: chainLaunch(chain), ins: [first.input], outs: steps[last].outs, inPlace: false });
  }
  return out;
}

export function optimizeSteps(rec: Recording): OptimizedPlan {
  const slots = [...rec.slots];
  const persistent = new Set<number>();
  let steps = dropDead(rec.steps, rec.outputs, slots.length);
  steps = foldBatchNorm(slots, steps, rec.outputs, persistent);
  steps = fuseEpilogues(slots, steps, rec.outputs);
  steps = fusePoolReluGrads(slots, steps, rec.outputs);
  steps = fuseChains(slots, steps, rec.outputs);
  steps = dropDead(steps, rec.outputs, slots.length);
  return { slots, steps, persistent };
}
