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
 * so the GPU's time is counted. On the shared harness (bench/common.ts): each measurement
 * (workload × backend) is a side in its own child process, the two backends alternating
 * round by round (the order flips each round; at least 5 rounds), each a warm-up (the first
 * call compiles pipelines and builds the plan) then BENCH_BUDGET_S timed seconds
 * (samplesPerSecond); GPU dispatches per call are those of the last timed call.
 * Both sides pin the native pool (and OpenBLAS and oneDNN) to BENCH_THREADS (default 2):
 * the native side computes on it, the webgpu side only for what falls back to the CPU. The
 * header prints the machine, the measured peak, the pins and the versions (the `webgpu`
 * package's too); the table shows medians [min–max] over the rounds, the ratio of the
 * medians, GFLOP/s (FLOPs derived from the model, as bench:models) and dispatches per call.
 *
 * The adapter is what Dawn (the `webgpu` package) finds. Only when VK_ICD_FILENAMES is unset
 * and no adapter is found without it do the webgpu children get SwiftShader's CPU Vulkan
 * driver (/usr/lib/chromium/vk_swiftshader_icd.json), so a real GPU is always preferred.
 * On SwiftShader (or another CPU emulation) the numbers only prove that the path runs, and
 * W2 and W3 run at small batch sizes on both sides (the table says which; BENCH_FULL=1
 * keeps the full ones: a W3 training step then takes minutes), and W3 only when
 * BENCH_WORKLOADS names it (even at batch 1 a training step takes tens of seconds there).
 *
 *   BENCH_ROUNDS=5 BENCH_BUDGET_S=2 npm run bench:webgpu   # rounds (≥ 5); timed seconds per measurement (≥ 2 calls)
 *   BENCH_WORKLOADS=w1,w2,w3 npm run bench:webgpu          # default: all three (w1,w2 on an emulated adapter)
 *   BENCH_FULL=1 npm run bench:webgpu                      # full batch sizes on an emulated adapter too
 *   BENCH_THREADS=2                                        # every side's native threads
 * Writes bench-results/webgpu.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  alternateRounds, benchRounds, cell, emit, envList, envNumber, failureNotes, libraryVersions, makeHeader, measureMachine, modelFlops, nativePins, nodeSide, pinNativeThreads,
  printStart, remeasurePeak, ROOT, runSide, samplesPerSecond, sideArgs, writeResults, type SideRuns, type SideSpec,
} from './common.js';
import { build, SPECS, TITLES, type Spec } from './models.js';
import type { Adapter, Cell, WebgpuResults, WebgpuRow, WorkloadId } from './results.js';
import { adapterText, renderWebgpu, versionText } from './tables.js';

type Nt = typeof import('../src/index.js');
type Model = InstanceType<Nt['Sequential']>;

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

type Side = 'webgpu' | 'native';

/** What one child measures. */
interface Measure {
  readonly train: number;
  readonly infer: number;
  readonly backend: string;
  /** The CPU backend's threads (native pool, wasm workers, 1 for js); null on webgpu. */
  readonly threads: number | null;
  /** The native pool's count after pinning (both sides; null without the addon). */
  readonly nativeThreads: number | null;
  readonly adapter: Adapter | null;
  /** GPU dispatches per training step / inference call (webgpu only). */
  readonly trainDispatches: number | null;
  readonly inferDispatches: number | null;
}

/** One workload on one backend at the given batch sizes, in this (child) process. */
async function measure(side: Side, name: string, spec: Spec, budget: number): Promise<Measure> {
  const nt: Nt = await import('../src/index.js');
  // Both sides pin the native pool: the native side computes on it, the webgpu side for what falls back to the CPU.
  const nativeThreads = pinNativeThreads(nt.nativeAddon());
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
  const train = async (): Promise<void> => void (await model.trainOnBatch(x, y));
  const infer = async (): Promise<void> => {
    const out = model.predict(xi, { batchSize: spec.inferBatch });
    await (Array.isArray(out) ? out[0] : out).data();
  };
  // GPU dispatches per call: those of the last call samplesPerSecond makes (a timed one; the
  // plan replays the same dispatches every call).
  let last: number | null = null;
  const counted = (step: () => Promise<void>) => async (): Promise<void> => {
    const d0 = gpu?.dispatches ?? 0;
    await step();
    if (gpu !== null) last = gpu.dispatches - d0;
  };
  const trainRate = await samplesPerSecond(counted(train), spec.batch, budget);
  const trainDispatches = last;
  const inferRate = await samplesPerSecond(counted(infer), spec.inferBatch, budget);
  const inferDispatches = last;
  const backend = nt.getBackendName();
  return {
    train: trainRate,
    infer: inferRate,
    backend,
    threads: backend === 'native' ? nativeThreads : backend === 'wasm' ? (nt.wasmModule()?.threadCount() ?? 1) : backend === 'js' ? 1 : null,
    nativeThreads,
    adapter: gpu?.adapterInfo ?? null,
    trainDispatches,
    inferDispatches,
  };
}

