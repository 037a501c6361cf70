import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import * as nt from '../src/index.js';
import type { MonitorLog } from '../src/callbacks/training-monitor.js';
import { fashionRows } from './helpers/board-trainer.js';
import { runMonitorExample } from '../examples/training-monitor.js';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Each series' points in curves.svg: name → [x, y] pixel pairs. */
function polylines(svg: string): Map<string, [number, number][]> {
  const out = new Map<string, [number, number][]>();
  for (const m of svg.matchAll(/<polyline class="series" data-series="([^"]+)" points="([^"]*)"/g)) {
    out.set(m[1], m[2].trim() === '' ? [] : m[2].trim().split(/\s+/).map((p) => p.split(',').map(Number) as [number, number]));
  }
  return out;
}

const readLog = (dir: string): MonitorLog => JSON.parse(readFileSync(join(dir, 'log.json'), 'utf8')) as MonitorLog;

function mlp(): nt.Sequential {
  return new nt.Sequential([
    new nt.Dense({ units: 16, activation: 'relu', inputShape: [784], kernelInitializer: new nt.initializers.GlorotUniform({ seed: 7 }) }),
    new nt.Dense({ units: 10, activation: 'softmax', kernelInitializer: new nt.initializers.GlorotUniform({ seed: 8 }) }),
  ]);
}

