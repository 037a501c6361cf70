import type { DataType, TypedArray } from '../tensor/dtype.js';

/**
 * The kernel set. Every backend (js reference, native addon, wasm) implements this one
 * interface over raw row-major typed arrays; the ops above it deal in Tensors, shapes and
 * gradients. Kernels never mutate their inputs and return freshly allocated outputs.
 *
 * Conventions: images are NHWC, conv filters HWIO `[kH, kW, inC / groups, outC]`;
 * "outer, n, inner" describes a tensor viewed as `[outer, n, inner]` with the middle axis
 * being the one reduced or normalized.
 */
export interface Backend {
  readonly name: string;

  // ---- elementwise -------------------------------------------------------------------
  /** y = f(x), same dtype as x. */
  unary(op: UnaryOp, x: TypedArray, p: UnaryParams): TypedArray;
  /** dx = dy * f'(x) for float32 data; `y` is f(x) (rules that need the output use it). */
  unaryGrad(op: UnaryOp, x: Float32Array, y: Float32Array, dy: Float32Array, p: UnaryParams): Float32Array;
  /** NumPy-broadcast binary op; the output has the dtype of `a` (both inputs share it). */
  binary(op: BinaryOp, a: TypedArray, aShape: Shape, b: TypedArray, bShape: Shape, outShape: Shape): TypedArray;
  /** cond != 0 ? a : b, broadcast over the three shapes; output dtype of `a`. */
  where(cond: TypedArray, condShape: Shape, a: TypedArray, aShape: Shape, b: TypedArray, bShape: Shape, outShape: Shape): TypedArray;
  broadcastTo(x: TypedArray, xShape: Shape, outShape: Shape): TypedArray;
  /** float32 -> int32 truncates toward zero. */
  cast(x: TypedArray, dtype: DataType): TypedArray;

  // ---- reductions ---------------------------------------------------------------------
  reduce(op: ReduceOp, x: TypedArray, outer: number, n: number, inner: number): TypedArray;
  /** Index of the first extreme value along the middle axis. */
  argReduce(op: 'argmax' | 'argmin', x: TypedArray, outer: number, n: number, inner: number): Int32Array;
  cumulative(op: 'sum' | 'prod', x: TypedArray, outer: number, n: number, inner: number, exclusive: boolean, reverse: boolean): TypedArray;
  softmax(x: Float32Array, outer: number, n: number, inner: number, log: boolean): Float32Array;
  /** Gradient of softmax (log=false) or logSoftmax (log=true) given its output y. */
  softmaxGrad(y: Float32Array, dy: Float32Array, outer: number, n: number, inner: number, log: boolean): Float32Array;

  // ---- linear algebra -----------------------------------------------------------------
  /**
   * Batched C = op(A)·op(B); batchA and batchB are equal or 1 (broadcast). An epilogue
   * applies act(C + bias) over C's last axis in the same call (dense layers).
   */
  matmul(a: Float32Array, b: Float32Array, spec: MatmulSpec, epilogue?: Epilogue): Float32Array;

  // ---- data movement ------------------------------------------------------------------
  transpose(x: TypedArray, shape: Shape, perm: readonly number[]): TypedArray;
  slice(x: TypedArray, shape: Shape, begin: readonly number[], size: readonly number[]): TypedArray;
  /** Concatenates inputs viewed as `[outer, widths[i]]` along the second axis. */
  concat(xs: readonly TypedArray[], outer: number, widths: readonly number[]): TypedArray;
  pad(x: TypedArray, shape: Shape, pads: readonly (readonly [number, number])[], mode: PadMode, value: number): TypedArray;
  /** Gradient of pad: sums the output gradient back onto the input positions it came from. */
  padGrad(dy: Float32Array, xShape: Shape, pads: readonly (readonly [number, number])[], mode: PadMode): Float32Array;
  /** x viewed as `[outer, n, inner]`; output `[outer, indices.length, inner]`; indices already in [0, n). */
  gather(x: TypedArray, outer: number, n: number, inner: number, indices: Int32Array): TypedArray;
  /** Inverse of gather for gradients: output `[outer, n, inner]`, repeated indices add up. */
  scatterAdd(dy: Float32Array, outer: number, n: number, inner: number, indices: Int32Array): Float32Array;
  tile(x: TypedArray, shape: Shape, reps: readonly number[]): TypedArray;
  oneHot(indices: Int32Array, depth: number, onValue: number, offValue: number): Float32Array;

  // ---- convolution and pooling (NHWC) -------------------------------------------------
  /** Convolution, optionally with a fused epilogue y = act(conv + bias) (one pass, no extra tensors). */
  conv2d(x: Float32Array, filter: Float32Array, info: Conv2DInfo, epilogue?: Epilogue): Float32Array;
  /** Gradient of conv2d with respect to its input (also the forward pass of conv2dTranspose). */
  conv2dBackpropInput(dy: Float32Array, filter: Float32Array, info: Conv2DInfo): Float32Array;
  conv2dBackpropFilter(x: Float32Array, dy: Float32Array, info: Conv2DInfo): Float32Array;
  /**
   * Backward of a bias + activation epilogue over `[rows, channels]`: given the epilogue's
   * output y and its gradient dy, the gradient before the activation (dy·act'(y)) and the
   * bias gradient (its column sums), in one pass.
   */
  biasActivationGrad(y: Float32Array, dy: Float32Array, channels: number, activation: EpilogueActivation): { dpre: Float32Array; dbias: Float32Array };
  pool2d(x: Float32Array, info: Pool2DInfo): Float32Array;
  pool2dGrad(x: Float32Array, dy: Float32Array, info: Pool2DInfo): Float32Array;
  resize2d(x: Float32Array, info: ResizeInfo): Float32Array;
  resize2dGrad(dy: Float32Array, info: ResizeInfo): Float32Array;