type Probe = { adapter: Adapter | null; reason: string | null };

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

/**
 * What the webgpu children add to the environment and the adapter they will get: nothing,
 * except that SwiftShader's ICD is named when VK_ICD_FILENAMES is unset and Dawn finds no
 * adapter without it (a real GPU is always preferred).
 */
function gpuEnvironment(): { extra: Record<string, string>; adapter: Adapter | null; note: string } {
  const look = (extra: Record<string, string>): Probe => {
    const p = runSide<Probe>(nodeSide('probe', 'adapter probe', SELF, ['probe'], { env: extra, timeoutS: 300 }));
    return typeof p === 'string' ? { adapter: null, reason: p } : p;
  };
  const given = look({});
  const icd = process.env.VK_ICD_FILENAMES;
  if (icd !== undefined) return { extra: {}, adapter: given.adapter, note: `VK_ICD_FILENAMES=${icd} as given${given.adapter ? '' : `; no adapter: ${given.reason}`}` };
  if (given.adapter !== null) return { extra: {}, adapter: given.adapter, note: 'found without VK_ICD_FILENAMES' };
  if (!existsSync(SWIFTSHADER_ICD)) return { extra: {}, adapter: null, note: `no adapter (${given.reason}) and no ${SWIFTSHADER_ICD}` };
  const extra = { VK_ICD_FILENAMES: SWIFTSHADER_ICD };
  const p = look(extra);
  return { extra, adapter: p.adapter, note: `no adapter without VK_ICD_FILENAMES, so the webgpu side runs with VK_ICD_FILENAMES=${SWIFTSHADER_ICD}${p.adapter ? '' : `, and still finds none: ${p.reason}`}` };
}

