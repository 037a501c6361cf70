// How Neurite's build scripts run node-gyp (scripts/build-native.mjs, scripts/build-mpi.mjs):
// npm exposes the node-gyp it bundles through npm_config_node_gyp; outside npm, npm's copy
// next to this Node, then a node-gyp on PATH.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Runs `node-gyp rebuild` in `directory`; true when it succeeded (a missing node-gyp is a warning). */
export function nodeGypRebuild(directory, label) {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ].filter((p) => p && existsSync(p));
  const gypJs = candidates[0];
  const command = gypJs ? process.execPath : 'node-gyp';
  const args = [...(gypJs ? [gypJs] : []), 'rebuild', '--directory', directory];
  if (!process.env.npm_config_nodedir && existsSync('/usr/include/node/node_api.h')) args.push('--nodedir=/usr');
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.error) console.warn(`neurite: could not run node-gyp for ${label}: ${result.error.message}`);
  return result.status === 0;
}
