#!/usr/bin/env node
// Runs during `npm install` / `npm ci` / `npm rebuild`: compiles the N-API addon in native/
// with node-gyp. A failed build must not fail the install: Neurite then runs on its
// JavaScript backend and says so (once) at run time.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeGypRebuild } from './node-gyp.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

if (process.env.NEURITE_SKIP_NATIVE) {
  console.log('neurite: NEURITE_SKIP_NATIVE is set; not building the native backend.');
  process.exit(0);
}

// The kernels include the header generated from the op table (build/gen/nt_ops.h).
const gen = spawnSync(process.execPath, [join(root, 'scripts', 'gen-ops.mjs')], { stdio: 'inherit' });
if (gen.status !== 0) {
  console.warn('neurite: could not generate build/gen/nt_ops.h from the op table; the native backend is not built.');
  process.exit(0);
}

console.log('neurite: building the native backend (C++ N-API addon linked with OpenBLAS)...');
if (nodeGypRebuild(join(root, 'native'), 'the native backend')) {
  console.log('neurite: native backend built.');
} else {
  console.warn(
    'neurite: could not build the native backend; Neurite will run on the slower js backend. ' +
      'Install OpenBLAS and a C++ toolchain (Debian/Ubuntu: apt-get install libopenblas-dev g++ make python3), then run `npm rebuild neurite`.',
  );
}
process.exit(0);
