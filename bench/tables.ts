/**
 * Markdown tables from the benchmarks' JSON files (bench/results.ts): bench-results/
 * models, latency, scaling, recurrent, transformer, wasm, ops, augment, data, memory, webgpu and distributed.json. The bench
 * scripts print their results with these functions, and `npm run bench:readme`
 * (scripts/bench-tables.mjs) rewrites the README's blocks with them, between marker
 * comments:
 *
 *   <!-- bench:models -->
 *   ...generated...
 *   <!-- /bench:models -->
 *
 * so the README's numbers are never typed by hand. Each block starts with the date, the
 * machine (CPU, cores, measured peak), the thread pins, the versions and the JSON file.
 * bench:memory is a leak curve, not a comparison: its block is the curve as a text table
 * (in a ```text fence in the README; the script prints it bare), the growth after the
 * warm-up and the notes. bench:distributed's block is in docs/distributed.md (`npm run
 * bench:readme -- --readme docs/distributed.md`).
 *
 * This module is loaded by scripts/bench-tables.mjs on its own: it imports nothing at
 * runtime but node: modules and bench/results.ts (not the bench scripts, not the library).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  RESULTS_VERSION,
  type Adapter, type AugmentResults, type Cell, type DataResults, type DistributedResults, type Header, type LatencyResults, type Machine, type MemoryResults, type MemorySample, type ModelsResults, type OpsResults,
  type RecurrentResults, type ScalingResults, type Target, type ThreadPin, type TorchCell, type TransformerResults, type WasmResults, type WebgpuResults,
} from './results.js';

/** The benchmarks with a README block: those of the Speed section in its order, then data (its block follows augment's), augment, memory and webgpu; distributed's block is in docs/distributed.md. */
export const BENCHMARKS = ['models', 'latency', 'scaling', 'recurrent', 'transformer', 'wasm', 'ops', 'data', 'augment', 'memory', 'webgpu', 'distributed'] as const;
export type BenchmarkName = (typeof BENCHMARKS)[number];

// ---- formatting ----------------------------------------------------------------------------

