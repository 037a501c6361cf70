/**
 * Initializers: seeds, Keras' fan computation, the distributions each initializer draws
 * from, Orthogonal and Identity, and config → registry round trips.
 *
 * Statistical tolerances. Every random check uses a fixed seed, so each run is the same;
 * the tolerances are chosen so that a correct implementation would pass for all but a
 * ~1e-6 fraction of seeds, while the errors they guard against are far outside them.
 *  - Sample mean of N draws with standard deviation σ: standard error σ/√N; we allow 5 SE.
 *  - Sample variance: its relative standard error is √((κ − 1)/N), κ the kurtosis:
 *    3 for a normal, 1.8 for a uniform, 2.37 for a normal truncated at ±2σ. We use the
 *    largest (κ = 3, i.e. √(2/N)) for all, and allow 5 of them: 2.5 % at N = 80 000.
 *    What that catches: the fan modes of the shapes used differ by ≥ 33 % in variance;
 *    forgetting Keras' truncation correction 0.8796… changes the variance by 22.6 %.
 *  - A proportion p over N draws: standard error √(p(1 − p)/N); 5 SE.
 *  - Extremes: with N = 80 000 uniform draws, P(max |x| < 0.999·limit) = 0.999^N ≈ e⁻⁸⁰;
 *    for the truncated normal, P(|z| ∈ [1.99, 2] | |z| ≤ 2) ≈ 1.1e-3, so the chance that
 *    no draw comes within 0.5 % of the cut is ≈ e⁻⁹⁰; an untruncated normal exceeds 3σ
 *    with probability 2.7e-3 per draw (≈ 216 expected).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';
import type { Tensor } from '../src/index.js';
import * as init from '../src/initializers/index.js';
import type { ConfigDict } from '../src/utils/serialization.js';

interface Stats {
  readonly n: number;
  readonly mean: number;
  readonly variance: number;
  readonly maxAbs: number;
  readonly min: number;
  readonly max: number;
}

async function stats(t: Tensor, center = 0): Promise<Stats> {
  const d = await t.data();
  let s = 0;
  for (let i = 0; i < d.length; i++) s += d[i];
  const mean = s / d.length;
  let v = 0;
  let maxAbs = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < d.length; i++) {
    v += (d[i] - mean) ** 2;
    maxAbs = Math.max(maxAbs, Math.abs(d[i] - center));
    min = Math.min(min, d[i]);
    max = Math.max(max, d[i]);
  }
  return { n: d.length, mean, variance: v / (d.length - 1), maxAbs, min, max };
}

/** Mean and variance against the expected ones, with the 5-standard-error tolerances above. */
function checkMoments(label: string, st: Stats, mean: number, variance: number): void {
  const meanTol = (5 * Math.sqrt(variance)) / Math.sqrt(st.n);
  assert.ok(Math.abs(st.mean - mean) <= meanTol, `${label}: mean ${st.mean} vs ${mean} (tolerance ${meanTol.toExponential(2)})`);
  const relTol = 5 * Math.sqrt(2 / st.n);
  const rel = Math.abs(st.variance / variance - 1);
  assert.ok(rel <= relTol, `${label}: variance ${st.variance.toExponential(5)} vs Keras' ${variance.toExponential(5)} (relative error ${rel.toFixed(4)} > ${relTol.toFixed(4)})`);
}

type Dist = init.Distribution;

