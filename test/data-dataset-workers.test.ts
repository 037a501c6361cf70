/**
 * Dataset.map in worker threads (`map({ module, exportName }, { numParallelCalls })`) and
 * Dataset.cache(filename):
 *  - the worker form keeps the input order while later elements finish first, spreads the
 *    work over the threads, reuses them on the next pass, gives what the same function gives
 *    in-process, leaves the input tensors intact, names the element whose call failed;
 *  - a child process whose pass stops early (or ends) exits by itself;
 *  - cache(file) runs the work before it once, replays equal elements from the file (here
 *    and in a new process, which runs none of the work), leaves no file after a pass that
 *    stops early or fails, writes the bytes its format describes, and refuses a file that is
 *    not a cache, of another version, or cut short.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as nt from '../src/index.js';
import { StringTensor } from '../src/tensor/string-tensor.js';
import transform, { type FixtureElement } from './helpers/map-worker-fixture.js';

const { Dataset } = nt.data;
/** The compiled fixture module the workers import (this file is compiled to build/test/). */
const FIXTURE = new URL('./helpers/map-worker-fixture.js', import.meta.url);
/** The child processes import only the Dataset module (quicker to load than all of Neurite). */
const DATASET = new URL('../src/data/dataset.js', import.meta.url);

function elements(n: number): FixtureElement[] {
  return Array.from({ length: n }, (_, i) => ({
    x: nt.tensor(Float32Array.from({ length: 6 }, (_, k) => i + k / 4), [2, 3]),
    i,
    name: `élément-${i}`,
    meta: { tags: [`t${i}`, i * 3] as const },
    words: new StringTensor([`w${i}`, 'ü', ''], [3, 1]),
  }));
}

/** An element as plain values (tensors as dtype, shape and values) for deepEqual. */
function plain(v: unknown): unknown {
  if (v instanceof nt.Tensor) return { dtype: v.dtype, shape: [...v.shape], values: Array.from(v.dataSync()) };
  if (v instanceof StringTensor) return { dtype: v.dtype, shape: [...v.shape], values: [...v.values] };
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

async function all(ds: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const e of ds) out.push(plain(e));
  return out;
}

