/**
 * `npm run bench:transformer`: a Transformer encoder, Neurite against PyTorch's
 * nn.TransformerEncoderLayer, training and inference samples/s.
 *
 *   T1  one encoder block on [32, 64, 128]: training step (MSE to a fixed target, Adam) and inference
 *   T2  4 encoder blocks → GlobalAveragePooling1D → Dense(10) logits: training step
 *       (sparse categorical crossentropy from logits, Adam) and inference
 *
 * The block (Vaswani et al., post-norm, as PyTorch's default norm_first=False):
 *   x1 = LayerNorm(x + MHA(x, x));  y = LayerNorm(x1 + Dense(128)(Dense(512, relu)(x1)))
 * with the sizes the issue names: model width 128, 4 heads of keyDim 32, feed-forward 512,
 * relu (PyTorch's default activation), dropout 0 (timing), LayerNormalization epsilon 1e-5 on both sides; batch 32,
 * sequence 64. Neurite builds it with the functional API from its own layers
 * (MultiHeadAttention, Add, LayerNormalization, Dense); PyTorch (bench/torch_transformer.py)
 * runs nn.TransformerEncoderLayer(batch_first=True) and nn.TransformerEncoder.
 *
 * What matches: the function. Before the rounds PyTorch loads Neurite's weights (transposed
 * into its layout) and the outputs of both on the same samples are compared, on PyTorch's
 * training path and on its inference fast path (the max difference goes in the table).
 * What differs: PyTorch packs the query/key/value projections into one in_proj matrix
 * [384, 128] (one GEMM) where Keras' MultiHeadAttention has three EinsumDense kernels
 * [128, 4, 32] and an output kernel [4, 32, 128]; PyTorch's inference runs its fused
 * fast path (torch._transformer_encoder_layer_fwd, taken in eval mode without grad), its
 * training the module-by-module path; the weights' initial values differ in the timed
 * runs (random on each side); Adam's epsilon is set to PyTorch's 1e-8 (Keras' default is
 * 1e-7); PyTorch zeroes gradients with set_to_none=True.
 *
 * FLOPs per sample (forward): the projections (q, k, v, output: 8·L·d²), the attention
 * scores and the mixing (2·L²·heads·keyDim each) and the feed-forward (4·L·d·ff), derived
 * from the built model's layers; T1 = 27.3 MFLOP/sample. Training = 3 × forward (forward,
 * weight and input gradients) less the input gradient of the projections that read the
 * model's input (nobody needs it), as bench/common.ts modelFlops counts. Softmax, layer
 * norms, biases, residual sums and Adam are not counted.
 *
 * Each side runs in its own processes in alternating rounds (bench/common.ts), with the
 * same thread count; PyTorch under glibc malloc and tcmalloc.
 *
 *   BENCH_ROUNDS=5 BENCH_BUDGET_S=1 npm run bench:transformer
 *   BENCH_WORKLOADS=t1 npm run bench:transformer
 * Writes bench-results/transformer.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Layer, SymbolicTensor } from '../src/index.js';
import {
  alternateRounds, benchEnv, bestOf, benchRounds, cell, emit, envList, envNumber, failureNotes, libraryVersions, makeHeader, measureMachine, nativePins, nodeSide,
  pinNativeThreads, printStart, PYTHON, RESULT_PREFIX, ROOT, remeasurePeak, samplesPerSecond, sideArgs, torchCells, torchConfigs, torchMissing, torchSide, writeResults,
  type ModelFlops, type SideRuns, type TorchSideInfo,
} from './common.js';
import type { TransformerResults, TransformerRow } from './results.js';
import { renderTransformer } from './tables.js';

type Nt = typeof import('../src/index.js');
type Model = InstanceType<Nt['Model']>;
type Tensor = InstanceType<Nt['Tensor']>;

const SELF = fileURLToPath(import.meta.url);
export const BATCH = 32;
export const SEQ = 64;
export const WIDTH = 128;
export const HEADS = 4;
export const KEY_DIM = WIDTH / HEADS;
export const FF = 512;
export const CLASSES = 10;
export const EPSILON = 1e-5;
/** Samples of the PyTorch comparison before the rounds. */
const CHECK_SAMPLES = 2;

