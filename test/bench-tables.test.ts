/**
 * The README's Speed tables are generated from the benchmarks' JSON files (bench/tables.ts,
 * scripts/bench-tables.mjs): results in, markdown out. Checks that every table names the
 * date, the machine, its measured peak and the file it came from; that medians come with
 * their spread, targets with their gap, every PyTorch configuration is shown with the
 * counted one marked; that regenerating the README replaces exactly the marked blocks
 * (twice gives the same text) and leaves blocks whose file is missing or outdated alone;
 * that bench:augment, bench:memory and bench:webgpu render and regenerate their blocks the
 * same way; and that the FLOP counts of the tables' GFLOP/s are derived from the models.
 * bench:transformer's table renders the same way, and its Neurite block computes what
 * PyTorch's nn.TransformerEncoderLayer does (PyTorch run on Neurite's weights).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as nt from '../src/index.js';
import { graphFlops, modelFlops, torchMissing } from '../bench/common.js';
import { build, FLOPS } from '../bench/models.js';
import { build as buildTransformer, checkAgainstTorch, FF, HEADS, KEY_DIM, SEQ, transformerFlops, WIDTH } from '../bench/transformer.js';
import { unavailable } from './helpers/oracle.js';
import {
  RESULTS_VERSION, type AugmentResults, type Cell, type DataResults, type DistributedResults, type Header, type LatencyResults, type MemoryResults, type MemorySample, type ModelsResults, type ScalingResults, type TransformerResults, type WasmResults, type WebgpuResults,
} from '../bench/results.js';
import {
  BENCHMARKS, formatTarget, regenerateReadme, render, renderAugment, renderData, renderDistributed, renderLatency, renderMemory, renderModels, renderScaling, renderTransformer, renderWasm, renderWebgpu, replaceBlock, spread,
} from '../bench/tables.js';

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

const AUGMENT: AugmentResults = {
  ...header('augment'),
  backend: 'native',
  augmentation: { rotationRange: 15, widthShiftRange: 0.1, heightShiftRange: 0.1, zoomRange: 0.1, horizontalFlip: true, rescale: 1 / 255 },
  rows: [
    {
      workload: 'a1', title: 'A1 flow 28×28×1', shape: [28, 28, 1], batch: 128,
      augment: cellOf(44679, 51327, 30648, 20432, 29993), train: cellOf(542, 584, 1033, 466, 547), ratio: 30648 / 547,
      trainFlopsPerSample: 71565312, trainGflops: 39.12, trainPeakPercent: 17.3,
      target: { label: 'x training', comparison: '>=', goal: 1, value: 30648 / 547, unit: 'x', met: true },
    },
    {
      workload: 'a3', title: 'A3 flowFromDirectory PNG 28×28×1', shape: [28, 28, 1], batch: 128,
      augment: cellOf(400, 380, 420), train: cellOf(500, 480, 520), ratio: 0.8,
      trainFlopsPerSample: 71565312, trainGflops: 35.78, trainPeakPercent: 15.84,
      target: { label: 'x training', comparison: '>=', goal: 1, value: 0.8, unit: 'x', met: false },
    },
  ],
};

test('the augment table: header naming the file, images/s and samples/s with their spread, the ratio and whether augmentation keeps up', () => {
  const md = renderAugment(AUGMENT, 'bench-results/augment.json');
  const first = md.split('\n')[0];
  for (const part of ['`npm run bench:augment`', '2026-12-06', 'AMD EPYC 9R14', 'measured fp32 peak 420 GFLOP/s', '`bench-results/augment.json`']) assert.ok(first.includes(part), `${part} in ${first}`);
  assert.match(md, /Threads: 2 for every side \(Neurite pool 2, PyTorch 2\)/);
  assert.ok(md.includes('| workload | augmentation images/s | mnist_cnn training samples/s (native, same size and batch) | augmentation / training | training GFLOP/s (% of peak) | keeps up |'), md);
  assert.ok(md.includes('| A1 flow 28×28×1, batch 128 | 30,648 [20,432–51,327] | 547 [466–1,033] | 56.03x | 39.1 (17.3%) | ≥ 1x training: ✓ 56.03x |'), md);
  assert.ok(md.includes('| A3 flowFromDirectory PNG 28×28×1, batch 128 | 400 [380–420] | 500 [480–520] | 0.80x | 35.8 (15.8%) | ≥ 1x training: ✗ 0.80x (needs 1.25x) |'), md);
  assert.match(md, /\n\n- a note$/);
  assert.equal(render('augment', JSON.parse(JSON.stringify(AUGMENT)), 'bench-results/augment.json'), md, 'render() from the JSON gives the same text');
});

const MiB = 1024 * 1024;
/** Epochs 1..12: RSS grows 1 MB an epoch, heap and tensors flat, the loss falls. */
const SAMPLES: MemorySample[] = Array.from({ length: 12 }, (_, i) => ({
  epoch: i + 1, rss: (441 + i) * MiB, heapUsed: 10.5 * MiB, arrayBuffers: 2.5 * MiB, tensorBytes: 2469120, tensors: 9, loss: 2.2 - 0.1 * i,
}));

