/**
 * The benchmark harness every bench script shares (issue 19's protocol):
 *
 * - **Sides in their own processes, alternating rounds.** A benchmark lists its sides (this
 *   checkout, the previous release, each PyTorch configuration, ONNX Runtime, ...), each a
 *   child process that warms up, measures, and prints one result line; `alternateRounds`
 *   runs every side once per round, rotating the order each round so that every side runs
 *   first, last and in between, for BENCH_ROUNDS rounds (default and minimum for a
 *   measurement run: 5). `cell` keeps each quantity's median and spread (min, max and every
 *   round's value).
 * - **Equal threads.** BENCH_THREADS (default 2) for every side: Neurite's pool, OpenBLAS
 *   and oneDNN's OpenMP through `nativeAddon().setThreads(n)`, `torch.set_num_threads(n)`,
 *   ONNX Runtime's `intraOpNumThreads`, Neurite wasm's workers; every child also gets
 *   OMP_NUM_THREADS = OPENBLAS_NUM_THREADS = n. Each side reports the count it ran with and
 *   the header prints them.
 * - **The header.** Machine (CPU model from /proc/cpuinfo, cores, vector extension,
 *   memory), the fp32 peak measured by the native addon at that thread count, the thread
 *   pins, and every library's version (Node, Neurite and its commit, OpenBLAS and oneDNN
 *   from dpkg, tcmalloc, PyTorch, onnxruntime-node, tfjs).
 * - **JSON.** `writeResults` writes bench-results/<name>.json (not in git); the README's
 *   Speed tables are generated from those files by `npm run bench:readme`
 *   (scripts/bench-tables.mjs, bench/tables.ts), the same renderer the scripts print with.
 * - **FLOPs from the model.** `modelFlops` walks a built model: 2 × the multiply-adds of
 *   its Dense, Conv2D and recurrent kernels per sample; training adds the weight gradient
 *   and the input gradient of each such layer (the first layer's input gradient is needed
 *   by nobody and is not counted).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Nt from '../src/index.js';
import type { Layer } from '../src/index.js';
import { RESULTS_VERSION, type Cell, type Header, type Machine, type Target, type ThreadPin, type TorchCell } from './results.js';

/** The repository root (this file runs from build/bench/). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** This checkout's compiled library. */
export const THIS_LIB = join(ROOT, 'build', 'src', 'index.js');
/** Where results go (not in git). */
export const RESULTS_DIR = join(ROOT, 'bench-results');

// ---- settings ------------------------------------------------------------------------------

/** A numeric environment setting, checked. */
export function envNumber(name: string, fallback: number, options: { min?: number; integer?: boolean } = {}): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const v = Number(raw);
  const min = options.min ?? 0;
  if (!Number.isFinite(v) || v < min || (options.integer && !Number.isInteger(v))) {
    throw new Error(`${name}=${raw}: expected ${options.integer ? 'an integer' : 'a number'} ≥ ${min}`);
  }
  return v;
}

/** A comma-separated environment setting. */
export function envList(name: string, fallback: string): string[] {
  return (process.env[name] ?? fallback).split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

/** The thread count of every side (BENCH_THREADS, default 2). */
export const THREADS = envNumber('BENCH_THREADS', 2, { min: 1, integer: true });
/** Issue 19: at least this many alternating rounds for a measurement run. */
export const MIN_ROUNDS = 5;
/** BENCH_ROUNDS, default `fallback` (≥ MIN_ROUNDS); fewer rounds are allowed for trying things out and noted in the results. */
export function benchRounds(fallback = MIN_ROUNDS): number {
  return envNumber('BENCH_ROUNDS', Math.max(MIN_ROUNDS, fallback), { min: 1, integer: true });
}

// ---- statistics ----------------------------------------------------------------------------

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const v = [...values].sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/** The median and spread of one value per round. */
export function cell(values: readonly number[]): Cell {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), values: [...values] };
}

/** The torch configuration with the best median (highest, or lowest for times), or null. */
export function bestOf(cells: readonly TorchCell[], higherIsBetter: boolean): string | null {
  let best: TorchCell | null = null;
  for (const c of cells) {
    if (!Number.isFinite(c.cell.median)) continue;
    if (best === null || (higherIsBetter ? c.cell.median > best.cell.median : c.cell.median < best.cell.median)) best = c;
  }
  return best?.config ?? null;
}

