#!/usr/bin/env node
// Runs during `npm install` / `npm ci` / `npm rebuild`: compiles the N-API addon in native/
// with node-gyp. A failed build must not fail the install: Neurite then runs on its
// JavaScript backend and says so (once) at run time.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

if (process.env.NEURITE_SKIP_NATIVE) {
  console.log('neurite: NEURITE_SKIP_NATIVE is set; not building the native backend.');
  process.exit(0);
}

// npm exposes the node-gyp it bundles through npm_config_node_gyp; outside npm, look for
// npm's copy next to this Node, then fall back to a node-gyp on PATH.
const candidates = [
  process.env.npm_config_node_gyp,
  join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
].filter((p) => p && existsSync(p));
const gypJs = candidates[0];
const command = gypJs ? process.execPath : 'node-gyp';
const args = [...(gypJs ? [gypJs] : []), 'rebuild', '--directory', join(root, 'native')];
if (!process.env.npm_config_nodedir && existsSync('/usr/include/node/node_api.h')) args.push('--nodedir=/usr');

// The kernels include the header generated from the op table (build/gen/nt_ops.h).
const gen = spawnSync(process.execPath, [join(root, 'scripts', 'gen-ops.mjs')], { stdio: 'inherit' });
if (gen.status !== 0) {
  console.warn('neurite: could not generate build/gen/nt_ops.h from the op table; the native backend is not built.');
  process.exit(0);
}

console.log('neurite: building the native backend (C++ N-API addon linked with OpenBLAS)...');
const result = spawnSync(command, args, { stdio: 'inherit' });
if (result.error) console.warn(`neurite: could not run node-gyp: ${result.error.message}`);
if (result.status === 0) {
  console.log('neurite: native backend built.');
} else {
  console.warn(
    'neurite: could not build the native backend; Neurite will run on the slower js backend. ' +
      'Install OpenBLAS and a C++ toolchain (Debian/Ubuntu: apt-get install libopenblas-dev g++ make python3), then run `npm rebuild neurite`.',
  );
}
process.exit(0);