/** 41,010 / 12.5 / 0.84 */
export function num(v: number): string {
  if (!Number.isFinite(v)) return '—';
  if (Math.abs(v) >= 100) return Math.round(v).toLocaleString('en-US');
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

/** Microseconds as µs, ms or s. */
export function duration(us: number): string {
  if (!Number.isFinite(us)) return '—';
  if (us >= 1e6) return `${(us / 1e6).toFixed(2)} s`;
  if (us >= 1000) return `${(us / 1000).toFixed(2)} ms`;
  return `${us.toFixed(1)} µs`;
}

/** A cell as "median [min–max]" (just the median for one round). */
export function spread(c: Cell, f: (v: number) => string = num): string {
  return c.values.length > 1 ? `${f(c.median)} [${f(c.min)}–${f(c.max)}]` : f(c.median);
}

/** A cell of f(value) (for a decreasing f too: times → rates); the median is f's of the median. */
export function mapCell(c: Cell, f: (v: number) => number): Cell {
  const values = c.values.map(f);
  return { median: f(c.median), min: Math.min(...values), max: Math.max(...values), values };
}

/** A cell as "median ±half-range%". */
export function spreadPercent(c: Cell, f: (v: number) => string = num): string {
  if (c.values.length < 2 || !(c.median > 0)) return f(c.median);
  return `${f(c.median)} ±${((50 * (c.max - c.min)) / c.median).toFixed(0)}%`;
}

const ratio = (v: number | null): string => (v === null || !Number.isFinite(v) ? '—' : `${v.toFixed(2)}x`);
const percent = (v: number): string => (Number.isFinite(v) ? `${v.toFixed(1)}%` : '—');
const flopText = (f: number): string => (f >= 1e9 ? `${(f / 1e9).toFixed(2)} GFLOP` : f >= 1e6 ? `${(f / 1e6).toFixed(2)} MFLOP` : `${(f / 1e3).toFixed(1)} kFLOP`);
const gflopsCell = (g: number, p: number): string => (Number.isFinite(g) ? `${g.toFixed(1)} (${percent(p)})` : '—');

/** A target as "≥ 2x PyTorch: ✗ 1.17x (needs 1.71x)". */
export function formatTarget(t: Target): string {
  const goal = t.unit === '%' ? `${t.goal}% of peak` : t.label === 'RSS vs PyTorch' ? `RSS ≤ PyTorch's` : `${t.comparison === '>=' ? '≥' : '≤'} ${t.goal}${t.label}`;
  const head = t.unit === '%' ? `≥ ${goal}` : goal;
  if (t.value === null) return `${head}: not measured`;
  const value = t.unit === '%' ? `${t.value.toFixed(1)}%` : `${t.value.toFixed(2)}x`;
  if (t.met) return `${head}: ✓ ${value}`;
  const gap = t.unit === '%' ? `${(t.goal - t.value).toFixed(1)} points short` : t.comparison === '>=' ? `needs ${(t.goal / t.value).toFixed(2)}x` : `${(100 * (t.value / t.goal - 1)).toFixed(0)}% over`;
  return `${head}: ✗ ${value} (${gap})`;
}

/** A markdown table ('|' in a cell escaped). */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  return [`| ${header.map(esc).join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

/** Every library with a version, as "Node v20.20.2, Neurite 0.1.0 (abc), ..." (those without one left out). */
export function versionText(v: Readonly<Record<string, string | null>>): string {
  return Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => `${k} ${x}`).join(', ');
}

/** The thread pins as "Neurite pool 2, PyTorch 2" (— where a side did not report). */
const pinText = (pins: readonly ThreadPin[]): string => pins.map((p) => `${p.library} ${p.threads ?? '—'}`).join(', ');

/** The machine and its measured peak on one line (bench:memory's header). */
export function machineText(m: Machine): string {
  const peak = Number.isFinite(m.peakGflops) ? `measured peak ${m.peakGflops.toFixed(0)} GFLOP/s fp32 on ${m.peakThreads} threads` : 'no measured peak (native addon missing)';
  return `${m.cpu}, ${m.cores} cores, ${m.isa}, ${m.memoryGiB} GiB; ${peak}`;
}

/** The lines above a benchmark's tables: command, date, machine, peak, file; threads, versions, protocol. */
export function renderHeader(h: Header, file: string): string {
  const m = h.machine;
  const day = h.date.slice(0, 10);
  const lo = Math.min(...m.peakSamples);
  const busy = m.peakSamples.length > 1 && lo < 0.8 * m.peakGflops ? `, down to ${lo.toFixed(0)} while the machine was busy` : '';
  const samples = m.peakSamples.length > 1 ? ` (the highest of ${m.peakSamples.length} measurements${busy})` : '';
  const peak = Number.isFinite(m.peakGflops) ? `measured fp32 peak ${m.peakGflops.toFixed(0)} GFLOP/s on ${m.peakThreads} threads${samples}` : 'no measured peak (native addon missing)';
  const pins = pinText(h.pins);
  const versions = versionText(h.versions);
  return [
    `**\`${h.command}\`** — ${day}, ${m.cpu} (${m.cores} cores, ${m.isa}, ${m.memoryGiB} GiB), ${peak}; from \`${file}\`.`,
    `Threads: ${h.threads} for every side (${pins}). Versions: ${versions}. ` +
      `${h.rounds} alternating round${h.rounds === 1 ? '' : 's'}, each side in its own process, a warm-up then ${h.budgetSeconds} s timed per measurement; cells are medians [min–max] over the rounds.`,
  ].join('\n');
}

/** The header's notes as a list after a blank line ('' without notes). */
export function renderNotes(h: Header): string {
  return h.notes.length ? `\n\n${h.notes.map((n) => `- ${n}`).join('\n')}` : '';
}

/** Where a torch configuration goes in the all-configurations tables (W1 and RNNs have no image layout: contiguous). */
const TORCH_COLUMNS = [
  { title: 'glibc, contiguous (NCHW)', ids: ['glibc/nchw', 'glibc'] },
  { title: 'glibc, channels_last', ids: ['glibc/channels_last'] },
  { title: 'tcmalloc, contiguous (NCHW)', ids: ['tcmalloc/nchw', 'tcmalloc'] },
  { title: 'tcmalloc, channels_last', ids: ['tcmalloc/channels_last'] },
] as const;

function torchColumns(cells: readonly TorchCell[], best: string | null, f: (c: Cell) => string): string[] {
  return TORCH_COLUMNS.map((col) => {
    const c = cells.find((t) => (col.ids as readonly string[]).includes(t.config));
    if (!c) return '—';
    return c.config === best ? `**${f(c.cell)}**` : f(c.cell);
  });
}

function bestCell(cells: readonly TorchCell[], best: string | null): TorchCell | null {
  return cells.find((t) => t.config === best) ?? null;
}

// ---- the benchmarks ------------------------------------------------------------------------

