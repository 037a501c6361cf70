/**
 * The engine suite: the test files (compiled names, build/test/*.test.js) that run on every
 * backend. scripts/test.mjs runs them on js, wasm and webgpu in Node;
 * test/webgpu-browser-engine.test.ts runs them on webgpu in headless Chromium.
 */

/** Tensors, autograd, gradient checks, forward references, ONNX vectors, layers, models, losses, metrics, optimizers, initializers, regularizers. */
export const ENGINE = /^(tensor|autograd|op-table|plans|gradients.*|ops-forward.*|onnx-vectors|layers.*|models|losses|metrics|optimizers.*|initializers|regularizers-constraints)\.test\.js$/;

/**
 * The finite-difference gradient checks: thousands of tiny ops, each a GPU dispatch and a
 * read back. The Node webgpu run includes them (~4 minutes on SwiftShader); the Chromium run
 * leaves them out by default (~6 minutes more there, where each page compiles its shaders
 * again), NEURITE_BROWSER_SUITE_GRADIENTS=1 adds them. They check the ops' gradient rules,
 * the same code on every backend, on top of the webgpu gradient kernels' comparisons with js.
 */
export const GRADIENT_CHECKS = /^(autograd|gradients.*|layers-recurrent-gradients|layers-attention-gradients)\.test\.js$/;

/** The engine files among `files` (sorted names). */
export function engineFiles(files) {
  return files.filter((f) => ENGINE.test(f)).sort();
}

/** The engine files the Chromium webgpu run uses by default: without the gradient checks. */
export function webgpuEngineFiles(files) {
  return engineFiles(files).filter((f) => !GRADIENT_CHECKS.test(f));
}

/** The gradient-check files among the engine files. */
export function gradientCheckFiles(files) {
  return engineFiles(files).filter((f) => GRADIENT_CHECKS.test(f));
}
