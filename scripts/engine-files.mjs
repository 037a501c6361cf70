/**
 * The engine suite: the test files (compiled names, build/test/*.test.js) that run on every
 * backend. scripts/test.mjs runs them on js, wasm and webgpu in Node;
 * test/webgpu-browser-engine.test.ts runs them on webgpu in headless Chromium.
 */

/**
 * Tensors, autograd, gradient checks, forward references, ONNX vectors, layers, models, losses, metrics, optimizers, initializers, regularizers.
 * Not layers-contract-io (native, .h5 and ONNX files of every layer: native backend only).
 */
export const ENGINE = /^(tensor|autograd|op-table|plans|gradients.*|ops-forward.*|onnx-vectors|layers(?!-contract-io\.).*|models|losses|metrics|optimizers.*|initializers|regularizers-constraints)\.test\.js$/;

/**
 * The finite-difference gradient checks: thousands of tiny ops, each a GPU dispatch and a
 * read back. The Node webgpu run includes the op-level ones (not COMPOSED_GRADIENT_CHECKS); the Chromium run
 * leaves them out by default (~6 minutes more there, where each page compiles its shaders
 * again), NEURITE_BROWSER_SUITE_GRADIENTS=1 adds them. They check the ops' gradient rules,
 * the same code on every backend, on top of the webgpu gradient kernels' comparisons with js.
 */
export const GRADIENT_CHECKS = /^(autograd|gradients.*|layers-recurrent-gradients|layers-attention-gradients|layers-contract-gradients)\.test\.js$/;

/**
 * Gradient checks of compositions (layers, recurrent cells, attention, 3-D convolutions, the
 * layer contract's every layer): their gradients come from the ops' rules, which the other
 * gradient checks test op by op on every backend. Native, js and wasm run them; the Node
 * webgpu run leaves them out (on SwiftShader each file costs about a minute, and they
 * exercise no kernel the op-level checks and the webgpu-vs-js kernel comparisons miss).
 */
export const COMPOSED_GRADIENT_CHECKS = /^(layers-recurrent-gradients|layers-attention-gradients|layers-contract-gradients|gradients-rnn-cells|gradients-conv3d)\.test\.js$/;

/** The engine files the Node webgpu run uses: without the composed gradient checks. */
export function webgpuNodeFiles(files) {
  return engineFiles(files).filter((f) => !COMPOSED_GRADIENT_CHECKS.test(f));
}

/** The engine files among `files` (sorted names). */
export function engineFiles(files) {
  return files.filter((f) => ENGINE.test(f)).sort();
}

/**
 * Engine files the Chromium run leaves to the Node webgpu run, which runs them on the same
 * kernels: the layer contract's 650 checks over every layer (each page would compile every
 * layer's shaders again, for minutes), and the families built from ops other files already
 * run in the page (recurrent cells on the scan and fused kernels, 3-D convolutions on the
 * 2-D ones, the optimizers composed of ops). Together ~50 s of the CI's critical path.
 */
export const NODE_ONLY = /^(layers-contract|layers-rnn-cells|layers-conv3d|optimizers-more)\.test\.js$/;

/** The engine files the Chromium webgpu run uses by default: without the gradient checks and the layer contract. */
export function webgpuEngineFiles(files) {
  return engineFiles(files).filter((f) => !GRADIENT_CHECKS.test(f) && !NODE_ONLY.test(f));
}

/** The gradient-check files among the engine files. */
export function gradientCheckFiles(files) {
  return engineFiles(files).filter((f) => GRADIENT_CHECKS.test(f));
}
