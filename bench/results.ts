/**
 * The shapes of the JSON files the benchmarks write to bench-results/ (types only, no code:
 * the bench scripts write them, bench/tables.ts reads them back to print the tables and to
 * regenerate the README's benchmark blocks; the one import is type-only).
 *
 * Every file starts with a {@link Header}: the machine, its measured peak, the thread
 * count each library was pinned to, every library's version and the protocol (rounds,
 * seconds per measurement). Measurements over rounds are {@link Cell}s: the median and the
 * spread (min, max) of one value per round, each round's value measured in its own process.
 */
import type { ImageDataGeneratorArgs } from '../src/index.js';

/** Bumped when a file's layout changes; bench/tables.ts refuses files of another version. */
export const RESULTS_VERSION = 1;

/** One quantity over the rounds: the median, the range, and every round's value. */
export interface Cell {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly values: readonly number[];
}

/** The machine a benchmark ran on. */
export interface Machine {
  /** CPU model name from /proc/cpuinfo (or os.cpus()). */
  readonly cpu: string;
  /** Logical cores the process may use. */
  readonly cores: number;
  /** The widest vector extension the CPU reports (AVX-512, AVX2, ...). */
  readonly isa: string;
  readonly memoryGiB: number;
  /** fp32 GFLOP/s measured by the native addon (multiply-add chains on `peakThreads` threads), NaN without the addon. */
  readonly peakGflops: number;
  readonly peakThreads: number;
  /** Every measurement of the peak (1 s before and after the rounds, 0.25 s before each round); peakGflops is the highest. */
  readonly peakSamples: readonly number[];
}

/** How one library's threads were pinned, and the count its side reported back. */
export interface ThreadPin {
  readonly library: string;
  /** The count the side reported (null: the side did not run). */
  readonly threads: number | null;
  /** How the count was set (the call or option). */
  readonly how: string;
}

/** The first fields of every results file. */
export interface Header {
  readonly resultsVersion: number;
  readonly benchmark: string;
  /** ISO date and time the run ended. */
  readonly date: string;
  /** The npm script that produced it. */
  readonly command: string;
  readonly machine: Machine;
  /** The thread count every side was pinned to (BENCH_THREADS). */
  readonly threads: number;
  readonly pins: readonly ThreadPin[];
  /** Library → version (null: not installed). */
  readonly versions: Readonly<Record<string, string | null>>;
  readonly rounds: number;
  /** Seconds of timed work per measurement in each round. */
  readonly budgetSeconds: number;
  /** Protocol notes and anything that went wrong (a side that failed, fewer rounds than 5). */
  readonly notes: readonly string[];
}

/** A goal of issue 19 and how this run did against it. */
export interface Target {
  /** What is compared, e.g. '% of peak', 'x PyTorch', 'x ORT', 'RSS vs PyTorch'. */
  readonly label: string;
  readonly comparison: '>=' | '<=';
  readonly goal: number;
  /** The measured value (null: the comparison side was not measured). */
  readonly value: number | null;
  readonly unit: '%' | 'x' | 'MB';
  readonly met: boolean | null;
}

/** One PyTorch configuration's cell (allocator × memory layout). */
export interface TorchCell {
  /** e.g. 'tcmalloc/channels_last'. */
  readonly config: string;
  readonly cell: Cell;
}

export type WorkloadId = 'w1' | 'w2' | 'w3';

/** The fields every samples/s row shares (models, recurrent). */
export interface RateRow {
  /** e.g. 'W1 MLP 784-512-256-10, Adam'. */
  readonly title: string;
  readonly kind: 'train' | 'infer';
  readonly batch: number;
  /** FLOPs per sample derived from the model (training: forward + both gradients). */
  readonly flopsPerSample: number;
  /** Samples/s. */
  readonly neurite: Cell;
  readonly gflops: number;
  readonly peakPercent: number;
}

/** bench-results/models.json: one row per workload and kind. */
export interface ModelsRow extends RateRow {
  readonly workload: WorkloadId;
  /** The previous release's samples/s (null: not measured). */
  readonly previous: Cell | null;
  /** Every PyTorch configuration measured (samples/s). */
  readonly torch: readonly TorchCell[];
  /** The configuration with the highest median, counted in the comparison (null: none ran). */
  readonly torchBest: string | null;
  /** ONNX Runtime's samples/s on the same model and weights (inference rows). */
  readonly ort: Cell | null;
  readonly targets: readonly Target[];
}