export type TransformerId = 't1' | 't2';

interface Workload {
  readonly label: string;
  readonly blocks: number;
  readonly classifier: boolean;
}

export const WORKLOADS: Record<TransformerId, Workload> = {
  t1: { label: `encoder block (d ${WIDTH}, ${HEADS} heads, ff ${FF}), ${SEQ} steps`, blocks: 1, classifier: false },
  t2: { label: `4 encoder blocks → average pool → Dense(${CLASSES}), ${SEQ} steps`, blocks: 4, classifier: true },
};

const applied = (layer: Layer, input: SymbolicTensor | SymbolicTensor[]): SymbolicTensor => layer.apply(input) as SymbolicTensor;

/** One post-norm encoder block on x [batch, SEQ, WIDTH] (PyTorch's TransformerEncoderLayer with norm_first=False). */
function encoderBlock(nt: Nt, x: SymbolicTensor, i: number): SymbolicTensor {
  const attention = applied(new nt.MultiHeadAttention({ numHeads: HEADS, keyDim: KEY_DIM, name: `block${i}_attention` }), [x, x]);
  const x1 = applied(new nt.LayerNormalization({ epsilon: EPSILON, name: `block${i}_norm1` }), applied(new nt.Add({ name: `block${i}_add1` }), [x, attention]));
  const hidden = applied(new nt.Dense({ units: FF, activation: 'relu', name: `block${i}_linear1` }), x1);
  const ff = applied(new nt.Dense({ units: WIDTH, name: `block${i}_linear2` }), hidden);
  return applied(new nt.LayerNormalization({ epsilon: EPSILON, name: `block${i}_norm2` }), applied(new nt.Add({ name: `block${i}_add2` }), [x1, ff]));
}

