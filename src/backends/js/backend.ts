import type { Backend } from '../interface.js';
import { unary, unaryGrad, binary, where, broadcastTo, cast } from './elementwise.js';
import { reduce, argReduce, cumulative, softmax, softmaxGrad } from './reduce.js';
import { matmul } from './matmul.js';
import { transpose, slice, concat, pad, padGrad, gather, scatterAdd, tile, oneHot } from './shape.js';
import { biasActivationGrad, conv2d, conv2dBackpropInput, conv2dBackpropFilter } from './conv.js';
import { pool2d, pool2dGrad, resize2d, resize2dGrad } from './pool.js';
import { batchNorm, batchNormGrad } from './norm.js';
import { dropoutMask } from './random.js';
import { applyUpdate } from './optimizers.js';
import { rnnForward, rnnBackward } from './rnn.js';

/** The plain-TypeScript reference backend: the oracle every other backend is tested against. */
export const jsBackend: Backend = {
  name: 'js',
  unary,
  unaryGrad,
  binary,
  where,
  broadcastTo,
  cast,
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
  resize2d,
  resize2dGrad,
  batchNorm,
  batchNormGrad,
  dropoutMask,
  applyUpdate,
  rnnForward,
  rnnBackward,
};