const MEMORY: MemoryResults = {
  ...header('memory', {
    pins: [{ library: 'Neurite pool', threads: 2, how: 'nativeAddon().setThreads(n)' }, { library: 'OpenBLAS', threads: 2, how: 'openblas_set_num_threads' }],
    versions: { Node: 'v20.20.2', Neurite: '0.1.0 (abc)', OpenBLAS: '0.3.21' },
    rounds: 1,
    budgetSeconds: 2.43,
    notes: ['a leak curve, not a timing comparison'],
  }),
  backend: 'native',
  model: 'MLP 784-64-10, Adam, batch 128',
  epochs: 12,
  rows: 500,
  seconds: 2.43,
  growth: { fromEpoch: 10, toEpoch: 12, rssMb: 2, heapMb: 0.04, tensorMb: 0, tensors: 0 },
  samples: SAMPLES,
};

test('the memory curve: header naming the file, every 5th epoch plus the first and last, the growth; fenced in the README', () => {
  const text = renderMemory(MEMORY, 'bench-results/memory.json');
  const lines = text.split('\n');
  assert.equal(lines[0], '**`npm run bench:memory`** — 2026-12-06, AMD EPYC 9R14, 2 cores, AVX-512, 24 GiB; measured peak 420 GFLOP/s fp32 on 2 threads; from `bench-results/memory.json`.');
  assert.equal(lines[1], 'Threads: 2 (Neurite pool 2, OpenBLAS 2). Versions: Node v20.20.2, Neurite 0.1.0 (abc), OpenBLAS 0.3.21.');
  assert.match(lines[2], /^Memory over 12 epochs on the native backend \(MLP 784-64-10, Adam, batch 128, 500 Fashion-MNIST rows, .*\), 2\.4 s:$/);
  assert.equal(lines[3], 'epoch   RSS MB   heap MB   ArrayBuffers MB   tensors  tensor MB   loss');
  const curve = lines.slice(4, 8).map((l) => l.trim().split(/\s+/));
  assert.deepEqual(curve.map((c) => c[0]), ['1', '5', '10', '12'], 'epochs 1, 5, 10 and the last');
  assert.deepEqual(curve[1], ['5', '445.0', '10.5', '2.5', '9', '2.35', '1.8000']);
  assert.deepEqual(curve[3], ['12', '452.0', '10.5', '2.5', '9', '2.35', '1.1000']);
  assert.equal(lines[8], 'RSS growth from epoch 10 to 12: 2.0 MB; heap: 0.0 MB; live tensors: 0.00 MB (+0 tensors)');
  assert.equal(lines[9], '- a leak curve, not a timing comparison');
  assert.equal(lines.length, 10);
  assert.ok(!text.includes('```'), 'the script prints the curve bare');
  // every 3rd epoch when asked
  assert.deepEqual(renderMemory(MEMORY, 'x', 3).split('\n').slice(4, 9).map((l) => l.trim().split(/\s+/)[0]), ['1', '3', '6', '9', '12']);
  const md = render('memory', JSON.parse(JSON.stringify(MEMORY)), 'bench-results/memory.json');
  assert.ok(md.includes('```text\nepoch   RSS MB'), md);
  assert.ok(md.includes(`${lines[7]}\n\`\`\`\nRSS growth from epoch 10 to 12`), 'the README gets the curve in a fence');
  assert.equal(md.replace('```text\n', '').replace('\n```', ''), text, 'otherwise the same text');
  assert.throws(() => render('memory', { ...MEMORY, samples: undefined }, 'x.json'), /no 'samples' list/);
});

