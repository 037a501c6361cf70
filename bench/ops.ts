/**
 * `npm run bench:ops`: GFLOP/s of the native backend's sgemm and conv2d (forward, and
 * forward + both backward passes) against PyTorch in every configuration (glibc malloc and
 * tcmalloc; NCHW and channels_last for the convolutions: all printed, the best counted),
 * plus the end-to-end cost of a tiny op (an 8×8 add). Neurite and each PyTorch
 * configuration run in their own processes in alternating rounds (bench/common.ts); the js
 * reference backend runs once, in its own process, for scale.
 *
 *   BENCH_BUDGET_S=1 npm run bench:ops     # timed seconds per op (default 0.6)
 *   BENCH_SKIP_JS=1 npm run bench:ops      # skip the (slow) js reference column
 * Writes bench-results/ops.json.
 */
import { fileURLToPath } from 'node:url';
import {
  alternateRounds, bestOf, benchRounds, cell, emit, envNumber, failureNotes, libraryVersions, makeHeader, measureMachine, remeasurePeak, nativePins, nodeSide, pinNativeThreads,
  printStart, runSide, sideArgs, torchCells, torchConfigs, torchSide, writeResults, type SideRuns, type TorchSideInfo,
} from './common.js';
import type { OpsResults, OpsRow } from './results.js';
import { renderOps } from './tables.js';

type Nt = typeof import('../src/index.js');

const SELF = fileURLToPath(import.meta.url);

/** The ops measured: key (shared with bench/torch_ops.py), label, FLOPs per call. */
interface Op {
  readonly key: string;
  readonly name: string;
  readonly flop: number;
}

const convFlop = (N: number, H: number, W: number, C: number, k: number, O: number): number => 2 * N * (H - k + 1) * (W - k + 1) * O * C * k * k;
/** Convolution shapes: [N, H, W, C], kernel, filters. */
const CONVS = {
  mnist: { label: 'mnist_cnn (128×26×26×32 → 3×3×64)', shape: [128, 26, 26, 32], k: 3, o: 64 },
  vgg: { label: 'VGG-like (32×98×98×32 → 3×3×32)', shape: [32, 98, 98, 32], k: 3, o: 32 },
} as const;

const OPS: readonly Op[] = [
  ...[256, 1024, 2048].map((n) => ({ key: `mm${n}`, name: `sgemm ${n}³`, flop: 2 * n ** 3 })),
  ...Object.entries(CONVS).flatMap(([key, c]) => {
    const f = convFlop(c.shape[0], c.shape[1], c.shape[2], c.shape[3], c.k, c.o);
    return [
      { key: `${key}_fwd`, name: `conv2d fwd ${c.label}`, flop: f },
      // The same through a plan (engine/planner.ts), whose output buffer is reused from call
      // to call, as the buffers of model steps are: eager calls pay for a new 10–40 MB
      // output each time (fresh pages while the garbage collector has not freed the last).
      { key: `${key}_fwd_planned`, name: `conv2d fwd ${c.label}, planned (output buffer reused)`, flop: f },
      // forward + input gradient + weight gradient
      { key: `${key}_fwdbwd`, name: `conv2d fwd+bwd ${c.label}`, flop: 3 * f },
      { key: `${key}_fwdbwd_planned`, name: `conv2d fwd+bwd ${c.label}, planned (buffers reused)`, flop: 3 * f },
    ];
  }),
  { key: 'add8x8', name: 'add 8×8, end to end', flop: 0 },
];

/**
 * Median seconds per call of fn within `budget` seconds (at least `minRuns` calls), after a
 * warm-up call; with minRuns 1 (the js reference), a warm-up call slower than the budget is
 * the one run.
 */
