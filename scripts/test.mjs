#!/usr/bin/env node
// `npm test`: runs every test file under build/test on the default backend (native when the
// addon is built), then the engine suite (tensors, autograd, gradient checks, forward
// references, ONNX vectors, layers, optimizers) again on the js reference backend and on
// the WebAssembly backend (when its kernels are built) and on the WebGPU backend (through
// SwiftShader's Vulkan driver on a machine without a GPU), so every backend passes it;
// test/webgpu-browser-engine.test.ts runs it on webgpu inside headless Chromium as well.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENGINE, webgpuNodeFiles } from './engine-files.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const testDir = join(root, 'build', 'test');
const files = readdirSync(testDir).filter((f) => f.endsWith('.test.js')).sort();

// Two test files at a time (each in its own process, as always): many wait on a browser or a
// child process, so two share this 2-core machine's cores well (the main run: 705 s against
// ~900 one at a time). The webgpu run takes one at a time: SwiftShader already spreads each
// file over every core, and two emulated GPUs took 506 s against ~370 s.
// NEURITE_TEST_CONCURRENCY overrides both.
const CONCURRENCY = process.env.NEURITE_TEST_CONCURRENCY;

function run(label, list, env, concurrency = '2') {
  console.log(`\n=== ${label} ===`);
  const r = spawnSync(process.execPath, ['--test', `--test-concurrency=${CONCURRENCY ?? concurrency}`, '--test-reporter=spec', ...list.map((f) => join(testDir, f))], { stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status === 0;
}

const forced = process.env.NEURITE_BACKEND;
let ok = run(`all tests, backend: ${forced || 'default (native if built, else wasm, else js)'}`, files, {});
if (!forced) ok = run('engine suite on the js reference backend', files.filter((f) => ENGINE.test(f)), { NEURITE_BACKEND: 'js' }) && ok;
if (!forced && existsSync(join(root, 'build', 'wasm', 'neurite-kernels-mt.wasm'))) {
  ok = run('engine suite on the WebAssembly backend', files.filter((f) => ENGINE.test(f)), { NEURITE_BACKEND: 'wasm' }) && ok;
}
// WebGPU: Dawn finds an adapter through the Vulkan loader; without a GPU, SwiftShader's
// driver (shipped with Debian's chromium) stands in. CI installs both (setup.sh).
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!forced) {
  const env = { NEURITE_BACKEND: 'webgpu' };
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  // A suite that quietly fell back to the CPU would prove nothing: check the adapter first.
  const index = join(root, 'build', 'src', 'index.js');
  const probe = spawnSync(process.execPath, ['--input-type=module', '-e', `import(${JSON.stringify(index)}).then((nt) => console.log(nt.getBackendName()))`], { encoding: 'utf8', env: { ...process.env, ...env } });
  const onGpu = webgpuNodeFiles(files);
  if (probe.stdout.trim() === 'webgpu') ok = run('engine suite on the WebGPU backend', onGpu, env, '1') && ok;
  else if (process.env.CI) {
    console.error(`\n=== engine suite on the WebGPU backend: no adapter on CI ===\n${probe.stderr}`);
    ok = false;
  } else console.log(`\n=== engine suite on the WebGPU backend: skipped, no adapter ===\n${probe.stderr}`);
}
process.exit(ok ? 0 : 1);