  // ---- randomness ---------------------------------------------------------------------
  /**
   * An inverted-dropout mask: each element is 0 with probability `rate`, else 1 / (1 − rate).
   * Elements are drawn in blocks of 65536, block b from `new Rng(blockSeed(seed, b))`
   * (xoshiro128**; see backends/js/random.ts), so every backend gives the same mask.
   */
  dropoutMask(size: number, rate: number, seed: number): Float32Array;

  // ---- optimizers (the only kernels that write into their inputs) ----------------------
  /**
   * One optimizer step for one variable, in place: `param` and every array in `slots` are
   * updated from `grad` by `rule`, with the step's scalars in `hyper` (learning rate after
   * schedules, betas, epsilon, powers for bias correction, ...). The slot layout and the
   * meaning of each hyper entry per rule are documented in backends/js/optimizers.ts;
   * every backend implements exactly those formulas.
   */
  applyUpdate(rule: UpdateRule, param: Float32Array, grad: Float32Array, slots: readonly Float32Array[], hyper: readonly number[]): void;

  // ---- normalization ------------------------------------------------------------------
  /** y = (x - mean) / sqrt(variance + eps) * scale + offset, per channel of `[outer, c, inner]`. */
  batchNorm(x: Float32Array, mean: Float32Array, variance: Float32Array, offset: Float32Array | null, scale: Float32Array | null, eps: number, outer: number, c: number, inner: number): Float32Array;
  batchNormGrad(x: Float32Array, mean: Float32Array, variance: Float32Array, scale: Float32Array | null, dy: Float32Array, eps: number, outer: number, c: number, inner: number): BatchNormGrads;

  // ---- fused recurrent layers (LSTM, GRU; tanh and sigmoid) ----------------------------
  /**
   * Runs a whole sequence through an LSTM or GRU cell (see RnnInfo for the layouts).
   * `xw` is the input projection x·W + b of every step, `[batch, time, gates·units]`;
   * `kernel` the recurrent kernel `[units, gates·units]`; `bias` the GRU recurrent bias
   * `[3·units]` (cell 'gru' only, else null); `h0`, `c0` the initial states `[batch, units]`
   * (c0 for LSTM only); `mask` `[batch, time]` (nonzero = run the step) or null. Returns the
   * packed result `y` and, when `train`, the reserve the backward kernel needs.
   */
  rnnForward(info: RnnInfo, xw: Float32Array, kernel: Float32Array, bias: Float32Array | null, h0: Float32Array, c0: Float32Array | null, mask: Float32Array | null, train: boolean): RnnForwardResult;
  /** Backpropagation through time: gradients of the inputs of rnnForward from `dy` (packed like y). */
  rnnBackward(info: RnnInfo, dy: Float32Array, kernel: Float32Array, mask: Float32Array | null, reserve: Float32Array): RnnGrads;
}

export type Shape = readonly number[];

export type UnaryOp =
  | 'neg' | 'abs' | 'sign' | 'exp' | 'log' | 'log1p' | 'sqrt' | 'rsqrt' | 'square' | 'reciprocal'
  | 'floor' | 'ceil' | 'round' | 'sin' | 'cos' | 'erf'
  | 'relu' | 'relu6' | 'sigmoid' | 'tanh' | 'softplus' | 'softsign' | 'elu' | 'selu' | 'leakyRelu'
  | 'hardSigmoid' | 'swish' | 'gelu' | 'geluTanh' | 'step' | 'thresholdedRelu' | 'clip';

/**
 * Scalar parameters of unary ops: elu/leakyRelu/step use `alpha`; hardSigmoid is
 * clip(alpha·x + beta, 0, 1); thresholdedRelu's theta is `alpha`; clip is [alpha, beta].
 */
export interface UnaryParams {
  readonly alpha: number;
  readonly beta: number;
}

export type BinaryOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum' | 'squaredDifference'
  | 'equal' | 'notEqual' | 'less' | 'lessEqual' | 'greater' | 'greaterEqual';

export type ReduceOp = 'sum' | 'mean' | 'max' | 'min' | 'prod';

export type PadMode = 'constant' | 'reflect' | 'edge';

/** Optimizer update rules (see applyUpdate). */
export type UpdateRule = 'sgd' | 'adam' | 'adamax' | 'nadam' | 'rmsprop' | 'adagrad' | 'adadelta';

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
export interface Epilogue {
  readonly bias: Float32Array | null;
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

export interface BatchNormGrads {
  readonly dx: Float32Array;
  readonly dMean: Float32Array;
  readonly dVariance: Float32Array;
  readonly dScale: Float32Array;
  readonly dOffset: Float32Array;
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

export type RnnCell = 'lstm' | 'gru' | 'gruResetBefore';

export interface RnnForwardResult {
  readonly y: Float32Array;
  /** Null unless the forward ran with `train`. */
  readonly reserve: Float32Array | null;
}

export interface RnnGrads {
  /** `[batch, time, gates·units]`. */
  readonly dxw: Float32Array;
  /** `[units, gates·units]`. */
  readonly dKernel: Float32Array;
  /** `[3·units]` for 'gru', else null. */
  readonly dBias: Float32Array | null;
  readonly dh0: Float32Array;
  /** LSTM only. */
  readonly dc0: Float32Array | null;
}