/** The workload's model (functional API), not compiled. */
export function build(nt: Nt, key: TransformerId): Model {
  const spec = WORKLOADS[key];
  const input = nt.Input({ shape: [SEQ, WIDTH], name: 'x' });
  let x = input;
  for (let i = 0; i < spec.blocks; i++) x = encoderBlock(nt, x, i);
  if (spec.classifier) x = applied(new nt.Dense({ units: CLASSES, name: 'classifier' }), applied(new nt.GlobalAveragePooling1D({ name: 'pool' }), x));
  return new nt.Model({ inputs: input, outputs: x, name: `transformer_${key}` });
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * FLOPs per sample of a built encoder model, from its layers: 2 × the multiply-adds of each
 * MultiHeadAttention's four projection kernels (query and output over the query's
 * positions, key and value over the key's), of its scores (T·S·heads·keyDim) and mixing
 * (T·S·heads·valueDim), and of each Dense kernel over its input's positions. Training: 3 ×
 * forward, less the input gradient of the kernels that read the model's input.
 */
export function transformerFlops(model: { readonly layers: readonly Layer[] }): ModelFlops {
  let forward = 0;
  let training = 0;
  const kernel = (layer: Layer, re: RegExp): number => size(layer.weights.find((w) => re.test(w.name))?.shape ?? [0]);
  for (const layer of model.layers) {
    const node = layer.inboundNodes[0];
    if (!node) continue;
    const fromInput = (t: SymbolicTensor): boolean => t.node.layer.constructor.name === 'InputLayer';
    const positions = (t: SymbolicTensor): number => size(t.shape.slice(1, -1).map((d) => d ?? 1));
    let f = 0;
    let inputPart = 0;
    if (layer.constructor.name === 'MultiHeadAttention') {
      const mha = layer as InstanceType<Nt['MultiHeadAttention']>;
      const [query, value, key = value] = node.inputs;
      const t = positions(query);
      const s = positions(key);
      const q = 2 * t * kernel(layer, /\/query\/kernel$/);
      const k = 2 * s * kernel(layer, /\/key\/kernel$/);
      const v = 2 * s * kernel(layer, /\/value\/kernel$/);
      const o = 2 * t * kernel(layer, /\/attention_output\/kernel$/);
      f = q + k + v + o + 2 * t * s * mha.numHeads * (mha.keyDim + mha.valueDim);
      inputPart = (fromInput(query) ? q : 0) + (fromInput(key) ? k : 0) + (fromInput(value) ? v : 0);
    } else if (layer.constructor.name === 'Dense') {
      f = 2 * kernel(layer, /(^|\/)kernel$/) * positions(node.inputs[0]);
      inputPart = fromInput(node.inputs[0]) ? f : 0;
    }
    forward += f;
    training += 3 * f - inputPart;
  }
  return { forward, training };
}

/** The workload's data: x [BATCH, SEQ, WIDTH] in [-1, 1); the target (T1: [BATCH, SEQ, WIDTH]; T2: class ids). */
function data(nt: Nt, key: TransformerId, batch = BATCH): [Tensor, Tensor] {
  const x = nt.randomUniform([batch, SEQ, WIDTH], { seed: 1, minval: -1, maxval: 1 });
  if (key === 't1') return [x, nt.randomUniform([batch, SEQ, WIDTH], { seed: 2, minval: -1, maxval: 1 })];
  return [x, nt.tensor(Array.from({ length: batch }, (_, i) => i % CLASSES), [batch], 'int32')];
}

function compiled(nt: Nt, key: TransformerId): Model {
  nt.setSeed(1);
  const model = build(nt, key);
  const loss = key === 't1' ? 'mse' : new nt.losses.SparseCategoricalCrossentropy({ fromLogits: true });
  model.compile({ optimizer: new nt.Adam({ learningRate: 1e-3, epsilon: 1e-8 }), loss });
  return model;
}

interface Run {
  readonly threads: number | null;
  readonly backend: string;
  /** `${workload}_${train|infer}` → samples/s. */
  readonly rates: Record<string, number>;
}

async function measure(workloads: readonly TransformerId[], budget: number): Promise<Run> {
  const nt: Nt = await import('../src/index.js');
  const threads = pinNativeThreads(nt.nativeAddon());
  const rates: Record<string, number> = {};
  for (const key of workloads) {
    const model = compiled(nt, key);
    const [x, y] = data(nt, key);
    rates[`${key}_train`] = await samplesPerSecond(() => model.trainOnBatch(x, y), BATCH, budget);
    rates[`${key}_infer`] = await samplesPerSecond(() => (model.predictOnBatch(x) as Tensor).dataSync()[0], BATCH, budget);
  }
  return { threads, backend: nt.getBackendName(), rates };
}

// ---- the same function on both sides -------------------------------------------------------

/** A [rows, cols] matrix transposed. */
function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c];
  return out;
}

/**
 * The model's weights under PyTorch's state_dict names and layouts: Keras' query/key/value
 * kernels [d, heads, keyDim] are W^T of PyTorch's rows (heads × keyDim, head-major), packed
 * into in_proj_weight [3d, d]; the output kernel [heads, keyDim, d] is out_proj.weight^T;
 * Dense kernels [in, out] are Linear weights^T; LayerNormalization's gamma/beta are weight/bias.
 */