/** Peak RSS of a process doing training steps (MB, its high-water mark right after them). */
export interface RssRow {
  readonly workload: WorkloadId;
  readonly batch: number;
  readonly neurite: Cell;
  readonly torch: readonly TorchCell[];
  /** The configuration counted (the fastest at training, as in the speed comparison). */
  readonly torchBest: string | null;
  readonly target: Target;
}

export interface ModelsResults extends Header {
  readonly backend: string;
  /** The previous release's commit (null: not measured). */
  readonly previous: string | null;
  readonly rows: readonly ModelsRow[];
  readonly rss: readonly RssRow[];
}

/** bench-results/latency.json: time per predict call, Neurite against ONNX Runtime. */
export interface LatencyRow {
  readonly workload: 'w1' | 'w2';
  readonly title: string;
  readonly batch: number;
  readonly flopsPerSample: number;
  /** Microseconds per predict call. */
  readonly neurite: Cell;
  readonly ort: Cell;
  /** ORT time / Neurite time (above 1: Neurite is faster). */
  readonly speedup: number;
  readonly neuriteGflops: number;
  readonly ortGflops: number;
  readonly neuritePeakPercent: number;
  readonly ortPeakPercent: number;
  readonly maxAbsDiff: number;
  readonly target: Target | null;
}

export interface LatencyResults extends Header {
  readonly backend: string;
  readonly rows: readonly LatencyRow[];
}

/** bench-results/ops.json: seconds per kernel call. */
export interface OpsRow {
  readonly name: string;
  /** FLOPs per call (0 for the tiny-op row). */
  readonly flop: number;
  /** Seconds per call. */
  readonly neurite: Cell;
  /** The js reference backend, one run (null: skipped). */
  readonly js: number | null;
  readonly torch: readonly TorchCell[];
  readonly torchBest: string | null;
  readonly gflops: number;
  readonly peakPercent: number;
}

export interface OpsResults extends Header {
  readonly rows: readonly OpsRow[];
}

/** bench-results/wasm.json: the wasm backend against tfjs-wasm. */
export interface WasmRow {
  readonly key: 'w1Train' | 'w2Infer' | 'w2Train';
  readonly title: string;
  readonly batch: number;
  readonly flopsPerSample: number;
  readonly neurite: Cell;
  readonly gflops: number;
  readonly peakPercent: number;
  readonly previous: Cell | null;
  /** Samples/s, or why tfjs-wasm has no number. */
  readonly tfjs: Cell | string;
}

export interface WasmResults extends Header {
  readonly neuriteThreads: number;
  readonly tfjsThreads: number;
  /** e.g. 'tfjs-backend-wasm 4.22.0 SIMD, 1 thread (no threads in Node)'. */
  readonly tfjsLabel: string;
  readonly previous: string | null;
  readonly rows: readonly WasmRow[];
}

/** bench-results/recurrent.json. */
export interface RecurrentRow extends RateRow {
  readonly workload: string;
  readonly torch: readonly TorchCell[];
  readonly torchBest: string | null;
}

export interface RecurrentResults extends Header {
  readonly backend: string;
  readonly rows: readonly RecurrentRow[];
}

/** bench-results/transformer.json: one row per workload (T1 one encoder block, T2 a 4-block classifier) and kind. */
export interface TransformerRow extends RateRow {
  readonly workload: string;
  /** Every PyTorch configuration measured (samples/s). */
  readonly torch: readonly TorchCell[];
  readonly torchBest: string | null;
  /**
   * Max |Neurite − PyTorch| of the outputs with PyTorch running Neurite's weights, checked
   * once before the rounds on the path this row times (train: PyTorch in training mode;
   * infer: eval mode, its fused fast path); null: not compared.
   */
  readonly maxAbsDiff: number | null;
}

export interface TransformerResults extends Header {
  readonly backend: string;
  readonly rows: readonly TransformerRow[];
}

/** bench-results/scaling.json. */
export interface ScalingBatchRow {
  readonly workload: 'w1' | 'w2';
  readonly kind: 'train' | 'infer';
  readonly threads: number;
  readonly batch: number;
  readonly flopsPerSample: number;
  /** Samples/s. */
  readonly cell: Cell;
  readonly gflops: number;
  readonly peakPercent: number;
}

export interface ScalingWidthRow {
  /** The two hidden layers' widths (h, h/2). */
  readonly hidden: readonly [number, number];
  readonly batch: number;
  readonly flopsPerSample: number;
  /** Training samples/s. */
  readonly cell: Cell;
  /** Seconds per epoch of `epochSamples` samples (from the median rate). */
  readonly epochSeconds: number;
  readonly gflops: number;
  readonly peakPercent: number;
}

