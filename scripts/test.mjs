#!/usr/bin/env node
// `npm test`: runs every test file under build/test on the default backend (native when the
// addon is built), then the engine suite (tensors, autograd, gradient checks, forward
// references, ONNX vectors, layers, optimizers) again on the js reference backend and on
// the WebAssembly backend (when its kernels are built), so every backend passes it.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const testDir = join(root, 'build', 'test');
const files = readdirSync(testDir).filter((f) => f.endsWith('.test.js')).sort();
const ENGINE = /^(tensor|autograd|op-table|plans|gradients.*|ops-forward.*|onnx-vectors|layers.*|models|losses|metrics|optimizers.*|initializers|regularizers-constraints)\.test\.js$/

function run(label, list, env) {
  console.log(`\n=== ${label} ===`);
  const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...list.map((f) => join(testDir, f))], { stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status === 0;
}

const forced = process.env.NEURITE_BACKEND;
let ok = run(`all tests, backend: ${forced || 'default (native if built, else wasm, else js)'}`, files, {});
if (!forced) ok = run('engine suite on the js reference backend', files.filter((f) => ENGINE.test(f)), { NEURITE_BACKEND: 'js' }) && ok;
if (!forced && existsSync(join(root, 'build', 'wasm', 'neurite-kernels-mt.wasm'))) {
  ok = run('engine suite on the WebAssembly backend', files.filter((f) => ENGINE.test(f)), { NEURITE_BACKEND: 'wasm' }) && ok;
}
process.exit(ok ? 0 : 1);
