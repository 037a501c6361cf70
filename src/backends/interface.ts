import type { Memory } from '../tensor/storage.js';
import type { BinaryOp, ReduceOp, RnnCell, UnaryOp, UpdateHyper, UpdateRule } from './op-table.js';

export type { BinaryOp, ReduceOp, RnnCell, UnaryOp, UpdateHyper, UpdateRule } from './op-table.js';
export type { Memory } from '../tensor/storage.js';

/**
 * Backend names. native, wasm and js are tried in that order when none is forced; webgpu
 * runs only when asked for (setBackend('webgpu') or NEURITE_BACKEND=webgpu).
 */
export type BackendName = 'native' | 'wasm' | 'js' | 'webgpu';

/**
 * The kernel set. Every backend (js reference, native addon, wasm) implements this one
 * interface over handles of its own memory (`H`: typed arrays in host memory, blocks of
 * linear memory in wasm); the ops above it deal in Tensors, shapes and gradients, and the
 * engine (src/engine/) allocates every output before the call: kernels write their
 * results into the handles they are given (destination passing) and never allocate
 * tensors, so planned execution can hand them the same buffers step after step.
 * Kernels never write into their inputs, except the optimizer update (in place by
 * definition).
 *
 * Sizes and dtypes come from the handles (`memory.bytes`, the typed array's type on the
 * host). Conventions: images are NHWC, conv filters HWIO `[kH, kW, inC / groups, outC]`;
 * "outer, n, inner" describes a tensor viewed as `[outer, n, inner]` with the middle axis
 * being the one reduced or normalized.
 *
 * native and wasm supply only the kernels they accelerate (see accelerated.ts, which adds
 * size cut-over, dtype checks, validation and the js fallback); js implements all of them.
 */
export interface Backend<H = unknown> {
  readonly name: BackendName;
  /** Where this backend's tensors live. */
  readonly memory: Memory<H>;

  // ---- elementwise -------------------------------------------------------------------
  /** y = f(x) (same dtype and size as x). */
  unary(op: UnaryOp, x: H, y: H, p: UnaryParams): void;
  /** dx = dy * f'(x) for float32 data; `y` is f(x) (rules that need the output use it). */
  unaryGrad(op: UnaryOp, x: H, y: H, dy: H, dx: H, p: UnaryParams): void;
  /**
   * A fused chain of elementwise steps over float32 data (plans build it from consecutive
   * unary ops and binary ops with a scalar): y = s_n(…s_1(x)), rounded to float32 after
   * every step, so the result equals running the steps one by one.
   */
  elementwiseChain(steps: readonly ChainStep[], x: H, y: H): void;
  /** NumPy-broadcast binary op; `out` has the dtype of `a` (both inputs share it). */
  binary(op: BinaryOp, a: H, aShape: Shape, b: H, bShape: Shape, out: H, outShape: Shape): void;
  /** out = cond != 0 ? a : b, broadcast over the three shapes. */
  where(cond: H, condShape: Shape, a: H, aShape: Shape, b: H, bShape: Shape, out: H, outShape: Shape): void;
  broadcastTo(x: H, xShape: Shape, out: H, outShape: Shape): void;
  /** Converts into `out`'s dtype; float32 → int32 truncates toward zero. */
  cast(x: H, out: H): void;
  /** out = x (same dtype and size). */
  copy(x: H, out: H): void;

  // ---- reductions ---------------------------------------------------------------------
  reduce(op: ReduceOp, x: H, out: H, outer: number, n: number, inner: number): void;
  /** Index (int32) of the first extreme value along the middle axis. */
  argReduce(op: 'argmax' | 'argmin', x: H, out: H, outer: number, n: number, inner: number): void;
  cumulative(op: 'sum' | 'prod', x: H, out: H, outer: number, n: number, inner: number, exclusive: boolean, reverse: boolean): void;
  softmax(x: H, y: H, outer: number, n: number, inner: number, log: boolean): void;
  /** Gradient of softmax (log=false) or logSoftmax (log=true) given its output y. */
  softmaxGrad(y: H, dy: H, dx: H, outer: number, n: number, inner: number, log: boolean): void;

  // ---- linear algebra -----------------------------------------------------------------
  /**
   * Batched C = op(A)·op(B); batchA and batchB are equal or 1 (broadcast). An epilogue
   * applies act(C + bias) over C's last axis in the same call (dense layers).
   */
  matmul(a: H, b: H, c: H, spec: MatmulSpec, epilogue?: Epilogue<H>): void;