/** A target: `value` against `goal` (null value: not measured). */
export function target(label: string, comparison: '>=' | '<=', goal: number, value: number | null, unit: Target['unit']): Target {
  const met = value === null || !Number.isFinite(value) ? null : comparison === '>=' ? value >= goal : value <= goal;
  return { label, comparison, goal, value: value !== null && Number.isFinite(value) ? value : null, unit, met };
}

// ---- child processes -----------------------------------------------------------------------

/** The line prefix of a side's result (anything else a child prints is ignored). */
export const RESULT_PREFIX = 'BENCH-RESULT ';

/** One side of a benchmark: a command that prints a RESULT_PREFIX line with its JSON. */
export interface SideSpec {
  /** Key in the results map. */
  readonly id: string;
  readonly label: string;
  readonly command: string;
  readonly args: readonly string[];
  /** Variables added to the child's environment (an empty string unsets LD_PRELOAD's effect). */
  readonly env?: Readonly<Record<string, string>>;
  /** A required side that fails stops the benchmark; an optional one is dropped (and noted). */
  readonly required?: boolean;
  readonly timeoutS?: number;
}

/** Every side's results over the rounds, and why it stopped if it failed. */
export interface SideRuns<T> {
  readonly spec: SideSpec;
  readonly runs: T[];
  failure: string | null;
}

/** The environment of every child: the thread pins of all libraries. */
export function benchEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const n = String(THREADS);
  return { ...process.env, BENCH_THREADS: n, OMP_NUM_THREADS: n, OPENBLAS_NUM_THREADS: n, NEURITE_WASM_THREADS: process.env.NEURITE_WASM_THREADS ?? n, ...extra };
}

/** A Node side: `node <script> --side <args>`. */
export function nodeSide(id: string, label: string, script: string, args: readonly string[], options: Partial<Pick<SideSpec, 'env' | 'required' | 'timeoutS'>> = {}): SideSpec {
  return { id, label, command: process.execPath, args: [script, '--side', ...args], ...options };
}

/** Runs one side once; its result, or why it failed. */
export function runSide<T>(spec: SideSpec): T | string {
  const r = spawnSync(spec.command, spec.args, { encoding: 'utf8', env: benchEnv(spec.env), timeout: (spec.timeoutS ?? 900) * 1000, maxBuffer: 64 << 20 });
  const line = (r.stdout ?? '').split('\n').reverse().find((l) => l.startsWith(RESULT_PREFIX));
  if (r.status === 0 && line) return JSON.parse(line.slice(RESULT_PREFIX.length)) as T;
  const why = r.error ? r.error.message : r.signal ? `killed by ${r.signal}` : `exit ${r.status}`;
  const tail = `${r.stderr ?? ''}\n${r.stdout ?? ''}`.trim().split('\n').filter((l) => l.trim()).slice(-3).join(' / ');
  return `${spec.label} failed (${why})${tail ? `: ${tail.slice(0, 400)}` : ''}`;
}

/**
 * Runs every side once per round for `rounds` rounds, in an order that rotates each round
 * (round r starts with side r mod n). A failing optional side is dropped for the remaining
 * rounds; a failing required side throws.
 */
