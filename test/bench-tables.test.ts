/**
 * The README's Speed tables are generated from the benchmarks' JSON files (bench/tables.ts,
 * scripts/bench-tables.mjs): results in, markdown out. Checks that every table names the
 * date, the machine, its measured peak and the file it came from; that medians come with
 * their spread, targets with their gap, every PyTorch configuration is shown with the
 * counted one marked; that regenerating the README replaces exactly the marked blocks
 * (twice gives the same text) and leaves blocks whose file is missing or outdated alone;
 * and that the FLOP counts of the tables' GFLOP/s are derived from the models.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as nt from '../src/index.js';
import { modelFlops } from '../bench/common.js';
import { build, FLOPS } from '../bench/models.js';
import { RESULTS_VERSION, type Cell, type Header, type LatencyResults, type ModelsResults, type ScalingResults, type WasmResults } from '../bench/results.js';
import { formatTarget, regenerateReadme, render, renderLatency, renderModels, renderScaling, renderWasm, replaceBlock, spread } from '../bench/tables.js';

const cellOf = (...values: number[]): Cell => {
  const v = [...values].sort((a, b) => a - b);
  return { median: v[v.length >> 1], min: v[0], max: v[v.length - 1], values };
};

function header(benchmark: string, extra: Partial<Header> = {}): Header {
  return {
    resultsVersion: RESULTS_VERSION,
    benchmark,
    date: '2026-12-06T12:00:00.000Z',
    command: `npm run bench:${benchmark}`,
    machine: { cpu: 'AMD EPYC 9R14', cores: 2, isa: 'AVX-512', memoryGiB: 24, peakGflops: 420, peakThreads: 2, peakSamples: [415, 420] },
    threads: 2,
    pins: [{ library: 'Neurite pool', threads: 2, how: 'setThreads' }, { library: 'PyTorch', threads: 2, how: 'torch.set_num_threads' }],
    versions: { Node: 'v20.20.2', Neurite: '0.1.0 (abc)', OpenBLAS: '0.3.21', oneDNN: '2.6.3', torch: '1.13.0a0', missing: null },
    rounds: 5,
    budgetSeconds: 1,
    notes: ['a note'],
    ...extra,
  };
}

const MODELS: ModelsResults = {
  ...header('models'),
  backend: 'native',
  previous: '8fa682b273',
  rows: [
    {
      workload: 'w1', title: 'W1 MLP 784-512-256-10, Adam', kind: 'train', batch: 128, flopsPerSample: 2.41e6,
      neurite: cellOf(41000, 40000, 42000, 41500, 39000), gflops: 98.8, peakPercent: 23.5, previous: cellOf(37918, 37000, 38000, 37500, 39000),
      torch: [{ config: 'glibc', cell: cellOf(3798, 3700, 3900, 3800, 3750) }, { config: 'tcmalloc', cell: cellOf(34917, 34000, 35000, 34800, 36000) }], torchBest: 'tcmalloc', ort: null,
      targets: [
        { label: '% of peak', comparison: '>=', goal: 35, value: 23.5, unit: '%', met: false },
        { label: 'x PyTorch', comparison: '>=', goal: 2, value: 1.17, unit: 'x', met: false },
      ],
    },
    {
      workload: 'w2', title: 'W2 Keras mnist_cnn, Adam', kind: 'infer', batch: 1024, flopsPerSample: 2.4e7,
      neurite: cellOf(12163, 12000, 12500, 11900, 12200), gflops: 291.9, peakPercent: 69.5, previous: null,
      torch: [
        { config: 'glibc/nchw', cell: cellOf(346, 340, 350, 345, 347) }, { config: 'glibc/channels_last', cell: cellOf(248, 240, 250, 249, 247) },
        { config: 'tcmalloc/nchw', cell: cellOf(2336, 2300, 2400, 2350, 2330) }, { config: 'tcmalloc/channels_last', cell: cellOf(9543, 9500, 9600, 9550, 9540) },
      ],
      torchBest: 'tcmalloc/channels_last', ort: cellOf(8000, 7900, 8100, 8050, 7950),
      targets: [{ label: 'x ONNX Runtime', comparison: '>=', goal: 1.2, value: 1.52, unit: 'x', met: true }],
    },
  ],
  rss: [{ workload: 'w1', batch: 128, neurite: cellOf(115, 114, 116, 115, 115), torch: [{ config: 'tcmalloc', cell: cellOf(261, 260, 262, 261, 261) }], torchBest: 'tcmalloc', target: { label: 'RSS vs PyTorch', comparison: '<=', goal: 1, value: 0.44, unit: 'x', met: true } }],
};

test('the models table: header with date, machine, peak and file; spreads, comparisons, targets with their gaps, all PyTorch configurations', () => {
  const md = renderModels(MODELS, 'bench-results/models.json');
  const first = md.split('\n')[0];
  for (const part of ['`npm run bench:models`', '2026-12-06', 'AMD EPYC 9R14', '2 cores', 'AVX-512', 'measured fp32 peak 420 GFLOP/s on 2 threads (the highest of 2 measurements)', '`bench-results/models.json`']) {
    assert.ok(first.includes(part), `${part} in ${first}`);
  }
  assert.match(md, /Threads: 2 for every side \(Neurite pool 2, PyTorch 2\)/);
  assert.match(md, /Versions: Node v20\.20\.2, Neurite 0\.1\.0 \(abc\), OpenBLAS 0\.3\.21, oneDNN 2\.6\.3, torch 1\.13\.0a0\./);
  assert.ok(!md.includes('missing'), 'libraries without a version are left out');
  assert.match(md, /5 alternating rounds/);
  const w1 = md.split('\n').find((l) => l.startsWith('| W1 MLP'));
  assert.ok(w1);
  assert.ok(w1.includes('41,000 [39,000–42,000]'), w1);
  assert.ok(w1.includes('98.8 (23.5%)'), w1);
  assert.ok(w1.includes('34,917 [34,000–36,000] (tcmalloc)'), w1);
  assert.ok(w1.includes('| 1.17x |'), w1);
  assert.ok(w1.includes('≥ 35% of peak: ✗ 23.5% (11.5 points short)'), w1);
  assert.ok(w1.includes('≥ 2x PyTorch: ✗ 1.17x (needs 1.71x)'), w1);
  assert.ok(w1.includes('2.41 MFLOP/sample'), w1);
  const w2 = md.split('\n').find((l) => l.startsWith('| W2 Keras'));
  assert.ok(w2?.includes('≥ 1.2x ONNX Runtime: ✓ 1.52x'), w2);
  // every PyTorch configuration, the counted one in bold; W1 has no layout
  assert.match(md, /\| W2 inference \(batch 1024\) \| 346 \[340–350\] \| 248 \[240–250\] \| 2,336 \[2,300–2,400\] \| \*\*9,543 \[9,500–9,600\]\*\* \|/);
  assert.match(md, /\| W1 train \(batch 128\) \| 3,798 \[3,700–3,900\] \| — \| \*\*34,917 \[34,000–36,000\]\*\* \| — \|/);
  assert.match(md, /\| W1 \(batch 128\) \| 115 MB \[114 MB–116 MB\] \| 261 MB \[260 MB–262 MB\] \(tcmalloc\) \|.*RSS ≤ PyTorch's: ✓ 0\.44x \|$/m);
  assert.match(md, /- a note$/m);
});

test('targets: met, missed with the gap, not measured', () => {
  assert.equal(formatTarget({ label: 'x ONNX Runtime', comparison: '>=', goal: 1.2, value: 0.6, unit: 'x', met: false }), '≥ 1.2x ONNX Runtime: ✗ 0.60x (needs 2.00x)');
  assert.equal(formatTarget({ label: 'RSS vs PyTorch', comparison: '<=', goal: 1, value: 1.3, unit: 'x', met: false }), "RSS ≤ PyTorch's: ✗ 1.30x (30% over)");
  assert.equal(formatTarget({ label: '% of peak', comparison: '>=', goal: 50, value: 51.2, unit: '%', met: true }), '≥ 50% of peak: ✓ 51.2%');
  assert.equal(formatTarget({ label: 'x PyTorch', comparison: '>=', goal: 2, value: null, unit: 'x', met: null }), '≥ 2x PyTorch: not measured');
  assert.equal(spread(cellOf(5)), '5.00', 'one round: no range');
});

test('latency, wasm and scaling tables', () => {
  const latency: LatencyResults = {
    ...header('latency'),
    backend: 'native',
    rows: [{ workload: 'w1', title: 'W1 MLP 784-512-256-10', batch: 1, flopsPerSample: 1.07e6, neurite: cellOf(45.3, 44, 47), ort: cellOf(64.3, 60, 70), speedup: 64.3 / 45.3, neuriteGflops: 23.6, ortGflops: 16.6, neuritePeakPercent: 5.6, ortPeakPercent: 4, maxAbsDiff: 5.2e-8, target: { label: 'x ONNX Runtime', comparison: '>=', goal: 1, value: 1.42, unit: 'x', met: true } }],
  };
  const l = renderLatency(latency, 'bench-results/latency.json');
  assert.match(l, /\| W1 MLP 784-512-256-10 \| 1 \| 45\.3 µs \[44\.0 µs–47\.0 µs\] \| 64\.3 µs \[60\.0 µs–70\.0 µs\] \| 1\.42x \| 22,075 \| 23\.6 \(5\.6%\) \| 16\.6 \(4\.0%\) \| 5\.2e-8 \| ≥ 1x ONNX Runtime: ✓ 1\.42x \|/);

  const wasm: WasmResults = {
    ...header('wasm'),
    neuriteThreads: 2,
    tfjsThreads: 1,
    tfjsLabel: 'tfjs-backend-wasm 4.22.0 (XNNPACK, SIMD, 1 thread: no thread support in Node)',
    previous: null,
    rows: [
      { key: 'w2Infer', title: 'W2 Keras mnist_cnn inference', batch: 1024, flopsPerSample: 2.4e7, neurite: cellOf(3955, 3900, 4000), gflops: 95, peakPercent: 22.6, previous: null, tfjs: cellOf(1110, 1100, 1120) },
      { key: 'w2Train', title: 'W2 mnist_cnn, Adam, train', batch: 128, flopsPerSample: 7.2e7, neurite: cellOf(836, 830, 840), gflops: 60, peakPercent: 14.3, previous: null, tfjs: 'cannot train (no Conv2DBackpropFilter)' },
    ],
  };
  const w = renderWasm(wasm, 'bench-results/wasm.json');
  const head = w.split('\n').find((line) => line.startsWith('| workload'));
  assert.ok(head?.includes('Neurite wasm, 2 threads: samples/s'), head);
  assert.ok(head?.includes('tfjs-backend-wasm 4.22.0 (XNNPACK, SIMD, 1 thread: no thread support in Node): samples/s'), 'the tfjs-wasm thread count is in the table itself');
  assert.match(w, /\| W2 Keras mnist_cnn inference \(batch 1024; 24\.00 MFLOP\/sample\) \| 3,955 \[3,900–4,000\] \|/);
  assert.match(w, /— \(cannot train \(no Conv2DBackpropFilter\)\) \| — \|$/m);

  const scaling: ScalingResults = {
    ...header('scaling'),
    backend: 'native',
    batches: [1, 1024],
    threadCounts: [1, 2],
    epochSamples: 60000,
    batchRows: [
      { workload: 'w1', kind: 'infer', threads: 1, batch: 1, flopsPerSample: 1e6, cell: cellOf(10000, 9000, 11000), gflops: 10, peakPercent: 2.4 },
      { workload: 'w1', kind: 'infer', threads: 2, batch: 1, flopsPerSample: 1e6, cell: cellOf(12000, 11000, 13000), gflops: 12, peakPercent: 2.9 },
      { workload: 'w1', kind: 'infer', threads: 1, batch: 1024, flopsPerSample: 1e6, cell: cellOf(150000, 140000, 160000), gflops: 150, peakPercent: 35.7 },
      { workload: 'w1', kind: 'infer', threads: 2, batch: 1024, flopsPerSample: 1e6, cell: cellOf(280000, 270000, 290000), gflops: 280, peakPercent: 66.7 },
    ],
    widthRows: [
      { hidden: [256, 128], batch: 128, flopsPerSample: 1.01e6, cell: cellOf(60000, 59000, 61000), epochSeconds: 1, gflops: 60.6, peakPercent: 14.4 },
      { hidden: [512, 256], batch: 128, flopsPerSample: 2.41e6, cell: cellOf(30000, 29000, 31000), epochSeconds: 2, gflops: 72.3, peakPercent: 17.2 },
    ],
  };
  const s = renderScaling(scaling, 'bench-results/scaling.json');
  assert.match(s, /\| W1 inference \| 1 thread \| 10,000 ±10% \| 150,000 ±7% \|/);
  assert.match(s, /\| W1 inference \| 2 \/ 1 threads \| 1\.20x \| 1\.87x \|/);
  assert.match(s, /\| W1 inference \| % of peak \(2 threads\) \| 2\.9% \| 66\.7% \|/);
  assert.match(s, /\| 512 \/ 256 \| 2\.41 MFLOP \| 30,000 \[29,000–31,000\] \| 2\.00 s \| 72\.3 \(17\.2%\) \| 2\.00x \|/);
});

test('render refuses a file of another benchmark or an older harness', () => {
  assert.throws(() => render('latency', MODELS, 'x.json'), /its benchmark is 'models', not 'latency'/);
  assert.throws(() => render('models', { ...MODELS, resultsVersion: undefined }, 'x.json'), /older harness/);
});

test('bench-tables regenerates exactly the marked blocks of a README from the JSON files, and again gives the same text', () => {
  assert.equal(replaceBlock('no markers', 'models', 'x'), null);
  const dir = mkdtempSync(join(tmpdir(), 'bench-tables-'));
  try {
    const readme = join(dir, 'README.md');
    const results = join(dir, 'results');
    mkdirSync(results);
    const before = [
      '# Title', '', 'Prose before.', '',
      '<!-- bench:models -->', '| old | table |', '|---|---|', '| 1 | 2 |', '<!-- /bench:models -->', '',
      'Prose between.', '',
      '<!-- bench:latency -->', 'old latency', '<!-- /bench:latency -->', '',
      '<!-- bench:ops -->', 'old ops', '<!-- /bench:ops -->', '', 'Prose after.', '',
    ].join('\n');
    writeFileSync(readme, before);
    writeFileSync(join(results, 'models.json'), JSON.stringify(MODELS));
    writeFileSync(join(results, 'latency.json'), JSON.stringify({ benchmark: 'latency', date: '2026-01-01', rows: [] }));
    const script = fileURLToPath(new URL('../../scripts/bench-tables.mjs', import.meta.url));
    const r = spawnSync(process.execPath, [script, '--readme', readme, '--results', results], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /bench:models regenerated/);
    assert.match(r.stdout, /bench:latency left as it was \(.*older harness/);
    assert.match(r.stdout, /bench:ops left as it was \(no .*ops\.json\)/);
    const after = readFileSync(readme, 'utf8');
    const models = after.slice(after.indexOf('<!-- bench:models -->'), after.indexOf('<!-- /bench:models -->'));
    const tableHead = renderModels(MODELS, 'x').split('\n').find((l) => l.startsWith('| workload'));
    assert.ok(tableHead && models.includes(tableHead), 'the block holds the rendered table');
    assert.ok(!models.includes('| old | table |'));
    assert.match(models, /2026-12-06, AMD EPYC 9R14 .* from `[^`]*results\/models\.json`/, 'names the date, the machine and the file');
    for (const kept of ['# Title\n\nProse before.\n\n', 'Prose between.', '<!-- bench:latency -->\nold latency\n<!-- /bench:latency -->', '<!-- bench:ops -->\nold ops\n<!-- /bench:ops -->', 'Prose after.']) {
      assert.ok(after.includes(kept), `kept: ${kept}`);
    }
    const again = spawnSync(process.execPath, [script, '--readme', readme, '--results', results], { encoding: 'utf8' });
    assert.equal(again.status, 0, again.stderr);
    assert.equal(readFileSync(readme, 'utf8'), after, 'regenerating twice gives the same README');
    const direct = regenerateReadme(readme, results, 'shown');
    assert.deepEqual(direct.updated, ['models']);
    assert.ok(readFileSync(readme, 'utf8').includes('from `shown/models.json`'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('FLOPs per sample are derived from the model: forward, and forward + both gradients when training', () => {
  const w1 = modelFlops(build(nt, 'w1').model, [784]);
  assert.equal(w1.forward, FLOPS.w1);
  // every layer's weight and input gradient, except the first layer's input gradient
  assert.equal(w1.training, 3 * FLOPS.w1 - 2 * 784 * 512);
  const w2 = modelFlops(build(nt, 'w2').model, [28, 28, 1]);
  assert.equal(w2.forward, FLOPS.w2);
  assert.equal(w2.training, 3 * FLOPS.w2 - 2 * 26 * 26 * 32 * 9);
  assert.equal(modelFlops(build(nt, 'w3').model, [100, 100, 3]).forward, FLOPS.w3);
  const lstm = new nt.Sequential([new nt.LSTM({ units: 128, inputShape: [100, 32] }), new nt.Dense({ units: 10 })]);
  const f = modelFlops(lstm, [100, 32]);
  assert.equal(f.forward, 2 * 100 * (32 * 512 + 128 * 512) + 2 * 128 * 10);
  assert.equal(f.training, 3 * f.forward - 2 * 100 * 32 * 512);
});
