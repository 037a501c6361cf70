import type { Backend } from '../interface.js';
import type { Gpu, GpuBuffer } from './runtime.js';
import { elementwiseKernels } from './elementwise.js';
import { reduceKernels } from './reduce.js';
import { normKernels } from './norm.js';
import { matmulKernels } from './matmul.js';
import { convKernels } from './conv.js';
import { movementKernels } from './movement.js';
import { poolKernels } from './pool.js';
import { randomKernels } from './random.js';
import { optimizerKernels } from './optimizers.js';
import { rnnKernels } from './rnn.js';
import { checkUpdate } from '../js/optimizers.js';
import { checkIndices } from '../js/shape.js';
import { deferCheck, hostValuesOf } from '../../tensor/storage.js';
import type { TypedArray } from '../../tensor/dtype.js';

/**
 * The WebGPU backend: every kernel of the Backend interface as WGSL compute shaders over
 * tensors that stay in GPU memory between ops. There is no host fallback (a GPU buffer
 * has no host view): each kernel group below supplies all of its kernels, for float32
 * and, where the reference allows it, int32 data. Values leave the GPU only through
 * `await tensor.data()` (Memory.read).
 */
export function createWebGpuBackend(gpu: Gpu): Backend<GpuBuffer> {
  const optim = optimizerKernels(gpu);
  const movement = movementKernels(gpu);
  /**
   * Index checks of gather/scatterAdd, as the reference's (a RangeError for an index
   * outside [-n, n)): on the host values when the indices came from the host, else when
   * they have been read back (the error is then thrown by the next read, see deferCheck).
   * The kernels themselves write zeros for such indices.
   */
  const checked = (what: string, indices: GpuBuffer, n: number): void => {
    const host = hostValuesOf(indices);
    if (host !== null) {
      checkIndices(what, host, n);
      return;
    }
    deferCheck(gpu.memory.read(indices).then((v) => [v]), ([v]) => {
      try {
        checkIndices(what, v as TypedArray, n);
        return null;
      } catch (e) {
        return e as Error;
      }
    });
  };
  const elementwise = elementwiseKernels(gpu);
  const random = randomKernels(gpu);
  const pool = poolKernels(gpu);
  const norm = normKernels(gpu);
  return {
    name: 'webgpu',
    memory: gpu.memory,
    ...elementwise,
    ...reduceKernels(gpu),
    ...norm,
    ...matmulKernels(gpu),
    ...convKernels(gpu),
    ...movement,
    gather(x, outer, n, inner, indices, out) {
      checked('gather', indices, n);
      movement.gather(x, outer, n, inner, indices, out);
    },
    scatterAdd(dy, outer, n, inner, indices, out) {
      checked('scatterAdd', indices, n);
      movement.scatterAdd(dy, outer, n, inner, indices, out);
    },
    ...pool,
    pool2dGradBiasRelu(x, dy, dx, dbias, info) {
      // The pooling gradient, then the epilogue gradient (two dispatches through a temporary).
      const t = gpu.memory.alloc('float32', x.size);
      pool.pool2dGrad(x, dy, t, info);
      norm.biasActivationGrad(x, t, dx, dbias, info.channels, 'relu');
      gpu.memory.free(t);
    },
    ...random,
    dropout(x, y, mask, rate, seed) {
      // The mask kernel, then the multiply: two dispatches (a fused shader is not written yet).
      random.dropoutMask(mask, rate, seed);
      const shape = [mask.size];
      elementwise.binary('mul', x, shape, mask, shape, y, shape);
    },
    ...rnnKernels(gpu),
    applyUpdate(rule, param, grad, slots, hyper) {
      // The same argument checks as every backend (sizes and slot counts), then the GPU update.
      const sized = (h: GpuBuffer): { length: number } => ({ length: h.size });
      checkUpdate(rule, sized(param), sized(grad), slots.map(sized), hyper);
      optim.applyUpdate(rule, param, grad, slots, hyper);
    },
  };
}
