/** Shared timing, the PyTorch peer and result files for the benchmarks. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Median samples/s over 3 timed blocks of `budgetS / 3` seconds each (at least 2 calls per
 * block), after up to 3 warm-up calls within the first third of the budget.
 */
export function medianRate(step: () => void, batch: number, budgetS: number): number {
  const t0 = performance.now();
  for (let i = 0; i < 3; i++) {
    step();
    if (performance.now() - t0 > (budgetS * 1000) / 3) break;
  }
  const runs: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t = performance.now();
    let n = 0;
    while ((performance.now() - t) / 1000 < budgetS / 3 || n < 2) {
      step();
      n++;
    }
    runs.push((n * batch) / ((performance.now() - t) / 1000));
  }
  runs.sort((a, b) => a - b);
  return runs[1];
}

/**
 * Writes a benchmark's results as JSON to bench-results/<name>.json at the repository root
 * (not in git: the README's tables are generated from such a run); returns the path.
 */
export function writeResults(name: string, data: unknown): string {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench-results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  writeFileSync(file, `${JSON.stringify({ benchmark: name, date: new Date().toISOString(), node: process.version, ...(data as object) }, null, 2)}\n`);
  return file;
}

/** Debian's tcmalloc: PyTorch's convolutions lose 2–10x to glibc malloc on these VMs. */
const TCMALLOC = '/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4';

/**
 * Runs a PyTorch script of bench/ (Debian's python3-torch, the system python) at its best
 * configuration — tcmalloc preloaded when libtcmalloc-minimal4 is installed; the scripts
 * pin 2 threads and use channels_last for convolutions — and returns the JSON object it
 * prints last, or null (saying why) when torch is missing or the script fails.
 */
export function torchResults<T>(script: string, args: readonly string[]): T | null {
  const python = '/usr/bin/python3';
  if (!existsSync(python)) {
    console.log('(PyTorch not measured: no /usr/bin/python3)');
    return null;
  }
  const path = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', script);
  const env = { ...process.env, ...(existsSync(TCMALLOC) ? { LD_PRELOAD: TCMALLOC } : {}) };
  const r = spawnSync(python, [path, ...args], { encoding: 'utf8', timeout: 900_000, env });
  if (r.status !== 0) {
    console.log(`(PyTorch not measured: ${(r.stderr || '').trim().split('\n').pop()})`);
    return null;
  }
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as T;
}

/** How torchResults runs PyTorch's allocator, for the tables' headers. */
export function torchAllocator(): string {
  return existsSync(TCMALLOC) ? 'tcmalloc' : 'glibc malloc (install libtcmalloc-minimal4 for its best configuration)';
}
