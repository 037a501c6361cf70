/**
 * `npm run bench:webgpu`: training and inference samples/s of the W1/W2/W3 workloads
 * (bench/models.ts: same models, optimizers, batch sizes and seeded data) on the WebGPU
 * backend beside the native CPU backend, in the same run:
 *
 *   W1  Dense 784→512 relu → 256 relu → 10 softmax; Adam 1e-3; train batch 128, inference 1024
 *   W2  Keras mnist_cnn (Conv 32, Conv 64, MaxPool, Dropout, Dense 128, Dropout, Dense 10); Adam; 128 / 1024
 *   W3  the VGG-like net on 100×100×3; SGD 0.01 momentum 0.9 nesterov; 32 / 32
 *
 * Training = `await model.trainOnBatch(x, y)` on one fixed batch (on webgpu it reads the
 * loss back, so every step waits for the GPU); inference = predict, then `await out.data()`
 * so the GPU's time is counted. Each measurement (workload × backend) runs in its own child
 * process, the two backends alternating round by round (the order flips each round), after
 * a warm-up (the first call compiles pipelines and builds the plan); the table shows
 * medians and [min–max] over the rounds, GFLOP/s and GPU dispatches per call.
 *
 * The adapter is what Dawn (the `webgpu` package) finds. Only when VK_ICD_FILENAMES is unset
 * and no adapter is found without it do the webgpu children get SwiftShader's CPU Vulkan
 * driver (/usr/lib/chromium/vk_swiftshader_icd.json), so a real GPU is always preferred.
 * On SwiftShader (or another CPU emulation) the numbers only prove that the path runs, and
 * W2 and W3 run at small batch sizes on both sides (the table says which; BENCH_FULL=1
 * keeps the full ones: a W3 training step then takes minutes), and W3 only when
 * BENCH_WORKLOADS names it (even at batch 1 a training step takes tens of seconds there).
 *
 *   BENCH_ROUNDS=5 BENCH_BUDGET_S=2 npm run bench:webgpu   # rounds; timed seconds per measurement (≥ 2 calls)
 *   BENCH_WORKLOADS=w1,w2,w3 npm run bench:webgpu          # default: all three (w1,w2 on an emulated adapter)
 * Writes bench-results/webgpu.json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { writeResults } from './common.js';
import { build, FLOPS, SPECS, type Spec } from './models.js';

type Nt = typeof import('../src/index.js');
type Model = InstanceType<Nt['Sequential']>;

const BUDGET = Number(process.env.BENCH_BUDGET_S ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/** The workloads asked for (BENCH_WORKLOADS), or null: all, except W3 on an emulated adapter. */
const ASKED = process.env.BENCH_WORKLOADS ? process.env.BENCH_WORKLOADS.split(',').map((w) => w.trim().toLowerCase()) : null;
const SELF = fileURLToPath(import.meta.url);
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
/** A CPU that pretends to be a GPU: its numbers say nothing about GPU speed. */
const EMULATED = /swiftshader|llvmpipe|lavapipe/i;

/**
 * Batch sizes on a CPU-emulated adapter (both sides alike, unless BENCH_FULL=1): there a
 * W2 or W3 call at full size takes minutes (SwiftShader runs the convolutions at about
 * 0.1 GFLOP/s on 2 cores), and the numbers only prove that the path runs anyway.
 */
const SMOKE: Record<string, Spec> = {
  w1: SPECS.w1,
  w2: { sample: [28, 28, 1], batch: 8, inferBatch: 16 },
  w3: { sample: [100, 100, 3], batch: 1, inferBatch: 2 },
};
const FULL = process.env.BENCH_FULL === '1';

type Side = 'webgpu' | 'native';
type Adapter = { vendor: string; architecture: string; device: string; description: string };
/** What one child measures. */
interface Measure {
  train: number;
  infer: number;
  backend: string;
  /** Native (or wasm) threads; null on webgpu. */
  threads: number | null;
  adapter: Adapter | null;
  /** GPU dispatches per training step / inference call (webgpu only). */
  trainDispatches: number | null;
  inferDispatches: number | null;
}

/**
 * Samples/s of an awaited `step`: a warm-up of 1 to 3 calls (more while under
 * min(1, seconds/2) s: the first compiles pipelines and builds the plan, the next replay
 * it), then as many calls as fit in `seconds`, at least 2. Returns the rate and the calls timed.
 */