export function torchStateDict(model: Model, key: TransformerId): Map<string, { shape: number[]; data: Float32Array }> {
  const state = new Map<string, { shape: number[]; data: Float32Array }>();
  const value = (name: string): Float32Array => {
    const w = model.weights.find((v) => v.name === name);
    if (!w) throw new Error(`bench:transformer: no weight ${name}`);
    return w.dataSync() as Float32Array;
  };
  const concat = (parts: readonly Float32Array[]): Float32Array => {
    const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  };
  const blocks = WORKLOADS[key].blocks;
  for (let i = 0; i < blocks; i++) {
    const prefix = key === 't1' ? '' : `encoder.layers.${i}.`;
    const a = `block${i}_attention`;
    state.set(`${prefix}self_attn.in_proj_weight`, { shape: [3 * WIDTH, WIDTH], data: concat(['query', 'key', 'value'].map((p) => transpose(value(`${a}/${p}/kernel`), WIDTH, WIDTH))) });
    state.set(`${prefix}self_attn.in_proj_bias`, { shape: [3 * WIDTH], data: concat(['query', 'key', 'value'].map((p) => value(`${a}/${p}/bias`))) });
    state.set(`${prefix}self_attn.out_proj.weight`, { shape: [WIDTH, WIDTH], data: transpose(value(`${a}/attention_output/kernel`), WIDTH, WIDTH) });
    state.set(`${prefix}self_attn.out_proj.bias`, { shape: [WIDTH], data: value(`${a}/attention_output/bias`) });
    state.set(`${prefix}linear1.weight`, { shape: [FF, WIDTH], data: transpose(value(`block${i}_linear1/kernel`), WIDTH, FF) });
    state.set(`${prefix}linear1.bias`, { shape: [FF], data: value(`block${i}_linear1/bias`) });
    state.set(`${prefix}linear2.weight`, { shape: [WIDTH, FF], data: transpose(value(`block${i}_linear2/kernel`), FF, WIDTH) });
    state.set(`${prefix}linear2.bias`, { shape: [WIDTH], data: value(`block${i}_linear2/bias`) });
    for (const n of [1, 2]) {
      state.set(`${prefix}norm${n}.weight`, { shape: [WIDTH], data: value(`block${i}_norm${n}/gamma`) });
      state.set(`${prefix}norm${n}.bias`, { shape: [WIDTH], data: value(`block${i}_norm${n}/beta`) });
    }
  }
  if (WORKLOADS[key].classifier) {
    state.set('out.weight', { shape: [CLASSES, WIDTH], data: transpose(value('classifier/kernel'), WIDTH, CLASSES) });
    state.set('out.bias', { shape: [CLASSES], data: value('classifier/bias') });
  }
  return state;
}

/** What the PyTorch check reports per workload. */
export interface TorchCheck {
  /** Max |Neurite − PyTorch| with PyTorch in training mode (its module-by-module path) and in eval mode without grad. */
  readonly train: number;
  readonly infer: number;
  /** Calls of torch._transformer_encoder_layer_fwd (the fused fast path) in the eval-mode forward. */
  readonly fastpathCalls: number;
}

/**
 * Runs PyTorch on Neurite's weights and inputs (bench/torch_transformer.py check) and
 * returns the largest output difference of each workload, or why it could not.
 */