export function renderModels(r: ModelsResults, file: string): string {
  const main = r.rows.map((row) => {
    const best = bestCell(row.torch, row.torchBest);
    return [
      `${row.title}, ${row.kind === 'train' ? 'train' : 'inference'} (batch ${row.batch}; ${flopText(row.flopsPerSample)}/sample)`,
      spread(row.neurite),
      gflopsCell(row.gflops, row.peakPercent),
      row.previous ? spread(row.previous) : '—',
      row.previous ? ratio(row.neurite.median / row.previous.median) : '—',
      best ? `${spread(best.cell)} (${best.config})` : '—',
      best ? ratio(row.neurite.median / best.cell.median) : '—',
      row.ort ? spread(row.ort) : row.kind === 'infer' ? '—' : 'n/a',
      row.ort ? ratio(row.neurite.median / row.ort.median) : row.kind === 'infer' ? '—' : 'n/a',
      row.targets.map(formatTarget).join('; '),
    ];
  });
  const parts = [
    renderHeader(r, file),
    table(['workload', `Neurite (${r.backend}) samples/s`, 'GFLOP/s (% of peak)', '0.1.0', 'vs 0.1.0', 'PyTorch at its best', 'vs PyTorch', 'ONNX Runtime', 'vs ORT', 'targets (issue 19)'], main),
  ];
  if (r.rows.some((row) => row.torch.length)) {
    parts.push(
      'PyTorch in every configuration (samples/s; the one counted above in bold):',
      table(['workload', ...TORCH_COLUMNS.map((c) => c.title)], r.rows.map((row) => [`${row.workload.toUpperCase()} ${row.kind === 'train' ? 'train' : 'inference'} (batch ${row.batch})`, ...torchColumns(row.torch, row.torchBest, (c) => spread(c))])),
    );
  }
  const mb = (v: number): string => `${num(v)} MB`;
  parts.push(
    'Peak RSS of a process doing training steps (its high-water mark right after them; PyTorch: the configuration counted above):',
    table(['workload (training)', 'Neurite', 'PyTorch', ...TORCH_COLUMNS.map((c) => `PyTorch ${c.title}`), 'target'], r.rss.map((row) => {
      const best = bestCell(row.torch, row.torchBest);
      return [`${row.workload.toUpperCase()} (batch ${row.batch})`, spread(row.neurite, mb), best ? `${spread(best.cell, mb)} (${best.config})` : '—', ...torchColumns(row.torch, row.torchBest, (c) => mb(c.median)), formatTarget(row.target)];
    })),
  );
  return parts.join('\n\n') + renderNotes(r);
}

export function renderLatency(r: LatencyResults, file: string): string {
  const rows = r.rows.map((row) => [
    row.title,
    String(row.batch),
    spread(row.neurite, duration),
    spread(row.ort, duration),
    ratio(row.speedup),
    num((row.batch * 1e6) / row.neurite.median),
    gflopsCell(row.neuriteGflops, row.neuritePeakPercent),
    gflopsCell(row.ortGflops, row.ortPeakPercent),
    row.maxAbsDiff.toExponential(1),
    row.target ? formatTarget(row.target) : '—',
  ]);
  return [
    renderHeader(r, file),
    table(['workload', 'batch', `Neurite (${r.backend}) per call`, 'ONNX Runtime per call', 'speed vs ORT (ORT time / Neurite time)', 'Neurite samples/s', 'Neurite GFLOP/s (% of peak)', 'ORT GFLOP/s (% of peak)', 'max abs diff', 'target (issue 19)'], rows),
  ].join('\n\n') + renderNotes(r);
}

export function renderOps(r: OpsResults, file: string): string {
  const us = (s: number): string => duration(s * 1e6);
  const gf = (flop: number, c: Cell): Cell => mapCell(c, (s) => flop / s / 1e9);
  const rows = r.rows.map((row) => {
    const best = bestCell(row.torch, row.torchBest);
    if (row.flop === 0) {
      return [row.name, '—', spread(row.neurite, us), '—', row.js === null ? '—' : us(row.js), best ? `${spread(best.cell, us)} (${best.config})` : '—', best ? ratio(best.cell.median / row.neurite.median) : '—'];
    }
    return [
      row.name,
      flopText(row.flop),
      spread(row.neurite, us),
      gflopsCell(row.gflops, row.peakPercent),
      row.js === null ? '—' : num(row.flop / row.js / 1e9),
      best ? `${spread(gf(row.flop, best.cell))} (${best.config})` : '—',
      best ? ratio(best.cell.median / row.neurite.median) : '—',
    ];
  });
  const parts = [
    renderHeader(r, file),
    table(['op', 'FLOP per call', 'Neurite (native) per call', 'GFLOP/s (% of peak)', 'js reference GFLOP/s (1 run)', 'PyTorch at its best, GFLOP/s', 'vs PyTorch'], rows),
  ];
  if (r.rows.some((row) => row.torch.length)) {
    parts.push(
      'PyTorch in every configuration (GFLOP/s; the tiny op: time per call; the one counted above in bold):',
      table(['op', ...TORCH_COLUMNS.map((c) => c.title)], r.rows.map((row) => [row.name, ...torchColumns(row.torch, row.torchBest, row.flop === 0 ? (c) => us(c.median) : (c) => num(row.flop / c.median / 1e9))])),
    );
  }
  return parts.join('\n\n') + renderNotes(r);
}