async function rate(step: () => Promise<unknown>, batch: number, seconds: number, onTimed: () => void = () => undefined): Promise<{ rate: number; calls: number }> {
  const w = performance.now();
  let n = 0;
  while (n < 1 || ((performance.now() - w) / 1000 < Math.min(1, seconds / 2) && n < 3)) {
    await step();
    n++;
  }
  onTimed();
  const t = performance.now();
  n = 0;
  while ((performance.now() - t) / 1000 < seconds || n < 2) {
    await step();
    n++;
  }
  return { rate: (n * batch) / ((performance.now() - t) / 1000), calls: n };
}

/** One workload on one backend at the given batch sizes, in this (child) process. */
async function measure(side: Side, name: string, spec: Spec): Promise<Measure> {
  const nt: Nt = await import('../src/index.js');
  // The data is made before the backend is chosen, the same way on both sides; on webgpu
  // it moves to the GPU once, when the first op there uses it.
  const x = nt.randomUniform([spec.batch, ...spec.sample], { seed: 1 });
  const y = nt.toCategorical(nt.randomUniform([spec.batch], { seed: 2, minval: 0, maxval: 10, dtype: 'int32' }), 10);
  const xi = nt.randomUniform([spec.inferBatch, ...spec.sample], { seed: 3 });
  if (side === 'webgpu') {
    if (!(await nt.setBackend('webgpu'))) throw new Error(`setBackend('webgpu') resolved false: ${nt.backendFailure('webgpu') ?? 'no reason given'}`);
  } else if (nt.availableBackends().includes('native')) {
    await nt.setBackend('native');
  }
  const gpu = side === 'webgpu' ? nt.webgpuDevice() : null;
  nt.setSeed(1);
  const built = build(nt, name);
  const model: Model = built.model;
  model.compile({ optimizer: built.optimizer, loss: 'categorical_crossentropy' });
  const infer = async (): Promise<void> => {
    const out = model.predict(xi, { batchSize: spec.inferBatch });
    await (Array.isArray(out) ? out[0] : out).data();
  };
  // GPU dispatches per call, counted over the timed calls only.
  let d0 = 0;
  const mark = (): void => void (d0 = gpu?.dispatches ?? 0);
  const tr = await rate(() => model.trainOnBatch(x, y), spec.batch, BUDGET, mark);
  const trainDispatches = gpu === null ? null : (gpu.dispatches - d0) / tr.calls;
  const inf = await rate(infer, spec.inferBatch, BUDGET, mark);
  const inferDispatches = gpu === null ? null : (gpu.dispatches - d0) / inf.calls;
  const addon = nt.nativeAddon();
  const backend = nt.getBackendName();
  return {
    train: tr.rate,
    infer: inf.rate,
    backend,
    threads: backend === 'native' ? (addon?.threads() ?? null) : backend === 'wasm' ? (nt.wasmModule()?.threadCount() ?? 1) : backend === 'js' ? 1 : null,
    adapter: gpu?.adapterInfo ?? null,
    trainDispatches,
    inferDispatches,
  };
}

/** In a child: the adapter Dawn finds with this environment, or why there is none. */
async function probe(): Promise<Probe> {
  const { requestGpu } = await import('../src/backends/webgpu/device.js');
  try {
    const gpu = await requestGpu();
    const adapter = gpu.adapterInfo;
    gpu.device.destroy();
    return { adapter, reason: null };
  } catch (e) {
    return { adapter: null, reason: (e as Error).message };
  }
}

type Probe = { adapter: Adapter | null; reason: string | null };

/** Runs this file in a child process and returns the JSON object it prints last, or why not. */
function child<T>(args: readonly string[], env: NodeJS.ProcessEnv): T | string {
  const r = spawnSync(process.execPath, [SELF, ...args], { encoding: 'utf8', env, timeout: 900_000 });
  const line = (r.stdout || '').trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !line.startsWith('{')) {
    // The error's own line (not the stack or Dawn's driver chatter).
    const lines = (r.stderr || r.stdout || '').split('\n').map((l) => l.trim()).filter((l) => l && !/XDG_RUNTIME_DIR|^at |^Node\.js v/.test(l));
    const why = r.error?.message ?? lines.find((l) => /^\w*Error\b/.test(l)) ?? lines.slice(-2).join(' | ');
    return `${args.join(' ')} failed: ${why || `exit ${r.status ?? r.signal}`}`;
  }
  return JSON.parse(line) as T;
}

