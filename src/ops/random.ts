import { Tensor } from '../tensor/tensor.js';
import { type DataType, checkDataType } from '../tensor/dtype.js';
import { type Shape, broadcastShapes, checkShape, formatShape, shapesEqual, sizeOf } from '../tensor/shape.js';
import { type Rng, rngFor } from '../tensor/rng.js';
import type { TypedArray } from '../tensor/dtype.js';
import { checkTensor, requireFloat } from './util.js';
import { mul } from './elementwise.js';
import { type Launch, run, run1 } from '../engine/launch.js';
import { record } from '../autograd/tape.js';
import { dropoutK, dropoutMaskK } from './kernels.js';

export interface RandomOptions {
  /**
   * Seed for a reproducible draw; without one the global generator (see setSeed) is used.
   * A function is called for a new seed at every draw: each call, and each step of a plan
   * (seeded layers pass their own generator's next number this way).
   */
  readonly seed?: number | (() => number);
}

/** The generator of a draw, made when the kernel runs: from the seed, or the global one. */
function source(options: RandomOptions): () => Rng {
  const seed = options.seed;
  return typeof seed === 'function' ? () => rngFor(seed()) : () => rngFor(seed);
}

/**
 * Random values generated on the host by `fill` and written into the output: a launch,
 * so that a plan draws new values at every step (from the same generator).
 */
function hostRandom(shape: Shape, dtype: 'float32' | 'int32', fill: (out: TypedArray) => void): Tensor {
  const launch: Launch = {
    kernel: 'random',
    effect: true,
    exec: (b, _ins, [out]) => {
      const n = sizeOf(shape);
      const values = dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
      fill(values);
      b.memory.write(out, values);
    },
  };
  return run1(launch, [], shape, dtype);
}

/** Normal samples with the given mean and standard deviation. */
export function randomNormal(shape: Shape, options: RandomOptions & { mean?: number; stddev?: number } = {}): Tensor {
  checkShape(shape, 'randomNormal');
  const { mean = 0, stddev = 1 } = options;
  const gen = source(options);
  return hostRandom(shape, 'float32', (out) => {
    const rng = gen();
    for (let i = 0; i < out.length; i++) out[i] = mean + stddev * rng.normal();
  });
}

/**
 * Normal samples redrawn until within two standard deviations of the mean (Keras'
 * TruncatedNormal initializer).
 */
export function truncatedNormal(shape: Shape, options: RandomOptions & { mean?: number; stddev?: number } = {}): Tensor {
  checkShape(shape, 'truncatedNormal');
  const { mean = 0, stddev = 1 } = options;
  const gen = source(options);
  return hostRandom(shape, 'float32', (out) => {
    const rng = gen();
    for (let i = 0; i < out.length; i++) {
      let z = rng.normal();
      while (z < -2 || z > 2) z = rng.normal();
      out[i] = mean + stddev * z;
    }
  });
}

/** Uniform samples in [minval, maxval); int32 gives integers in that range. */
export function randomUniform(shape: Shape, options: RandomOptions & { minval?: number; maxval?: number; dtype?: DataType } = {}): Tensor {
  checkShape(shape, 'randomUniform');
  const { minval = 0, maxval = 1, dtype = 'float32' } = options;
  checkDataType(dtype, 'randomUniform');
  if (!(maxval > minval)) throw new RangeError(`randomUniform: maxval (${maxval}) must exceed minval (${minval})`);
  const gen = source(options);
  if (dtype === 'int32') {
    if (!Number.isInteger(minval) || !Number.isInteger(maxval)) throw new RangeError('randomUniform: int32 bounds must be integers');
    return hostRandom(shape, 'int32', (out) => {
      const rng = gen();
      for (let i = 0; i < out.length; i++) out[i] = minval + rng.int(maxval - minval);
    });
  }
  return hostRandom(shape, 'float32', (out) => {
    const rng = gen();
    for (let i = 0; i < out.length; i++) out[i] = minval + (maxval - minval) * rng.uniform();
  });
}

export interface DropoutOptions extends RandomOptions {
  /**
   * Shape of the keep/drop mask, broadcast over x (Keras noise_shape): e.g. [N, 1, 1, C]
   * drops whole channels.
   */
  readonly noiseShape?: Shape;
}

/**
 * Inverted dropout: zeroes each element with probability `rate` and scales the rest by
 * 1 / (1 − rate), so the expected value is unchanged. Gradients flow through the kept ones.
 */
export function dropout(x: Tensor, rate: number, options: DropoutOptions = {}): Tensor {
  checkTensor(x, 'dropout');
  requireFloat(x, 'dropout');
  if (!(rate >= 0 && rate < 1)) throw new RangeError(`dropout: rate must be in [0, 1); got ${rate}`);
  if (rate === 0) return x;
  const noiseShape = options.noiseShape ?? x.shape;
  if (!shapesEqual(broadcastShapes(noiseShape, x.shape, 'dropout'), x.shape)) {
    throw new RangeError(`dropout: noiseShape ${formatShape(noiseShape)} does not broadcast to the input ${formatShape(x.shape)}`);
  }
  // A number fixes the mask; otherwise each call (and each step of a plan) draws a seed
  // from the given function or the global generator.
  const given = options.seed;
  const seed = typeof given === 'function' ? given : given !== undefined ? () => given : () => rngFor().nextUint32();
  if (!shapesEqual(noiseShape, x.shape)) {
    const shared = run1(dropoutMaskK(rate, seed), [], noiseShape, 'float32');
    return mul(x, shared);
  }
  // One pass writes the mask and the output; the gradient is dy · mask.
  const [y, mask] = run(dropoutK(rate, seed), [x], [{ shape: x.shape, dtype: 'float32' }, { shape: x.shape, dtype: 'float32' }]);
  return record('dropout', [x], y, (dy) => [mul(dy, mask)]);
}
