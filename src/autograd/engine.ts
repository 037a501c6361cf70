import { Tensor } from '../tensor/tensor.js';
import { formatShape, shapesEqual } from '../tensor/shape.js';
import { type Launch, run1 } from '../engine/launch.js';
import { noGrad } from './tape.js';

/** a + b for two gradients of equal shape (the engine's only arithmetic), as flat vectors. */
export function accumulate(a: Tensor, b: Tensor): Tensor {
  const flat = [a.size];
  const add: Launch = { kernel: 'binary', attrs: { op: 'add', aShape: flat, bShape: flat, outShape: flat }, exec: (k, [x, y], [out]) => k.binary('add', x, flat, y, flat, out, flat) };
  return run1(add, [a, b], a.shape, a.dtype);
}

/** Every tensor reachable from the roots through recorded ops, inputs before their consumers. */
function postorder(roots: readonly Tensor[]): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: { t: Tensor; next: number }[] = [];
  for (const root of roots) {
    if (seen.has(root) || !root.requiresGrad) continue;
    seen.add(root);
    stack.push({ t: root, next: 0 });
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const inputs = top.t.gradFn?.inputs ?? [];
      if (top.next < inputs.length) {
        const child = inputs[top.next++];
        if (child.requiresGrad && !seen.has(child)) {
          seen.add(child);
          stack.push({ t: child, next: 0 });
        }
      } else {
        order.push(top.t);
        stack.pop();
      }
    }
  }
  return order;
}

export interface RunOptions {
  readonly retainGraph: boolean;
}

/**
 * Reverse-mode sweep. Starts from `roots` with `rootGrads`, walks the tape in reverse
 * topological order (iteratively, so chains of any length are fine), calls only the rules
 * on paths to a target, sums gradients arriving from several consumers, and returns the
 * gradient of every target reached.
 */
export function run(roots: readonly Tensor[], rootGrads: readonly Tensor[], isTarget: (t: Tensor) => boolean, opts: RunOptions): Map<Tensor, Tensor> {
  const order = postorder(roots);
  const needed = new Set<Tensor>();
  for (const t of order) {
    // A node released by an earlier pass has lost its inputs; count it as needed so that
    // reaching it with a gradient raises the retainGraph error instead of silently
    // dropping the gradient.
    const released = t.gradFn !== null && t.gradFn.backward === null;
    if (isTarget(t) || released || (t.gradFn !== null && t.gradFn.inputs.some((i) => needed.has(i)))) needed.add(t);
  }
  const grads = new Map<Tensor, Tensor>();
  roots.forEach((r, i) => {
    if (!r.requiresGrad) return;
    const prev = grads.get(r);
    grads.set(r, prev ? accumulate(prev, rootGrads[i]) : rootGrads[i]);
  });
  const result = new Map<Tensor, Tensor>();
  noGrad(() => {
    for (let q = order.length - 1; q >= 0; q--) {
      const t = order[q];
      const g = grads.get(t);
      if (g === undefined || !needed.has(t)) continue;
      if (isTarget(t)) result.set(t, g);
      const node = t.gradFn;
      if (node === null) continue;
      if (node.backward === null) {
        throw new Error(
          `backward: the graph through '${node.op}' was already used by a backward pass and released; ` +
            'pass { retainGraph: true } to the first backward() to go through it twice',
        );
      }
      const needs = node.inputs.map((i) => i.requiresGrad && needed.has(i));
      const inputGrads = node.backward(g, needs);
      node.inputs.forEach((input, i) => {
        const gi = inputGrads[i];
        if (!needs[i] || gi === null || gi === undefined) return;
        if (!shapesEqual(gi.shape, input.shape)) {
          throw new Error(`autograd: the gradient rule of '${node.op}' returned shape ${formatShape(gi.shape)} for input ${i} of shape ${formatShape(input.shape)}`);
        }
        const prev = grads.get(input);
        grads.set(input, prev ? accumulate(prev, gi) : gi);
      });
      if (!isTarget(t)) grads.delete(t);
      if (!opts.retainGraph) {
        node.backward = null;
        node.inputs = [];
      }
    }
  });
  return result;
}
