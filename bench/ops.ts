/**
 * `npm run bench:ops`: GFLOP/s of the native backend's sgemm and conv2d (forward, and
 * forward + both backward passes) beside the js reference backend and PyTorch, measured in
 * the same run, plus the end-to-end cost of a tiny op. Timings are medians.
 *
 *   BENCH_BUDGET_S=2 npm run bench:ops     # seconds per measurement (default 1)
 *   BENCH_SKIP_JS=1 npm run bench:ops      # skip the (slow) js reference columns
 */
import * as nt from '../src/index.js';
import { torchAllocator, torchResults } from './common.js';

const BUDGET = Number(process.env.BENCH_BUDGET_S ?? 1);

/** Median seconds per call of fn, after two warm-up calls, within the time budget (≥ 3 runs unless slow). */
function median(fn: () => void, budget = BUDGET, minRuns = 3): number {
  fn();
  const times: number[] = [];
  const start = performance.now();
  for (;;) {
    const t = performance.now();
    fn();
    times.push((performance.now() - t) / 1000);
    if ((performance.now() - start) / 1000 > budget && times.length >= minRuns) break;
    if (times[0] > budget && times.length >= 1) break; // one run of a slow reference is enough
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

interface Row {
  readonly name: string;
  readonly flop: number;
  readonly native: number;
  readonly js: number | null;
  readonly torch: number | null;
}

const torchTimes = (): Record<string, number> | null => torchResults<Record<string, number>>('torch_ops.py', [String(BUDGET)]);

function onBackend(name: 'native' | 'js', fn: () => void): () => void {
  return () => {
    nt.setBackend(name);
    fn();
  };
}

function gemmRow(n: number, torch: Record<string, number> | null): Row {
  const a = nt.randomUniform([n, n], { seed: 1 });
  const b = nt.randomUniform([n, n], { seed: 2 });
  const run = (): void => void nt.matmul(a, b);
  const skipJs = process.env.BENCH_SKIP_JS === '1';
  return {
    name: `sgemm ${n}³`,
    flop: 2 * n ** 3,
    native: median(onBackend('native', run)),
    js: skipJs ? null : median(onBackend('js', run), BUDGET, 1),
    torch: torch?.[`mm${n}`] ?? null,
  };
}

function convRows(label: string, key: string, [N, H, W, C]: number[], k: number, O: number, torch: Record<string, number> | null): Row[] {
  const x = nt.randomUniform([N, H, W, C], { seed: 3 });
  const w = nt.randomUniform([k, k, C, O], { seed: 4 });
  x.requiresGrad = true;
  w.requiresGrad = true;
  const dy = nt.randomUniform([N, H - k + 1, W - k + 1, O], { seed: 5 });
  const flop = 2 * N * (H - k + 1) * (W - k + 1) * O * C * k * k;
  const fwd = (): void => void nt.noGrad(() => nt.conv2d(x, w));
  const fwdBwd = (): void => void nt.gradients(nt.conv2d(x, w), [x, w], { gradYs: [dy], retainGraph: false });
  const skipJs = process.env.BENCH_SKIP_JS === '1';
  return [
    { name: `conv2d fwd ${label}`, flop, native: median(onBackend('native', fwd)), js: skipJs ? null : median(onBackend('js', fwd), BUDGET, 1), torch: torch?.[`${key}_fwd`] ?? null },
    { name: `conv2d fwd+bwd ${label}`, flop: 3 * flop, native: median(onBackend('native', fwdBwd)), js: skipJs ? null : median(onBackend('js', fwdBwd), BUDGET, 1), torch: torch?.[`${key}_fwdbwd`] ?? null },
  ];
}

function tinyAdd(): { native: number; js: number } {
  const a = nt.randomNormal([8, 8], { seed: 1 });
  const b = nt.randomNormal([8, 8], { seed: 2 });
  const per = (name: 'native' | 'js'): number => {
    nt.setBackend(name);
    const reps = 200_000;
    for (let i = 0; i < reps; i++) nt.add(a, b);
    const t = performance.now();
    for (let i = 0; i < reps; i++) nt.add(a, b);
    return (performance.now() - t) / 1000 / reps;
  };
  return { native: per('native'), js: per('js') };
}

function fmt(v: number | null, digits = 1): string {
  return v === null ? '—' : v.toFixed(digits);
}

function main(): void {
  if (!nt.availableBackends().includes('native')) {
    console.error(`The native backend is not available (${nt.backendFailure('native') ?? 'not registered'}); build it with 'npm rebuild'.`);
    process.exit(1);
  }
  console.log(`Neurite ops benchmark — budget ${BUDGET} s per cell, native threads: ${nt.nativeAddon()?.threads()}`);
  const torch = torchTimes();
  if (torch) console.log(`PyTorch ${torch.version} with ${torch.threads} threads, ${torchAllocator()}, channels_last convolutions, same run`);
  const rows = [
    ...[256, 1024, 2048].map((n) => gemmRow(n, torch)),
    ...convRows('mnist_cnn (128×26×26×32 → 3×3×64)', 'mnist', [128, 26, 26, 32], 3, 64, torch),
    ...convRows('VGG-like (32×98×98×32 → 3×3×32)', 'vgg', [32, 98, 98, 32], 3, 32, torch),
  ];
  const header = ['op', 'native ms', 'native GFLOP/s', 'js GFLOP/s', 'torch GFLOP/s', 'native / torch', 'native / js'];
  const lines = rows.map((r) => [
    r.name,
    fmt(r.native * 1000, 2),
    fmt(r.flop / r.native / 1e9),
    fmt(r.js === null ? null : r.flop / r.js / 1e9, 2),
    fmt(r.torch === null ? null : r.flop / r.torch / 1e9),
    r.torch === null ? '—' : `${(r.torch / r.native).toFixed(2)}x`,
    r.js === null ? '—' : `${(r.js / r.native).toFixed(0)}x`,
  ]);
  const tiny = tinyAdd();
  lines.push(['add 8×8 (end to end, µs)', fmt(tiny.native * 1e6, 2) + ' µs', '', `js ${fmt(tiny.js * 1e6, 2)} µs`, torch ? `${fmt(torch.add8x8 * 1e6, 2)} µs` : '—', torch ? `${(torch.add8x8 / tiny.native).toFixed(2)}x` : '—', '']);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const row = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(row(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const l of lines) console.log(row(l));
  console.log('Ratios above 1.00x mean Neurite is faster; GFLOP/s of fwd+bwd count 3× the forward FLOPs.');
}

main();