/**
 * The environment of the webgpu children and the adapter they will get: the environment as
 * given, except that SwiftShader's ICD is named when VK_ICD_FILENAMES is unset and Dawn
 * finds no adapter without it (a real GPU is always preferred).
 */
function gpuEnvironment(env: NodeJS.ProcessEnv): { env: NodeJS.ProcessEnv; adapter: Adapter | null; note: string } {
  const look = (e: NodeJS.ProcessEnv): Probe => {
    const p = child<Probe>(['--probe'], e);
    return typeof p === 'string' ? { adapter: null, reason: p } : p;
  };
  const given = look(env);
  if (env.VK_ICD_FILENAMES !== undefined) return { env, adapter: given.adapter, note: `VK_ICD_FILENAMES=${env.VK_ICD_FILENAMES} as given${given.adapter ? '' : `; no adapter: ${given.reason}`}` };
  if (given.adapter !== null) return { env, adapter: given.adapter, note: 'found without VK_ICD_FILENAMES' };
  if (!existsSync(SWIFTSHADER_ICD)) return { env, adapter: null, note: `no adapter (${given.reason}) and no ${SWIFTSHADER_ICD}` };
  const withIcd = { ...env, VK_ICD_FILENAMES: SWIFTSHADER_ICD };
  const p = look(withIcd);
  return { env: withIcd, adapter: p.adapter, note: `no adapter without VK_ICD_FILENAMES, so the webgpu side runs with VK_ICD_FILENAMES=${SWIFTSHADER_ICD}${p.adapter ? '' : `, and still finds none: ${p.reason}`}` };
}

type Cell = { median: number; min: number; max: number };
const median = (v: readonly number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1];
const cell = (v: readonly number[]): Cell | null => (v.length ? { median: median(v), min: Math.min(...v), max: Math.max(...v) } : null);
const fmt = (v: number): string => (v >= 100 ? String(Math.round(v)) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const range = (c: Cell | null): string => (c === null ? '—' : `${fmt(c.median)} [${fmt(c.min)}–${fmt(c.max)}]`);

interface Row {
  workload: string;
  kind: 'train' | 'infer';
  batch: number;
  webgpu: Cell | null;
  cpu: Cell | null;
  webgpuGflops: number | null;
  cpuGflops: number | null;
  dispatches: number | null;
}

/** The rounds of one workload: both sides alternating, each measurement in its own process. */
function runWorkload(name: string, spec: Spec, env: Record<Side, NodeJS.ProcessEnv>, failures: string[]): { rows: Row[]; cpu: Measure | null } {
  const got: Record<Side, Measure[]> = { webgpu: [], native: [] };
  const failed = new Set<Side>();
  for (let r = 0; r < ROUNDS; r++) {
    const order: Side[] = r % 2 === 0 ? ['webgpu', 'native'] : ['native', 'webgpu'];
    for (const side of order) {
      if (failed.has(side)) continue; // a side that failed once is not run again
      const m = child<Measure>(['--side', side, name, String(spec.batch), String(spec.inferBatch)], env[side]);
      if (typeof m === 'string') {
        failed.add(side);
        failures.push(m);
        console.error(m);
      } else got[side].push(m);
    }
  }
  const rows = (['train', 'infer'] as const).map((kind): Row => {
    const webgpu = cell(got.webgpu.map((m) => m[kind]));
    const cpu = cell(got.native.map((m) => m[kind]));
    const gflops = (c: Cell | null): number | null => (c === null ? null : (c.median * FLOPS[name] * (kind === 'train' ? 3 : 1)) / 1e9);
    const d = got.webgpu.map((m) => (kind === 'train' ? m.trainDispatches : m.inferDispatches)).filter((v): v is number => v !== null);
    return { workload: name, kind, batch: kind === 'train' ? spec.batch : spec.inferBatch, webgpu, cpu, webgpuGflops: gflops(webgpu), cpuGflops: gflops(cpu), dispatches: d.length ? median(d) : null };
  });
  return { rows, cpu: got.native[0] ?? null };
}

function printTable(rows: readonly Row[], cpuName: string, reduced: boolean): void {
  console.log(`| workload | webgpu samples/s | ${cpuName} samples/s | webgpu / ${cpuName} | GFLOP/s webgpu | GFLOP/s ${cpuName} | GPU dispatches per call |`);
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const full = SPECS[r.workload];
    const fullBatch = r.kind === 'train' ? full.batch : full.inferBatch;
    const label = `${r.workload.toUpperCase()} ${r.kind === 'train' ? 'train' : 'inference'} (batch ${r.batch}${reduced && r.batch !== fullBatch ? `; ${fullBatch} in bench:models` : ''})`;
    const q = r.webgpu && r.cpu ? r.webgpu.median / r.cpu.median : null;
    const ratio = q === null ? '—' : `${q >= 0.1 ? q.toFixed(2) : q.toPrecision(2)}x`;
    const g = (v: number | null): string => (v === null ? '—' : v.toFixed(2));
    console.log(`| ${label} | ${range(r.webgpu)} | ${range(r.cpu)} | ${ratio} | ${g(r.webgpuGflops)} | ${g(r.cpuGflops)} | ${r.dispatches === null ? '—' : fmt(r.dispatches)} |`);
  }
}