/** Support checks that tell the three distributions apart (see the file comment). */
function checkSupport(label: string, st: Stats, dist: Dist, variance: number): void {
  if (dist === 'uniform') {
    const limit = Math.sqrt(3 * variance);
    assert.ok(st.maxAbs <= Math.fround(limit) * (1 + 1e-6), `${label}: ${st.maxAbs} beyond the uniform limit ${limit}`);
    assert.ok(st.maxAbs >= 0.999 * limit, `${label}: max |x| ${st.maxAbs} does not reach the limit ${limit}`);
  } else if (dist === 'truncated_normal') {
    const cut = (2 * Math.sqrt(variance)) / init.TRUNCATION_STDDEV;
    assert.ok(st.maxAbs <= cut * (1 + 1e-6), `${label}: ${st.maxAbs} beyond the truncation at 2σ = ${cut}`);
    assert.ok(st.maxAbs >= 0.995 * cut, `${label}: max |x| ${st.maxAbs} stays far inside the truncation ${cut}`);
  } else {
    assert.ok(st.maxAbs > 3 * Math.sqrt(variance), `${label}: no draw beyond 3σ, so the normal looks truncated`);
  }
}

async function sameValues(a: Tensor, b: Tensor): Promise<boolean> {
  const bv = await b.data();
  return a.size === b.size && (await a.data()).every((v, i) => Object.is(v, bv[i]));
}

test('computeFans follows Keras: scalars, vectors, Dense kernels, conv kernels', () => {
  assert.deepEqual(init.computeFans([]), { fanIn: 1, fanOut: 1 });
  assert.deepEqual(init.computeFans([7]), { fanIn: 7, fanOut: 7 });
  assert.deepEqual(init.computeFans([3, 5]), { fanIn: 3, fanOut: 5 });
  // Conv2D kernel [kH, kW, in, out]: receptive field 3·3 = 9.
  assert.deepEqual(init.computeFans([3, 3, 4, 8]), { fanIn: 36, fanOut: 72 });
  // Conv1D [k, in, out] and Conv3D [d, h, w, in, out].
  assert.deepEqual(init.computeFans([5, 2, 6]), { fanIn: 10, fanOut: 30 });
  assert.deepEqual(init.computeFans([2, 3, 4, 5, 6]), { fanIn: 120, fanOut: 144 });
});

const SEEDED: ReadonlyArray<readonly [string, (seed?: number) => init.Initializer]> = [
  ['RandomNormal', (seed) => new init.RandomNormal({ seed })],
  ['RandomUniform', (seed) => new init.RandomUniform({ seed })],
  ['TruncatedNormal', (seed) => new init.TruncatedNormal({ seed })],
  ['VarianceScaling', (seed) => new init.VarianceScaling({ seed, distribution: 'untruncated_normal' })],
  ['GlorotNormal', (seed) => new init.GlorotNormal({ seed })],
  ['GlorotUniform', (seed) => new init.GlorotUniform({ seed })],
  ['HeNormal', (seed) => new init.HeNormal({ seed })],
  ['HeUniform', (seed) => new init.HeUniform({ seed })],
  ['LecunNormal', (seed) => new init.LecunNormal({ seed })],
  ['LecunUniform', (seed) => new init.LecunUniform({ seed })],
  ['Orthogonal', (seed) => new init.Orthogonal({ seed })],
];

test('seeded initializers: same seed → same tensor (every call, every instance); another seed → another tensor', async () => {
  for (const [name, make] of SEEDED) {
    const a = make(7);
    const first = a.call([20, 30]);
    assert.deepEqual([...first.shape], [20, 30], name);
    assert.equal(first.dtype, 'float32', name);
    assert.ok(await sameValues(first, a.call([20, 30])), `${name}: second call differs`);
    assert.ok(await sameValues(first, make(7).call([20, 30])), `${name}: a second instance with the same seed differs`);
    const other = make(8).call([20, 30]);
    const otherValues = await other.data();
    const differing = (await first.data()).filter((v, i) => v !== otherValues[i]).length;
    assert.ok(differing > 590, `${name}: seeds 7 and 8 agree on ${600 - differing} of 600 values`);
  }
});

test('unseeded initializers draw from the global generator (setSeed makes them reproducible)', async () => {
  for (const [name, make] of SEEDED) {
    const u = make();
    assert.equal(u.getConfig().seed, null, name);
    nt.setSeed(123);
    const a = u.call([10, 12]);
    const b = u.call([10, 12]);
    nt.setSeed(123);
    const c = make().call([10, 12]);
    assert.ok(await sameValues(a, c), `${name}: setSeed(123) did not reproduce the draw`);
    assert.ok(!(await sameValues(a, b)), `${name}: two unseeded calls gave the same values`);
  }
});