export function renderWasm(r: WasmResults, file: string): string {
  const rows = r.rows.map((row) => [
    `${row.title} (batch ${row.batch}; ${flopText(row.flopsPerSample)}/sample)`,
    spread(row.neurite),
    gflopsCell(row.gflops, row.peakPercent),
    row.previous ? spread(row.previous) : '—',
    row.previous ? ratio(row.neurite.median / row.previous.median) : '—',
    typeof row.tfjs === 'string' ? `— (${row.tfjs})` : spread(row.tfjs),
    typeof row.tfjs === 'string' ? '—' : ratio(row.neurite.median / row.tfjs.median),
  ]);
  return [
    renderHeader(r, file),
    table(['workload', `Neurite wasm, ${r.neuriteThreads} thread${r.neuriteThreads === 1 ? '' : 's'}: samples/s`, 'GFLOP/s (% of native peak)', `0.1.0 wasm, ${r.neuriteThreads} thread${r.neuriteThreads === 1 ? '' : 's'}`, 'vs 0.1.0', `${r.tfjsLabel}: samples/s`, `vs tfjs-wasm (${r.tfjsThreads} thread${r.tfjsThreads === 1 ? '' : 's'})`], rows),
  ].join('\n\n') + renderNotes(r);
}

export function renderRecurrent(r: RecurrentResults, file: string): string {
  const rows = r.rows.map((row) => {
    const best = bestCell(row.torch, row.torchBest);
    return [
      `${row.workload.toUpperCase()} ${row.title}, ${row.kind === 'train' ? 'train' : 'inference'} (batch ${row.batch}; ${flopText(row.flopsPerSample)}/sample)`,
      spread(row.neurite),
      gflopsCell(row.gflops, row.peakPercent),
      best ? `${spread(best.cell)} (${best.config})` : '—',
      best ? ratio(row.neurite.median / best.cell.median) : '—',
    ];
  });
  const parts = [renderHeader(r, file), table(['workload', `Neurite (${r.backend}) samples/s`, 'GFLOP/s (% of peak)', 'PyTorch at its best', 'vs PyTorch'], rows)];
  if (r.rows.some((row) => row.torch.length)) {
    parts.push(
      'PyTorch under each allocator (samples/s; the one counted above in bold):',
      table(['workload', 'glibc malloc', 'tcmalloc'], r.rows.filter((row) => row.torch.length).map((row) => [`${row.workload.toUpperCase()} ${row.kind === 'train' ? 'train' : 'inference'}`, ...[0, 2].map((i) => torchColumns(row.torch, row.torchBest, (c) => spread(c))[i])])),
    );
  }
  return parts.join('\n\n') + renderNotes(r);
}

/**
 * bench:transformer: samples/s and GFLOP/s of each workload and kind beside PyTorch at its
 * best, the largest output difference when PyTorch ran Neurite's weights, then PyTorch
 * under each allocator.
 */
export function renderTransformer(r: TransformerResults, file: string): string {
  const rows = r.rows.map((row) => {
    const best = bestCell(row.torch, row.torchBest);
    return [
      `${row.workload.toUpperCase()} ${row.title}, ${row.kind === 'train' ? 'train' : 'inference'} (batch ${row.batch}; ${flopText(row.flopsPerSample)}/sample)`,
      spread(row.neurite),
      gflopsCell(row.gflops, row.peakPercent),
      best ? `${spread(best.cell)} (${best.config})` : '—',
      best ? ratio(row.neurite.median / best.cell.median) : '—',
      row.maxAbsDiff === null || !Number.isFinite(row.maxAbsDiff) ? '—' : row.maxAbsDiff.toExponential(1),
    ];
  });
  const parts = [renderHeader(r, file), table(['workload', `Neurite (${r.backend}) samples/s`, 'GFLOP/s (% of peak)', 'PyTorch at its best', 'vs PyTorch', 'max abs diff (same weights)'], rows)];
  if (r.rows.some((row) => row.torch.length)) {
    parts.push(
      'PyTorch under each allocator (samples/s; the one counted above in bold):',
      table(['workload', 'glibc malloc', 'tcmalloc'], r.rows.filter((row) => row.torch.length).map((row) => [`${row.workload.toUpperCase()} ${row.kind === 'train' ? 'train' : 'inference'}`, ...[0, 2].map((i) => torchColumns(row.torch, row.torchBest, (c) => spread(c))[i])])),
    );
  }
  return parts.join('\n\n') + renderNotes(r);
}