const WEBGPU: WebgpuResults = {
  ...header('webgpu', { pins: [{ library: 'Neurite pool', threads: 2, how: 'setThreads' }, { library: 'Neurite pool (webgpu side)', threads: 2, how: 'setThreads' }], versions: { Node: 'v20.20.2', Neurite: '0.1.0 (abc)', 'webgpu (Dawn)': '0.3.8' } }),
  workloads: ['w1', 'w2'],
  adapter: { vendor: 'google', architecture: 'swiftshader', device: 'swiftshader-device-subzero-', description: 'SwiftShader driver 5.0.0' },
  adapterNote: 'no adapter without VK_ICD_FILENAMES, so the webgpu side runs with VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json',
  swiftshader: true,
  emulated: true,
  reducedBatches: true,
  cpuBackend: 'native',
  cpuThreads: 2,
  rows: [
    {
      workload: 'w1', title: 'W1 MLP 784-512-256-10, Adam', kind: 'train', batch: 128, fullBatch: 128, flopsPerSample: 2407424,
      webgpu: cellOf(127, 122, 131, 141, 114), cpu: cellOf(25134, 25414, 24598, 24624, 23592), ratio: 127 / 24624,
      webgpuGflops: 0.3057, cpuGflops: 59.28, cpuPeakPercent: 23.87, dispatches: 55,
    },
    {
      workload: 'w1', title: 'W1 MLP 784-512-256-10, Adam', kind: 'infer', batch: 1024, fullBatch: 1024, flopsPerSample: 1070080,
      webgpu: cellOf(343, 335, 423), cpu: cellOf(138561, 132534, 145058), ratio: 0.15,
      webgpuGflops: 0.3669, cpuGflops: 148.27, cpuPeakPercent: 59.71, dispatches: 6.5,
    },
    {
      workload: 'w2', title: 'W2 Keras mnist_cnn, Adam', kind: 'infer', batch: 16, fullBatch: 1024, flopsPerSample: 2.4e7,
      webgpu: null, cpu: cellOf(5000, 4900, 5100), ratio: null, webgpuGflops: null, cpuGflops: 120, cpuPeakPercent: 28.57, dispatches: null,
    },
  ],
  failures: ['W2: webgpu: no adapter'],
};

