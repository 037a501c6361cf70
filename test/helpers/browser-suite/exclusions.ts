/**
 * Engine tests that cannot run in a browser page, each with the reason. The harness reports
 * them as skipped ("not run in the browser: <reason>") and prints them. Keep this list
 * minimal: a test that only needs files, a temporary folder or onnxruntime runs (the page
 * reads Node's files through the test server, writes in memory, and asks the Node side for
 * onnxruntime results).
 */
import type { Exclusion } from './report.js';

export const BROWSER_EXCLUSIONS: readonly Exclusion[] = [
  {
    file: 'optimizers-api.test.js',
    test: 'the optimizer state of a real tf.keras 2 .h5 file: config, slot names, order and values',
    reason: 'its oracle is python3 with h5py, started with child_process.spawnSync: a page cannot start processes',
  },
  {
    file: 'layers-attention.test.js',
    test: 'MultiHeadAttention equals PyTorch nn.MultiheadAttention on the same weights (python3-torch)',
    reason: 'its oracle is python3-torch, started with child_process.spawnSync: a page cannot start processes',
  },
  {
    file: 'layers-attention.test.js',
    test: 'a trained model with MultiHeadAttention saves and loads as Keras .h5 (weights under Keras\' names, the causal mask kept)',
    reason: 'writing an .h5 file runs a node:worker_threads Worker (the HDF5 writer), which a page has not',
  },
  {
    file: 'layers-preprocessing.test.js',
    test: 'an adapted Normalization travels with the model: .h5, .keras and the native file give the same predictions',
    reason: 'writing an .h5 file runs a node:worker_threads Worker (the HDF5 writer), which a page has not',
  },
  {
    file: 'layers-preprocessing-geometric.test.js',
    test: 'a model with the three layers saves and loads (native file and .keras): same configs, the identity at inference',
    reason: 'writing a .keras file (its model.weights.h5) runs a node:worker_threads Worker (the HDF5 writer), which a page has not',
  },
  {
    file: 'layers-preprocessing-geometric.test.js',
    test: 'equals Keras\' NumPy backend (affine_transform + map_coordinates) on 48 transforms, 4 fill modes × 2 interpolations',
    reason: 'its oracle is python3 with numpy and scipy, started with child_process.spawnSync: a page cannot start processes',
  },
  {
    file: 'layers-preprocessing-text.test.js',
    test: 'a Keras 3 .keras file whose adapted TextVectorization keeps its vocabulary as assets/layers/<key>/vocabulary.txt loads it',
    reason: 'writing a .keras file writes its weights .h5 through a node:worker_threads Worker (the HDF5 writer), which a page has not',
  },
  {
    file: 'layers-preprocessing-text.test.js',
    test: 'a model that takes raw strings: TextVectorization → Embedding → pooling → Dense trains with fit and survives .keras, .h5, the native file and the tfjs format',
    reason: 'writing an .h5 file runs a node:worker_threads Worker (the HDF5 writer), which a page has not',
  },
  {
    file: 'layers-normalization-more.test.js',
    test: 'GroupNormalization equals PyTorch group_norm on the same values (python3-torch)',
    reason: 'its oracle is python3-torch, started with child_process.spawnSync: a page cannot start processes',
  },
];
