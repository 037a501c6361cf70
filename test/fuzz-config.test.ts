/**
 * Fuzzing config loading with fast-check from fixed seeds: the web-format loader
 * (loadModel({ modelJson, weights })) fed the model.json of real Keras models (the two
 * .h5 fixtures, re-saved in the web format with their weights) and of a functional model
 * with merge layers, each damaged structurally (a value anywhere replaced by a value of the
 * wrong type, a missing field, a huge or negative size, Infinity, an unknown class) or as
 * text (bytes flipped, cut, inserted). Every case either loads a model or rejects with an
 * Error that explains itself (not a JavaScript TypeError from inside), within a time limit,
 * and without allocating weights from an absurd size.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { loadModel, Model } from '../src/models/index.js';
import { Add, Concatenate, Dense, Input, type SymbolicTensor } from '../src/layers/index.js';
import { fixture } from './helpers/shared.js';
import { isClearError, mutateAll, mutationsArb, within } from './helpers/mutate.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

interface Seed {
  readonly json: Json;
  readonly weights: Uint8Array;
}

async function webFormat(model: Model, dir: string, name: string): Promise<Seed> {
  const path = join(dir, `${name}.json`);
  await model.save(path);
  return { json: JSON.parse(await readFile(path, 'utf8')) as Json, weights: new Uint8Array(await readFile(join(dir, `${name}.weights.bin`))) };
}

let seeds: Seed[] = [];

test('seeds: real Keras models and a functional model round-trip through the web format', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'fuzz-config-'));
  try {
    const cnn = await loadModel(fixture('keras-h5', 'kilneta_cnn_dropout.h5'), { compile: false });
    const mlp = await loadModel(fixture('keras-h5', 'dig94_mlp_logits.h5'), { compile: false });
    const a = Input({ shape: [6], name: 'a' });
    const b = Input({ shape: [6], name: 'b' });
    const h = new Dense({ units: 6, activation: 'tanh', name: 'h' }).apply(a);
    const s = new Add({ name: 'sum' }).apply([h, b]) as SymbolicTensor;
    const c = new Concatenate({ name: 'cat' }).apply([s, a]) as SymbolicTensor;
    const fn = new Model({ inputs: [a, b], outputs: new Dense({ units: 3, name: 'out' }).apply(c), name: 'fn' });
    seeds = [await webFormat(cnn, dir, 'cnn'), await webFormat(mlp, dir, 'mlp'), await webFormat(fn, dir, 'fn')];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  for (const s of seeds) {
    const m = await loadModel({ modelJson: JSON.stringify(s.json), weights: s.weights });
    assert.ok(m instanceof Model);
  }
});

/** Every path (list of keys) to a value in a JSON tree. */
function paths(v: Json, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out);
  return out;
}

const INF = '__INFINITY__';
/** Values of the wrong type, sizes far too large, negative or fractional, unknown names. */
const nasty: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(null, true, false, 0, -1, 1.5, 1e9, 2 ** 31, 2 ** 53, -(2 ** 31), INF, '', 'relu', 'NoSuchLayer', 'channels_first', 'same', [], {}, [null], [1e9, 1e9], [-3, 2], { class_name: 'Dense', config: {} }, { class_name: 7 }),
  fc.integer({ min: -5, max: 100_000 }),
  fc.string({ maxLength: 6 }),
  fc.array(fc.oneof(fc.integer({ min: -2, max: 1e6 }), fc.constant(null)), { maxLength: 5 }),
);

interface Edit {
  readonly pick: number;
  readonly op: 'replace' | 'delete' | 'wrap';
  readonly value: Json;
}

const editArb: fc.Arbitrary<Edit> = fc.record({ pick: fc.nat({ max: 1 << 20 }), op: fc.constantFrom('replace' as const, 'replace' as const, 'delete' as const, 'wrap' as const), value: nasty });

function applyEdits(json: Json, edits: readonly Edit[]): string {
  const root = structuredClone(json) as Json;
  let holder: { v: Json } = { v: root };
  for (const e of edits) {
    const all = paths(holder.v);
    const path = all[e.pick % all.length];
    if (path.length === 0) {
      holder = { v: e.op === 'wrap' ? [holder.v] : e.value };
      continue;
    }
    let parent = holder.v as Record<string | number, Json>;
    for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, Json>;
    const key = path[path.length - 1];
    if (e.op === 'delete') {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
    } else parent[key] = e.op === 'wrap' ? [parent[key]] : structuredClone(e.value);
  }
  return JSON.stringify(holder.v).replaceAll(`"${INF}"`, '1e400');
}

