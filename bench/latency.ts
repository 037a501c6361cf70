/**
 * `npm run bench:latency`: predict latency of W1 and W2 at batch 1 and batch 1024, Neurite
 * (its default backend) against ONNX Runtime (onnxruntime-node) running the same model with
 * the same weights, exported by Neurite's own ONNX exporter:
 *
 *   W1  Dense 784→512 relu → 256 relu → 10 softmax
 *   W2  Keras mnist_cnn (Conv 32, Conv 64, MaxPool, Dropout, Dense 128, Dropout, Dense 10)
 *
 * One process, both sides with the same thread count (Neurite's pool and BLAS threads;
 * ORT's intra-op threads, its default spinning: its best latency), alternating rounds (the
 * side that goes first alternates), each round after a warm-up; the table shows the median
 * time per predict call over the rounds and its range, samples/s, GFLOP/s and the share of
 * the machine's measured fp32 peak. Outputs are compared (max |Neurite − ORT|).
 *
 *   BENCH_ROUNDS=7 BENCH_ROUND_S=0.5 npm run bench:latency
 *   BENCH_THREADS=1 npm run bench:latency
 * Writes bench-results/latency.json.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import * as nt from '../src/index.js';
import { writeResults } from './common.js';

type Ort = typeof import('onnxruntime-node');

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const ROUND_S = Number(process.env.BENCH_ROUND_S ?? 0.4);
const THREADS = Number(process.env.BENCH_THREADS ?? availableParallelism());
const BATCHES = (process.env.BENCH_BATCHES ?? '1,1024').split(',').map(Number);

interface Workload {
  readonly name: string;
  readonly build: () => nt.Sequential;
  readonly sample: number[];
  /** Multiply-adds × 2 per sample. */
  readonly flops: number;
}

const conv = (filters: number, inputShape?: number[]): nt.Conv2D => new nt.Conv2D({ filters, kernelSize: 3, activation: 'relu', inputShape });

const WORKLOADS: Workload[] = [
  {
    name: 'W1',
    build: () => new nt.Sequential([new nt.Dense({ units: 512, activation: 'relu', inputShape: [784] }), new nt.Dense({ units: 256, activation: 'relu' }), new nt.Dense({ units: 10, activation: 'softmax' })]),
    sample: [784],
    flops: 2 * (784 * 512 + 512 * 256 + 256 * 10),
  },
  {
    name: 'W2',
    build: () => new nt.Sequential([conv(32, [28, 28, 1]), conv(64), new nt.MaxPooling2D({ poolSize: 2 }), new nt.Dropout({ rate: 0.25 }), new nt.Flatten(), new nt.Dense({ units: 128, activation: 'relu' }), new nt.Dropout({ rate: 0.5 }), new nt.Dense({ units: 10, activation: 'softmax' })]),
    sample: [28, 28, 1],
    flops: 2 * (26 * 26 * 32 * 9 + 24 * 24 * 64 * 288 + 9216 * 128 + 128 * 10),
  },
];

/** Mean microseconds per call of `step` over one round of ROUND_S seconds (at least 3 calls). */
async function timeRound(step: () => Promise<void> | void): Promise<number> {
  const t = performance.now();
  let n = 0;
  while ((performance.now() - t) / 1000 < ROUND_S || n < 3) {
    await step();
    n++;
  }
  return ((performance.now() - t) * 1000) / n;
}

async function warm(step: () => Promise<void> | void): Promise<void> {
  const t = performance.now();
  let n = 0;
  while ((performance.now() - t) / 1000 < 0.15 || n < 5) {
    await step();
    n++;
  }
}

const median = (v: readonly number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1];

interface Row {
  readonly workload: string;
  readonly batch: number;
  readonly neuriteUs: number;
  readonly neuriteRange: readonly [number, number];
  readonly ortUs: number;
  readonly ortRange: readonly [number, number];
  readonly ratio: number;
  readonly maxAbsDiff: number;
  readonly neuriteGflops: number;
  readonly ortGflops: number;
}

