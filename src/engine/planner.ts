import type { Tensor } from '../tensor/tensor.js';
import type { Backend } from '../backends/interface.js';
import { backend } from '../backends/registry.js';
import { Plan, isTracing, trace } from './plan.js';

/** What a Planner knows about one signature. */
export interface PlanState {
  /** Calls made with this signature since its plan was (re)built. */
  readonly calls: number;
  /** Kernels per run once planned, or null while eager. */
  readonly kernels: readonly string[] | null;
  /** Why this signature runs eagerly (it could not be traced), or null. */
  readonly reason: string | null;
}

interface Entry {
  calls: number;
  plan: Plan | null;
  reason: string | null;
  readonly backend: Backend;
  validity: readonly unknown[];
}

function same(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function plansDisabled(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.NEURITE_PLANS === '0';
}

/**
 * Runs a function through plans, one per signature (a string the caller builds from the
 * input shapes, dtypes and mode). The first call of a signature runs eagerly (layers,
 * metrics and optimizer slots get built), the second is traced into a plan (and computes
 * its result while doing so), every later call replays the plan. A signature whose
 * function cannot be traced keeps running eagerly, with the reason in `state(key)`.
 *
 * Plans are dropped and rebuilt when the backend changes or any of the caller's
 * `validity()` tokens differ from what they were after the previous call (compared by
 * identity; models pass counters of created variables and of trainability changes).
 * At most `limit` signatures are kept (least recently used first out).
 * NEURITE_PLANS=0 in the environment turns planning off everywhere (for comparisons).
 */
export class Planner {
  private readonly entries = new Map<string, Entry>();

  constructor(readonly limit = 8) {}

  run(key: string, inputs: readonly Tensor[], fn: () => Tensor[], fresh: readonly boolean[], validity: () => readonly unknown[]): Tensor[] {
    if (plansDisabled() || isTracing()) return fn();
    const b = backend();
    let e = this.entries.get(key);
    if (e !== undefined && (e.backend !== b || !same(e.validity, validity()))) {
      this.entries.delete(key);
      e = undefined;
    }
    if (e === undefined) {
      e = { calls: 0, plan: null, reason: null, backend: b, validity: [] };
      if (this.entries.size >= this.limit) this.entries.delete(this.entries.keys().next().value as string);
    } else {
      this.entries.delete(key); // re-insert: most recently used last
    }
    this.entries.set(key, e);
    e.calls++;
    if (e.plan !== null) return e.plan.run(inputs);
    if (e.calls === 1 || e.reason !== null) {
      const outs = fn();
      e.validity = validity(); // after the call: building layers or optimizer slots is not a change
      return outs;
    }
    const t = trace(fn, inputs);
    if (t.recording !== null) e.plan = Plan.build(t.recording, t.outputs.map((o) => o.shape), fresh);
    else e.reason = t.reason;
    e.validity = validity();
    return t.outputs;
  }

  /** What is known about a signature (null if never run). */
  state(key: string): PlanState | null {
    const e = this.entries.get(key);
    return e === undefined ? null : { calls: e.calls, kernels: e.plan?.kernels ?? null, reason: e.reason };
  }

  /** Every signature and its state. */
  states(): Map<string, PlanState> {
    return new Map([...this.entries.keys()].map((k) => [k, this.state(k) as PlanState]));
  }

  /** Forgets every plan (they are rebuilt on demand). */
  clear(): void {
    this.entries.clear();
  }
}
