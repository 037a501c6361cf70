#!/usr/bin/env node
// Compiles the WebAssembly SIMD kernels (wasm/src/*.c) with Debian's clang and lld — no
// Emscripten — into build/wasm/:
//   neurite-kernels.wasm      one thread (any browser page, any Node)
//   neurite-kernels-mt.wasm   threads: shared memory + atomics (Node, cross-origin isolated pages)
// Without clang (or its wasm32 target) it prints one line and leaves the wasm backend out:
// Neurite then runs on the native or js backend. NEURITE_REQUIRE_WASM=1 makes that an error.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = join(root, 'wasm', 'src');
const outDir = join(root, 'build', 'wasm');
const sources = readdirSync(srcDir).filter((f) => f.endsWith('.c')).map((f) => join(srcDir, f));
const sharedDir = join(root, 'kernels', 'include');
const headers = [
  ...readdirSync(srcDir).filter((f) => f.endsWith('.h')).map((f) => join(srcDir, f)),
  ...readdirSync(sharedDir).filter((f) => f.endsWith('.h')).map((f) => join(sharedDir, f)),
  join(root, 'build', 'gen', 'nt_ops.h'),
];
const clang = process.env.CLANG ?? 'clang';

const includes = [join(root, 'build', 'gen'), join(root, 'kernels', 'include')];
const common = ['--target=wasm32', ...includes.map((d) => `-I${d}`), '-O3', '-msimd128', '-mbulk-memory', '-mmutable-globals', '-nostdlib', '-ffreestanding',
  '-fno-math-errno', '-Wall', '-Wextra', '-Werror', '-Wno-unused-parameter',
  '-Wl,--no-entry', '-Wl,--import-memory', '-Wl,--export=__heap_base', '-Wl,--export=__stack_pointer', '-Wl,-z,stack-size=1048576',
  '-Wl,--max-memory=2147483648'];
const variants = [
  { file: 'neurite-kernels.wasm', flags: ['-DNT_THREADS=0'] },
  { file: 'neurite-kernels-mt.wasm', flags: ['-DNT_THREADS=1', '-matomics', '-Wl,--shared-memory'] },
];

function newest(files) {
  return Math.max(...files.map((f) => statSync(f).mtimeMs), statSync(fileURLToPath(import.meta.url)).mtimeMs);
}

// The kernels include the header generated from the op table.
const gen = spawnSync(process.execPath, [join(root, 'scripts', 'gen-ops.mjs')], { stdio: 'inherit' });
if (gen.status !== 0) {
  console.error('build-wasm: could not generate build/gen/nt_ops.h');
  process.exit(1);
}

const probe = spawnSync(clang, ['--version'], { encoding: 'utf8' });
if (probe.status !== 0) {
  const msg = `build-wasm: no clang (${clang}); the wasm backend is not built (apt-get install clang lld)`;
  if (process.env.NEURITE_REQUIRE_WASM === '1') {
    console.error(msg);
    process.exit(1);
  }
  console.warn(msg);
  process.exit(0);
}
mkdirSync(outDir, { recursive: true });
const srcTime = newest([...sources, ...headers]);
for (const v of variants) {
  const out = join(outDir, v.file);
  if (existsSync(out) && statSync(out).mtimeMs > srcTime) continue;
  const r = spawnSync(clang, [...common, ...v.flags, '-o', out, ...sources], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.error(`build-wasm: clang failed for ${v.file}:\n${r.stderr}`);
    process.exit(1);
  }
}