test('RandomNormal and TruncatedNormal: defaults, moments, truncation at 2σ', async () => {
  assert.deepEqual(new init.RandomNormal().getConfig(), { seed: null, mean: 0, stddev: 0.05 });
  assert.deepEqual(new init.TruncatedNormal().getConfig(), { seed: null, mean: 0, stddev: 0.05 });
  const shape = [400, 200];
  const normal = await stats(new init.RandomNormal({ mean: 1.5, stddev: 0.3, seed: 1 }).call(shape), 1.5);
  checkMoments('RandomNormal(1.5, 0.3)', normal, 1.5, 0.09);
  assert.ok(normal.maxAbs > 3 * 0.3, 'RandomNormal: no draw beyond 3σ');
  const defaults = await stats(new init.RandomNormal({ seed: 2 }).call(shape));
  checkMoments('RandomNormal()', defaults, 0, 0.05 ** 2);

  // TruncatedNormal(mean −1, stddev 2): draws in [−5, 3], standard deviation 2·0.8796…,
  // and P(|z| > 1 | |z| ≤ 2) = (0.954500 − 0.682689) / 0.954500 = 0.284766.
  const t = new init.TruncatedNormal({ mean: -1, stddev: 2, seed: 3 }).call(shape);
  const st = await stats(t, -1);
  checkMoments('TruncatedNormal(−1, 2)', st, -1, (2 * init.TRUNCATION_STDDEV) ** 2);
  assert.ok(st.min >= -5 && st.max <= 3, `TruncatedNormal: range [${st.min}, ${st.max}] leaves [−5, 3]`);
  assert.ok(st.maxAbs >= 0.995 * 4, `TruncatedNormal: max |x − mean| ${st.maxAbs} far inside 2σ = 4`);
  const beyond = (await t.data()).filter((v) => Math.abs(v + 1) > 2).length / t.size;
  const p = 0.284766;
  const tol = 5 * Math.sqrt((p * (1 - p)) / t.size);
  assert.ok(Math.abs(beyond - p) <= tol, `TruncatedNormal: fraction beyond 1σ ${beyond} vs ${p} ± ${tol}`);
});

test('RandomUniform: defaults, bounds [minval, maxval), moments', async () => {
  assert.deepEqual(new init.RandomUniform().getConfig(), { seed: null, minval: -0.05, maxval: 0.05 });
  const t = new init.RandomUniform({ minval: -1, maxval: 3, seed: 4 }).call([300, 300]);
  const st = await stats(t);
  assert.ok(st.min >= -1 && st.max < 3, `RandomUniform: range [${st.min}, ${st.max}]`);
  assert.ok(st.min < -0.999 && st.max > 2.999, `RandomUniform: range [${st.min}, ${st.max}] does not fill [−1, 3)`);
  checkMoments('RandomUniform(−1, 3)', st, 1, 16 / 12);
  const d = await stats(new init.RandomUniform({ seed: 5 }).call([300, 300]));
  assert.ok(d.min >= -0.05 && d.max < 0.05 && d.maxAbs > 0.0499, `RandomUniform(): range [${d.min}, ${d.max}]`);
});

test('VarianceScaling: every mode × distribution against Keras\' formula on a conv kernel', async () => {
  // [5, 5, 40, 80]: receptive field 25, fan_in 1000, fan_out 2000, fan_avg 1500; N = 80 000.
  const shape = [5, 5, 40, 80];
  const fans: Record<init.FanMode, number> = { fan_in: 1000, fan_out: 2000, fan_avg: 1500 };
  let seed = 10;
  for (const mode of init.FAN_MODES) {
    for (const distribution of init.DISTRIBUTIONS) {
      const vs = new init.VarianceScaling({ scale: 2.5, mode, distribution, seed: seed++ });
      const variance = 2.5 / fans[mode];
      assert.equal(vs.varianceFor(shape), variance);
      const st = await stats(vs.call(shape));
      const label = `VarianceScaling(2.5, ${mode}, ${distribution})`;
      checkMoments(label, st, 0, variance);
      checkSupport(label, st, distribution, variance);
    }
  }
});