/** The `webgpu` package's version (Dawn), or null. */
function dawnVersion(): string | null {
  try {
    return (JSON.parse(readFileSync(join(ROOT, 'node_modules', 'webgpu', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const budget = envNumber('BENCH_BUDGET_S', 2, { min: 0.01 });
  const side = sideArgs();
  if (side) {
    try {
      if (side[0] === 'probe') emit(await probe());
      else {
        const [, which, name, batch, inferBatch] = side;
        emit(await measure(which as Side, name, { sample: SPECS[name].sample, batch: Number(batch), inferBatch: Number(inferBatch) }, budget));
      }
    } catch (e) {
      // The error's own line last (the parent quotes the last lines; not the stack or Dawn's driver chatter).
      console.error(`${side.join(' ')}: ${(e as Error).message}`);
      process.exit(1);
    }
    process.exit(0); // Dawn's instance may keep the event loop alive
  }
  // The workloads asked for, or null: all, except W3 on an emulated adapter.
  const asked = process.env.BENCH_WORKLOADS ? envList('BENCH_WORKLOADS', '').map((w) => w.toLowerCase()) : null;
  for (const w of asked ?? []) if (!SPECS[w]) throw new Error(`BENCH_WORKLOADS: unknown workload '${w}'; use w1, w2, w3`);
  const full = process.env.BENCH_FULL === '1';
  const rounds = benchRounds();
  delete process.env.NEURITE_BACKEND; // each child picks its backend itself
  const started = await measureMachine();
  const versions = { ...libraryVersions([]), 'webgpu (Dawn)': dawnVersion() };
  const gpu = gpuEnvironment();
  const a = gpu.adapter;
  const about = a === null ? '' : `${a.vendor} ${a.architecture} ${a.device} ${a.description}`;
  const emulated = EMULATED.test(about);
  const swiftshader = /swiftshader/i.test(about);
  const reduced = emulated && !full;
  // On an emulated adapter one W3 training step takes tens of seconds even at batch 1, so five
  // rounds of it take ten minutes: W3 runs there only when BENCH_WORKLOADS names it.
  const workloads = (asked ?? (emulated ? ['w1', 'w2'] : ['w1', 'w2', 'w3'])) as WorkloadId[];
  const specOf = (name: WorkloadId): Spec => (reduced ? SMOKE[name] : SPECS[name]);
  const sidesOf = (name: WorkloadId): SideSpec[] => {
    const spec = specOf(name);
    const args = [name, String(spec.batch), String(spec.inferBatch)];
    return [
      nodeSide('webgpu', 'webgpu', SELF, ['measure', 'webgpu', ...args], { env: gpu.extra }),
      nodeSide('native', 'native (CPU)', SELF, ['measure', 'native', ...args]),
    ];
  };
  printStart('bench:webgpu', started, rounds, sidesOf(workloads[0] ?? 'w1'), budget);
  console.log(`versions: ${versionText(versions)}`);
  console.log(`adapter: ${adapterText(a)} (${gpu.note}); SwiftShader: ${swiftshader ? 'yes' : 'no'}; workloads ${workloads.join(', ')}${reduced ? ' (small batches on an emulated adapter; BENCH_FULL=1: the full ones)' : ''}`);
  const notes: string[] = [];
  const measured: { name: WorkloadId; spec: Spec; runs: Map<string, SideRuns<Measure>> }[] = [];
  for (const name of workloads) {
    const runs = alternateRounds<Measure>(sidesOf(name), rounds, name.toUpperCase());
    notes.push(...failureNotes(runs.values()).map((n) => `${name.toUpperCase()}: ${n}`));
    measured.push({ name, spec: specOf(name), runs });
  }
  const machine = await remeasurePeak(started);
  const nt: Nt = await import('../src/index.js');
  const rows: WebgpuRow[] = [];
  let cpu: Measure | null = null;
  let webgpuNative: number | null = null;
  for (const { name, spec, runs } of measured) {
    const gpuRuns = (runs.get('webgpu') as SideRuns<Measure>).runs;
    const cpuRuns = (runs.get('native') as SideRuns<Measure>).runs;
    cpu ??= cpuRuns[0] ?? null;
    webgpuNative ??= gpuRuns[0]?.nativeThreads ?? null;
    const flops = modelFlops(build(nt, name).model, SPECS[name].sample);
    for (const kind of ['train', 'infer'] as const) {
      const webgpu = gpuRuns.length ? cell(gpuRuns.map((m) => m[kind])) : null;
      const cpuCell = cpuRuns.length ? cell(cpuRuns.map((m) => m[kind])) : null;
      const perSample = kind === 'train' ? flops.training : flops.forward;
      const gflops = (c: Cell | null): number | null => (c === null ? null : (c.median * perSample) / 1e9);
      const cpuGflops = gflops(cpuCell);
      const d = gpuRuns.map((m) => (kind === 'train' ? m.trainDispatches : m.inferDispatches)).filter((v): v is number => v !== null);
      rows.push({
        workload: name,
        title: TITLES[name],
        kind,
        batch: kind === 'train' ? spec.batch : spec.inferBatch,
        fullBatch: kind === 'train' ? SPECS[name].batch : SPECS[name].inferBatch,
        flopsPerSample: perSample,
        webgpu,
        cpu: cpuCell,
        ratio: webgpu && cpuCell ? webgpu.median / cpuCell.median : null,
        webgpuGflops: gflops(webgpu),
        cpuGflops,
        cpuPeakPercent: cpuGflops === null ? null : (100 * cpuGflops) / machine.peakGflops,
        dispatches: d.length ? cell(d).median : null,
      });
    }
  }
  const cpuName = cpu?.backend ?? 'native';
  const failures = notes.slice();
  if (emulated) {
    notes.unshift(
      `${swiftshader ? 'SwiftShader' : 'this adapter'} emulates a GPU on the CPU (with its own worker threads on the machine's ${cpus().length} cores, not pinned): the webgpu numbers only prove that the path runs; they say nothing about GPU speed.` +
        (reduced ? ' W2 and W3 run at small batches on both sides (BENCH_FULL=1: the full ones).' : '') +
        (asked === null ? ' W3 is left out here (a training step takes tens of seconds even at batch 1): BENCH_WORKLOADS=w1,w2,w3 includes it.' : ''),
    );
  }
  notes.unshift(`threads: ${cpuName} ${cpu?.threads ?? '?'}; webgpu: one JavaScript thread recording GPU work (its native pool pinned to ${webgpuNative ?? '—'} for CPU fallbacks); GPU dispatches per call: those of the last timed call`);
  const results: WebgpuResults = {
    ...makeHeader({
      benchmark: 'webgpu',
      command: 'npm run bench:webgpu',
      machine,
      pins: [...nativePins(cpu?.nativeThreads ?? null), { library: 'Neurite pool (webgpu side)', threads: webgpuNative, how: 'nativeAddon().setThreads(n)' }],
      versions,
      rounds,
      budgetSeconds: budget,
      notes,
    }),
    workloads,
    adapter: a,
    adapterNote: gpu.note,
    swiftshader,
    emulated,
    reducedBatches: reduced,
    cpuBackend: cpuName,
    cpuThreads: cpu?.threads ?? null,
    rows,
    failures,
  };
  const file = writeResults('webgpu', results);
  console.log(renderWebgpu(results, 'bench-results/webgpu.json'));
  console.log(`(written to ${file})`);
  if (failures.length) process.exitCode = 1;
}

await main();