  // ---- data movement ------------------------------------------------------------------
  transpose(x: H, shape: Shape, perm: readonly number[], out: H): void;
  slice(x: H, shape: Shape, begin: readonly number[], size: readonly number[], out: H): void;
  /** Concatenates inputs viewed as `[outer, widths[i]]` along the second axis. */
  concat(xs: readonly H[], outer: number, widths: readonly number[], out: H): void;
  pad(x: H, shape: Shape, pads: readonly (readonly [number, number])[], mode: PadMode, value: number, out: H): void;
  /** Gradient of pad: sums the output gradient back onto the input positions it came from. */
  padGrad(dy: H, xShape: Shape, pads: readonly (readonly [number, number])[], mode: PadMode, dx: H): void;
  /**
   * x viewed as `[outer, n, inner]`; out `[outer, indices.size, inner]`. Indices are int32
   * in [-n, n) (negative ones count from the end); any other index is a RangeError.
   */
  gather(x: H, outer: number, n: number, inner: number, indices: H, out: H): void;
  /** Inverse of gather for gradients: out `[outer, n, inner]`, repeated indices add up. */
  scatterAdd(dy: H, outer: number, n: number, inner: number, indices: H, out: H): void;
  tile(x: H, shape: Shape, reps: readonly number[], out: H): void;
  /** float32 one-hot rows of `depth` for int32 indices; out-of-range indices give all-off rows. */
  oneHot(indices: H, depth: number, onValue: number, offValue: number, out: H): void;

  // ---- convolution and pooling (NHWC) -------------------------------------------------
  /** Convolution, optionally with a fused epilogue y = act(conv + bias) (one pass, no extra tensors). */
  conv2d(x: H, filter: H, y: H, info: Conv2DInfo, epilogue?: Epilogue<H>): void;
  /** Gradient of conv2d with respect to its input (also the forward pass of conv2dTranspose). */
  conv2dBackpropInput(dy: H, filter: H, dx: H, info: Conv2DInfo): void;
  conv2dBackpropFilter(x: H, dy: H, dw: H, info: Conv2DInfo): void;
  /**
   * Backward of a bias + activation epilogue over `[rows, channels]`: given the epilogue's
   * output y and its gradient dy, the gradient before the activation (dy·act'(y)) and the
   * bias gradient (its column sums), in one pass.
   */
  biasActivationGrad(y: H, dy: H, dpre: H, dbias: H, channels: number, activation: EpilogueActivation): void;
  pool2d(x: H, y: H, info: Pool2DInfo): void;
  pool2dGrad(x: H, dy: H, dx: H, info: Pool2DInfo): void;
  /**
   * The gradient of max pooling over x, the output of a layer with bias and ReLU, through
   * that layer's epilogue, in one pass: dx = pool2dGrad(x, dy) · relu'(x) and dbias =
   * channel sums of dx, i.e. pool2dGrad then biasActivationGrad(x, ·, dx, dbias, channels,
   * 'relu'). A window's gradient reaches its first maximum only when that maximum is > 0.
   * Plans fuse the two steps into this one (engine/fuse.ts).
   */
  pool2dGradBiasRelu(x: H, dy: H, dx: H, dbias: H, info: Pool2DInfo): void;
  resize2d(x: H, y: H, info: ResizeInfo): void;
  resize2dGrad(dy: H, dx: H, info: ResizeInfo): void;
  /**
   * Keras' map_coordinates on NHWC images x `[batch, height, width, channels]`: output pixel p
   * of image n reads x at column sx[p], row sy[p] (both `[batch, height, width]`), bilinear
   * (⌊v⌋ and ⌊v⌋ + 1, weights 1 − f and f) or nearest (⌊v + ½⌋), each neighbour outside the
   * image mapped by the fill mode (constant reads fillValue). No gradient kernel: the
   * geometric layers compose ops where a gradient is wanted.
   */
  sampleImage(x: H, sx: H, sy: H, out: H, info: SampleImageInfo): void;

  // ---- randomness ---------------------------------------------------------------------
  /**
   * An inverted-dropout mask: each element is 0 with probability `rate`, else 1 / (1 − rate).
   * Elements are drawn in blocks of 65536, block b from `new Rng(blockSeed(seed, b))`
   * (xoshiro128**; see backends/js/random.ts), so every backend gives the same mask.
   */
  dropoutMask(mask: H, rate: number, seed: number): void;
  /**
   * Dropout in one pass: writes the mask of dropoutMask(mask, rate, seed) and y = x · mask
   * (x, y and mask of one size), so the mask is not read back by a separate multiply.
   */
  dropout(x: H, y: H, mask: H, rate: number, seed: number): void;