async function main(): Promise<void> {
  if (process.argv.includes('--probe')) {
    console.log(JSON.stringify(await probe()));
    process.exit(0); // Dawn's instance may keep the event loop alive
  }
  const i = process.argv.indexOf('--side');
  if (i >= 0) {
    const [side, name, batch, inferBatch] = process.argv.slice(i + 1);
    console.log(JSON.stringify(await measure(side as Side, name, { sample: SPECS[name].sample, batch: Number(batch), inferBatch: Number(inferBatch) })));
    process.exit(0);
  }
  for (const w of ASKED ?? []) if (!SPECS[w]) throw new Error(`BENCH_WORKLOADS: unknown workload '${w}'; use w1, w2, w3`);
  const base: NodeJS.ProcessEnv = { ...process.env };
  delete base.NEURITE_BACKEND; // each child picks its backend itself
  const gpu = gpuEnvironment(base);
  const a = gpu.adapter;
  const about = a === null ? '' : `${a.vendor} ${a.architecture} ${a.device} ${a.description}`;
  const emulated = EMULATED.test(about);
  const swiftshader = /swiftshader/i.test(about);
  const reduced = emulated && !FULL;
  // On an emulated adapter one W3 training step takes tens of seconds even at batch 1, so five
  // rounds of it take ten minutes: W3 runs there only when BENCH_WORKLOADS names it.
  const workloads = ASKED ?? (emulated ? ['w1', 'w2'] : ['w1', 'w2', 'w3']);
  const rows: Row[] = [];
  const failures: string[] = [];
  let cpu: Measure | null = null;
  for (const name of workloads) {
    const w = runWorkload(name, reduced ? SMOKE[name] : SPECS[name], { webgpu: gpu.env, native: base }, failures);
    rows.push(...w.rows);
    cpu ??= w.cpu;
  }
  const cpuName = cpu?.backend ?? 'native';
  console.log(`Neurite WebGPU benchmark — webgpu vs ${cpuName}; ${ROUNDS} alternating rounds of ${BUDGET} s per measurement (≥ 2 calls after a warm-up), each in its own process; medians [min–max]`);
  console.log(`adapter: ${a === null ? 'none' : `vendor '${a.vendor}', architecture '${a.architecture}', description '${a.description}'${a.device ? `, device '${a.device}'` : ''}`} (${gpu.note}); SwiftShader: ${swiftshader ? 'yes' : 'no'}`);
  console.log(`threads: ${cpuName} ${cpu?.threads ?? '?'}; webgpu: one JavaScript thread recording GPU work${emulated ? `, and the emulated GPU's own worker threads on the machine's ${cpus().length} cores` : ''}`);
  if (emulated) {
    console.log(`NOTE: ${swiftshader ? 'SwiftShader' : 'this adapter'} emulates a GPU on the CPU: the webgpu numbers only prove that the path runs; they say nothing about GPU speed.` +
      (reduced ? ' W2 and W3 run at small batches on both sides (BENCH_FULL=1: the full ones).' : '') +
      (ASKED === null ? ' W3 is left out here (a training step takes tens of seconds even at batch 1): BENCH_WORKLOADS=w1,w2,w3 includes it.' : ''));
  }
  printTable(rows, cpuName, reduced);
  for (const f of failures) console.log(`FAILED: ${f}`);
  const file = writeResults('webgpu', { workloads, rounds: ROUNDS, budgetSeconds: BUDGET, adapter: a, vkIcd: gpu.note, swiftshader, emulated, reducedBatches: reduced, cpuBackend: cpuName, cpuThreads: cpu?.threads ?? null, cores: cpus().length, rows, failures });
  console.log(`(written to ${file})`);
  if (failures.length) process.exitCode = 1;
}

await main();