test("VarianceScaling: defaults, Keras' 'normal' alias, 1-D shapes, fans below 1", async () => {
  const d = new init.VarianceScaling();
  assert.deepEqual(d.getConfig(), { seed: null, scale: 1, mode: 'fan_in', distribution: 'truncated_normal' });
  assert.equal(new init.VarianceScaling({ distribution: 'normal' }).distribution, 'truncated_normal');
  // A bias-like vector [n] has fan_in = fan_out = n.
  const st = await stats(new init.VarianceScaling({ scale: 3, mode: 'fan_out', distribution: 'uniform', seed: 20 }).call([60000]));
  checkMoments('VarianceScaling 1-D', st, 0, 3 / 60000);
  checkSupport('VarianceScaling 1-D', st, 'uniform', 3 / 60000);
  // Keras divides by max(1, n): a [0, 7] shape has fan_in 0, a [] shape fans of 1.
  assert.equal(new init.VarianceScaling({ scale: 2 }).varianceFor([0, 7]), 2);
  assert.equal(new init.VarianceScaling({ scale: 2 }).varianceFor([]), 2);
  assert.deepEqual([...new init.GlorotUniform({ seed: 1 }).call([0, 7]).shape], [0, 7]);
});

interface Named {
  readonly name: string;
  readonly make: (seed: number) => init.Initializer;
  readonly dist: Dist;
  /** Keras' variance from fan_in and fan_out. */
  readonly variance: (fanIn: number, fanOut: number) => number;
}

const NAMED: readonly Named[] = [
  { name: 'GlorotUniform', make: (seed) => new init.GlorotUniform({ seed }), dist: 'uniform', variance: (i, o) => 2 / (i + o) },
  { name: 'GlorotNormal', make: (seed) => new init.GlorotNormal({ seed }), dist: 'truncated_normal', variance: (i, o) => 2 / (i + o) },
  { name: 'HeUniform', make: (seed) => new init.HeUniform({ seed }), dist: 'uniform', variance: (i) => 2 / i },
  { name: 'HeNormal', make: (seed) => new init.HeNormal({ seed }), dist: 'truncated_normal', variance: (i) => 2 / i },
  { name: 'LecunUniform', make: (seed) => new init.LecunUniform({ seed }), dist: 'uniform', variance: (i) => 1 / i },
  { name: 'LecunNormal', make: (seed) => new init.LecunNormal({ seed }), dist: 'truncated_normal', variance: (i) => 1 / i },
];

test('Glorot, He and LeCun (normal and uniform) on Dense and conv kernels', async () => {
  // Dense [300, 500]: fan_in 300, fan_out 500 (N = 150 000). Conv [3, 3, 32, 64]: 288, 576 (N = 18 432).
  const shapes: ReadonlyArray<readonly [number[], number, number]> = [
    [[300, 500], 300, 500],
    [[3, 3, 32, 64], 288, 576],
  ];
  let seed = 100;
  for (const n of NAMED) {
    for (const [shape, fanIn, fanOut] of shapes) {
      const variance = n.variance(fanIn, fanOut);
      const st = await stats(n.make(seed++).call(shape));
      const label = `${n.name} ${nt.formatShape(shape)}`;
      checkMoments(label, st, 0, variance);
      checkSupport(label, st, n.dist, variance);
    }
    assert.deepEqual(n.make(3).getConfig(), { seed: 3 }, `${n.name}: Keras' config holds only the seed`);
  }
  // Keras' closed forms: glorot_uniform limit √(6/(in+out)), he_uniform √(6/in), lecun_uniform √(3/in).
  const limit = async (i: init.Initializer): Promise<number> => (await stats(i.call([300, 500]))).maxAbs;
  assert.ok(Math.abs((await limit(new init.GlorotUniform({ seed: 1 }))) / Math.sqrt(6 / 800) - 1) < 1e-3);
  assert.ok(Math.abs((await limit(new init.HeUniform({ seed: 1 }))) / Math.sqrt(6 / 300) - 1) < 1e-3);
  assert.ok(Math.abs((await limit(new init.LecunUniform({ seed: 1 }))) / Math.sqrt(3 / 300) - 1) < 1e-3);
});