export function alternateRounds<T>(sides: readonly SideSpec[], rounds: number, what = ''): Map<string, SideRuns<T>> {
  const out = new Map<string, SideRuns<T>>(sides.map((s) => [s.id, { spec: s, runs: [], failure: null }]));
  for (let r = 0; r < rounds; r++) {
    const live = sides.filter((s) => out.get(s.id)?.failure === null);
    if (live.length === 0) break;
    probePeak();
    const k = r % live.length;
    const t = performance.now();
    for (const side of [...live.slice(k), ...live.slice(0, k)]) {
      const res = runSide<T>(side);
      const entry = out.get(side.id) as SideRuns<T>;
      if (typeof res === 'string') {
        if (side.required) throw new Error(res);
        entry.failure = res;
        process.stderr.write(`bench: ${res}\n`);
      } else entry.runs.push(res);
    }
    process.stderr.write(`bench: ${what ? `${what}: ` : ''}round ${r + 1}/${rounds} (${live.length} sides) took ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
  }
  return out;
}

/** The failures of optional sides, as notes for the results. */
export function failureNotes(results: Iterable<SideRuns<unknown>>): string[] {
  return [...results].filter((r) => r.failure !== null).map((r) => `not measured: ${r.failure}`);
}

/** In a child: the arguments after `--side`, or null in the parent. */
export function sideArgs(): string[] | null {
  const i = process.argv.indexOf('--side');
  return i < 0 ? null : process.argv.slice(i + 1);
}

/** In a child: prints its result for the parent. */
export function emit(result: object): void {
  console.log(`${RESULT_PREFIX}${JSON.stringify(result)}`);
}

/**
 * Samples/s of `step` (awaited when it returns a promise): at least `warmCalls` (3) warm-up calls and
 * `warmSeconds`, then at least 2 timed calls and `seconds`. bench/torch_*.py time the same way.
 */
export async function samplesPerSecond(step: () => unknown, batch: number, seconds: number, warmSeconds = Math.min(1, seconds / 2), warmCalls = 3): Promise<number> {
  let t = performance.now();
  let n = 0;
  while ((performance.now() - t) / 1000 < warmSeconds || n < warmCalls) {
    const r = step();
    if (r instanceof Promise) await r;
    n++;
  }
  t = performance.now();
  n = 0;
  while ((performance.now() - t) / 1000 < seconds || n < 2) {
    const r = step();
    if (r instanceof Promise) await r;
    n++;
  }
  return (n * batch) / ((performance.now() - t) / 1000);
}

/** This process's peak resident set so far, in MB (its high-water mark). */
export function maxRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** In a Neurite child: pins the native pool (and with it OpenBLAS and oneDNN) to THREADS; the count in use, or null without the addon. */
export function pinNativeThreads(addon: { setThreads(n: number): number; threads(): number; libraryThreads?(): [number, number] } | null | undefined): number | null {
  if (!addon) return null;
  addon.setThreads(THREADS);
  // The libraries' own counts (older builds lack libraryThreads): a pool left unpinned fails the run.
  const [openblas, openmp] = addon.libraryThreads?.() ?? [THREADS, THREADS];
  if (openblas !== THREADS || (openmp !== 0 && openmp !== THREADS)) {
    throw new Error(`bench: setThreads(${THREADS}) left OpenBLAS at ${openblas} and oneDNN's OpenMP at ${openmp} threads`);
  }
  return addon.threads();
}

// ---- PyTorch -------------------------------------------------------------------------------

/** Debian's python3-torch runs under the system python. */
export const PYTHON = '/usr/bin/python3';
/** Debian's libtcmalloc-minimal4. */
export const TCMALLOC = '/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4';

export type Allocator = 'glibc' | 'tcmalloc';
export type Layout = 'nchw' | 'channels_last';

/** One PyTorch configuration: an allocator and (for convolutions) a memory layout. */
export interface TorchConfig {
  /** e.g. 'tcmalloc/channels_last', or 'glibc' where the layout does not apply. */
  readonly id: string;
  readonly allocator: Allocator;
  readonly layout: Layout | null;
}

let torchChecked: string | null | undefined;

/** Why PyTorch cannot run (null: it can). Checked once. */
export function torchMissing(): string | null {
  if (torchChecked !== undefined) return torchChecked;
  if (!existsSync(PYTHON)) torchChecked = `no ${PYTHON} (npm run bench:setup installs python3-torch)`;
  else {
    const r = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
    torchChecked = r.status === 0 ? null : `${PYTHON} has no torch (npm run bench:setup installs python3-torch)`;
  }
  return torchChecked;
}

/**
 * The PyTorch configurations to measure: glibc malloc and tcmalloc (when
 * libtcmalloc-minimal4 is installed), each in NCHW and channels_last when `layouts`
 * (convolutional nets), else once; plus notes on what is missing.
 */
export function torchConfigs(layouts: boolean): { configs: TorchConfig[]; notes: string[] } {
  const notes: string[] = [];
  const missing = torchMissing();
  if (missing) return { configs: [], notes: [`PyTorch not measured: ${missing}`] };
  const allocators: Allocator[] = ['glibc'];
  if (existsSync(TCMALLOC)) allocators.push('tcmalloc');
  else notes.push(`PyTorch under tcmalloc not measured: no ${TCMALLOC} (npm run bench:setup installs libtcmalloc-minimal4)`);
  const configs: TorchConfig[] = [];
  for (const allocator of allocators) {
    if (!layouts) configs.push({ id: allocator, allocator, layout: null });
    else for (const layout of ['nchw', 'channels_last'] as const) configs.push({ id: `${allocator}/${layout}`, allocator, layout });
  }
  return { configs, notes };
}

/** A PyTorch side: `python3 bench/<script> <budget> <layout|none> <args>` under the configuration's allocator. */
export function torchSide(config: TorchConfig, script: string, budget: number, args: readonly string[]): SideSpec {
  return {
    id: `torch:${config.id}`,
    label: `PyTorch ${config.id}`,
    command: PYTHON,
    args: [join(ROOT, 'bench', script), String(budget), config.layout ?? 'none', ...args],
    env: { LD_PRELOAD: config.allocator === 'tcmalloc' ? TCMALLOC : '', PYTHONDONTWRITEBYTECODE: '1' },
  };
}

/** The cells of every torch configuration for one quantity (configurations without runs are left out). */
export function torchCells<T>(runs: ReadonlyMap<string, SideRuns<unknown>>, configs: readonly TorchConfig[], pick: (r: T) => number | null | undefined): TorchCell[] {
  const out: TorchCell[] = [];
  for (const c of configs) {
    const values = (runs.get(`torch:${c.id}`)?.runs ?? []).map((r) => pick(r as T)).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    if (values.length) out.push({ config: c.id, cell: cell(values) });
  }
  return out;
}

/** What every torch script reports besides its measurements. */
export interface TorchSideInfo {
  readonly version: string;
  readonly threads: number;
  /** 'tcmalloc' when it is mapped into the process, else 'glibc'. */
  readonly allocator: string;
}

// ---- the header ----------------------------------------------------------------------------

/** CPU model name (from /proc/cpuinfo where there is one). */
export function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1].trim();
  } catch {
    // not Linux
  }
  return cpus()[0]?.model.trim() ?? 'unknown CPU';
}

