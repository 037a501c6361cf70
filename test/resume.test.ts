import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as nt from '../src/index.js';
import { decodeWeights } from '../src/io/index.js';

const worker = join(dirname(fileURLToPath(import.meta.url)), 'helpers', 'resume-worker.js');

function run(...args: string[]): { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [worker, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

async function weightsOf(path: string): Promise<Float32Array[]> {
  const { tensors, header } = decodeWeights(new Uint8Array(await import('node:fs/promises').then((f) => f.readFile(path))), path);
  return header.weights.map((e) => tensors.get(e.name)!.dataSync() as Float32Array);
}

test('4 epochs straight = 2 epochs, process killed, restarted with BackupAndRestore, 2 more (bit-identical weights)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'neurite-resume-'));
  try {
    const straight = run('train', dir, 'straight');
    assert.equal(straight.status, 0, straight.stderr);
    const killed = run('train', dir, 'interrupted');
    assert.equal(killed.signal, 'SIGKILL', `the first run must die mid-training: ${killed.stderr}`);
    assert.ok(existsSync(join(dir, 'backup', 'checkpoint.nw')), 'a backup survives the kill');
    assert.ok(!existsSync(join(dir, 'interrupted.nw')));
    const resumed = run('train', dir, 'resume');
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.deepEqual(JSON.parse(resumed.stdout.trim()), { resumedFrom: 2 });
    assert.ok(!existsSync(join(dir, 'backup', 'checkpoint.nw')), 'the backup is deleted when fit completes');
    const a = await weightsOf(join(dir, 'straight.nw'));
    const b = await weightsOf(join(dir, 'resume.nw'));
    assert.equal(a.length, b.length);
    a.forEach((w, i) => assert.ok(Buffer.from(w.buffer, w.byteOffset, w.byteLength).equals(Buffer.from(b[i].buffer, b[i].byteOffset, b[i].byteLength)), `weight ${i} differs`));
    // Without restoring the random state the run would differ: a fresh 2-epoch continuation is not the same.
    const fresh = run('train', dir, 'resume'); // no backup left: trains 4 epochs from scratch on a new seed state
    assert.equal(fresh.status, 0, fresh.stderr);
    assert.deepEqual(JSON.parse(fresh.stdout.trim()), { resumedFrom: null });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('saveCheckpoint/loadCheckpoint in one process: continuing with the returned epoch and seed equals the straight run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'neurite-ckpt-'));
  const make = (): nt.Sequential => {
    const m = new nt.Sequential([new nt.Dense({ units: 8, activation: 'tanh', inputShape: [4], kernelInitializer: new nt.initializers.GlorotUniform({ seed: 4 }) }), new nt.Dropout({ rate: 0.5, seed: 9 }), new nt.Dense({ units: 1, kernelInitializer: new nt.initializers.GlorotUniform({ seed: 5 }) })]);
    m.compile({ optimizer: new nt.RMSprop({ learningRate: 0.01, momentum: 0.5 }), loss: 'mse' });
    return m;
  };
  try {
    const x = nt.randomNormal([40, 4], { seed: 1 });
    const y = nt.randomNormal([40, 1], { seed: 2 });
    nt.setSeed(5);
    const straight = make();
    await straight.fit(x, y, { epochs: 3, batchSize: 8, seed: 11, verbose: 0 });
    nt.setSeed(5);
    const first = make();
    await first.fit(x, y, { epochs: 1, batchSize: 8, seed: 11, verbose: 0 });
    await first.saveCheckpoint(join(dir, 'c.nw'));
    nt.setSeed(999); // a different global state, restored by the checkpoint
    const second = make();
    const info = await second.loadCheckpoint(join(dir, 'c.nw'));
    assert.deepEqual(info, { epoch: 1, seed: 11, ranks: 1 });
    await second.fit(x, y, { epochs: 3, initialEpoch: info.epoch, seed: info.seed ?? undefined, batchSize: 8, verbose: 0 });
    straight.getWeights().forEach((w, i) => assert.deepEqual(Array.from(second.getWeights()[i].dataSync()), Array.from(w.dataSync()), `weight ${i}`));
    const other = new nt.Sequential([new nt.Dense({ units: 3, inputShape: [4] })]);
    other.compile({ optimizer: 'rmsprop', loss: 'mse' });
    await assert.rejects(other.loadCheckpoint(join(dir, 'c.nw')), /holds 4 weights but model sequential_\d+ has 2/);
    await straight.saveWeights(join(dir, 'w.nw'));
    await assert.rejects(straight.loadCheckpoint(join(dir, 'w.nw')), /not a training checkpoint/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a process killed in the middle of saving leaves the previous checkpoint loadable and whole', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'neurite-atomic-'));
  const path = join(dir, 'ckpt.nw');
  const model = new nt.Sequential([new nt.Dense({ units: 1500, inputShape: [1500] })]);
  model.compile({ optimizer: 'adam', loss: 'mse' });
  try {
    for (const delayMs of [3, 17, 41, 90]) {
      const child = spawn(process.execPath, [worker, 'save-loop', path], { stdio: ['ignore', 'pipe', 'pipe'] });
      let saves = 0;
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          saves += (d.toString().match(/saved/g) ?? []).length;
          if (saves >= 2) setTimeout(() => child.kill('SIGKILL'), delayMs);
        });
        child.on('exit', () => resolve());
        child.on('error', reject);
      });
      assert.ok(saves >= 2);
      const info = await model.loadCheckpoint(path);
      const [kernel, bias] = model.layers[0].getWeights();
      const marker = bias.dataSync()[0];
      assert.equal(info.epoch, marker, 'the header and the arrays come from the same save');
      assert.ok(kernel.dataSync().every((v) => v === marker) && bias.dataSync().every((v) => v === marker), 'no torn arrays');
    }
    const leftovers = readdirSync(dir).filter((f) => f !== 'ckpt.nw');
    assert.ok(leftovers.every((f) => f.includes('.tmp')), `only temporary files may be left: ${leftovers.join(', ')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