export function renderScaling(r: ScalingResults, file: string): string {
  const rows: string[][] = [];
  const groups = [...new Set(r.batchRows.map((row) => `${row.workload}:${row.kind}`))];
  for (const g of groups) {
    const [workload, kind] = g.split(':');
    const of = (threads: number, batch: number) => r.batchRows.find((row) => row.workload === workload && row.kind === kind && row.threads === threads && row.batch === batch);
    const label = `${workload.toUpperCase()} ${kind === 'train' ? 'train' : 'inference'}`;
    for (const t of r.threadCounts) rows.push([label, `${t} thread${t === 1 ? '' : 's'}`, ...r.batches.map((b) => { const row = of(t, b); return row ? spreadPercent(row.cell) : '—'; })]);
    const [lo, hi] = [Math.min(...r.threadCounts), Math.max(...r.threadCounts)];
    if (lo !== hi) {
      rows.push([label, `${hi} / ${lo} threads`, ...r.batches.map((b) => { const a = of(hi, b); const c = of(lo, b); return a && c ? ratio(a.cell.median / c.cell.median) : '—'; })]);
    }
    rows.push([label, `% of peak (${hi} threads)`, ...r.batches.map((b) => { const row = of(hi, b); return row ? percent(row.peakPercent) : '—'; })]);
  }
  const base = r.widthRows[0];
  const widths = r.widthRows.map((row) => [
    `${row.hidden[0]} / ${row.hidden[1]}`,
    flopText(row.flopsPerSample),
    spread(row.cell),
    `${row.epochSeconds.toFixed(2)} s`,
    gflopsCell(row.gflops, row.peakPercent),
    base ? ratio(row.epochSeconds / base.epochSeconds) : '—',
  ]);
  return [
    renderHeader(r, file),
    `Samples/s as the batch grows (median ±half the range over the rounds), on ${r.threadCounts.join(' and ')} thread(s):`,
    table(['workload', 'threads', ...r.batches.map((b) => `batch ${b}`)], rows),
    `W1 training cost per epoch (${r.epochSamples.toLocaleString('en-US')} samples, batch ${base?.batch ?? 128}, ${r.threads} threads) as the model widens (784 → h → h/2 → 10):`,
    table(['hidden h / h/2', 'training FLOP/sample', 'samples/s', 'seconds per epoch', 'GFLOP/s (% of peak)', `cost vs h = ${base?.hidden[0] ?? '—'}`], widths),
  ].join('\n\n') + renderNotes(r);
}

export function renderAugment(r: AugmentResults, file: string): string {
  const rows = r.rows.map((row) => [
    `${row.title}, batch ${row.batch}`,
    spread(row.augment),
    spread(row.train),
    `${row.ratio.toFixed(2)}x`,
    Number.isFinite(row.trainPeakPercent) ? `${row.trainGflops.toFixed(1)} (${row.trainPeakPercent.toFixed(1)}%)` : row.trainGflops.toFixed(1),
    formatTarget(row.target),
  ]);
  return [
    renderHeader(r, file),
    table(['workload', 'augmentation images/s', `mnist_cnn training samples/s (${r.backend}, same size and batch)`, 'augmentation / training', 'training GFLOP/s (% of peak)', 'keeps up'], rows),
  ].join('\n\n') + renderNotes(r);
}

/**
 * bench:data: fit on a Dataset against fit on the same arrays (with the pipeline's own
 * rate without training), then the augmentation pipeline against mnist_cnn training.
 */
export function renderData(r: DataResults, file: string): string {
  const parts = [renderHeader(r, file)];
  if (r.fitRows.length) {
    parts.push(
      table(
        ['workload', 'Dataset pipeline', `fit on arrays samples/s (${r.backend})`, 'fit on the Dataset samples/s', 'Dataset / arrays', 'pipeline alone samples/s (no training)', 'target'],
        r.fitRows.map((row) => [
          `${row.title} (${row.samples.toLocaleString('en-US')} images, batch ${row.batch})`,
          `\`${row.pipeline}\``,
          spread(row.arrays),
          spread(row.dataset),
          ratio(row.ratio),
          row.pipelineAlone ? spread(row.pipelineAlone) : '—',
          row.target ? formatTarget(row.target) : '— (reported)',
        ]),
      ),
    );
  }
  if (r.augmentRows.length) {
    parts.push(
      table(
        ['workload', 'augmentation', 'pipeline images/s', `mnist_cnn training samples/s (${r.backend}, trainOnBatch)`, 'pipeline / training', 'target'],
        r.augmentRows.map((row) => [
          `${row.title}, batch ${row.batch}`,
          `${row.augmentation}: \`${row.pipeline}\``,
          spread(row.augment),
          spread(row.train),
          ratio(row.ratio),
          formatTarget(row.target),
        ]),
      ),
    );
  }
  return parts.join('\n\n') + renderNotes(r);
}