export async function checkAgainstTorch(workloads: readonly TransformerId[]): Promise<Record<string, TorchCheck> | string> {
  const missing = torchMissing();
  if (missing) return missing;
  const nt: Nt = await import('../src/index.js');
  const dir = mkdtempSync(join(tmpdir(), 'bench-transformer-'));
  try {
    const chunks: Float32Array[] = [];
    let offset = 0;
    const put = (a: Float32Array): number => {
      chunks.push(a);
      offset += a.length;
      return offset - a.length;
    };
    const manifest: Record<string, { weights: [string, number[], number][]; x: [number[], number]; y: [number[], number] }> = {};
    for (const key of workloads) {
      const model = compiled(nt, key);
      const [x] = data(nt, key, CHECK_SAMPLES);
      const y = model.predictOnBatch(x) as Tensor;
      const weights: [string, number[], number][] = [];
      for (const [name, w] of torchStateDict(model, key)) weights.push([name, w.shape, put(w.data)]);
      manifest[key] = { weights, x: [[...x.shape], put(x.dataSync() as Float32Array)], y: [[...y.shape], put(y.dataSync() as Float32Array)] };
    }
    const bin = new Float32Array(offset);
    let o = 0;
    for (const c of chunks) {
      bin.set(c, o);
      o += c.length;
    }
    writeFileSync(join(dir, 'weights.bin'), bin);
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    const r = spawnSync(PYTHON, [join(ROOT, 'bench', 'torch_transformer.py'), '0', 'none', 'check', dir], { encoding: 'utf8', env: benchEnv({ PYTHONDONTWRITEBYTECODE: '1' }), timeout: 300_000 });
    const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith(RESULT_PREFIX));
    if (r.status !== 0 || !line) return `the PyTorch check failed (exit ${String(r.status)}): ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' / ').slice(0, 400)}`;
    return (JSON.parse(line.slice(RESULT_PREFIX.length)) as { checks: Record<string, TorchCheck> }).checks;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The notes of the comparison on the same weights. */
function checkNotes(workloads: readonly TransformerId[], checks: Record<string, TorchCheck> | string | null): string[] {
  if (checks === null) return [];
  if (typeof checks === 'string') return [`Neurite and PyTorch not compared on the same weights: ${checks}`];
  return workloads.filter((key) => checks[key]).map((key) => {
    const c = checks[key];
    const blocks = WORKLOADS[key].blocks;
    return `${key.toUpperCase()}: PyTorch ran Neurite's weights on ${CHECK_SAMPLES} samples: max |Neurite − PyTorch| ${c.train.toExponential(1)} in training mode, ${c.infer.toExponential(1)} in eval mode (fast path taken by ${c.fastpathCalls} of ${blocks} block${blocks === 1 ? '' : 's'})`;
  });
}

// ---- the run -------------------------------------------------------------------------------

async function main(): Promise<void> {
  const budget = envNumber('BENCH_BUDGET_S', 1, { min: 0.01 });
  const workloads = envList('BENCH_WORKLOADS', 't1,t2') as TransformerId[];
  for (const k of workloads) if (!(k in WORKLOADS)) throw new Error(`BENCH_WORKLOADS: unknown workload '${k}'; known: ${Object.keys(WORKLOADS).join(', ')}`);
  const side = sideArgs();
  if (side) {
    emit(await measure(workloads, budget));
    return;
  }
  const rounds = benchRounds();
  const started = await measureMachine();
  const { configs, notes } = torchConfigs(false);
  const checks = configs.length ? await checkAgainstTorch(workloads) : null;
  notes.push(...checkNotes(workloads, checks));
  const sides = [nodeSide('neurite', 'Neurite', SELF, [], { required: true }), ...configs.map((c) => torchSide(c, 'torch_transformer.py', budget, [workloads.join(',')]))];
  printStart('bench:transformer', started, rounds, sides, budget);
  const runs = alternateRounds<unknown>(sides, rounds, 'transformer');
  const machine = await remeasurePeak(started);
  const ours = (runs.get('neurite') as SideRuns<Run>).runs;
  let torchInfo: TorchSideInfo | null = null;
  for (const c of configs) {
    const r = runs.get(`torch:${c.id}`)?.runs[0] as TorchSideInfo | undefined;
    if (r) torchInfo = r;
  }
  const nt: Nt = await import('../src/index.js');
  const rows: TransformerRow[] = [];
  for (const key of workloads) {
    nt.setSeed(1);
    const flops = transformerFlops(build(nt, key));
    for (const kind of ['train', 'infer'] as const) {
      const neurite = cell(ours.map((r) => r.rates[`${key}_${kind}`]));
      const perSample = kind === 'train' ? flops.training : flops.forward;
      const gflops = (neurite.median * perSample) / 1e9;
      const torch = torchCells(runs, configs, (r: { rates: Record<string, number> }) => r.rates[`${key}_${kind}`]);
      const check = checks && typeof checks !== 'string' ? (checks[key] ?? null) : null;
      rows.push({
        workload: key, title: WORKLOADS[key].label, kind, batch: BATCH, flopsPerSample: perSample, neurite, gflops, peakPercent: (100 * gflops) / machine.peakGflops,
        torch, torchBest: bestOf(torch, true), maxAbsDiff: check ? check[kind] : null,
      });
    }
  }
  const results: TransformerResults = {
    ...makeHeader({
      benchmark: 'transformer',
      command: 'npm run bench:transformer',
      machine,
      pins: [...nativePins(ours[0].threads), { library: 'PyTorch', threads: torchInfo?.threads ?? null, how: 'torch.set_num_threads(n)' }],
      versions: { ...libraryVersions(['torch', 'tcmalloc']), torch: torchInfo?.version ?? null },
      rounds,
      budgetSeconds: budget,
      notes: [...notes, ...failureNotes(runs.values())],
    }),
    backend: ours[0].backend,
    rows,
  };
  const file = writeResults('transformer', results);
  console.log(renderTransformer(results, 'bench-results/transformer.json'));
  console.log(`(written to ${file})`);
}

// Run as a script (node build/bench/transformer.js and its children), not when imported (test/bench-tables.test.ts).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
