/**
 * The previous release, built beside this checkout, so that benchmarks print its numbers
 * next to the current ones from the same run. `baselineLibrary()` checks out BASELINE_REF
 * (default: the 0.1.0 release) into a temporary folder with `git worktree`, links this
 * checkout's node_modules, builds its native addon, wasm kernels and TypeScript, and
 * returns the path of its `build/src/index.js` (cached: later runs reuse the build).
 *
 *   NEURITE_BASELINE=0           skip the previous release
 *   NEURITE_BASELINE_REF=<ref>   another commit to compare with
 *   NEURITE_BASELINE_DIR=<dir>   where to build it (default: $TMPDIR/neurite-baseline-<commit>)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The 0.1.0 release: the last commit before Engine 2. */
export const BASELINE_REF = '8fa682b2730fe47fa21df3f47746d664037dcef3';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function sh(cmd: string, args: readonly string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: process.env });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${(r.stderr || r.stdout).trim().split('\n').slice(-8).join('\n')}`);
  return r.stdout.trim();
}

/** The previous release's entry module, built on first use; null when disabled. Throws with the reason when it cannot be built. */
export function baselineLibrary(): { path: string; commit: string } | null {
  if (process.env.NEURITE_BASELINE === '0') return null;
  const ref = process.env.NEURITE_BASELINE_REF ?? BASELINE_REF;
  const commit = sh('git', ['rev-parse', '--short=10', `${ref}^{commit}`], ROOT);
  const dir = process.env.NEURITE_BASELINE_DIR ?? join(tmpdir(), `neurite-baseline-${commit}`);
  const entry = join(dir, 'build', 'src', 'index.js');
  const done = join(dir, '.built');
  if (existsSync(done) && existsSync(entry)) return { path: entry, commit };
  console.error(`bench: building the previous release (${commit}) in ${dir} (once; about two minutes)...`);
  if (!existsSync(join(dir, 'package.json'))) {
    mkdirSync(dirname(dir), { recursive: true });
    sh('git', ['worktree', 'add', '--force', '--detach', dir, commit], ROOT);
  }
  if (!existsSync(join(dir, 'node_modules'))) symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  sh(process.execPath, [join(dir, 'scripts', 'build-native.mjs')], dir);
  if (!existsSync(join(dir, 'native', 'build', 'Release', 'neurite_native.node'))) throw new Error(`the previous release's native addon did not build in ${dir}`);
  sh(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(dir, 'tsconfig.json')], dir);
  sh(process.execPath, [join(dir, 'scripts', 'build-wasm.mjs')], dir);
  writeFileSync(done, `${commit}\n`);
  return { path: entry, commit };
}
