/**
 * The Playground's 2-D data sets, generated the way TensorFlow Playground makes them
 * (points in [-6, 6]², label 1 or 0), and the input features computed from a point.
 */
import type { DatasetName, FeatureName } from './protocol.js';

/** A seeded uniform generator in [0, 1) (mulberry32), so a seed gives the same data everywhere. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Points as consecutive (x1, x2, label) triples. */
export type Points = Float32Array;

interface Gen {
  uniform(lo: number, hi: number): number;
  normal(mean: number, variance: number): number;
}

function gen(seed: number): Gen {
  const rand = seededRandom(seed);
  return {
    uniform: (lo, hi) => lo + (hi - lo) * rand(),
    normal: (mean, variance) => {
      // Box–Muller
      const u = 1 - rand();
      const v = rand();
      return mean + Math.sqrt(variance) * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
  };
}

type Push = (x: number, y: number, label: number) => void;

/** Disc of radius 2.5 (label 1) inside a ring 3.5 … 5 (label 0); noise flips labels near the edge. */
function circle(n: number, noise: number, g: Gen, push: Push): void {
  const radius = 5;
  const inside = (x: number, y: number): number => (Math.hypot(x, y) < radius * 0.5 ? 1 : 0);
  for (let i = 0; i < n; i++) {
    const r = i < n / 2 ? g.uniform(0, radius * 0.5) : g.uniform(radius * 0.7, radius);
    const angle = g.uniform(0, 2 * Math.PI);
    const x = r * Math.sin(angle);
    const y = r * Math.cos(angle);
    push(x, y, inside(x + g.uniform(-radius, radius) * noise, y + g.uniform(-radius, radius) * noise));
  }
}

/** Uniform points kept 0.3 off the axes; label 1 where x1·x2 ≥ 0 (of the noisy point). */
function xor(n: number, noise: number, g: Gen, push: Push): void {
  const pad = 0.3;
  for (let i = 0; i < n; i++) {
    let x = g.uniform(-5, 5);
    x += x > 0 ? pad : -pad;
    let y = g.uniform(-5, 5);
    y += y > 0 ? pad : -pad;
    const nx = x + g.uniform(-5, 5) * noise;
    const ny = y + g.uniform(-5, 5) * noise;
    push(x, y, nx * ny >= 0 ? 1 : 0);
  }
}

/** Two Gaussian blobs at (2, 2) (label 1) and (-2, -2) (label 0); noise widens them (variance 0.5 … 4). */
function gaussian(n: number, noise: number, g: Gen, push: Push): void {
  const variance = 0.5 + (4 - 0.5) * (noise / 0.5);
  for (let i = 0; i < n; i++) {
    const [c, label] = i < n / 2 ? [2, 1] : [-2, 0];
    push(g.normal(c, variance), g.normal(c, variance), label);
  }
}

/** Two interleaved spirals of 1.75 turns out to radius 5; noise jitters the points. */
function spiral(n: number, noise: number, g: Gen, push: Push): void {
  const half = Math.floor(n / 2);
  for (const [delta, label] of [[0, 1], [Math.PI, 0]] as const) {
    for (let i = 0; i < half; i++) {
      const r = (i / half) * 5;
      const t = ((1.75 * i) / half) * 2 * Math.PI + delta;
      push(r * Math.sin(t) + g.uniform(-1, 1) * noise, r * Math.cos(t) + g.uniform(-1, 1) * noise, label);
    }
  }
}

const GENERATORS: Record<DatasetName, (n: number, noise: number, g: Gen, push: Push) => void> = { circle, xor, gaussian, spiral };

/** `n` shuffled points of a data set with the given noise (0 … 0.5) and seed. */
export function generate(name: DatasetName, n: number, noise: number, seed: number): Points {
  const make = GENERATORS[name];
  if (!make) throw new Error(`unknown data set '${String(name)}'; use one of ${Object.keys(GENERATORS).join(', ')}`);
  const g = gen(seed);
  const rows: [number, number, number][] = [];
  make(n, noise, g, (x, y, label) => rows.push([x, y, label]));
  const rand = seededRandom(seed ^ 0x5bd1e995);
  for (let i = rows.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [rows[i], rows[j]] = [rows[j] as [number, number, number], rows[i] as [number, number, number]];
  }
  return Float32Array.from(rows.flat());
}

/** Splits shuffled points: the first `ratio` of them train, the rest test. */
export function split(points: Points, ratio: number): { train: Points; test: Points } {
  const n = points.length / 3;
  const cut = Math.round(n * ratio) * 3;
  return { train: points.slice(0, cut), test: points.slice(cut) };
}

const FEATURE_FNS: Record<FeatureName, (x1: number, x2: number) => number> = {
  x1: (a) => a,
  x2: (_, b) => b,
  x1sq: (a) => a * a,
  x2sq: (_, b) => b * b,
  x1x2: (a, b) => a * b,
  sinx1: (a) => Math.sin(a),
  sinx2: (_, b) => Math.sin(b),
};

/** The feature matrix (rows × features.length) of (x1, x2) pairs at stride `stride` in `xy`. */
export function featurize(xy: Float32Array, stride: number, features: readonly FeatureName[]): Float32Array {
  const n = Math.floor(xy.length / stride);
  const out = new Float32Array(n * features.length);
  const fns = features.map((f) => FEATURE_FNS[f]);
  for (let i = 0; i < n; i++) {
    const a = xy[i * stride] as number;
    const b = xy[i * stride + 1] as number;
    for (let j = 0; j < fns.length; j++) out[i * fns.length + j] = (fns[j] as (a: number, b: number) => number)(a, b);
  }
  return out;
}

/** Labels (the third value of each triple) as an n × 1 column. */
export function labels(points: Points): Float32Array {
  const out = new Float32Array(points.length / 3);
  for (let i = 0; i < out.length; i++) out[i] = points[i * 3 + 2] as number;
  return out;
}