/** Bytes as 1 KB … 100 MB (decimal units, as the buffer sizes are chosen). */
function bytesText(n: number): string {
  if (n >= 1e9) return `${num(n / 1e9)} GB`;
  if (n >= 1e6) return `${num(n / 1e6)} MB`;
  if (n >= 1e3) return `${num(n / 1e3)} KB`;
  return `${n} B`;
}

/** bench:distributed's results: the training configurations, the allreduce bandwidth and the scaling model. */
export function renderDistributed(r: DistributedResults, file: string): string {
  const parts = [renderHeader(r, file), `MPI: ${r.mpi ?? 'not found'}; backend ${r.backend}.`];
  if (r.trainRows.length) {
    parts.push(
      table(
        ['configuration', 'batch per rank (global)', 'samples/s', 'ms per step', 'allreduce ms per step (rank 0)', 'GFLOP/s (% of peak)'],
        r.trainRows.map((row) => [
          row.label,
          `${row.perRankBatch} (${row.globalBatch})`,
          spread(row.rate),
          spread(row.stepMs),
          row.allreduceMs ? spread(row.allreduceMs) : '—',
          `${num(row.gflops)} (${row.peakPercent.toFixed(1)}%)`,
        ]),
      ),
    );
    const lines: string[] = [];
    if (r.ratio !== null) lines.push(`2 ranks × 1 thread / 1 rank × 2 threads: **${ratio(r.ratio)}**.`);
    if (r.predicted) {
      lines.push(
        `The model for 2 ranks × 1 thread on this machine: 1 rank × 1 thread's compute (${r.predicted.computeMs.toFixed(1)} ms per step) plus the allreduce of the gradients measured in the table below (${r.predicted.allreduceMs.toFixed(2)} ms) predicts ${num(r.predicted.rate)} samples/s.`,
      );
    }
    if (lines.length) parts.push(lines.join(' '));
  }
  if (r.busRows.length) {
    parts.push(
      table(
        ['buffer (float32)', 'time per allreduce', 'algorithm bandwidth GB/s', 'bus bandwidth GB/s'],
        r.busRows.map((row) => [bytesText(row.bytes), spread(row.us, duration), spread(row.algbw), spread(row.busbw)]),
      ),
    );
  }
  if (r.modelRows.length) {
    const models = [...new Set(r.modelRows.map((m) => m.model))];
    const links = [...new Set(r.modelRows.map((m) => m.linkGbit))].sort((a, b) => a - b);
    const ranks = [...new Set(r.modelRows.map((m) => m.ranks))].sort((a, b) => a - b);
    const rows: string[][] = [];
    for (const model of models) {
      for (const link of links) {
        const at = (n: number): DistributedResults['modelRows'][number] | undefined => r.modelRows.find((m) => m.model === model && m.linkGbit === link && m.ranks === n);
        const first = r.modelRows.find((m) => m.model === model) as DistributedResults['modelRows'][number];
        rows.push([
          `${model} (${first.parameters.toLocaleString('en-US')} parameters, ${bytesText(4 * first.parameters)} of gradients; batch ${first.perRankBatch} per rank, C = ${duration(first.computeMs * 1000)})`,
          `${link} Gbit/s`,
          ...ranks.flatMap((n) => {
            const m = at(n);
            return m ? [duration(m.allreduceMs * 1000), `${(100 * m.efficiency).toFixed(1)}%`] : ['—', '—'];
          }),
        ]);
      }
    }
    parts.push(table(['model (compute per step measured here)', 'link', ...ranks.flatMap((n) => [`T at ${n} ranks`, `efficiency at ${n}`])], rows));
    parts.push(`T = 2(N − 1)/N · G / L + 2(N − 1)·α with α = ${r.alphaUs} µs; efficiency = C / (C + T), without overlap of the allreduce and the backward pass.`);
  }
  return parts.join('\n\n') + renderNotes(r);
}

const MB = 1024 * 1024;