export interface ScalingResults extends Header {
  readonly backend: string;
  readonly batches: readonly number[];
  readonly threadCounts: readonly number[];
  readonly epochSamples: number;
  readonly batchRows: readonly ScalingBatchRow[];
  readonly widthRows: readonly ScalingWidthRow[];
}

/** bench:augment's workloads (A1 flow 28×28×1, A2 flow 128×128×3, A3 flowFromDirectory PNGs). */
export type AugmentId = 'a1' | 'a2' | 'a3';

/** bench-results/augment.json: one row per workload (augmentation images/s beside mnist_cnn training samples/s). */
export interface AugmentRow {
  readonly workload: AugmentId;
  readonly title: string;
  readonly shape: readonly number[];
  readonly batch: number;
  /** Augmented images/s. */
  readonly augment: Cell;
  /** mnist_cnn training samples/s on images of the same size and batch. */
  readonly train: Cell;
  /** Median augmentation rate / median training rate (above 1: augmentation keeps up). */
  readonly ratio: number;
  /** Training FLOPs per sample (from the model) and the GFLOP/s of the median. */
  readonly trainFlopsPerSample: number;
  readonly trainGflops: number;
  readonly trainPeakPercent: number;
  readonly target: Target;
}

export interface AugmentResults extends Header {
  readonly backend: string;
  readonly augmentation: ImageDataGeneratorArgs;
  readonly rows: readonly AugmentRow[];
}

/** bench:data's fit workloads (D1 mnist_cnn, D2 MLP; D3 the augmented pipeline end to end). */
export type DataFitId = 'd1' | 'd2' | 'd3';

/** bench-results/data.json: fit on a Dataset against fit on the same arrays (training samples/s). */
export interface DataFitRow {
  readonly workload: DataFitId;
  /** e.g. 'D1 mnist_cnn, Adam'. */
  readonly title: string;
  /** Images per epoch. */
  readonly samples: number;
  readonly batch: number;
  /** The Dataset chain, e.g. 'fromTensorSlices([x, y]).shuffle(8192).batch(128).prefetch(1)'. */
  readonly pipeline: string;
  /** fit(x, y, { shuffle: true }) samples/s. */
  readonly arrays: Cell;
  /** fit(dataset) samples/s. */
  readonly dataset: Cell;
  /** Samples/s of a pass over the Dataset without training (null: not measured). */
  readonly pipelineAlone: Cell | null;
  /** Median Dataset rate / median arrays rate. */
  readonly ratio: number;
  /** Dataset ≥ 0.95x arrays (null: reported without a target, as the end-to-end row). */
  readonly target: Target | null;
}

/** bench-results/data.json: the augmentation pipeline's images/s against mnist_cnn training samples/s. */
export interface DataAugmentRow {
  readonly workload: 'd3';
  readonly title: string;
  readonly samples: number;
  readonly batch: number;
  readonly pipeline: string;
  /** The layers of the map, e.g. "RandomFlip('horizontal'), RandomTranslation(0.1, 0.1), RandomRotation(0.05)". */
  readonly augmentation: string;
  /** Augmented images/s. */
  readonly augment: Cell;
  /** mnist_cnn trainOnBatch samples/s, same batch. */
  readonly train: Cell;
  /** Median augmentation rate / median training rate. */
  readonly ratio: number;
  readonly target: Target;
}

export interface DataResults extends Header {
  readonly backend: string;
  readonly fitRows: readonly DataFitRow[];
  readonly augmentRows: readonly DataAugmentRow[];
}

/** bench-results/memory.json: one sample of the curve, after the epoch's garbage collection (bytes). */
export interface MemorySample {
  readonly epoch: number;
  readonly rss: number;
  readonly heapUsed: number;
  readonly arrayBuffers: number;
  /** Bytes of live tensor buffers counted by nt.memory() (all memories), and how many. */
  readonly tensorBytes: number;
  readonly tensors: number;
  readonly loss: number;
}

/** RSS, heap and live tensor growth between two epochs of the curve (MB). */
export interface MemoryGrowth {
  readonly fromEpoch: number;
  readonly toEpoch: number;
  readonly rssMb: number;
  readonly heapMb: number;
  readonly tensorMb: number;
  readonly tensors: number;
}