/** The loader's contract: a model, or a clear Error, in bounded time. */
async function check(text: string, weights: Uint8Array): Promise<void> {
  try {
    const m = await within(20_000, 'loadModel', loadModel({ modelJson: text, weights }));
    assert.ok(m instanceof Model);
  } catch (e) {
    if (process.env.FUZZ_LOG) console.log('REJECT', (e as Error).message.slice(0, 160));
    assert.ok(isClearError(e) && !/^HANG/.test((e as Error).message), `not a clear error: ${e instanceof Error ? e.stack : String(e)}\n${text.slice(0, 400)}`);
  }
}

test('structural damage to real model.json files: wrong types, missing fields, huge sizes, Infinity', async () => {
  await fc.assert(
    fc.asyncProperty(fc.nat({ max: 2 }), fc.array(editArb, { minLength: 1, maxLength: 3 }), async (i, edits) => check(applyEdits(seeds[i].json, edits), seeds[i].weights)),
    { seed: 0xc0f, numRuns: 400 },
  );
});

test('text damage to real model.json files: bytes flipped, cut, inserted', async () => {
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  await fc.assert(
    fc.asyncProperty(fc.nat({ max: 2 }), mutationsArb(3, 1 << 16), async (i, ms) => check(dec.decode(mutateAll(enc.encode(JSON.stringify(seeds[i].json)), ms)), seeds[i].weights)),
    { seed: 0xc10, numRuns: 200 },
  );
});

test('the weights file: truncated or padded bytes against an intact manifest', async () => {
  await fc.assert(
    fc.asyncProperty(fc.nat({ max: 2 }), mutationsArb(2, 1 << 20), async (i, ms) => check(JSON.stringify(seeds[i].json), mutateAll(seeds[i].weights, ms))),
    { seed: 0xc11, numRuns: 60 },
  );
});

// Regressions: counterexamples the fuzzing found, kept as plain tests.

function edited(seed: number, edit: (j: Record<string, Json>) => void): string {
  const j = structuredClone(seeds[seed].json) as Record<string, Json>;
  edit(j);
  return JSON.stringify(j);
}

test('regression: a Sequential config that is not an object (was "TypeError: list is not iterable")', async () => {
  const text = edited(0, (j) => ((j.model_config as Record<string, Json>).config = 0));
  await assert.rejects(loadModel({ modelJson: text, weights: seeds[0].weights }), /^Error: model\.json \+ weights: model_config must be \{ class_name: string, config: object \}$/);
  const noLayers = edited(0, (j) => ((j.model_config as Record<string, Json>).config = { name: 'sequential', layers: 5 }));
  await assert.rejects(loadModel({ modelJson: noLayers, weights: seeds[0].weights }), /^Error: Config of layer 'sequential' \(Sequential\): a field is missing or has the wrong type/);
});

test('regression: a manifest entry without a shape (was "Cannot read properties of undefined (reading \'reduce\')")', async () => {
  const text = edited(2, (j) => delete ((j.weights_manifest as Record<string, Json>).weights as Record<string, Json>[])[1].shape);
  await assert.rejects(loadModel({ modelJson: text, weights: seeds[2].weights }), /^Error: model\.json \+ weights: weights_manifest\.weights\[1\] needs a shape of non-negative integers/);
});

test('regression: a huge layer size is refused before allocating (units 1e9 would ask for 3 TB)', async () => {
  const text = edited(1, (j) => {
    const layers = ((j.model_config as Record<string, Json>).config as Record<string, Json>).layers as { class_name: Json; config: Record<string, Json> }[];
    layers.find((l) => l.class_name === 'Dense')!.config.units = 1e9;
  });
  await assert.rejects(loadModel({ modelJson: text, weights: seeds[1].weights }), /^RangeError: Layer dense_\d+ \(Dense\): weight 'kernel': shape \[784, 1000000000\] has 784000000000 elements, more than the 268435456 one weight may hold/);
});

test('regression: a kernel_size of the wrong type names the layer (was a TypeError from inside Conv2D)', async () => {
  const text = edited(0, (j) => {
    const layers = ((j.model_config as Record<string, Json>).config as Record<string, Json>).layers as { class_name: Json; config: Record<string, Json> }[];
    layers.find((l) => l.class_name === 'Conv2D')!.config.kernel_size = {};
  });
  await assert.rejects(loadModel({ modelJson: text, weights: seeds[0].weights }), /^RangeError: Config of layer 'conv2d' \(Conv2D\): kernelSize must be an integer ≥ 1 or a list of 2 of them; got \{\}/);
});