/** Entries of the float64 product XᵀY for column-major views given row-major [m, n] data. */
function gram(w: ArrayLike<number>, rows: number, cols: number, byRows: boolean): Float64Array {
  const k = byRows ? rows : cols;
  const len = byRows ? cols : rows;
  const at = (v: number, i: number): number => (byRows ? w[v * cols + i] : w[i * cols + v]);
  const g = new Float64Array(k * k);
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < k; b++) {
      let s = 0;
      for (let i = 0; i < len; i++) s += at(a, i) * at(b, i);
      g[a * k + b] = s;
    }
  }
  return g;
}

test('Orthogonal: WᵀW = I (tall) or WWᵀ = I (wide) to 1e-5, for 2-D and flattened higher-rank shapes', async () => {
  const cases: ReadonlyArray<readonly [number[], number]> = [
    [[8, 8], 1],
    [[20, 5], 1],
    [[5, 20], 1],
    [[3, 3, 4, 6], 1], // rows 36, cols 6
    [[2, 3, 50], 1], // rows 6, cols 50
    [[64, 64], 2.5],
    [[30, 90], 0.5],
  ];
  for (const [shape, gain] of cases) {
    const w = new init.Orthogonal({ gain, seed: 11 }).call(shape);
    assert.deepEqual([...w.shape], shape);
    const cols = shape[shape.length - 1];
    const rows = w.size / cols;
    const byRows = rows < cols;
    const g = gram(await w.data(), rows, cols, byRows);
    const k = Math.min(rows, cols);
    let worst = 0;
    for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) worst = Math.max(worst, Math.abs(g[a * k + b] / (gain * gain) - (a === b ? 1 : 0)));
    assert.ok(worst <= 1e-5, `Orthogonal ${nt.formatShape(shape)} gain ${gain}: |${byRows ? 'WWᵀ' : 'WᵀW'}/gain² − I| = ${worst}`);
  }
});

test("Orthogonal is the Q of Keras' sign-corrected QR of the seeded normal matrix", async () => {
  // Keras: A ~ N(0, 1) of shape [max(r, c), min(r, c)], A = QR, Q·sign(diag R), transposed if r < c.
  for (const [shape, seed] of [[[12, 5], 21], [[4, 9], 22], [[2, 2, 3], 23]] as const) {
    const cols = shape[shape.length - 1];
    const rows = shape.reduce((a, b) => a * b, 1) / cols;
    const m = Math.max(rows, cols);
    const n = Math.min(rows, cols);
    const a = await nt.randomNormal([m, n], { seed }).data();
    const w = await new init.Orthogonal({ seed }).call(shape).data();
    const q = (i: number, j: number): number => (rows >= cols ? w[i * n + j] : w[j * m + i]); // Q is m × n
    // R = QᵀA must be upper triangular with a positive diagonal, and A = QR.
    const r = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let t = 0; t < m; t++) r[i * n + j] += q(t, i) * a[t * n + j];
    for (let i = 0; i < n; i++) {
      assert.ok(r[i * n + i] > 0, `${nt.formatShape(shape)}: R[${i}][${i}] = ${r[i * n + i]} is not positive (sign correction)`);
      for (let j = 0; j < i; j++) assert.ok(Math.abs(r[i * n + j]) < 1e-5, `${nt.formatShape(shape)}: R[${i}][${j}] = ${r[i * n + j]} below the diagonal`);
    }
    for (let t = 0; t < m; t++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += q(t, i) * r[i * n + j];
        assert.ok(Math.abs(s - a[t * n + j]) < 1e-5, `${nt.formatShape(shape)}: QR differs from A at (${t}, ${j})`);
      }
    }
  }
});

