/**
 * Memory without dispose, on the backend that owns its memory (wasm) and on the host:
 *  - 100 epochs of training on the wasm backend (bench/memory.ts in a child process forced
 *    to wasm): after the warm-up the live tensor bytes that nt.memory() reports stay flat
 *    and so does the process's RSS;
 *  - user code that keeps no references leaks nothing: a synchronous loop of eager ops
 *    allocating far more than the 2 GiB a wasm memory can hold runs to the end (unreachable
 *    tensors' buffers return to the pool), and once the garbage is collected nt.memory()
 *    is back where it started, on wasm and on the host;
 *  - nt.memory() counts what is alive and what a variable holds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as nt from '../src/index.js';
import { formatCurve, type MemorySample } from '../bench/memory.js';
import { unavailable } from './helpers/oracle.js';

const MB = 1024 * 1024;
const wasmBuilt = existsSync(new URL('../wasm/neurite-kernels.wasm', import.meta.url));
const skip = unavailable(!wasmBuilt && 'the wasm kernels were not built');

test('100 epochs on the wasm backend: flat nt.memory() bytes and flat RSS after the warm-up', { skip, timeout: 600_000 }, () => {
  const script = fileURLToPath(new URL('../bench/memory.js', import.meta.url));
  const r = spawnSync(process.execPath, ['--expose-gc', script, '--epochs', '100', '--rows', '3000', '--json'], {
    encoding: 'utf8',
    timeout: 600_000,
    env: { ...process.env, NEURITE_BACKEND: 'wasm' },
  });
  assert.equal(r.status, 0, `the child failed: ${r.stderr}`);
  const samples = (JSON.parse(r.stdout.trim().split('\n').pop() as string) as { samples: MemorySample[] }).samples;
  assert.equal(samples.length, 100);
  console.log(formatCurve(samples, 10));
  const at = (epoch: number): MemorySample => samples[epoch - 1];
  const tensorGrowth = (at(100).tensorBytes - at(10).tensorBytes) / MB;
  const rssGrowth = (at(100).rss - at(10).rss) / MB;
  console.log(`wasm: live tensor bytes epoch 10 → 100: ${(at(10).tensorBytes / MB).toFixed(2)} → ${(at(100).tensorBytes / MB).toFixed(2)} MB; RSS growth ${rssGrowth.toFixed(1)} MB`);
  assert.ok(at(10).tensorBytes > 0, 'the wasm memory holds the weights and data');
  assert.ok(Math.abs(tensorGrowth) < 0.5, `live tensor bytes changed by ${tensorGrowth.toFixed(2)} MB from epoch 10 to 100`);
  assert.ok(Math.max(...samples.slice(9).map((s) => s.tensors)) - Math.min(...samples.slice(9).map((s) => s.tensors)) <= 8, 'the number of live tensors stays flat');
  assert.ok(rssGrowth < 30, `RSS grew by ${rssGrowth.toFixed(1)} MB from epoch 10 to 100`);
  assert.ok(at(100).loss < at(1).loss * 0.8, `the run trained: loss ${at(1).loss} → ${at(100).loss}`);
});

/** Runs code in a child with --expose-gc on a backend; returns its last stdout line as JSON. */
function child(backend: string, code: string): Record<string, number> {
  const index = new URL('../src/index.js', import.meta.url).href;
  const script = `import(${JSON.stringify(index)}).then(async (nt) => { ${code} }).catch((e) => { console.error(e); process.exit(1); });`;
  const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, NEURITE_BACKEND: backend }, timeout: 300_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as Record<string, number>;
}

/** `iterations` × 3 results of 4 MiB allocated with no await in between. */
const loop = (iterations: number): string => `
  const settle = async () => { for (let i = 0; i < 3; i++) { gc(); await new Promise((r) => setTimeout(r, 0)); } };
  const a = nt.randomUniform([1024, 1024], { seed: 1 });
  const b = nt.randomUniform([1024, 1024], { seed: 2 });
  nt.add(a, b);
  await settle();
  const before = nt.memory();
  // A plain function: an async function's frame would keep its last local alive.
  const work = () => {
    let last = 0;
    for (let i = 0; i < ${iterations}; i++) {
      const y = nt.relu(nt.sub(nt.add(a, b), 0.9));
      if (i % 200 === 0) last = nt.sum(y).item();
    }
    return [last, nt.memory()];
  };
  const [last, during] = work();
  await settle();
  const after = nt.memory();
  const key = nt.getBackendName() === 'wasm' ? 'wasm' : 'host';
  console.log(JSON.stringify({ before: before.backends[key]?.bytes ?? 0, during: during.backends[key]?.bytes ?? 0, after: after.backends[key]?.bytes ?? 0, beforeTensors: before.tensors, afterTensors: after.tensors, last, linearMemory: nt.wasmModule()?.memory.buffer.byteLength ?? 0 }));
`;

test('wasm: a synchronous loop that keeps no references runs within the memory limit and leaks nothing', { skip, timeout: 300_000 }, () => {
  const r = child('wasm', loop(600)); // 7 GiB
  console.log(`wasm bytes: before ${(r.before / MB).toFixed(1)} MB, during ${(r.during / MB).toFixed(1)} MB, after ${(r.after / MB).toFixed(1)} MB`);
  assert.ok(r.during < 1024 * MB, `live wasm tensor bytes in the loop: ${(r.during / MB).toFixed(0)} MB (7 GiB were allocated)`);
  // The pool collects before it grows: the module's memory stays near the live bytes plus
  // the collection threshold instead of growing towards the 2 GiB limit.
  console.log(`wasm linear memory after the loop: ${(r.linearMemory / MB).toFixed(0)} MB`);
  assert.ok(r.linearMemory > 0 && r.linearMemory < 384 * MB, `linear memory ${(r.linearMemory / MB).toFixed(0)} MB`);
  assert.equal(r.after, r.before, 'every buffer of the loop returned');
  assert.equal(r.afterTensors, r.beforeTensors);
});

test('host: once collected, the buffers of tensors nobody references are gone from nt.memory()', { timeout: 300_000 }, () => {
  const r = child('js', loop(50));
  assert.equal(r.after, r.before);
  assert.equal(r.afterTensors, r.beforeTensors);
});

test('nt.memory() counts live buffers once per storage; views share it', () => {
  const before = nt.memory();
  const x = nt.zeros([256, 64]); // 64 KiB: counted on the host too
  const views = [nt.reshape(x, [64, 256]), x.detach(), nt.expandDims(x, 0)];
  const now = nt.memory();
  const key = 'host'; // created from host values; it moves when an op on wasm first uses it
  assert.equal(now.tensors - before.tensors, 1, 'one buffer, however many views');
  assert.equal((now.backends[key]?.bytes ?? 0) - (before.backends[key]?.bytes ?? 0), 256 * 64 * 4);
  assert.equal(views.length, 3);
  assert.equal(now.bytes, Object.values(now.backends).reduce((s, m) => s + m.bytes, 0));
});