test('the webgpu table: header naming the file, the adapter, both backends with their spread, the ratio, dispatches; a side that did not run', () => {
  const md = renderWebgpu(WEBGPU, 'bench-results/webgpu.json');
  const first = md.split('\n')[0];
  for (const part of ['`npm run bench:webgpu`', '2026-12-06', 'AMD EPYC 9R14', '`bench-results/webgpu.json`']) assert.ok(first.includes(part), `${part} in ${first}`);
  assert.match(md, /Versions: Node v20\.20\.2, Neurite 0\.1\.0 \(abc\), webgpu \(Dawn\) 0\.3\.8\./);
  assert.ok(md.includes("Adapter: vendor 'google', architecture 'swiftshader', description 'SwiftShader driver 5.0.0', device 'swiftshader-device-subzero-' (no adapter without VK_ICD_FILENAMES, so the webgpu side runs with VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json); SwiftShader: yes."), md);
  assert.ok(md.includes('| workload | webgpu samples/s | native samples/s | webgpu / native | GFLOP/s webgpu | GFLOP/s native (% of peak) | GPU dispatches per call |'), md);
  assert.ok(md.includes('| W1 MLP 784-512-256-10, Adam, train (batch 128) | 127 [114–141] | 24,624 [23,592–25,414] | 0.0052x | 0.31 | 59.28 (23.9%) | 55 |'), md);
  assert.ok(md.includes('| W1 MLP 784-512-256-10, Adam, inference (batch 1024) | 343 [335–423] | 138,561 [132,534–145,058] | 0.15x | 0.37 | 148.27 (59.7%) | 6.50 |'), md);
  assert.ok(md.includes('| W2 Keras mnist_cnn, Adam, inference (batch 16; 1024 in bench:models) | — | 5,000 [4,900–5,100] | — | — | 120.00 (28.6%) | — |'), md);
  assert.match(md, /\n\n- a note$/);
  assert.equal(render('webgpu', JSON.parse(JSON.stringify(WEBGPU)), 'bench-results/webgpu.json'), md);
  assert.equal(renderWebgpu({ ...WEBGPU, adapter: null, swiftshader: false }, 'x').split('\n\n')[1], `Adapter: none (${WEBGPU.adapterNote}); SwiftShader: no.`);
});