test('orthonormalFactor on hand-computed matrices, including the sign correction', () => {
  // A = [[3, 1], [4, 2]] (column-major [3, 4, 1, 2]): q₁ = (0.6, 0.8), r₁₂ = 2.2,
  // a₂ − 2.2·q₁ = (−0.32, 0.24), r₂₂ = 0.4, q₂ = (−0.8, 0.6).
  const q = init.orthonormalFactor(new Float64Array([3, 4, 1, 2]), 2, 2);
  [0.6, 0.8, -0.8, 0.6].forEach((v, i) => assert.ok(Math.abs(q[i] - v) < 1e-12, `q[${i}] = ${q[i]}, expected ${v}`));
  // Negating a column of A negates that column of Q (R's diagonal stays positive):
  // [[−3, 1], [−4, 2]] gives q₁ = (−0.6, −0.8), r₁₂ = −2.2, q₂ = (−0.8, 0.6) again;
  // [[3, −1], [4, −2]] gives q₁ = (0.6, 0.8), r₁₂ = −2.2, q₂ = (0.8, −0.6).
  const q2 = init.orthonormalFactor(new Float64Array([-3, -4, 1, 2]), 2, 2);
  [-0.6, -0.8, -0.8, 0.6].forEach((v, i) => assert.ok(Math.abs(q2[i] - v) < 1e-12, `q[${i}] = ${q2[i]}, expected ${v}`));
  const q4 = init.orthonormalFactor(new Float64Array([3, 4, -1, -2]), 2, 2);
  [0.6, 0.8, 0.8, -0.6].forEach((v, i) => assert.ok(Math.abs(q4[i] - v) < 1e-12, `q[${i}] = ${q4[i]}, expected ${v}`));
  // A tall 3 × 1 column: its normalized self.
  const q3 = init.orthonormalFactor(new Float64Array([2, -1, 2]), 3, 1);
  [2 / 3, -1 / 3, 2 / 3].forEach((v, i) => assert.ok(Math.abs(q3[i] - v) < 1e-12));
});

test('Orthogonal and Identity reject shapes Keras rejects', () => {
  assert.throws(() => new init.Orthogonal().call([5]), /at least 2-D.*\[5\]/);
  assert.throws(() => new init.Identity().call([2, 2, 2]), /only makes 2-D.*\[2, 2, 2\]/);
  assert.throws(() => new init.Identity().call([4]), /2-D/);
});

test('Identity: gain·eye, square and rectangular like Keras', async () => {
  assert.deepEqual(await new init.Identity({ gain: 2 }).call([3, 3]).array(), [[2, 0, 0], [0, 2, 0], [0, 0, 2]]);
  assert.deepEqual(await new init.Identity().call([2, 4]).array(), [[1, 0, 0, 0], [0, 1, 0, 0]]);
  assert.deepEqual(await new init.Identity().call([3, 2]).array(), [[1, 0], [0, 1], [0, 0]]);
  const int = new init.Identity({ gain: 3 }).call([2, 2], 'int32');
  assert.equal(int.dtype, 'int32');
  assert.deepEqual(await int.array(), [[3, 0], [0, 3]]);
  assert.throws(() => new init.Identity({ gain: 0.5 }).call([2, 2], 'int32'), /integer gain/);
});