test('TrainingMonitor writes log.json, curves.svg/png and events.jsonl after every epoch, equal to the History', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'neurite-monitor-'));
  try {
    const { x, labels } = await fashionRows(400);
    const y = nt.toCategorical(nt.tensor(Int32Array.from(labels)), 10);
    const model = mlp();
    model.compile({ optimizer: new nt.Adam({ learningRate: 0.01 }), loss: 'categorical_crossentropy', metrics: ['accuracy'] });
    const samples = { x: nt.slice(x, [0, 0], [5, 784]), y: labels.slice(0, 5), imageShape: [28, 28] };
    const monitor = new nt.TrainingMonitor({ logDir: dir, runName: 'mlp', samples });
    const runDir = join(dir, 'mlp');
    const seen: { epochs: number; points: number; pngTime: number; events: number }[] = [];
    // Runs after the monitor in each epoch: what a reader finds on disk at that moment.
    const reader = new nt.LambdaCallback({
      onEpochEnd: () => {
        const svg = readFileSync(join(runDir, 'curves.svg'), 'utf8');
        seen.push({
          epochs: readLog(runDir).epochs.length,
          points: polylines(svg).get('val_loss')?.length ?? -1,
          pngTime: statSync(join(runDir, 'curves.png')).mtimeMs,
          events: readFileSync(join(runDir, 'events.jsonl'), 'utf8').trim().split('\n').length,
        });
      },
    });
    const epochs = 4;
    const schedule = (epoch: number): number => 0.01 * 0.5 ** epoch;
    const history = await model.fit(x, y, { epochs, batchSize: 40, validationSplit: 0.25, verbose: 0, seed: 2, callbacks: [new nt.LearningRateScheduler(schedule), monitor, reader] });

    assert.deepEqual(seen.map((s) => [s.epochs, s.points, s.events]), [1, 2, 3, 4].map((n) => [n, n, n]), 'files hold every epoch so far');
    assert.ok(seen.every((s, i) => i === 0 || s.pngTime >= seen[i - 1].pngTime), 'curves.png rewritten each epoch');

    const log = readLog(runDir);
    assert.equal(log.status, 'finished');
    assert.equal(log.run, 'mlp');
    assert.equal(log.stoppedEarly, false);
    assert.ok(log.finishedAt !== null && Date.parse(log.finishedAt) >= Date.parse(log.startedAt));
    assert.deepEqual(log.params, { epochs, batchSize: 40, steps: 8, samples: 300 });
    assert.deepEqual(log.epochs.map((e) => e.epoch), [0, 1, 2, 3]);
    for (const key of ['loss', 'accuracy', 'val_loss', 'val_accuracy']) {
      assert.deepEqual(log.epochs.map((e) => e.logs[key]), history.history[key], `${key} equals the History`);
    }
    // The learning rate of each epoch, read from the optimizer: the schedule's values.
    assert.deepEqual(log.epochs.map((e) => e.lr), [0, 1, 2, 3].map(schedule));
    const times = log.epochs.map((e) => Date.parse(e.time));
    assert.ok(times.every((t, i) => i === 0 || t >= times[i - 1]) && log.epochs.every((e, i) => i === 0 || e.elapsed >= log.epochs[i - 1].elapsed));

    // Sample predictions: after the last epoch they are the trained model's argmax and its probability.
    const probs = (model.predict(samples.x) as nt.Tensor).dataSync();
    const last = log.epochs[3].samples ?? [];
    assert.equal(last.length, 5);
    last.forEach((p, i) => {
      const row = Array.from(probs.subarray(i * 10, i * 10 + 10));
      assert.equal(p.predicted, row.indexOf(Math.max(...row)));
      assert.equal(p.probability, Math.max(...row));
    });
    assert.deepEqual(log.samples?.labels, labels.slice(0, 5));
    assert.deepEqual(log.samples?.images, [0, 1, 2, 3, 4].map((i) => `samples/${i}.png`));
    const thumb = await sharp(readFileSync(join(runDir, 'samples', '0.png'))).metadata();
    assert.deepEqual([thumb.width, thumb.height], [28, 28]);

    // curves.svg: one polyline per series with one point per epoch; a higher loss is drawn higher up.
    const svg = readFileSync(join(runDir, 'curves.svg'), 'utf8');
    const lines = polylines(svg);
    assert.deepEqual([...lines.keys()].sort(), ['accuracy', 'loss', 'val_accuracy', 'val_loss']);
    for (const [name, pts] of lines) assert.equal(pts.length, epochs, `${name} has ${epochs} points`);
    for (const name of ['loss', 'accuracy']) {
      const values = history.history[name];
      const pts = lines.get(name) as [number, number][];
      for (let i = 1; i < epochs; i++) {
        assert.ok(pts[i][0] > pts[i - 1][0], 'epochs go right');
        assert.equal(Math.sign(pts[i - 1][1] - pts[i][1]), Math.sign(values[i] - values[i - 1]), `${name}: pixel y follows the value`);
      }
    }
    assert.match(svg, /<text[^>]*>Loss<\/text>/);
    assert.match(svg, /<text[^>]*>Accuracy<\/text>/);
    assert.match(svg, /class="legend"[^]*>val_loss</);
    assert.match(svg, /class="axis-label"[^>]*>epoch</);

    const png = readFileSync(join(runDir, 'curves.png'));
    assert.deepEqual([...png.subarray(0, 8)], PNG_SIGNATURE);
    const meta = await sharp(png).metadata();
    assert.deepEqual([meta.width, meta.height], [920, 330], 'two 460×300 panels and a title');

    const events = readFileSync(join(runDir, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; epoch?: number; logs?: Record<string, number> });
    assert.deepEqual(events.map((e) => e.type), ['epoch', 'epoch', 'epoch', 'epoch', 'finished']);
    assert.deepEqual(events.slice(0, 4).map((e) => e.logs?.loss), history.history.loss);
    assert.deepEqual(readdirSync(runDir).filter((f) => f.endsWith('.tmp')), [], 'no temporary files left');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('TrainingMonitor with every: 2 writes the files on even epochs and at the end; early stop is recorded', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'neurite-monitor-'));
  try {
    const { x, labels } = await fashionRows(120);
    const model = mlp();
    model.compile({ optimizer: 'sgd', loss: 'sparse_categorical_crossentropy' });
    const monitor = new nt.TrainingMonitor({ logDir: dir, runName: 'sparse', every: 2 });
    const counts: number[] = [];
    const reader = new nt.LambdaCallback({ onEpochEnd: () => void counts.push(readLog(join(dir, 'sparse')).epochs.length) });
    const stopper = new nt.LambdaCallback({ onEpochEnd: (epoch) => void (epoch === 2 && monitor.model ? (monitor.model.stopTraining = true) : undefined) });
    await model.fit(x, nt.tensor(Int32Array.from(labels)), { epochs: 10, batchSize: 60, verbose: 0, callbacks: [monitor, reader, stopper] });
    assert.deepEqual(counts, [0, 2, 2]);
    const log = readLog(join(dir, 'sparse'));
    assert.equal(log.epochs.length, 3);
    assert.equal(log.status, 'finished');
    assert.equal(log.stoppedEarly, true);
    const lines = polylines(readFileSync(join(dir, 'sparse', 'curves.svg'), 'utf8'));
    assert.deepEqual([...lines.keys()], ['loss'], 'without metrics or validation: the loss panel only');
    assert.equal(lines.get('loss')?.length, 3);
    assert.equal(log.samples, null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('TrainingMonitor refuses bad arguments with clear errors', () => {
  const x = nt.zeros([3, 4]);
  assert.throws(() => new nt.TrainingMonitor({ logDir: '' }), /logDir must be a non-empty string/);
  assert.throws(() => new nt.TrainingMonitor({ logDir: 'runs', runName: '../escape' }), /runName must be/);
  assert.throws(() => new nt.TrainingMonitor({ logDir: 'runs', every: 0 }), /every must be an integer ≥ 1/);
  assert.throws(() => new nt.TrainingMonitor({ logDir: 'runs', samples: { x, y: [1, 2] } }), /samples.y must give 3 class indices/);
  assert.throws(() => new nt.TrainingMonitor({ logDir: 'runs', samples: { x, y: nt.zeros([2, 3]) } }), /samples.y has 2 rows but samples.x has 3/);
  assert.throws(() => new nt.TrainingMonitor({ logDir: 'runs', samples: { x, imageShape: [3, 3] } }), /imageShape must be/);
  assert.match(new nt.TrainingMonitor({ logDir: 'runs' }).runName, /^run-\d{8}-\d{6}$/);
});

test('the training-monitor example runs in smoke mode on real Fashion-MNIST and leaves a complete run folder', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'neurite-monitor-example-'));
  try {
    const lines: string[] = [];
    const r = await runMonitorExample({ smoke: true, logDir: dir, runName: 'smoke', log: (l) => lines.push(l) });
    for (const f of ['curves.svg', 'curves.png', 'log.json', 'events.jsonl', 'model.svg', 'model.png']) assert.ok(existsSync(join(r.runDir, f)), f);
    const log = readLog(r.runDir);
    assert.equal(log.epochs.length, 2);
    assert.equal(log.status, 'finished');
    assert.deepEqual(log.epochs.map((e) => e.logs.val_accuracy), r.history.history.val_accuracy);
    assert.equal(log.epochs[1].samples?.length, 12);
    assert.ok(r.testAccuracy > 0.4, `test accuracy ${r.testAccuracy} (chance 0.1)`);
    assert.ok(lines.some((l) => l.startsWith('epoch 2/2')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('chart axes: round ticks (1, 2 or 5 × 10^k) covering the data, exact at their ends; short labels', () => {
  assert.deepEqual(nt.viz.niceTicks(1, 2, 6), [1, 1.2, 1.4, 1.6, 1.8, 2], 'two epochs: both ends are ticks (no 2.0000000000000004)');
  assert.deepEqual(nt.viz.niceTicks(1, 10, 6), [2, 4, 6, 8, 10]);
  assert.deepEqual(nt.viz.niceTicks(0.53, 1.48, 5), [0.6, 0.8, 1, 1.2, 1.4]);
  assert.deepEqual(nt.viz.niceTicks(-0.3, 0.3, 5), [-0.2, 0, 0.2]);
  assert.deepEqual(nt.viz.niceTicks(5, 5, 4), [4.5, 5, 5.5], 'a flat series gets a ±10% range (4.5..5.5, step 0.25 → 0.5)');
  assert.deepEqual(['1e-4', '2.5e-4', '0.05', '1.234', '1.23e5'], [1e-4, 0.00025, 0.05, 1.2341, 123456].map(nt.viz.formatTick));
  assert.match(nt.viz.escapeXml(`<a href="x">'&'</a>`), /^&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;\/a&gt;$/);
});