function medianTime(fn: () => void, budget: number, minRuns = 3): number {
  const w = performance.now();
  fn();
  const first = (performance.now() - w) / 1000;
  if (minRuns === 1 && first > budget) return first;
  const times: number[] = [];
  const start = performance.now();
  for (;;) {
    const t = performance.now();
    fn();
    times.push((performance.now() - t) / 1000);
    if ((performance.now() - start) / 1000 > budget && times.length >= minRuns) break;
    if (times[0] > budget) break; // one run of a slow reference is enough
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** Seconds per tiny add, over 200,000 calls after as many warm-up calls. */
function tinyAdd(nt: Nt): number {
  const a = nt.randomNormal([8, 8], { seed: 1 });
  const b = nt.randomNormal([8, 8], { seed: 2 });
  const reps = 200_000;
  for (let i = 0; i < reps; i++) nt.add(a, b);
  const t = performance.now();
  for (let i = 0; i < reps; i++) nt.add(a, b);
  return (performance.now() - t) / 1000 / reps;
}

interface Run {
  readonly threads: number | null;
  /** Op key → seconds per call. */
  readonly times: Record<string, number>;
}

/** Side 'native' or 'js': every op on that backend, in this child process. */
async function measure(backend: 'native' | 'js', budget: number): Promise<Run> {
  const nt: Nt = await import('../src/index.js');
  if (!nt.availableBackends().includes(backend)) throw new Error(`the ${backend} backend is not available (${nt.backendFailure(backend) ?? 'not registered'})`);
  const threads = pinNativeThreads(nt.nativeAddon());
  await nt.setBackend(backend);
  const minRuns = backend === 'js' ? 1 : 3;
  const times: Record<string, number> = {};
  for (const n of [256, 1024, 2048]) {
    const a = nt.randomUniform([n, n], { seed: 1 });
    const b = nt.randomUniform([n, n], { seed: 2 });
    times[`mm${n}`] = medianTime(() => void nt.matmul(a, b), budget, minRuns);
  }
  for (const [key, c] of Object.entries(CONVS)) {
    const [N, H, W, C] = c.shape;
    const x = nt.randomUniform([N, H, W, C], { seed: 3 });
    const w = nt.randomUniform([c.k, c.k, C, c.o], { seed: 4 });
    x.requiresGrad = true;
    w.requiresGrad = true;
    const dy = nt.randomUniform([N, H - c.k + 1, W - c.k + 1, c.o], { seed: 5 });
    times[`${key}_fwd`] = medianTime(() => void nt.noGrad(() => nt.conv2d(x, w)), budget, minRuns);
    const planner = new nt.Planner();
    const planned = (): void => void planner.run(`conv_${key}`, [x], () => nt.noGrad(() => [nt.conv2d(x, w)]), [false], () => []);
    times[`${key}_fwd_planned`] = medianTime(planned, budget, Math.max(minRuns, 3));
    times[`${key}_fwdbwd`] = medianTime(() => void nt.gradients(nt.conv2d(x, w), [x, w], { gradYs: [dy], retainGraph: false }), budget, minRuns);
    // The forward output is an output too: a plan drops steps whose results nothing reads, and the gradients of a convolution do not read its output.
    const step = (): void =>
      void planner.run(`grad_${key}`, [x, w, dy], () => {
        const y = nt.conv2d(x, w);
        return [y, ...nt.gradients(y, [x, w], { gradYs: [dy], retainGraph: false })];
      }, [false, false, false], () => []);
    times[`${key}_fwdbwd_planned`] = medianTime(step, budget, Math.max(minRuns, 3));
    // Each planned row must really run from a plan, with every convolution it counts.
    for (const [k, convs] of [[`conv_${key}`, 1], [`grad_${key}`, 3]] as const) {
      const kernels = planner.states().get(k)?.kernels ?? null;
      const n = kernels?.filter((kn) => kn.startsWith('conv2d')).length ?? 0;
      if (backend === 'native' && n !== convs) throw new Error(`bench:ops: ${k} ran ${kernels === null ? 'eagerly' : `${n} convolution kernels from its plan (${kernels.join(', ')})`}, expected ${convs}`);
    }
  }
  times.add8x8 = tinyAdd(nt);
  return { threads: backend === 'native' ? threads : 1, times };
}

async function main(): Promise<void> {
  const budget = envNumber('BENCH_BUDGET_S', 0.6, { min: 0.01 });
  const side = sideArgs();
  if (side) {
    emit(await measure(side[0] === 'js' ? 'js' : 'native', budget));
    return;
  }
  const rounds = benchRounds();
  const started = await measureMachine();
  const { configs, notes } = torchConfigs(true);
  const sides = [nodeSide('native', 'Neurite native', SELF, ['native'], { required: true }), ...configs.map((c) => torchSide(c, 'torch_ops.py', budget, []))];
  printStart('bench:ops', started, rounds, sides, budget);
  let js: Run | null = null;
  if (process.env.BENCH_SKIP_JS !== '1') {
    const r = runSide<Run>(nodeSide('js', 'Neurite js reference', SELF, ['js']));
    if (typeof r === 'string') notes.push(r);
    else js = r;
  }
  const runs = alternateRounds<unknown>(sides, rounds, 'ops');
  const machine = await remeasurePeak(started);
  const ours = (runs.get('native') as SideRuns<Run>).runs;
  let torchInfo: TorchSideInfo | null = null;
  for (const c of configs) {
    const r = runs.get(`torch:${c.id}`)?.runs[0] as TorchSideInfo | undefined;
    if (r) torchInfo = r;
  }
  const rows: OpsRow[] = OPS.map((op) => {
    const neurite = cell(ours.map((r) => r.times[op.key]));
    // PyTorch has one forward (its caching allocator reuses the last output's memory): both Neurite rows compare with it.
    const torchKey = op.key.replace(/_planned$/, '');
    const torch = torchCells(runs, configs, (r: Run) => r.times[torchKey]);
    const gflops = op.flop ? op.flop / neurite.median / 1e9 : NaN;
    return {
      name: op.name,
      flop: op.flop,
      neurite,
      js: js?.times[op.key] ?? null,
      torch,
      torchBest: bestOf(torch, false),
      gflops,
      peakPercent: (100 * gflops) / machine.peakGflops,
    };
  });
  const results: OpsResults = {
    ...makeHeader({
      benchmark: 'ops',
      command: 'npm run bench:ops',
      machine,
      pins: [...nativePins(ours[0].threads), { library: 'PyTorch', threads: torchInfo?.threads ?? null, how: 'torch.set_num_threads(n)' }],
      versions: { ...libraryVersions(['torch', 'tcmalloc']), torch: torchInfo?.version ?? null },
      rounds,
      budgetSeconds: budget,
      notes: [
        ...notes,
        'per round, each op\'s median time per call; fwd+bwd counts 3× the forward FLOPs (forward, input gradient, weight gradient); sgemm and the tiny add have no layout (PyTorch: contiguous only)',
        'planned rows: the same convolution run through a plan (nt.Planner), whose output buffer is reused from call to call as in model steps; eager rows allocate a new output per call, which the garbage collector frees later, so the kernel often writes into fresh pages. PyTorch\'s caching allocator reuses the last output\'s memory at once; its one forward is the peer of both rows',
        ...failureNotes(runs.values()),
      ],
    }),
    rows,
  };
  const file = writeResults('ops', results);
  console.log(renderOps(results, 'bench-results/ops.json'));
  console.log(`(written to ${file})`);
}

await main();