test('Zeros, Ones, Constant: values, dtypes, defaults', async () => {
  assert.deepEqual(await new init.Zeros().call([2, 2]).array(), [[0, 0], [0, 0]]);
  assert.deepEqual(await new init.Ones().call([3]).array(), [1, 1, 1]);
  assert.equal(new init.Ones().call([2], 'int32').dtype, 'int32');
  assert.deepEqual(await new init.Constant({ value: 0.25 }).call([2]).array(), [0.25, 0.25]);
  assert.deepEqual(await new init.Constant(-3).call([1, 2], 'int32').array(), [[-3, -3]]);
  assert.deepEqual(await new init.Constant().call([2]).array(), [0, 0]);
  assert.throws(() => new init.Constant(2.5).call([2], 'int32'), /Constant: cannot fill an int32 weight with the non-integer value 2\.5/);
  assert.equal(new init.Zeros().call([]).shape.length, 0);
});

test('random initializers refuse int32 and bad arguments, naming the argument', () => {
  assert.throws(() => new init.GlorotUniform().call([2, 2], 'int32'), /GlorotUniform: only float32/);
  assert.throws(() => new init.RandomNormal().call([2, -1]), /RandomNormal: shape entries must be non-negative integers/);
  assert.throws(() => new init.VarianceScaling({ scale: 0 }), /scale must be a positive number; got 0/);
  assert.throws(() => new init.VarianceScaling({ mode: 'fan_sum' as init.FanMode }), /mode must be one of 'fan_in', 'fan_out', 'fan_avg'; got 'fan_sum'/);
  assert.throws(() => new init.VarianceScaling({ distribution: 'gamma' as init.Distribution }), /distribution must be one of 'truncated_normal', 'untruncated_normal', 'uniform'/);
  assert.throws(() => new init.RandomUniform({ minval: 1, maxval: 1 }), /maxval \(1\) must be greater than minval \(1\)/);
  assert.throws(() => new init.RandomNormal({ stddev: -1 }), /stddev must be a non-negative number/);
  assert.throws(() => new init.HeNormal({ seed: 1.5 }), /HeNormal: seed must be an integer/);
  assert.throws(() => new init.Constant({ value: Number.NaN }), /value must be a finite number/);
});

const IDENTIFIERS: Readonly<Record<string, string>> = {
  zeros: 'Zeros', zero: 'Zeros', Zeros: 'Zeros', ones: 'Ones', one: 'Ones', Ones: 'Ones',
  constant: 'Constant', Constant: 'Constant', identity: 'Identity', Identity: 'Identity', IdentityInitializer: 'Identity',
  random_normal: 'RandomNormal', randomNormal: 'RandomNormal', RandomNormal: 'RandomNormal', normal: 'RandomNormal',
  random_uniform: 'RandomUniform', randomUniform: 'RandomUniform', RandomUniform: 'RandomUniform', uniform: 'RandomUniform',
  truncated_normal: 'TruncatedNormal', truncatedNormal: 'TruncatedNormal', TruncatedNormal: 'TruncatedNormal',
  variance_scaling: 'VarianceScaling', varianceScaling: 'VarianceScaling', VarianceScaling: 'VarianceScaling',
  glorot_normal: 'GlorotNormal', glorotNormal: 'GlorotNormal', GlorotNormal: 'GlorotNormal',
  glorot_uniform: 'GlorotUniform', glorotUniform: 'GlorotUniform', GlorotUniform: 'GlorotUniform',
  he_normal: 'HeNormal', heNormal: 'HeNormal', HeNormal: 'HeNormal', he_uniform: 'HeUniform', heUniform: 'HeUniform', HeUniform: 'HeUniform',
  lecun_normal: 'LecunNormal', lecunNormal: 'LecunNormal', LecunNormal: 'LecunNormal',
  lecun_uniform: 'LecunUniform', lecunUniform: 'LecunUniform', LecunUniform: 'LecunUniform',
  orthogonal: 'Orthogonal', Orthogonal: 'Orthogonal', OrthogonalInitializer: 'Orthogonal',
};