function run(script: string, timeoutMs: number): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string; ms: number }> {
  return new Promise((done, fail) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', fail);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

test('map in 2 worker threads: input order kept, both threads used, the pool reused on the next pass', async () => {
  // slowFirst answers sooner for later elements, so results arrive out of order.
  // (The module form is typed Dataset<Element>: this line compiles only then.)
  const ds: nt.data.Dataset<nt.data.Element> = Dataset.from(elements(8)).map({ module: FIXTURE, exportName: 'slowFirst' }, { numParallelCalls: 2 });
  const first = (await all(ds)) as [number, number][];
  assert.deepEqual(
    first.map((r) => r[0]),
    [0, 1, 2, 3, 4, 5, 6, 7],
  );
  const threads = new Set(first.map((r) => r[1]));
  assert.equal(threads.size, 2, `work ran on threads ${[...threads].join(', ')}`);
  assert.ok(!threads.has(0), 'no element was mapped on the main thread');
  const second = (await all(ds)) as [number, number][];
  assert.deepEqual(
    second.map((r) => r[0]),
    [0, 1, 2, 3, 4, 5, 6, 7],
  );
  assert.deepEqual(new Set(second.map((r) => r[1])), threads, 'the second pass runs on the same two threads');
  assert.equal(ds.cardinality, 8);
});

test('map in workers gives what the same function gives in-process; the inputs stay intact', async () => {
  const input = elements(5);
  const before = plain(input);
  const inWorkers = await all(Dataset.from(input).map({ module: fileURLToPath(FIXTURE) }, { numParallelCalls: 2 }));
  const inProcess = await all(Dataset.from(input).map((e) => transform(e)));
  assert.deepEqual(inWorkers, inProcess);
  // Spot values by hand: element 2, x = 2 + k/4, y = 2x + 1, i·10, the upper-cased name.
  const e2 = inWorkers[2] as { y: { values: number[]; shape: number[]; dtype: string }; sum: { values: number[] }; i: number; name: string; meta: unknown };
  assert.deepEqual(e2.y, { dtype: 'float32', shape: [2, 3], values: [5, 5.5, 6, 6.5, 7, 7.5] });
  assert.deepEqual(e2.sum.values, [37.5]);
  assert.equal(e2.i, 20);
  assert.equal(e2.name, 'ÉLÉMENT-2');
  assert.deepEqual(e2.meta, { tags: ['t2!', 7], n: [2, [9]] });
  assert.deepEqual((inWorkers[2] as { words: unknown }).words, { dtype: 'string', shape: [3, 1], values: ['w2', 'ü', ''] });
  // The tensors sent were copies: the elements (here kept by the array source) are unchanged.
  assert.deepEqual(plain(input), before);
  // The workers' tensors run on the parent's backend where a worker can run it.
  const [name] = await all(Dataset.from([0]).map({ module: FIXTURE, exportName: 'backendName' }));
  const parent = nt.getBackendName();
  if (parent === 'native' || parent === 'js' || parent === 'wasm') assert.equal(name, parent);
});

test('an error in the worker function names the element index and keeps the message', async () => {
  const ds = Dataset.from(elements(6)).map({ module: FIXTURE, exportName: 'failOnThree' }, { numParallelCalls: 2 });
  const got: unknown[] = [];
  await assert.rejects(
    async () => {
      for await (const e of ds) got.push(e);
    },
    (e: Error) => {
      assert.match(e.message, /element 3\b/);
      assert.match(e.message, /fixture refuses i=3/);
      assert.equal((e.cause as Error).name, 'RangeError');
      return true;
    },
  );
  assert.deepEqual(got, [0, 1, 2]);
  // A missing export and a bad module argument: clear errors naming them.
  await assert.rejects(all(Dataset.from([1]).map({ module: FIXTURE, exportName: 'nope' })), /no function export 'nope' \(exportName\); its function exports: .*failOnThree/);
  assert.throws(() => Dataset.from([1]).map({ module: 42 as unknown as string }), /module must be a file path, a URL or a package name; got a number/);
  assert.throws(() => Dataset.from([1]).map({ module: FIXTURE }, { numParallelCalls: 0 }), /numParallelCalls must be a positive integer; got 0/);
  // A leaf that cannot cross: named with its path and element.
  await assert.rejects(all(Dataset.from([{ a: [1, true] }]).map({ module: FIXTURE, exportName: 'backendName' })), /element 0\): \.a\[1\] is a boolean/);
});

test('a process whose worker-map passes end, or stop early, exits by itself', async () => {
  const script = `
    import { Dataset } from ${JSON.stringify(DATASET.href)};
    const fixture = ${JSON.stringify(FIXTURE.href)};
    const full = Dataset.range(4).map({ module: fixture, exportName: 'backendName' });
    console.log('full', (await full.toArray()).length);
    const slow = Dataset.range(100).map({ module: fixture, exportName: 'sleepy' }, { numParallelCalls: 2 });
    globalThis.keep = slow; // reachable: its workers are not ended by the finalizer, only unref'd
    for await (const e of slow) { console.log('first', e.dataSync()[0]); break; }
    // A pass that fails before its first job leaves an idle pool behind.
    await Dataset.from([true]).map({ module: fixture }, { numParallelCalls: 2 }).toArray().catch((e) => console.log(e.message.includes('is a boolean')));
  `;
  const r = await run(script, 20_000);
  assert.equal(r.signal, null, `the child was killed after ${r.ms} ms (kept alive by its workers?)\n${r.stderr}`);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'full 4\nfirst 0\ntrue\n');
});