function vectorIsa(): string {
  try {
    const flags = /^flags\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1].split(/\s+/) ?? [];
    if (flags.includes('avx512f')) return 'AVX-512';
    if (flags.includes('avx2')) return flags.includes('fma') ? 'AVX2+FMA' : 'AVX2';
    if (flags.includes('avx')) return 'AVX';
    if (flags.length) return 'SSE';
  } catch {
    // not Linux
  }
  return process.arch;
}

/**
 * The machine, with the fp32 peak measured by this checkout's native addon on THREADS
 * threads (NaN without the addon). Measured in the parent, with no side running.
 */
/** The parent's addon (loaded by measureMachine) and the peaks measured so far. */
let peakAddon: { peakGflops(seconds: number): number } | null = null;
const peakProbes: number[] = [];

/** A short measurement of the peak (0.25 s) between rounds, kept for remeasurePeak. */
function probePeak(): void {
  if (peakAddon) peakProbes.push(peakAddon.peakGflops(0.25));
}

export async function measureMachine(): Promise<Machine> {
  const nt = await import('../src/index.js');
  const addon = nt.nativeAddon();
  peakAddon = addon;
  const threads = pinNativeThreads(addon);
  const peak = addon ? addon.peakGflops(1) : NaN;
  return {
    cpu: cpuModel(),
    cores: availableParallelism(),
    isa: vectorIsa(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    peakGflops: peak,
    peakThreads: threads ?? THREADS,
    peakSamples: addon ? [peak] : [],
  };
}

/**
 * Measures the peak again (after the rounds) and keeps the highest of all measurements
 * (before, between and after the rounds): other work on the machine can only lower a
 * measurement, and a low peak would flatter the % of peak.
 */
export async function remeasurePeak(m: Machine): Promise<Machine> {
  const nt = await import('../src/index.js');
  const addon = nt.nativeAddon();
  if (!addon) return m;
  pinNativeThreads(addon);
  const samples = [...m.peakSamples, ...peakProbes.splice(0), addon.peakGflops(1)];
  return { ...m, peakGflops: Math.max(...samples), peakSamples: samples };
}

function dpkgVersion(...packages: string[]): string | null {
  for (const p of packages) {
    const r = spawnSync('dpkg-query', ['-W', '-f', '${Version}', p], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim()) return `${r.stdout.trim()} (${p})`;
  }
  return null;
}

function npmVersion(name: string): string | null {
  try {
    return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return null;
  }
}

function neuriteVersion(): string {
  const pkg = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  const head = spawnSync('git', ['rev-parse', '--short=10', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  if (head.status !== 0) return pkg;
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim() !== '';
  return `${pkg} (${head.stdout.trim()}${dirty ? ', with uncommitted changes' : ''})`;
}

/** Libraries a benchmark may name in its header. */
export type Library = 'torch' | 'tcmalloc' | 'onnxruntime-node' | 'tfjs';

/** Node, Neurite, OpenBLAS and oneDNN, plus the `extra` libraries' versions. */
export function libraryVersions(extra: readonly Library[]): Record<string, string | null> {
  const v: Record<string, string | null> = {
    Node: process.version,
    Neurite: neuriteVersion(),
    OpenBLAS: dpkgVersion('libopenblas0-pthread', 'libopenblas0-openmp', 'libopenblas0'),
    oneDNN: dpkgVersion('libdnnl2', 'libdnnl3'),
  };
  if (extra.includes('torch')) {
    v.python3 = existsSync(PYTHON) ? spawnSync(PYTHON, ['--version'], { encoding: 'utf8' }).stdout.trim().replace(/^Python /, '') : null;
    v['python3-torch'] = dpkgVersion('python3-torch');
  }
  if (extra.includes('tcmalloc')) v.tcmalloc = dpkgVersion('libtcmalloc-minimal4');
  if (extra.includes('onnxruntime-node')) v['onnxruntime-node'] = npmVersion('onnxruntime-node');
  if (extra.includes('tfjs')) {
    v['@tensorflow/tfjs'] = npmVersion('@tensorflow/tfjs');
    v['@tensorflow/tfjs-backend-wasm'] = npmVersion('@tensorflow/tfjs-backend-wasm');
  }
  return v;
}

/** Pins of Neurite's native pool, OpenBLAS and oneDNN, all set by one setThreads call. */
export function nativePins(reported: number | null): ThreadPin[] {
  return [
    { library: 'Neurite pool', threads: reported, how: 'nativeAddon().setThreads(n)' },
    { library: 'OpenBLAS', threads: reported, how: 'setThreads → openblas_set_num_threads, read back with openblas_get_num_threads' },
    { library: 'oneDNN (OpenMP)', threads: reported, how: 'setThreads → omp_set_num_threads, read back with omp_get_max_threads' },
  ];
}

/** The first fields of a results file. Adds a note when there were fewer rounds than issue 19 asks. */
export function makeHeader(fields: Omit<Header, 'resultsVersion' | 'date' | 'threads'>): Header {
  const notes = [...fields.notes];
  if (fields.rounds < MIN_ROUNDS) notes.unshift(`only ${fields.rounds} round(s): a measurement run takes at least ${MIN_ROUNDS} (BENCH_ROUNDS)`);
  for (const p of fields.pins) if (p.threads !== null && p.threads !== THREADS) notes.push(`${p.library} ran with ${p.threads} thread${p.threads === 1 ? "" : "s"}, not ${THREADS}`);
  return { resultsVersion: RESULTS_VERSION, date: new Date().toISOString(), threads: THREADS, ...fields, notes };
}

/** The line a benchmark prints when it starts: what runs, on which machine. */
export function printStart(title: string, machine: Machine, rounds: number, sides: readonly SideSpec[], budget: number): void {
  console.log(`${title} — ${machine.cpu}, ${machine.cores} cores, ${machine.isa}; measured peak ${machine.peakGflops.toFixed(0)} GFLOP/s fp32 on ${machine.peakThreads} threads`);
  console.log(`${rounds} alternating round${rounds === 1 ? '' : 's'} × ${sides.length} sides (${sides.map((s) => s.label).join(', ')}), ${THREADS} threads each, ${budget} s per measurement`);
}

/**
 * Writes a benchmark's results as JSON to bench-results/<name>.json at the repository root
 * (not in git: the README's tables are generated from such a file); returns the path.
 */
export function writeResults(name: string, data: object): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${name}.json`);
  writeFileSync(file, `${JSON.stringify({ benchmark: name, date: new Date().toISOString(), node: process.version, ...data }, null, 2)}\n`);
  return file;
}

// ---- real data -----------------------------------------------------------------------------

/** Debian's dataset-fashion-mnist (npm run bench:setup). */
export const FASHION = '/usr/share/datasets/fashion-mnist';

/** The first `n` Fashion-MNIST training images ([n, 28, 28, 1], in [0, 1]) and their labels one-hot. */
export async function fashionMnist(nt: typeof Nt, n: number): Promise<{ x: Nt.Tensor; y: Nt.Tensor }> {
  const img = await nt.readIdxFile(join(FASHION, 'train-images-idx3-ubyte.gz'));
  const lab = await nt.readIdxFile(join(FASHION, 'train-labels-idx1-ubyte.gz'));
  if (img.shape[0] < n) throw new Error(`${FASHION}: ${img.shape[0]} training images, ${n} needed`);
  const pixels = new Float32Array(n * 784);
  for (let i = 0; i < pixels.length; i++) pixels[i] = img.data[i] / 255;
  return { x: nt.tensor(pixels, [n, 28, 28, 1]), y: nt.toCategorical(nt.tensor(Int32Array.from(lab.data.subarray(0, n))), 10) };
}

// ---- FLOPs ---------------------------------------------------------------------------------

/** FLOPs per sample of a built model. */
export interface ModelFlops {
  /** 2 × multiply-adds of the forward pass. */
  readonly forward: number;
  /** Forward + weight gradients + input gradients (the first layer's input gradient left out). */
  readonly training: number;
}

/**
 * FLOPs per sample of a built Sequential model on samples of shape `sample`, from its
 * layers: Dense and convolutions (one `kernel`: 2 × kernel size × output positions), and
 * recurrent layers (`kernel` and `recurrent_kernel` once per time step, both directions of
 * a Bidirectional). Biases, activations, pooling, losses and optimizer updates are not
 * counted.
 */
export function modelFlops(model: { readonly layers: readonly Layer[] }, sample: readonly number[]): ModelFlops {
  type Shape = Parameters<Layer['computeOutputShape']>[0];
  let shape: (number | null)[] = [null, ...sample];
  let forward = 0;
  let training = 0;
  model.layers.forEach((layer, i) => {
    const out = layer.computeOutputShape(shape as Shape) as (number | null)[];
    const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
    const kernels = layer.weights.filter((w) => /(^|\/)kernel$/.test(w.name));
    const recurrent = layer.weights.filter((w) => /recurrent_kernel$/.test(w.name));
    let f = 0;
    let inputPart = 0;
    if (recurrent.length) {
      const steps = shape[1] ?? 1;
      inputPart = kernels.reduce((a, k) => a + 2 * steps * size(k.shape), 0);
      f = inputPart + recurrent.reduce((a, k) => a + 2 * steps * size(k.shape), 0);
    } else if (kernels.length === 1) {
      const positions = size(out.slice(1, -1).map((d) => d ?? 1));
      f = 2 * size(kernels[0].shape) * positions;
      inputPart = f;
    }
    forward += f;
    training += 3 * f - (i === 0 ? inputPart : 0);
    shape = out;
  });
  return { forward, training };
}

/**
 * FLOPs per sample of a functional model (a graph: ResNet50), counted as modelFlops does
 * for its layers with one `kernel` (Dense and convolutions): 2 × kernel size × output
 * positions forward, 3× that for training, less the input gradient of a layer fed by the
 * model's input.
 */
export function graphFlops(model: { readonly graphNodes: readonly { readonly layer: Layer; readonly inputs: readonly { readonly node: { readonly layer: Layer } }[]; readonly outputs: readonly { readonly shape: readonly (number | null)[] }[] }[] }): ModelFlops {
  let forward = 0;
  let training = 0;
  for (const node of model.graphNodes) {
    const kernels = node.layer.weights.filter((w) => /(^|\/)kernel$/.test(w.name));
    if (kernels.length !== 1 || node.outputs.length !== 1) continue;
    const positions = node.outputs[0].shape.slice(1, -1).reduce<number>((a, d) => a * (d ?? 1), 1);
    const f = 2 * kernels[0].size * positions;
    const fromInput = node.inputs.every((t) => t.node.layer.getClassName() === 'InputLayer');
    forward += f;
    training += fromInput ? 2 * f : 3 * f;
  }
  return { forward, training };
}
