/**
 * The sunspot forecasting example on its real data (Debian python3-statsmodels), in the
 * smoke configuration: the CSV read through makeCsvDataset must equal a plain read of the
 * file, the windows must pair each held-out year with the years before it, and the MAE
 * numbers must be those of the returned forecasts, the naive one equal to the mean
 * year-to-year change computed here from the raw file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runSunspots, SMOKE_OPTIONS, SUNSPOTS_CSV } from '../examples/timeseries-sunspots.js';

/** The CSV without Neurite: "YEAR","SUNACTIVITY" then year,value lines. */
function plainRead(): { years: number[]; values: number[] } {
  const lines = readFileSync(SUNSPOTS_CSV, 'utf8').trim().split('\n');
  assert.equal(lines[0].trim(), '"YEAR","SUNACTIVITY"');
  const rows = lines.slice(1).map((l) => l.split(',').map(Number));
  return { years: rows.map((r) => r[0]), values: rows.map((r) => r[1]) };
}

const close = (a: number, b: number, tol: number, what: string): void => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

test('sunspots: CSV → chronological split → Normalization.adapt → timeseries windows → a forecast that beats the naive one', async () => {
  const lines: string[] = [];
  const r = await runSunspots({ ...SMOKE_OPTIONS, seed: 1, log: (l) => lines.push(l) });
  const raw = plainRead();
  assert.equal(raw.years.length, 309);
  assert.deepEqual(r.years, raw.years);
  assert.deepEqual(r.values, raw.values.map((v) => Math.fround(v)));
  const n = raw.years.length;
  assert.equal(r.valStart, Math.floor(n * 0.7));
  assert.equal(r.testStart, Math.floor(n * 0.85));

  // Statistics of the training years only (biased variance, as Keras' adapt).
  const trainValues = raw.values.slice(0, r.valStart);
  const mean = trainValues.reduce((a, b) => a + b, 0) / trainValues.length;
  const std = Math.sqrt(trainValues.reduce((a, v) => a + (v - mean) ** 2, 0) / trainValues.length);
  close(r.mean, mean, 1e-3, 'mean of the training years');
  close(r.std, std, 1e-3, 'std of the training years');

  // Windows of 12 years, target the next year; every target year of a part has one window.
  assert.deepEqual(r.batchShapes, [[32, 12, 1], [32, 1]]);
  assert.equal(r.trainWindows, r.valStart - 12);
  assert.deepEqual(r.validation.years, raw.years.slice(r.valStart, r.testStart));
  assert.deepEqual(r.test.years, raw.years.slice(r.testStart));
  for (const part of [r.validation, r.test]) {
    part.years.forEach((year, i) => {
      const k = year - raw.years[0];
      close(part.actual[i], raw.values[k], 1e-3, `target of the window for ${year}`);
      close(part.naive[i], raw.values[k - 1], 1e-3, `last year of the window for ${year}`);
    });
    const mae = (f: readonly number[]): number => f.reduce((s, v, i) => s + Math.abs(v - part.actual[i]), 0) / f.length;
    close(part.mae, mae(part.predicted), 1e-9, 'MAE of the returned forecasts');
    assert.ok(part.predicted.every(Number.isFinite) && Number.isFinite(part.mae));
  }
  // The naive MAE from the raw file: mean |v[t] − v[t−1]| over the test years (≈ 22.32).
  const naive = raw.values.slice(r.testStart).reduce((s, v, i) => s + Math.abs(v - raw.values[r.testStart + i - 1]), 0) / (n - r.testStart);
  close(r.test.naiveMae, naive, 1e-3, 'naive test MAE');
  close(naive, 22.3234, 1e-4, 'naive test MAE by hand');

  const loss = r.history.history.loss;
  assert.equal(loss.length, SMOKE_OPTIONS.epochs);
  assert.ok(loss.every(Number.isFinite) && loss[loss.length - 1] < 0.25 * loss[0], `training loss falls: ${loss[0]} → ${loss[loss.length - 1]}`);
  // Seeds 1–6 of this configuration give 12.8–15.5 against 22.3.
  assert.ok(r.test.mae < 0.8 * r.test.naiveMae, `test MAE ${r.test.mae} clearly below the naive ${r.test.naiveMae}`);
  assert.ok(lines.some((l) => /test MAE \d+\.\d\d sunspots on 47 windows, naive last-value forecast 22\.32/.test(l)), 'prints both MAEs');
});
