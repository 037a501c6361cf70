import type { Backend } from '../interface.js';
import type { TypedArray } from '../../tensor/dtype.js';
import { hostMemory } from '../../tensor/host-memory.js';
import { unary, unaryGrad, elementwiseChain, binary, where, broadcastTo, cast, copy } from './elementwise.js';
import { reduce, argReduce, cumulative, softmax, softmaxGrad } from './reduce.js';
import { matmul } from './matmul.js';
import { transpose, slice, concat, pad, padGrad, gather, scatterAdd, tile, oneHot } from './shape.js';
import { biasActivationGrad, conv2d, conv2dBackpropInput, conv2dBackpropFilter } from './conv.js';
import { pool2d, pool2dGrad, pool2dGradBiasRelu, resize2d, resize2dGrad, sampleImage } from './pool.js';
import { batchNorm, batchNormGrad, layerNorm, layerNormGrad } from './norm.js';
import { dropout, dropoutMask } from './random.js';
import { applyUpdate } from './optimizers.js';
import { rnnForward, rnnBackward } from './rnn.js';

/**
 * The plain-TypeScript reference backend: the oracle every other backend is tested against.
 * Its handles are the typed arrays of host memory; every kernel writes into the outputs it
 * is given and overwrites all of their elements (they arrive uninitialized).
 */
export const jsBackend: Backend<TypedArray> = {
  name: 'js',
  memory: hostMemory,
  unary,
  unaryGrad,
  elementwiseChain,
  binary,
  where,
  broadcastTo,
  cast,
  copy,
  reduce,
  argReduce,
  cumulative,
  softmax,
  softmaxGrad,
  matmul,
  transpose,
  slice,
  concat,
  pad,
  padGrad,
  gather,
  scatterAdd,
  tile,
  oneHot,
  conv2d,
  conv2dBackpropInput,
  conv2dBackpropFilter,
  biasActivationGrad,
  pool2d,
  pool2dGrad,
  pool2dGradBiasRelu,
  resize2d,
  resize2dGrad,
  sampleImage,
  batchNorm,
  batchNormGrad,
  layerNorm,
  layerNormGrad,
  dropoutMask,
  dropout,
  applyUpdate,
  rnnForward,
  rnnBackward,
};