test('cache(filename): the first pass writes the file, later passes (and a new process) replay it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nt-cache-'));
  try {
    const file = join(dir, 'train.cache');
    const items = [
      { x: nt.tensor([[1.5, -2], [3.25, 4e-8]]), y: nt.tensor([7, -8, 2147483647], [3], 'int32'), k: 3, f: 0.1, s: 'naïve ☃', nested: { list: [nt.tensor(2.5), 'a', [1, { deep: -0 }]], empty: nt.zeros([0, 4]) }, st: new StringTensor(['p', 'qé', '', ' r'], [2, 2]) },
      { x: nt.tensor([[0, 1], [2, 3]]), y: nt.tensor([1, 2, 3], [3], 'int32'), k: -12, f: Number.MAX_VALUE, s: '', nested: { list: [nt.tensor(-1), 'bb', [2, { deep: NaN }]], empty: nt.zeros([0, 4]) }, st: new StringTensor(['s'], [1, 1]) },
    ];
    let calls = 0;
    const ds = Dataset.from(items)
      .map((e) => {
        calls++;
        return e;
      })
      .cache(file);
    const first = await all(ds);
    assert.equal(calls, 2);
    assert.deepEqual(first, items.map(plain));
    assert.deepEqual(readdirSync(dir), ['train.cache'], 'no temporary file is left');
    const second = await all(ds);
    assert.equal(calls, 2, 'the second pass reads the file');
    assert.deepEqual(second, first);
    assert.ok(Object.is((second[0] as { nested: { list: [unknown, unknown, [number, { deep: number }]] } }).nested.list[2][1].deep, -0), '-0 survives');

    // Another Dataset on the same file reads it and runs nothing upstream.
    const other = Dataset.from(items)
      .map(() => {
        throw new Error('upstream ran');
      })
      .cache(file);
    assert.deepEqual(await all(other), first);

    // A new process: its map before cache counts 0 calls.
    const script = `
      import { Dataset } from ${JSON.stringify(DATASET.href)};
      let calls = 0;
      const ds = Dataset.range(5).map((e) => { calls++; return e; }).cache(${JSON.stringify(file)});
      const out = [];
      for await (const e of ds) out.push(e.x.dtype + ':' + e.x.shape.join('x') + ':' + Array.from(e.x.dataSync()).join(',') + '|' + e.s + '|' + e.nested.list[1] + '|' + e.st.values.join('/'));
      console.log(JSON.stringify({ calls, out }));
    `;
    const r = await run(script, 20_000);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { calls: 0, out: [`float32:2x2:1.5,-2,3.25,${Math.fround(4e-8)}|naïve ☃|a|p/qé// r`, 'float32:2x2:0,1,2,3||bb|s'] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cache(filename): a pass stopped early or failing leaves no file; the bytes follow the format', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nt-cache-'));
  try {
    const file = join(dir, 'c.bin');
    let calls = 0;
    const ds = Dataset.range(10)
      .map((e) => {
        calls++;
        return e;
      })
      .cache(file);
    assert.equal((await ds.take(3).toArray()).length, 3);
    assert.deepEqual(readdirSync(dir), [], 'a pass stopped early leaves no cache and no temporary file');
    const failing = Dataset.from([1, 2, 3])
      .map((v) => {
        if (v === 3) throw new Error('boom');
        return v;
      })
      .cache(file);
    await assert.rejects(failing.toArray(), /boom/);
    assert.deepEqual(readdirSync(dir), []);
    // A full pass now writes it (the work before cache ran 3 + 10 times in all).
    assert.equal((await ds.toArray()).length, 10);
    assert.equal(calls, 13);
    assert.ok(existsSync(file));

    // The bytes of a one-element cache, by hand: the header, element 7 (a number), the end record of count 1.
    const tiny = join(dir, 'tiny.bin');
    await Dataset.from([7]).cache(tiny).toArray();
    const f64 = (v: number): number[] => Array.from(new Uint8Array(new Float64Array([v]).buffer));
    const expected = [0x89, 0x4e, 0x54, 0x43, 0x41, 0x43, 0x48, 0x45, 1, 0, 0, 0, 0, 0, 0, 0, 1, 9, 0, 0, 0, 5, ...f64(7), 0xff, ...f64(1)];
    assert.deepEqual(Array.from(readFileSync(tiny)), expected);
    // An int32 tensor [2] of (1, -1): tag 4, rank 1, size 2, the values.
    const t = join(dir, 't.bin');
    await Dataset.from([nt.tensor([1, -1], [2], 'int32')]).cache(t).toArray();
    assert.deepEqual(Array.from(readFileSync(t).subarray(16, 16 + 5 + 14)), [1, 14, 0, 0, 0, 4, 1, 2, 0, 0, 0, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);
    // A string tensor ['a', 'é']: tag 7, rank 1, size 2, per string its UTF-8 length and bytes.
    const st = join(dir, 'st.bin');
    await Dataset.from([new StringTensor(['a', 'é'])]).cache(st).toArray();
    assert.deepEqual(Array.from(readFileSync(st).subarray(16, 16 + 5 + 17)), [1, 17, 0, 0, 0, 7, 1, 2, 0, 0, 0, 1, 0, 0, 0, 0x61, 2, 0, 0, 0, 0xc3, 0xa9]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cache(filename) refuses a file that is not a cache, of another version, or cut short', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nt-cache-'));
  try {
    const good = join(dir, 'good.bin');
    await Dataset.from([1, 2, 3]).cache(good).toArray();
    const bytes = readFileSync(good);
    const upstream = Dataset.from([1, 2, 3]);

    const text = join(dir, 'text.bin');
    writeFileSync(text, 'x,y\n1,2\n');
    await assert.rejects(upstream.cache(text).toArray(), /text\.bin is not a Neurite data set cache/);

    const v2 = join(dir, 'v2.bin');
    const b2 = Buffer.from(bytes);
    b2.writeUInt32LE(2, 8);
    writeFileSync(v2, b2);
    await assert.rejects(upstream.cache(v2).toArray(), /v2\.bin is a cache of format version 2; this Neurite reads version 1/);

    const cut = join(dir, 'cut.bin');
    writeFileSync(cut, bytes.subarray(0, bytes.length - 12));
    await assert.rejects(upstream.cache(cut).toArray(), /cut\.bin is corrupt \(element 2 is cut short/);

    const noEnd = join(dir, 'noend.bin');
    writeFileSync(noEnd, bytes.subarray(0, bytes.length - 9));
    await assert.rejects(upstream.cache(noEnd).toArray(), /noend\.bin is corrupt \(the file ends without its end record/);

    const badTag = join(dir, 'tag.bin');
    const b3 = Buffer.from(bytes);
    b3[16 + 5] = 0x42;
    writeFileSync(badTag, b3);
    await assert.rejects(upstream.cache(badTag).toArray(), /tag\.bin is corrupt \(an unknown value tag 66, at byte 21\)/);

    assert.throws(() => upstream.cache(5 as unknown as string), /filename must be a string/);
    assert.deepEqual(await upstream.cache('').toArray(), [1, 2, 3], "'' caches in memory (as in tf.data)");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('outside Node.js (no process.versions.node, as in a browser) both forms say they are Node-only', () => {
  const saved = Object.getOwnPropertyDescriptor(process, 'versions') as PropertyDescriptor;
  Object.defineProperty(process, 'versions', { value: {}, configurable: true });
  try {
    assert.throws(() => Dataset.from([1]).map({ module: FIXTURE }), /map in worker threads is Node\.js only/);
    assert.throws(() => Dataset.from([1]).cache('/tmp/x.cache'), /caching to a file is Node\.js only; in the browser use cache\(\) \(in memory\)/);
  } finally {
    Object.defineProperty(process, 'versions', saved);
  }
  assert.deepEqual(Object.keys(process.versions).includes('node'), true);
});