/** bench:memory's curve as a text table (MB), every `every`-th epoch plus the first and the last. */
export function formatCurve(samples: readonly MemorySample[], every = 5): string {
  const lines = ['epoch   RSS MB   heap MB   ArrayBuffers MB   tensors  tensor MB   loss'];
  samples.forEach((s, i) => {
    if (i === 0 || i === samples.length - 1 || s.epoch % every === 0) {
      lines.push(`${String(s.epoch).padStart(5)} ${(s.rss / MB).toFixed(1).padStart(8)} ${(s.heapUsed / MB).toFixed(1).padStart(9)} ${(s.arrayBuffers / MB).toFixed(1).padStart(17)} ${String(s.tensors).padStart(9)} ${(s.tensorBytes / MB).toFixed(2).padStart(10)}   ${s.loss.toFixed(4)}`);
    }
  });
  return lines.join('\n');
}

/**
 * bench:memory's results: the header lines, the curve (every `every`-th epoch), the growth
 * and the notes. `fence` puts the curve in a ```text block (for the README; the script
 * prints it bare).
 */
export function renderMemory(r: MemoryResults, file: string, every = 5, fence = false): string {
  const g = r.growth;
  const curve = formatCurve(r.samples, every);
  return [
    `**\`${r.command}\`** — ${r.date.slice(0, 10)}, ${machineText(r.machine)}; from \`${file}\`.`,
    `Threads: ${r.threads} (${pinText(r.pins)}). Versions: ${versionText(r.versions)}.`,
    `Memory over ${r.epochs} epochs on the ${r.backend} backend (${r.model}, ${r.rows} Fashion-MNIST rows, 20% validation; sampled after a full GC each epoch; tensors = nt.memory()), ${r.seconds.toFixed(1)} s:`,
    fence ? `\`\`\`text\n${curve}\n\`\`\`` : curve,
    `RSS growth from epoch ${g.fromEpoch} to ${g.toEpoch}: ${g.rssMb.toFixed(1)} MB; heap: ${g.heapMb.toFixed(1)} MB; live tensors: ${g.tensorMb.toFixed(2)} MB (${g.tensors >= 0 ? '+' : ''}${g.tensors} tensors)`,
    ...r.notes.map((n) => `- ${n}`),
  ].join('\n');
}

/** The adapter as "vendor 'x', architecture 'y', description 'z', device 'd'" ('none' without one). */
export const adapterText = (a: Adapter | null): string => (a === null ? 'none' : `vendor '${a.vendor}', architecture '${a.architecture}', description '${a.description}'${a.device ? `, device '${a.device}'` : ''}`);

export function renderWebgpu(r: WebgpuResults, file: string): string {
  const c = r.cpuBackend;
  const g = (v: number | null): string => (v === null ? '—' : v.toFixed(2));
  const rows = r.rows.map((row) => {
    const label = `${row.title}, ${row.kind === 'train' ? 'train' : 'inference'} (batch ${row.batch}${row.batch !== row.fullBatch ? `; ${row.fullBatch} in bench:models` : ''})`;
    const ratio = row.ratio === null ? '—' : `${row.ratio >= 0.1 ? row.ratio.toFixed(2) : row.ratio.toPrecision(2)}x`;
    const cpuG = row.cpuGflops === null ? '—' : row.cpuPeakPercent !== null && Number.isFinite(row.cpuPeakPercent) ? `${g(row.cpuGflops)} (${row.cpuPeakPercent.toFixed(1)}%)` : g(row.cpuGflops);
    return [label, row.webgpu ? spread(row.webgpu) : '—', row.cpu ? spread(row.cpu) : '—', ratio, g(row.webgpuGflops), cpuG, row.dispatches === null ? '—' : Number.isInteger(row.dispatches) ? String(row.dispatches) : num(row.dispatches)];
  });
  return [
    renderHeader(r, file),
    `Adapter: ${adapterText(r.adapter)} (${r.adapterNote}); SwiftShader: ${r.swiftshader ? 'yes' : 'no'}.`,
    table(['workload', 'webgpu samples/s', `${c} samples/s`, `webgpu / ${c}`, 'GFLOP/s webgpu', `GFLOP/s ${c} (% of peak)`, 'GPU dispatches per call'], rows),
  ].join('\n\n') + renderNotes(r);
}

// ---- files and the README ------------------------------------------------------------------

