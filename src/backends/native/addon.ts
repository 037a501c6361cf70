/** The functions exported by native/src/addon.cc (outputs are preallocated by the caller). */
export interface NativeAddon {
  /** out = act(op(A)·op(B) + bias) over out's last axis; batch-1 products with few rows use the native small-m kernel. */
  matmul(a: Float32Array, b: Float32Array, out: Float32Array, batchA: number, batchB: number, m: number, k: number, n: number, transA: boolean, transB: boolean, bias: Float32Array | null, relu: boolean): boolean;
  /**
   * stampId/stampVersion: the weights' Variable storage and its version (0: not a Variable);
   * with a stamp, oneDNN keeps the weights in its kernel's layout until the stamp changes.
   */
  conv2d(x: Float32Array, w: Float32Array, y: Float32Array, info: Int32Array, bias: Float32Array | null, relu: boolean, stampId?: number, stampVersion?: number): boolean;
  biasActivation(y: Float32Array, bias: Float32Array | null, rows: number, channels: number, relu: boolean): boolean;
  biasActivationGrad(y: Float32Array, dy: Float32Array, dpre: Float32Array, dbias: Float32Array, rows: number, channels: number, relu: boolean): boolean;
  conv2dBackpropInput(dy: Float32Array, w: Float32Array, dx: Float32Array, info: Int32Array, stampId?: number, stampVersion?: number): boolean;
  conv2dBackpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, info: Int32Array): boolean;
  pool2d(x: Float32Array, y: Float32Array, info: Int32Array): boolean;
  pool2dGrad(x: Float32Array, dy: Float32Array, dx: Float32Array, info: Int32Array): boolean;
  /** False where it does not apply (average pooling, windows that do not tile the input): the caller composes it. */
  pool2dGradBiasRelu(x: Float32Array, dy: Float32Array, dx: Float32Array, dbias: Float32Array, info: Int32Array): boolean;
  unary(op: number, x: Float32Array, y: Float32Array, n: number, alpha: number, beta: number): boolean;
  /** codes: [kind, op] per step; params: [p1, p2] per step (see codes.ts chainFields). */
  elementwiseChain(codes: Int32Array, params: Float32Array, x: Float32Array, y: Float32Array, n: number): boolean;
  unaryGrad(op: number, x: Float32Array, y: Float32Array, dy: Float32Array, dx: Float32Array, n: number, alpha: number, beta: number): boolean;
  binary(op: number, a: Float32Array, b: Float32Array, out: Float32Array, rank: number, dims: Int32Array, sa: Int32Array, sb: Int32Array): boolean;
  reduce(op: number, x: Float32Array, y: Float32Array, outer: number, n: number, inner: number): boolean;
  softmax(x: Float32Array, y: Float32Array, outer: number, n: number, inner: number, log: boolean): boolean;
  softmaxGrad(y: Float32Array, dy: Float32Array, dx: Float32Array, outer: number, n: number, inner: number, log: boolean): boolean;
  transpose(x: Float32Array, y: Float32Array, rank: number, shape: Int32Array, perm: Int32Array): boolean;
  batchNorm(x: Float32Array, mean: Float32Array, variance: Float32Array, offset: Float32Array | null, scale: Float32Array | null, y: Float32Array, eps: number, outer: number, c: number, inner: number): boolean;
  batchNormGrad(x: Float32Array, mean: Float32Array, variance: Float32Array, scale: Float32Array | null, dy: Float32Array, dx: Float32Array, dMean: Float32Array, dVariance: Float32Array, dScale: Float32Array, dOffset: Float32Array, eps: number, outer: number, c: number, inner: number): boolean;
  sampleImage(x: Float32Array, sx: Float32Array, sy: Float32Array, y: Float32Array, batch: number, h: number, w: number, c: number, nearest: number, mode: number, fill: number): boolean;
  layerNorm(x: Float32Array, gamma: Float32Array | null, beta: Float32Array | null, y: Float32Array, mean: Float32Array, rstd: Float32Array, eps: number, rows: number, c: number): boolean;
  layerNormGrad(x: Float32Array, gamma: Float32Array | null, mean: Float32Array, rstd: Float32Array, dy: Float32Array, dx: Float32Array, dGamma: Float32Array | null, dBeta: Float32Array | null, rows: number, c: number): boolean;
  dropoutMask(mask: Float32Array, size: number, rate: number, seed: number): boolean;
  /** The mask of dropoutMask and y = x · mask in one pass. */
  dropout(x: Float32Array, y: Float32Array, mask: Float32Array, size: number, rate: number, seed: number): boolean;
  /**
   * False for an unknown rule (the caller then uses the js kernel); `hyper` is the rule's
   * nt_<rule>_hyper struct (codes.ts packHyper), any other size throws.
   */
  applyUpdate(rule: number, param: Float32Array, grad: Float32Array, slots: Float32Array[], hyper: Float64Array): boolean;
  /** info: [cell (0 lstm, 1 gru, 2 gruResetBefore), batch, time, units, goBackwards, sequence, zeroOutputForMask]. */
  rnnForward(info: Int32Array, xw: Float32Array, kernel: Float32Array, bias: Float32Array | null, h0: Float32Array, c0: Float32Array | null, mask: Float32Array | null, y: Float32Array, reserve: Float32Array | null): boolean;
  rnnBackward(info: Int32Array, dy: Float32Array, kernel: Float32Array, mask: Float32Array | null, reserve: Float32Array, dxw: Float32Array, dKernel: Float32Array, dBias: Float32Array | null, dh0: Float32Array, dc0: Float32Array | null): boolean;
  setThreads(n: number): number;
  /** The machine's fp32 peak in GFLOP/s, measured with multiply-add chains on every thread for `seconds` (benchmarks). */
  peakGflops(seconds: number): number;
  /**
   * Chooses the convolution engine: 'auto' (default: the direct kernel for small batches,
   * oneDNN otherwise), or forces 'direct' (forward passes it covers), 'dnnl' or 'im2col';
   * returns the engine in use ('im2col' when 'dnnl' was asked of a build without oneDNN).
   */
  setConvEngine(engine: 'auto' | 'direct' | 'dnnl' | 'im2col'): 'auto' | 'direct' | 'dnnl' | 'im2col';
  threads(): number;
  /** [OpenBLAS threads, oneDNN's OpenMP threads (0 without oneDNN)], as the libraries report them. */
  libraryThreads(): [number, number];
  /** Convolution weight reorders (oneDNN) since the last call; resets the count. */
  takeWeightReorders(): number;
}
