/**
 * Fuzzing the Keras .h5 reader (loadModel on .h5 paths: header checks on the main thread,
 * the HDF5 library isolated in a worker thread with a time limit) with fast-check from fixed
 * seeds. The seeds are the two real Keras files in the shared fixtures; the damage is bit
 * flips, overwrites, insertions, deletions and truncation, half of them aimed at the first
 * 16 KiB where the superblock, object headers and the model_config attribute live (the rest
 * of the files is mostly weight values, whose damage loads as different weights). Every case
 * loads a model or rejects with an Error that names the file; the process never dies, no
 * case hangs, and afterwards the pristine file still loads to the same weights.
 * Bounded: 45 + 8 + 6 cases (a failing file costs a fresh worker).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { loadModel, Model } from '../src/models/index.js';
import { fixture } from './helpers/shared.js';
import { isClearError, mutateAll, type Mutation, mutationArb, within } from './helpers/mutate.js';

const FILES = ['dig94_mlp_logits.h5', 'kilneta_cnn_dropout.h5'].map((f) => fixture('keras-h5', f));
const seeds = FILES.map((f) => new Uint8Array(readFileSync(f)));

let dir = '';
let n = 0;

/** Past the superblock (whose damage the header check reports before the library runs). */
const past = (m: Mutation): Mutation => (m.kind === 'truncate' ? { kind: 'flip', pos: 96 + m.keep, bit: m.keep % 8 } : { ...m, pos: 96 + m.pos });
/** Mutations aimed at the metadata at the head of the file (2 in 3), else anywhere; truncation has its own property. */
const mutations: fc.Arbitrary<Mutation[]> = fc.array(
  fc.oneof({ weight: 2, arbitrary: mutationArb(16 * 1024 - 97).map(past) }, { weight: 1, arbitrary: mutationArb(1 << 23).map(past) }),
  { minLength: 1, maxLength: 4 },
);

/** The contract: a model, or an Error naming the file, within the time limit. */
async function check(bytes: Uint8Array): Promise<string> {
  const path = join(dir, `case${n++}.h5`);
  await writeFile(path, bytes);
  try {
    const m = await within(60_000, 'loadModel', loadModel(path, { timeoutMs: 15_000, onWarning: () => undefined }));
    assert.ok(m instanceof Model);
    return 'loaded';
  } catch (e) {
    assert.ok(isClearError(e) && !/^HANG/.test((e as Error).message), `not a clear error: ${e instanceof Error ? e.stack : String(e)}`);
    assert.ok((e as Error).message.startsWith(`loadModelH5: ${path}`) || (e as Error).message.includes(path), (e as Error).message);
    return (e as Error).message.replace(path, 'FILE').slice(0, 90);
  } finally {
    await rm(path, { force: true });
  }
}

async function weightsOf(path: string): Promise<Float32Array[]> {
  const m = await loadModel(path, { compile: false });
  return m.getWeights().map((w) => Float32Array.from(w.dataSync()));
}

test('mutated real Keras .h5 files load or reject with an Error naming the file; the process survives', async () => {
  dir = await mkdtemp(join(tmpdir(), 'fuzz-h5-'));
  const before = await Promise.all(FILES.map(weightsOf));
  const outcomes = new Map<string, number>();
  const tally = (o: string): void => void outcomes.set(o, (outcomes.get(o) ?? 0) + 1);
  try {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: 1 }), mutations, async (i, ms) => tally(await check(mutateAll(seeds[i], ms)))),
      { seed: 0x45, numRuns: 45 },
    );
    // Truncated anywhere.
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: 1 }), fc.double({ min: 0, max: 1, noNaN: true }), async (i, f) => tally(await check(seeds[i].subarray(0, Math.floor(f * seeds[i].length))))),
      { seed: 0x46, numRuns: 8 },
    );
    // Random bytes after a valid HDF5 signature and superblock start.
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 4096 }), fc.nat({ max: 96 }), async (tail, keep) => {
        const b = new Uint8Array(keep + tail.length);
        b.set(seeds[0].subarray(0, keep));
        b.set(tail, keep);
        tally(await check(b));
      }),
      { seed: 0x47, numRuns: 6 },
    );
    // The damaged files left no trace: the pristine files load to the same weights.
    const after = await Promise.all(FILES.map(weightsOf));
    assert.deepEqual(after, before);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  if (process.env.FUZZ_LOG) for (const [o, k] of [...outcomes].sort((a, b) => b[1] - a[1])) console.log(`${k}\t${o}`);
  const rejected = [...outcomes].filter(([o]) => o !== 'loaded').reduce((a, [, k]) => a + k, 0);
  assert.ok(rejected >= 15, `the fuzzing reached the checks: ${rejected} of 59 cases were rejected`);
});