  // ---- optimizers (the only kernels that write into their inputs) ----------------------
  /**
   * One optimizer step for one variable, in place: `param` and every handle in `slots` are
   * updated from `grad` by `rule`, with the step's scalars by name (learning rate after
   * schedules, betas, epsilon, powers for bias correction, ...; the op table lists each
   * rule's fields). Slot layouts and formulas are documented in backends/js/optimizers.ts;
   * every backend implements exactly those formulas.
   */
  applyUpdate<R extends UpdateRule>(rule: R, param: H, grad: H, slots: readonly H[], hyper: UpdateHyper<R>): void;

  // ---- normalization ------------------------------------------------------------------
  /** y = (x - mean) / sqrt(variance + eps) * scale + offset, per channel of `[outer, c, inner]`. */
  batchNorm(x: H, mean: H, variance: H, offset: H | null, scale: H | null, y: H, eps: number, outer: number, c: number, inner: number): void;
  batchNormGrad(x: H, mean: H, variance: H, scale: H | null, dy: H, grads: BatchNormGrads<H>, eps: number, outer: number, c: number, inner: number): void;

  /**
   * Layer normalization over the last axis of x `[rows, c]`: y = (x − mean)·rstd·gamma + beta
   * with rstd = 1/√(variance + eps) (biased variance); gamma and beta `[c]` may be null.
   * Also writes each row's mean and rstd `[rows]`, which the gradient reads.
   */
  layerNorm(x: H, gamma: H | null, beta: H | null, y: H, mean: H, rstd: H, eps: number, rows: number, c: number): void;
  /** Gradients of layerNorm: dx, and dGamma/dBeta `[c]` where given (with xhat = (x − mean)·rstd: Σ dy·xhat and Σ dy over the rows). */
  layerNormGrad(x: H, gamma: H | null, mean: H, rstd: H, dy: H, grads: LayerNormGrads<H>, rows: number, c: number): void;

  // ---- fused recurrent layers (LSTM, GRU; tanh and sigmoid) ----------------------------
  /**
   * Runs a whole sequence through an LSTM or GRU cell (see RnnInfo for the layouts).
   * `xw` is the input projection x·W + b of every step, `[batch, time, gates·units]`;
   * `kernel` the recurrent kernel `[units, gates·units]`; `bias` the GRU recurrent bias
   * `[3·units]` (cell 'gru' only, else null); `h0`, `c0` the initial states `[batch, units]`
   * (c0 for LSTM only); `mask` `[batch, time]` (nonzero = run the step) or null. Writes
   * the packed result into `y` and, when `reserve` is given (training), what the backward
   * kernel needs.
   */
  rnnForward(info: RnnInfo, xw: H, kernel: H, bias: H | null, h0: H, c0: H | null, mask: H | null, y: H, reserve: H | null): void;
  /** Backpropagation through time: gradients of the inputs of rnnForward from `dy` (packed like y). */
  rnnBackward(info: RnnInfo, dy: H, kernel: H, mask: H | null, reserve: H, grads: RnnGrads<H>): void;
}

export type Shape = readonly number[];


/**
 * Scalar parameters of unary ops: elu/leakyRelu/step use `alpha`; hardSigmoid is
 * clip(alpha·x + beta, 0, 1); thresholdedRelu's theta is `alpha`; clip is [alpha, beta].
 */
export interface UnaryParams {
  readonly alpha: number;
  readonly beta: number;
}

export type PadMode = 'constant' | 'reflect' | 'edge';

/** One step of an elementwise chain: a unary op, or a binary op with a scalar operand. */
export type ChainStep =
  | { readonly unary: UnaryOp; readonly p: UnaryParams }
  | { readonly binary: BinaryOp; readonly scalar: number; readonly scalarFirst: boolean };

export interface MatmulSpec {
  readonly batchA: number;
  readonly batchB: number;
  readonly m: number;
  readonly k: number;
  readonly n: number;
  /** A is stored `[k, m]` per batch. */
  readonly transA: boolean;
  /** B is stored `[n, k]` per batch. */
  readonly transB: boolean;
}

/** Activations that can be fused into a kernel's output (their derivative is a function of the output). */
export type EpilogueActivation = 'linear' | 'relu';

/** A fused output stage: add a per-channel bias (last axis), then apply an activation. */
export interface Epilogue<H = unknown> {
  readonly bias: H | null;
  readonly activation: EpilogueActivation;
}