/** bench-results/memory.json: the curve with the common header. */
export interface MemoryResults extends Header {
  readonly backend: string;
  /** e.g. 'MLP 784-64-10, Adam, batch 128'. */
  readonly model: string;
  readonly epochs: number;
  readonly rows: number;
  /** Wall seconds of the training run. */
  readonly seconds: number;
  /** From the end of the warm-up (epoch 10, or the last) to the last epoch. */
  readonly growth: MemoryGrowth;
  readonly samples: readonly MemorySample[];
}

/** The GPU adapter the webgpu side got (GPUAdapterInfo's fields). */
export type Adapter = { vendor: string; architecture: string; device: string; description: string };

/** bench-results/webgpu.json: one row per workload and kind. */
export interface WebgpuRow {
  readonly workload: WorkloadId;
  readonly title: string;
  readonly kind: 'train' | 'infer';
  /** The batch measured (small on an emulated adapter unless BENCH_FULL=1). */
  readonly batch: number;
  /** The batch bench:models uses. */
  readonly fullBatch: number;
  /** FLOPs per sample derived from the model (training: forward + both gradients). */
  readonly flopsPerSample: number;
  /** Samples/s (null: the side did not run). */
  readonly webgpu: Cell | null;
  readonly cpu: Cell | null;
  /** Median webgpu / median CPU. */
  readonly ratio: number | null;
  readonly webgpuGflops: number | null;
  readonly cpuGflops: number | null;
  /** The CPU side's % of the measured fp32 peak. */
  readonly cpuPeakPercent: number | null;
  /** Median GPU dispatches per call. */
  readonly dispatches: number | null;
}

export interface WebgpuResults extends Header {
  readonly workloads: readonly WorkloadId[];
  readonly adapter: Adapter | null;
  /** How the adapter was found (VK_ICD_FILENAMES as given, SwiftShader's ICD, none). */
  readonly adapterNote: string;
  readonly swiftshader: boolean;
  readonly emulated: boolean;
  readonly reducedBatches: boolean;
  readonly cpuBackend: string;
  readonly cpuThreads: number | null;
  readonly rows: readonly WebgpuRow[];
  readonly failures: readonly string[];
}

/** bench-results/distributed.json: one training configuration (ranks × threads per rank). */
export interface DistributedTrainRow {
  /** e.g. 'mnist_cnn 2 ranks × 1 thread'. */
  readonly label: string;
  readonly model: string;
  readonly ranks: number;
  readonly threadsPerRank: number;
  readonly perRankBatch: number;
  readonly globalBatch: number;
  /** Training samples/s of the whole job. */
  readonly rate: Cell;
  /** Milliseconds per training step of the job. */
  readonly stepMs: Cell;
  /** Milliseconds per step rank 0 spent in the gradients' allreduce (null: one process). */
  readonly allreduceMs: Cell | null;
  /** Achieved GFLOP/s of the job (training FLOPs from the model's layers) and % of the machine's peak. */
  readonly gflops: number;
  readonly peakPercent: number;
}

/** bench-results/distributed.json: MPI_Allreduce of one float32 buffer on 2 ranks. */
export interface DistributedBusRow {
  readonly bytes: number;
  /** Microseconds per allreduce. */
  readonly us: Cell;
  /** bytes / time, GB/s. */
  readonly algbw: Cell;
  /** algbw × 2(N − 1)/N (what each link carries in a ring), GB/s. */
  readonly busbw: Cell;
}

/** bench-results/distributed.json: the scaling model at N ranks on one link speed. */
export interface DistributedModelRow {
  readonly model: string;
  readonly parameters: number;
  readonly perRankBatch: number;
  /** Compute time per step of one rank, measured here (ms). */
  readonly computeMs: number;
  readonly linkGbit: number;
  readonly ranks: number;
  /** Ring allreduce time 2(N − 1)/N · G / L + 2(N − 1)·α (ms). */
  readonly allreduceMs: number;
  /** C / (C + T). */
  readonly efficiency: number;
}

export interface DistributedResults extends Header {
  readonly backend: string;
  readonly mpi: string | null;
  readonly trainRows: readonly DistributedTrainRow[];
  /** 1 rank × 2 threads against 2 ranks × 1 thread: median rate ratio (null: a side missing). */
  readonly ratio: number | null;
  /** The model's prediction for 2 ranks × 1 thread on this machine: 1 rank × 1 thread's compute plus the measured allreduce of the gradients (samples/s; null: a side missing). */
  readonly predicted: { readonly rate: number; readonly computeMs: number; readonly allreduceMs: number } | null;
  readonly busRows: readonly DistributedBusRow[];
  /** The latency per ring step α the model uses (µs). */
  readonly alphaUs: number;
  readonly modelRows: readonly DistributedModelRow[];
}
