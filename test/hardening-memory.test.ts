/**
 * A leak test, not a timing test: 100 epochs of a small MLP on 3000 real Fashion-MNIST rows
 * (bench/memory.ts, in a child process started with --expose-gc so that every sample follows
 * a full collection). After the warm-up (epoch 10) the process's RSS may not grow by more
 * than 30 MB up to epoch 100, nor the JS heap by more than 8 MB; the curve is printed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { formatCurve, type MemorySample } from '../bench/memory.js';

const MB = 1024 * 1024;

test('RSS and heap stay flat over 100 epochs of training (after warm-up)', () => {
  const script = fileURLToPath(new URL('../bench/memory.js', import.meta.url));
  const r = spawnSync(process.execPath, ['--expose-gc', script, '--epochs', '100', '--rows', '3000', '--json'], { encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, `the child failed: ${r.stderr}`);
  const samples = (JSON.parse(r.stdout.trim().split('\n').pop() as string) as { samples: MemorySample[] }).samples;
  assert.equal(samples.length, 100);
  console.log(formatCurve(samples, 10));
  const at = (epoch: number): MemorySample => samples[epoch - 1];
  const rssGrowth = (at(100).rss - at(10).rss) / MB;
  const heapGrowth = (at(100).heapUsed - at(10).heapUsed) / MB;
  console.log(`RSS growth epoch 10 → 100: ${rssGrowth.toFixed(1)} MB; heap growth: ${heapGrowth.toFixed(1)} MB`);
  assert.ok(rssGrowth < 30, `RSS grew by ${rssGrowth.toFixed(1)} MB from epoch 10 to 100`);
  assert.ok(heapGrowth < 8, `the JS heap grew by ${heapGrowth.toFixed(1)} MB from epoch 10 to 100`);
  // The run trained: the loss fell.
  assert.ok(at(100).loss < at(1).loss * 0.8, `loss ${at(1).loss} → ${at(100).loss}`);
});
