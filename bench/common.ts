/** Shared timing for the benchmarks. */

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