async function main(): Promise<void> {
  const require = createRequire(import.meta.url);
  const ort = require('onnxruntime-node') as Ort;
  const addon = nt.nativeAddon();
  if (addon) addon.setThreads(THREADS);
  const peak = addon ? addon.peakGflops(1) : NaN;
  const backend = nt.getBackendName();
  console.log(`Predict latency: Neurite ${backend} backend vs ONNX Runtime ${ort.env.versions?.common ?? ''} (onnxruntime-node), ${THREADS} thread(s) each; ` +
    `${ROUNDS} alternating rounds of ${ROUND_S} s per case after a warm-up; medians [min–max]; machine peak ${peak.toFixed(0)} GFLOP/s fp32 (measured)`);
  const rows: Row[] = [];
  for (const w of WORKLOADS) {
    nt.setSeed(7);
    const model = w.build();
    const session = await ort.InferenceSession.create(await nt.io.toOnnxBytes(model), {
      intraOpNumThreads: THREADS,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    for (const batch of BATCHES) {
      const x = nt.randomUniform([batch, ...w.sample], { seed: 11 });
      const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', Float32Array.from(x.dataSync()), [batch, ...w.sample]) };
      const outName = session.outputNames[0];
      const ours = (): Promise<void> | void => {
        const y = model.predict(x, { batchSize: batch }) as nt.Tensor;
        y.dataSync();
      };
      const theirs = async (): Promise<void> => {
        await session.run(feeds);
      };
      const a = (model.predict(x, { batchSize: batch }) as nt.Tensor).dataSync();
      const b = (await session.run(feeds))[outName].data as Float32Array;
      let maxAbsDiff = 0;
      for (let i = 0; i < a.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(a[i] - b[i]));
      await warm(ours);
      await warm(theirs);
      const tn: number[] = [];
      const to: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        if (r % 2 === 0) {
          tn.push(await timeRound(ours));
          to.push(await timeRound(theirs));
        } else {
          to.push(await timeRound(theirs));
          tn.push(await timeRound(ours));
        }
      }
      const neuriteUs = median(tn);
      const ortUs = median(to);
      rows.push({
        workload: w.name,
        batch,
        neuriteUs,
        neuriteRange: [Math.min(...tn), Math.max(...tn)],
        ortUs,
        ortRange: [Math.min(...to), Math.max(...to)],
        ratio: neuriteUs / ortUs,
        maxAbsDiff,
        neuriteGflops: (w.flops * batch) / neuriteUs / 1e3,
        ortGflops: (w.flops * batch) / ortUs / 1e3,
      });
    }
    await session.release();
  }
  const us = (v: number): string => (v >= 1000 ? `${(v / 1000).toFixed(2)} ms` : `${v.toFixed(1)} µs`);
  const range = (r: readonly [number, number]): string => `[${us(r[0])}–${us(r[1])}]`;
  const pct = (g: number): string => (Number.isFinite(peak) ? `${((100 * g) / peak).toFixed(1)}%` : '—');
  console.log('| workload | batch | Neurite per call | ONNX Runtime per call | Neurite / ORT time | Neurite samples/s | Neurite GFLOP/s (% peak) | ORT GFLOP/s (% peak) | max abs diff |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.workload} | ${r.batch} | ${us(r.neuriteUs)} ${range(r.neuriteRange)} | ${us(r.ortUs)} ${range(r.ortRange)} | ${r.ratio.toFixed(2)}x | ${Math.round((r.batch * 1e6) / r.neuriteUs)} | ` +
      `${r.neuriteGflops.toFixed(1)} (${pct(r.neuriteGflops)}) | ${r.ortGflops.toFixed(1)} (${pct(r.ortGflops)}) | ${r.maxAbsDiff.toExponential(1)} |`);
  }
  const file = writeResults('latency', { threads: THREADS, backend, peakGflops: peak, rounds: ROUNDS, roundSeconds: ROUND_S, ort: ort.env.versions?.common ?? null, rows });
  console.log(`(written to ${file})`);
}

await main();