test('bench-tables regenerates the augment, memory and webgpu blocks of a README and leaves the others alone', () => {
  assert.deepEqual(BENCHMARKS.slice(-4, -1), ['augment', 'memory', 'webgpu']);
  const dir = mkdtempSync(join(tmpdir(), 'bench-tables-'));
  try {
    const readme = join(dir, 'README.md');
    const results = join(dir, 'results');
    mkdirSync(results);
    const before = [
      '# Title', '',
      '<!-- bench:augment -->', 'old augment', '<!-- /bench:augment -->', '',
      'Prose between.', '',
      '<!-- bench:memory -->', 'old memory', '<!-- /bench:memory -->', '',
      '<!-- bench:webgpu -->', 'old webgpu', '<!-- /bench:webgpu -->', '',
      '<!-- bench:models -->', 'old models', '<!-- /bench:models -->', '', 'Prose after.', '',
    ].join('\n');
    writeFileSync(readme, before);
    writeFileSync(join(results, 'augment.json'), JSON.stringify(AUGMENT));
    writeFileSync(join(results, 'memory.json'), JSON.stringify(MEMORY));
    writeFileSync(join(results, 'webgpu.json'), JSON.stringify(WEBGPU));
    const r = regenerateReadme(readme, results);
    assert.deepEqual(r.updated, ['augment', 'memory', 'webgpu']);
    assert.match(r.skipped.models ?? '', /no bench-results\/models\.json/);
    const after = readFileSync(readme, 'utf8');
    const block = (name: string): string => after.slice(after.indexOf(`<!-- bench:${name} -->`), after.indexOf(`<!-- /bench:${name} -->`));
    const augment = block('augment');
    assert.ok(!augment.includes('old augment'));
    assert.match(augment, /^<!-- bench:augment -->\n\*\*`npm run bench:augment`\*\* — 2026-12-06, AMD EPYC 9R14 .* from `bench-results\/augment\.json`\./);
    assert.ok(augment.includes('| A1 flow 28×28×1, batch 128 | 30,648 [20,432–51,327] | 547 [466–1,033] | 56.03x |'), augment);
    const memory = block('memory');
    assert.ok(!memory.includes('old memory'));
    assert.ok(memory.includes('from `bench-results/memory.json`'), memory);
    assert.match(memory, /```text\nepoch {3}RSS MB[^`]*\n {4}5 {4}445\.0 [^`]*```\nRSS growth from epoch 10 to 12: 2\.0 MB/);
    const webgpu = block('webgpu');
    assert.ok(!webgpu.includes('old webgpu'));
    assert.ok(webgpu.includes('from `bench-results/webgpu.json`'), webgpu);
    assert.ok(webgpu.includes('| 127 [114–141] | 24,624 [23,592–25,414] | 0.0052x |'), webgpu);
    for (const kept of ['# Title\n\n<!-- bench:augment -->\n', '<!-- /bench:augment -->\n\nProse between.\n\n<!-- bench:memory -->', '<!-- bench:models -->\nold models\n<!-- /bench:models -->\n\nProse after.']) {
      assert.ok(after.includes(kept), `kept: ${kept}`);
    }
    assert.deepEqual(regenerateReadme(readme, results).updated, ['augment', 'memory', 'webgpu']);
    assert.equal(readFileSync(readme, 'utf8'), after, 'regenerating twice gives the same README');
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

const TRANSFORMER: TransformerResults = {
  ...header('transformer'),
  backend: 'native',
  rows: [
    {
      workload: 't1', title: 'encoder block (d 256, 8 heads, ff 1024), 128 steps', kind: 'train', batch: 32, flopsPerSample: 603979776,
      neurite: cellOf(120, 110, 130, 125, 118), gflops: 72.5, peakPercent: 17.3,
      torch: [{ config: 'glibc', cell: cellOf(40, 35, 45, 41, 39) }, { config: 'tcmalloc', cell: cellOf(100, 95, 105, 101, 99) }], torchBest: 'tcmalloc', maxAbsDiff: 1.2e-6,
    },
    {
      workload: 't2', title: '4 encoder blocks → average pool → Dense(10), 128 steps', kind: 'infer', batch: 32, flopsPerSample: 872420352,
      neurite: cellOf(90, 85, 95), gflops: 78.5, peakPercent: 18.7, torch: [], torchBest: null, maxAbsDiff: null,
    },
  ],
};

test('the transformer table: header naming the file, samples/s with their spread, GFLOP/s, PyTorch at its best and under each allocator, the same-weights difference', () => {
  const md = renderTransformer(TRANSFORMER, 'bench-results/transformer.json');
  const first = md.split('\n')[0];
  for (const part of ['`npm run bench:transformer`', '2026-12-06', 'AMD EPYC 9R14', 'measured fp32 peak 420 GFLOP/s', '`bench-results/transformer.json`']) assert.ok(first.includes(part), `${part} in ${first}`);
  assert.match(md, /Threads: 2 for every side \(Neurite pool 2, PyTorch 2\)/);
  assert.ok(md.includes('| workload | Neurite (native) samples/s | GFLOP/s (% of peak) | PyTorch at its best | vs PyTorch | max abs diff (same weights) |'), md);
  assert.ok(md.includes('| T1 encoder block (d 256, 8 heads, ff 1024), 128 steps, train (batch 32; 603.98 MFLOP/sample) | 120 [110–130] | 72.5 (17.3%) | 100 [95.0–105] (tcmalloc) | 1.20x | 1.2e-6 |'), md);
  assert.ok(md.includes('| T2 4 encoder blocks → average pool → Dense(10), 128 steps, inference (batch 32; 872.42 MFLOP/sample) | 90.0 [85.0–95.0] | 78.5 (18.7%) | — | — | — |'), md);
  // every allocator, the counted one in bold; rows PyTorch did not run are left out
  assert.ok(md.includes('| workload | glibc malloc | tcmalloc |\n|---|---|---|\n| T1 train | 40.0 [35.0–45.0] | **100 [95.0–105]** |\n\n- a note'), md);
  assert.ok(!md.includes('| T2 inference |'), md);
  assert.equal(render('transformer', JSON.parse(JSON.stringify(TRANSFORMER)), 'bench-results/transformer.json'), md, 'render() from the JSON gives the same text');
  assert.throws(() => render('transformer', { ...TRANSFORMER, rows: undefined }, 'x.json'), /no 'rows' list/);
  assert.ok(BENCHMARKS.indexOf('transformer') === BENCHMARKS.indexOf('recurrent') + 1, 'the README block follows the recurrent one');

  const dir = mkdtempSync(join(tmpdir(), 'bench-tables-'));
  try {
    const readme = join(dir, 'README.md');
    const results = join(dir, 'bench-results');
    mkdirSync(results);
    writeFileSync(join(results, 'transformer.json'), JSON.stringify(TRANSFORMER));
    writeFileSync(readme, '### Transformer\n\n<!-- bench:transformer -->\nold transformer\n<!-- /bench:transformer -->\n\n<!-- bench:recurrent -->\nold recurrent\n<!-- /bench:recurrent -->\n');
    assert.deepEqual(regenerateReadme(readme, results).updated, ['transformer']);
    const after = readFileSync(readme, 'utf8');
    assert.ok(after.startsWith(`### Transformer\n\n<!-- bench:transformer -->\n${md}\n<!-- /bench:transformer -->\n`), after);
    assert.ok(after.endsWith('<!-- bench:recurrent -->\nold recurrent\n<!-- /bench:recurrent -->\n'), 'a block without its file is left alone');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bench:transformer FLOPs per sample are derived from the built models: projections, attention scores and mixing, feed-forward', () => {
  const [L, d, h, dk, ff] = [SEQ, WIDTH, HEADS, KEY_DIM, FF];
  // one block: q, k, v, output projections; scores and mixing over L × L per head; the two feed-forward kernels
  const block = 4 * 2 * L * d * d + 2 * (2 * L * L * h * dk) + 2 * (2 * L * d * ff);
  assert.equal(block, 27262976, 'the issue\'s sizes: d_model 128, 4 heads, feed-forward 512, sequence 64');
  const t1 = transformerFlops(buildTransformer(nt, 't1'));
  assert.equal(t1.forward, block);
  // training: forward, weight and input gradients, less the input gradient of q, k, v (they read the model's input)
  assert.equal(t1.training, 3 * block - 3 * 2 * L * d * d);
  const t2 = transformerFlops(buildTransformer(nt, 't2'));
  assert.equal(t2.forward, 4 * block + 2 * d * 10, 'the classifier runs once per sample, after the pooling');
  assert.equal(t2.training, 3 * t2.forward - 3 * 2 * L * d * d);
});

test('bench:transformer computes the function PyTorch\'s nn.TransformerEncoderLayer does: PyTorch on Neurite\'s weights, training path and fast path (python3-torch)', { skip: unavailable(torchMissing()) }, async () => {
  const checks = await checkAgainstTorch(['t1']);
  assert.ok(typeof checks !== 'string', String(checks));
  const c = checks.t1;
  assert.ok(c.train < 1e-4, `training mode: max |Neurite − PyTorch| ${c.train}`);
  assert.ok(c.infer < 1e-4, `eval mode: max |Neurite − PyTorch| ${c.infer}`);
  assert.equal(c.fastpathCalls, 1, 'PyTorch\'s inference took its fused fast path');
});

const DATA: DataResults = {
  ...header('data'),
  backend: 'native',
  fitRows: [
    {
      workload: 'd1', title: 'D1 mnist_cnn, Adam', samples: 6144, batch: 128, pipeline: 'fromTensorSlices([x, y]).shuffle(6144).batch(128).prefetch(1)',
      arrays: cellOf(2960, 2765, 3207), dataset: cellOf(3126, 2968, 3163), pipelineAlone: cellOf(1392009, 1373296, 1589836), ratio: 3126 / 2960,
      target: { label: 'x arrays', comparison: '>=', goal: 0.95, value: 3126 / 2960, unit: 'x', met: true },
    },
    {
      workload: 'd2', title: 'D2 MLP 784-128-10, Adam', samples: 59904, batch: 128, pipeline: 'fromTensorSlices([x, y]).shuffle(59904).batch(128).prefetch(1)',
      arrays: cellOf(100000, 90000, 110000), dataset: cellOf(90000, 85000, 95000), pipelineAlone: null, ratio: 0.9,
      target: { label: 'x arrays', comparison: '>=', goal: 0.95, value: 0.9, unit: 'x', met: false },
    },
    {
      workload: 'd3', title: 'D3 end to end', samples: 6144, batch: 128, pipeline: 'fromTensorSlices([x, y]).batch(128).map(augment)',
      arrays: cellOf(2960, 2765, 3207), dataset: cellOf(2774, 2632, 3011), pipelineAlone: null, ratio: 2774 / 2960, target: null,
    },
  ],
  augmentRows: [
    {
      workload: 'd3', title: 'D3 Fashion-MNIST 28×28×1', samples: 6144, batch: 128, pipeline: 'fromTensorSlices(x).batch(128).map(augment)', augmentation: "RandomFlip('horizontal')",
      augment: cellOf(62236, 25651, 65825), train: cellOf(3104, 2785, 3196), ratio: 62236 / 3104,
      target: { label: 'x training', comparison: '>=', goal: 3, value: 62236 / 3104, unit: 'x', met: true },
    },
  ],
};

test('the data table: fit on a Dataset against arrays with the pipeline alone and the targets; the augmentation pipeline against training', () => {
  const md = renderData(DATA, 'bench-results/data.json');
  const first = md.split('\n')[0];
  for (const part of ['`npm run bench:data`', '2026-12-06', 'AMD EPYC 9R14', 'measured fp32 peak 420 GFLOP/s', '`bench-results/data.json`']) assert.ok(first.includes(part), `${part} in ${first}`);
  assert.ok(md.includes('| D1 mnist_cnn, Adam (6,144 images, batch 128) | `fromTensorSlices([x, y]).shuffle(6144).batch(128).prefetch(1)` | 2,960 [2,765–3,207] | 3,126 [2,968–3,163] | 1.06x | 1,392,009 [1,373,296–1,589,836] | ≥ 0.95x arrays: ✓ 1.06x |'), md);
  assert.match(md, /\| D2 MLP 784-128-10, Adam \(59,904 images, batch 128\) \|.*\| 0\.90x \| — \| ≥ 0\.95x arrays: ✗ 0\.90x \(needs 1\.06x\) \|/);
  assert.match(md, /\| D3 end to end .*\| 0\.94x \| — \| — \(reported\) \|/);
  assert.match(md, /\| D3 Fashion-MNIST 28×28×1, batch 128 \| RandomFlip\('horizontal'\): `fromTensorSlices\(x\)\.batch\(128\)\.map\(augment\)` \| 62,236 \[25,651–65,825\] \| 3,104 \[2,785–3,196\] \| 20\.05x \| ≥ 3x training: ✓ 20\.05x \|/);
  assert.equal(render('data', JSON.parse(JSON.stringify(DATA)), 'bench-results/data.json'), md, 'render() from the JSON gives the same text');
});

const DISTRIBUTED: DistributedResults = {
  ...header('distributed'),
  backend: 'native',
  mpi: 'Open MPI v4.1.4',
  trainRows: [
    { label: 'mnist_cnn, 1 rank × 2 threads', model: 'mnist_cnn', ranks: 1, threadsPerRank: 2, perRankBatch: 128, globalBatch: 128, rate: cellOf(3100, 3000, 3200), stepMs: cellOf(41.3, 40, 42.7), allreduceMs: null, gflops: 222, peakPercent: 52.9 },
    { label: 'mnist_cnn, 2 ranks × 1 thread', model: 'mnist_cnn', ranks: 2, threadsPerRank: 1, perRankBatch: 64, globalBatch: 128, rate: cellOf(2500, 2400, 2600), stepMs: cellOf(51.2, 49.2, 53.3), allreduceMs: cellOf(4.1, 3.9, 4.4), gflops: 179, peakPercent: 42.6 },
  ],
  ratio: 2500 / 3100,
  predicted: { rate: 2900, computeMs: 43.1, allreduceMs: 1.02 },
  busRows: [{ bytes: 1e6, us: cellOf(175, 170, 180), algbw: cellOf(5.71, 5.56, 5.88), busbw: cellOf(5.71, 5.56, 5.88) }],
  alphaUs: 20,
  modelRows: [
    { model: 'mnist_cnn', parameters: 1199882, perRankBatch: 128, computeMs: 41.3, linkGbit: 10, ranks: 8, allreduceMs: 7.0, efficiency: 41.3 / 48.3 },
    { model: 'mnist_cnn', parameters: 1199882, perRankBatch: 128, computeMs: 41.3, linkGbit: 10, ranks: 64, allreduceMs: 10.1, efficiency: 41.3 / 51.4 },
  ],
};

test('the distributed table: header naming the file and MPI, the configurations with their spread and allreduce time, the ratio and prediction, bus bandwidth, the scaling model; regenerated into a doc', () => {
  const md = renderDistributed(DISTRIBUTED, 'bench-results/distributed.json');
  const first = md.split('\n')[0];
  for (const part of ['`npm run bench:distributed`', '2026-12-06', 'measured fp32 peak 420 GFLOP/s', '`bench-results/distributed.json`']) assert.ok(first.includes(part), `${part} in ${first}`);
  assert.ok(md.includes('MPI: Open MPI v4.1.4; backend native.'), md);
  assert.ok(md.includes('| mnist_cnn, 2 ranks × 1 thread | 64 (128) | 2,500 [2,400–2,600] | 51.2 [49.2–53.3] | 4.10 [3.90–4.40] | 179 (42.6%) |'), md);
  assert.ok(md.includes('| mnist_cnn, 1 rank × 2 threads | 128 (128) | 3,100 [3,000–3,200] | 41.3 [40.0–42.7] | — | 222 (52.9%) |'), md);
  assert.ok(md.includes('2 ranks × 1 thread / 1 rank × 2 threads: **0.81x**'), md);
  assert.ok(md.includes('predicts 2,900 samples/s'), md);
  assert.ok(md.includes('| 1.00 MB | 175.0 µs [170.0 µs–180.0 µs] | 5.71 [5.56–5.88] | 5.71 [5.56–5.88] |'), md);
  assert.ok(md.includes('| link | T at 8 ranks | efficiency at 8 | T at 64 ranks | efficiency at 64 |'), md);
  assert.ok(md.includes('| 10 Gbit/s | 7.00 ms | 85.5% | 10.10 ms | 80.4% |'), md);
  assert.ok(md.includes('α = 20 µs'), md);
  const dir = mkdtempSync(join(tmpdir(), 'bench-tables-'));
  try {
    const doc = join(dir, 'distributed.md');
    writeFileSync(doc, '# Doc\n\n<!-- bench:distributed -->\nold\n<!-- /bench:distributed -->\n\nAfter.\n');
    mkdirSync(join(dir, 'results'));
    writeFileSync(join(dir, 'results', 'distributed.json'), JSON.stringify(DISTRIBUTED));
    assert.deepEqual(regenerateReadme(doc, join(dir, 'results')).updated, ['distributed']);
    const after = readFileSync(doc, 'utf8');
    assert.ok(!after.includes('\nold\n') && after.includes(md.trim()) && after.endsWith('<!-- /bench:distributed -->\n\nAfter.\n'), after);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('graphFlops counts a functional model as modelFlops counts the same layers in a Sequential', () => {
  const seq = build(nt, 'w2').model;
  const input = nt.Input({ shape: [28, 28, 1] });
  let x: nt.SymbolicTensor = input;
  for (const layer of seq.layers) x = layer.apply(x) as nt.SymbolicTensor;
  const functional = new nt.Model({ inputs: input, outputs: x });
  assert.deepEqual(graphFlops(functional), modelFlops(seq, [28, 28, 1]));
});