test('getInitializer: every Keras identifier, camelCase form and class name', () => {
  for (const [id, className] of Object.entries(IDENTIFIERS)) {
    const i = init.getInitializer(id);
    assert.equal(i.getClassName(), className, `'${id}'`);
  }
  // String identifiers give the defaults.
  assert.deepEqual(init.getInitializer('random_normal').getConfig(), { seed: null, mean: 0, stddev: 0.05 });
  const given = new init.HeNormal({ seed: 1 });
  assert.equal(init.getInitializer(given), given);
});

test('getInitializer: unknown names and bad identifiers give errors that list the names', () => {
  assert.throws(() => init.getInitializer('glorot'), (e: Error) => /Unknown initializer 'glorot'/.test(e.message) && /glorot_uniform/.test(e.message) && /he_normal/.test(e.message));
  assert.throws(() => init.getInitializer({ class_name: 'Xavier', config: {} }), /Unknown initializer 'Xavier'/);
  assert.throws(() => init.getInitializer(42 as unknown as string), /getInitializer: expected a string identifier/);
  assert.throws(() => init.getInitializer({ class_name: 'RandomNormal', config: { sigma: 1 } }), /RandomNormal: unknown config key 'sigma'; allowed keys: mean, stddev, seed/);
});

test('getConfig → JSON → getInitializer round trip for every class', async () => {
  const all: readonly init.Initializer[] = [
    new init.Zeros(),
    new init.Ones(),
    new init.Constant({ value: 0.7 }),
    new init.Identity({ gain: 1.5 }),
    new init.RandomNormal({ mean: 0.1, stddev: 0.2, seed: 5 }),
    new init.RandomUniform({ minval: -0.3, maxval: 0.6, seed: 6 }),
    new init.TruncatedNormal({ mean: -0.2, stddev: 0.4, seed: 7 }),
    new init.VarianceScaling({ scale: 3, mode: 'fan_out', distribution: 'uniform', seed: 8 }),
    new init.VarianceScaling({ scale: 0.5, mode: 'fan_avg', distribution: 'untruncated_normal' }),
    new init.GlorotNormal({ seed: 9 }),
    new init.GlorotUniform({ seed: 10 }),
    new init.HeNormal({ seed: 11 }),
    new init.HeUniform({ seed: 12 }),
    new init.LecunNormal({ seed: 13 }),
    new init.LecunUniform({ seed: 14 }),
    new init.Orthogonal({ gain: 1.2, seed: 15 }),
    new init.GlorotUniform(),
  ];
  const classes = new Set<string>();
  for (const original of all) {
    const json = JSON.parse(JSON.stringify({ class_name: original.getClassName(), config: original.getConfig() })) as { class_name: string; config: ConfigDict };
    const rebuilt = init.getInitializer(json);
    classes.add(rebuilt.getClassName());
    assert.equal(rebuilt.constructor, original.constructor, original.getClassName());
    assert.deepEqual(rebuilt.getConfig(), original.getConfig(), original.getClassName());
    if (original.getConfig().seed !== null) {
      assert.ok(await sameValues(rebuilt.call([6, 4]), original.call([6, 4])), `${original.getClassName()}: rebuilt initializer draws differently`);
    }
  }
  assert.equal(classes.size, 15, 'every class took part');
});

test('Keras 2 / TF1-era configs load: seed null, dtype key, distribution "normal"', () => {
  const vs = init.getInitializer({ class_name: 'VarianceScaling', config: { scale: 2, mode: 'fan_in', distribution: 'normal', seed: null } });
  assert.deepEqual(vs.getConfig(), { seed: null, scale: 2, mode: 'fan_in', distribution: 'truncated_normal' });
  const rn = init.getInitializer({ class_name: 'RandomNormal', config: { mean: 0, stddev: 0.01, seed: 3, dtype: 'float32' } });
  assert.deepEqual(rn.getConfig(), { seed: 3, mean: 0, stddev: 0.01 });
  const gu = init.getInitializer({ class_name: 'GlorotUniform', config: { seed: null } });
  assert.ok(gu instanceof init.GlorotUniform);
});
