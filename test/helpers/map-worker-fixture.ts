/**
 * Map functions for the worker-thread form of Dataset.map (test/data-dataset-workers.test.ts):
 * the test imports them too, to apply the same functions in-process as the reference.
 */
import { threadId } from 'node:worker_threads';
// Only what the functions use (each worker imports this module: the whole of Neurite would cost ~0.3 s of CPU per thread).
import { add, mul, sum } from '../../src/ops/index.js';
import { getBackendName } from '../../src/backends/registry.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import type { StringTensor } from '../../src/tensor/string-tensor.js';

/** The element the tests map: a tensor, an int, a string, a nested object. */
export interface FixtureElement {
  readonly x: Tensor;
  readonly i: number;
  readonly name: string;
  readonly meta: { readonly tags: readonly [string, number] };
  readonly words: StringTensor;
}

/** x·2 + 1 through Neurite's ops, plus the element's other leaves changed by plain JS (the string tensor passed through). */
export default function transform(e: FixtureElement): unknown {
  const y = add(mul(e.x, 2), 1);
  return { y, sum: sum(y), i: e.i * 10, name: e.name.toUpperCase(), meta: { tags: [e.meta.tags[0] + '!', e.meta.tags[1] + 1], n: [e.i, [e.name.length]] }, words: e.words };
}

/** Asynchronous: answers after a delay that shrinks with the index (later elements finish first). */
export async function slowFirst(e: FixtureElement): Promise<unknown> {
  await new Promise((done) => setTimeout(done, Math.max(0, 40 - 5 * e.i)));
  return [e.i, threadId];
}

/** Fails on the element whose i is 3, with its own message. */
export function failOnThree(e: FixtureElement): unknown {
  if (e.i === 3) throw new RangeError(`fixture refuses i=${e.i}`);
  return e.i;
}

/** The backend the worker's tensors run on. */
export function backendName(): string {
  return getBackendName();
}

/** Answers element 0 (an int32 scalar) at once and every other one after a minute (for the early-stop test). */
export async function sleepy(e: Tensor): Promise<unknown> {
  if (e.dataSync()[0] !== 0) await new Promise((done) => setTimeout(done, 60_000));
  return e;
}
