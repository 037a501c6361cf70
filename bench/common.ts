/** Shared timing and result files for the benchmarks. */
import { mkdirSync, writeFileSync } from 'node:fs';
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