/** Geometry of one 2-D convolution; bottom/right padding follow from the output size. */
export interface Conv2DInfo {
  readonly batch: number;
  readonly inH: number;
  readonly inW: number;
  readonly inC: number;
  readonly outH: number;
  readonly outW: number;
  readonly outC: number;
  readonly kH: number;
  readonly kW: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly dilationH: number;
  readonly dilationW: number;
  readonly padTop: number;
  readonly padLeft: number;
  readonly groups: number;
}

export interface Pool2DInfo {
  readonly mode: 'max' | 'avg';
  readonly batch: number;
  readonly inH: number;
  readonly inW: number;
  readonly channels: number;
  readonly outH: number;
  readonly outW: number;
  readonly kH: number;
  readonly kW: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly dilationH: number;
  readonly dilationW: number;
  readonly padTop: number;
  readonly padLeft: number;
  readonly padBottom: number;
  readonly padRight: number;
  /** Average pooling: divide by the window size including padding (true) or only real pixels (false, Keras). */
  readonly countIncludePad: boolean;
}

export interface SampleImageInfo {
  readonly batch: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly interpolation: 'bilinear' | 'nearest';
  readonly fillMode: 'reflect' | 'wrap' | 'constant' | 'nearest';
  readonly fillValue: number;
}

export interface ResizeInfo {
  readonly method: 'nearest' | 'bilinear';
  readonly batch: number;
  readonly inH: number;
  readonly inW: number;
  readonly channels: number;
  readonly outH: number;
  readonly outW: number;
  /** Map corner pixel centres onto each other (TF align_corners). */
  readonly alignCorners: boolean;
  /** Sample at pixel centres, (dst + 0.5) · scale − 0.5 (TF2 / Keras UpSampling2D). */
  readonly halfPixelCenters: boolean;
}

/** Outputs of batchNormGrad, one handle per gradient (`[c]` except dx). */
export interface BatchNormGrads<H = unknown> {
  readonly dx: H;
  readonly dMean: H;
  readonly dVariance: H;
  readonly dScale: H;
  readonly dOffset: H;
}

/** Outputs of layerNormGrad: dx like x; dGamma and dBeta `[c]`, or null where not wanted. */
export interface LayerNormGrads<H = unknown> {
  readonly dx: H;
  readonly dGamma: H | null;
  readonly dBeta: H | null;
}

/**
 * A fused recurrent run. Cells (Keras gate orders, activation tanh, recurrent activation
 * sigmoid; a = xw_t + h·U):
 *  - 'lstm': i, f, c, o; c' = σ(a_f)·c + σ(a_i)·tanh(a_c), h' = σ(a_o)·tanh(c').
 *  - 'gru' (resetAfter): m = h·U + bias; z = σ(x_z + m_z), r = σ(x_r + m_r),
 *    hh = tanh(x_h + r·m_h), h' = z·h + (1 − z)·hh.
 *  - 'gruResetBefore': z, r as above without bias, hh = tanh(x_h + (r·h)·U_h).
 * Step s reads time index τ = s (τ = time − 1 − s with goBackwards). Masks follow Keras'
 * backend.rnn: where mask[b, τ] is 0 the states keep their values and the output repeats
 * the previous output (zeros before the first step), or is zero with zeroOutputForMask.
 *
 * Packed result y (and its gradient dy): [outputs `[batch, time, units]` in step order
 * (only when `sequence`) | last output `[batch, units]` | h `[batch, units]` | c (LSTM)].
 *
 * Reserve (rows b·time + τ, so they line up with xw): the activated gates `[B·T, G·U]`,
 * then the state h entering the step `[B·T, U]`, then for LSTM the cell state entering
 * the step and tanh(c') (`[B·T, U]` each), for 'gru' m_h = (h·U + bias)_h, for
 * 'gruResetBefore' r·h (`[B·T, U]` each). Every backend uses this layout.
 */
export interface RnnInfo {
  readonly cell: RnnCell;
  readonly batch: number;
  readonly time: number;
  readonly units: number;
  readonly goBackwards: boolean;
  readonly sequence: boolean;
  readonly zeroOutputForMask: boolean;
}


/** Outputs of rnnBackward. */
export interface RnnGrads<H = unknown> {
  /** `[batch, time, gates·units]`. */
  readonly dxw: H;
  /** `[units, gates·units]`. */
  readonly dKernel: H;
  /** `[3·units]` for 'gru', else null. */
  readonly dBias: H | null;
  readonly dh0: H;
  /** LSTM only. */
  readonly dc0: H | null;
}