/** The lists each benchmark's renderer walks, besides the header's (pins, notes). */
const LISTS: Record<BenchmarkName, readonly string[]> = {
  models: ['rows', 'rss'],
  latency: ['rows'],
  scaling: ['batches', 'threadCounts', 'batchRows', 'widthRows'],
  recurrent: ['rows'],
  transformer: ['rows'],
  wasm: ['rows'],
  ops: ['rows'],
  augment: ['rows'],
  data: ['fitRows', 'augmentRows'],
  memory: ['samples'],
  webgpu: ['rows'],
  distributed: ['trainRows', 'busRows', 'modelRows'],
};

/** Why a parsed results file cannot be rendered as `name`, or null. */
export function checkResults(name: BenchmarkName, json: unknown): string | null {
  if (typeof json !== 'object' || json === null) return 'not a JSON object';
  const h = json as Partial<Header>;
  if (h.benchmark !== name) return `its benchmark is '${String(h.benchmark)}', not '${name}'`;
  if (h.resultsVersion !== RESULTS_VERSION) return `written by an older harness (resultsVersion ${String(h.resultsVersion)}, expected ${RESULTS_VERSION}); rerun npm run bench:${name}`;
  const fields = json as Record<string, unknown>;
  const missing = ['pins', 'notes', ...LISTS[name]].filter((k) => !Array.isArray(fields[k]));
  if (missing.length) return `no ${missing.map((k) => `'${k}'`).join(', ')} list${missing.length === 1 ? '' : 's'}; rerun npm run bench:${name}`;
  if (name === 'memory' && (typeof fields.growth !== 'object' || fields.growth === null)) return `no 'growth'; rerun npm run bench:memory`;
  return null;
}

/** The markdown of one results file (checked with checkResults first). */
export function render(name: BenchmarkName, json: unknown, file: string): string {
  const why = checkResults(name, json);
  if (why) throw new Error(`${file}: ${why}`);
  switch (name) {
    case 'models': return renderModels(json as ModelsResults, file);
    case 'latency': return renderLatency(json as LatencyResults, file);
    case 'ops': return renderOps(json as OpsResults, file);
    case 'wasm': return renderWasm(json as WasmResults, file);
    case 'recurrent': return renderRecurrent(json as RecurrentResults, file);
    case 'transformer': return renderTransformer(json as TransformerResults, file);
    case 'scaling': return renderScaling(json as ScalingResults, file);
    case 'augment': return renderAugment(json as AugmentResults, file);
    case 'data': return renderData(json as DataResults, file);
    case 'memory': return renderMemory(json as MemoryResults, file, 5, true);
    case 'webgpu': return renderWebgpu(json as WebgpuResults, file);
    case 'distributed': return renderDistributed(json as DistributedResults, file);
  }
}

/** Replaces what lies between `<!-- bench:name -->` and `<!-- /bench:name -->`; null when the markers are missing. */
export function replaceBlock(text: string, name: string, content: string): string | null {
  const open = `<!-- bench:${name} -->`;
  const close = `<!-- /bench:${name} -->`;
  const a = text.indexOf(open);
  const b = text.indexOf(close);
  if (a < 0 || b < a) return null;
  return `${text.slice(0, a + open.length)}\n${content.trim()}\n${text.slice(b)}`;
}

/** What regenerateReadme did with each benchmark. */
export interface ReadmeUpdate {
  readonly updated: BenchmarkName[];
  /** Benchmark → why it was left as it was. */
  readonly skipped: Partial<Record<BenchmarkName, string>>;
}

/**
 * Rewrites the blocks of `readmeFile` from `<resultsDir>/<name>.json` for every benchmark
 * whose file exists and is current; blocks without a file are left as they are.
 * `shownDir` is how the files' folder is named in the README.
 */
export function regenerateReadme(readmeFile: string, resultsDir: string, shownDir = 'bench-results'): ReadmeUpdate {
  const original = readFileSync(readmeFile, 'utf8');
  let text = original;
  const updated: BenchmarkName[] = [];
  const skipped: Partial<Record<BenchmarkName, string>> = {};
  for (const name of BENCHMARKS) {
    const path = join(resultsDir, `${name}.json`);
    if (!existsSync(path)) {
      skipped[name] = `no ${shownDir}/${name}.json`;
      continue;
    }
    const json: unknown = JSON.parse(readFileSync(path, 'utf8'));
    const why = checkResults(name, json);
    if (why) {
      skipped[name] = `${shownDir}/${name}.json: ${why}`;
      continue;
    }
    const next = replaceBlock(text, name, render(name, json, `${shownDir}/${name}.json`));
    if (next === null) {
      skipped[name] = `no <!-- bench:${name} --> markers in ${readmeFile}`;
      continue;
    }
    text = next;
    updated.push(name);
  }
  if (text !== original) writeFileSync(readmeFile, text);
  return { updated, skipped };
}
