/**
 * A Bernoulli–Bernoulli restricted Boltzmann machine trained by contrastive divergence
 * (CD-k) or persistent contrastive divergence (PCD, Tieleman 2008).
 *
 * Energy: E(v, h) = −b·v − c·h − vᵀWh, with W [visible, hidden], b the visible bias and
 * c the hidden bias. Free energy: F(v) = −b·v − Σⱼ log(1 + exp(cⱼ + (vW)ⱼ)), p(v) ∝ exp(−F(v)).
 * The updates are the CD statistics computed directly (no autograd), under noGrad.
 */
import { Tensor } from '../tensor/tensor.js';
import { tensor, zeros } from '../tensor/create.js';
import { Rng } from '../tensor/rng.js';
import { noGrad } from '../autograd/tape.js';
import { add, mul, sub } from '../ops/elementwise.js';
import { sigmoid, softplus } from '../ops/activations.js';
import { matmul } from '../ops/matmul.js';
import { mean, sum } from '../ops/reduce.js';
import { randomNormal } from '../ops/random.js';

export interface RBMOptions {
  readonly visibleUnits: number;
  readonly hiddenUnits: number;
  /** Step size of the CD updates (default 0.1). */
  readonly learningRate?: number;
  /** Gibbs steps in the negative phase (CD-k; default 1). */
  readonly k?: number;
  /** Keep the negative chain between updates (PCD) instead of restarting it at the data (default false). */
  readonly persistent?: boolean;
  /** Default mini-batch size for fit (default 64). */
  readonly batchSize?: number;
  /** Seed for the initial weights and every Gibbs draw (default 0). */
  readonly seed?: number;
  /** Classical momentum on the updates (default 0). */
  readonly momentum?: number;
  /** L2 weight decay on W (default 0). */
  readonly weightDecay?: number;
}

export interface RBMFitOptions {
  readonly epochs?: number;
  readonly batchSize?: number;
  /** 0 silent, 1 (or 2) one line per epoch. */
  readonly verbose?: 0 | 1 | 2;
  /** Shuffle the rows every epoch (default true). */
  readonly shuffle?: boolean;
  /** Held-out data: when given, the free-energy gap mean F(validation) − mean F(train sample) is reported per epoch. */
  readonly validationData?: Tensor;
  /** Where verbose lines go (default console.log). */
  readonly log?: (line: string) => void;
}

export interface RBMHistory {
  /** Mean squared error between v and its mean-field reconstruction, per epoch. */
  readonly reconstructionError: number[];
  /** Stochastic pseudo-log-likelihood per example (one flipped unit per row, scaled by the visible count), per epoch. */
  readonly pseudoLikelihood: number[];
  /** mean F(validation) − mean F(training rows), per epoch (only with validationData). */
  readonly freeEnergyGap: number[];
}

/** The sufficient statistics of one CD/PCD update (already averaged over rows). */
export interface CDStatistics {
  readonly dW: Tensor;
  readonly dVisibleBias: Tensor;
  readonly dHiddenBias: Tensor;
  /** The end of the negative chain (visible sample), the next PCD start. */
  readonly negativeVisible: Tensor;
}

function positiveInt(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`RBM: ${name} must be a positive integer; got ${value}`);
  return value;
}

function nonNegative(value: number, name: string): number {
  if (!(value >= 0) || !Number.isFinite(value)) throw new RangeError(`RBM: ${name} must be a finite number ≥ 0; got ${value}`);
  return value;
}

export class RBM {
  readonly visibleUnits: number;
  readonly hiddenUnits: number;
  readonly learningRate: number;
  readonly k: number;
  readonly persistent: boolean;
  readonly batchSize: number;
  readonly seed: number;
  readonly momentum: number;
  readonly weightDecay: number;
  /** Weights [visible, hidden]. */
  W: Tensor;
  /** Visible bias [visible]. */
  visibleBias: Tensor;
  /** Hidden bias [hidden]. */
  hiddenBias: Tensor;
  private readonly rng: Rng;
  private chain: Tensor | null = null;
  private velocity: [Tensor, Tensor, Tensor] | null = null;

  constructor(options: RBMOptions) {
    this.visibleUnits = positiveInt(options.visibleUnits, 'visibleUnits');
    this.hiddenUnits = positiveInt(options.hiddenUnits, 'hiddenUnits');
    this.learningRate = nonNegative(options.learningRate ?? 0.1, 'learningRate');
    this.k = positiveInt(options.k ?? 1, 'k');
    this.persistent = options.persistent ?? false;
    this.batchSize = positiveInt(options.batchSize ?? 64, 'batchSize');
    this.seed = options.seed ?? 0;
    this.momentum = nonNegative(options.momentum ?? 0, 'momentum');
    if (this.momentum >= 1) throw new RangeError(`RBM: momentum must be in [0, 1); got ${this.momentum}`);
    this.weightDecay = nonNegative(options.weightDecay ?? 0, 'weightDecay');
    this.rng = new Rng(this.seed + 7919);
    this.W = randomNormal([this.visibleUnits, this.hiddenUnits], { stddev: 0.01, seed: this.seed });
    this.visibleBias = zeros([this.visibleUnits]);
    this.hiddenBias = zeros([this.hiddenUnits]);
  }

  private checkVisible(v: Tensor, what: string): void {
    if (!(v instanceof Tensor) || v.rank !== 2 || v.shape[1] !== this.visibleUnits || v.dtype !== 'float32') {
      const got = v instanceof Tensor ? `${v.dtype} [${v.shape.join(', ')}]` : String(v);
      throw new RangeError(`RBM.${what}: expected a float32 tensor of shape [n, ${this.visibleUnits}]; got ${got}`);
    }
  }

  /** p(h = 1 | v) = sigmoid(c + vW), shape [n, hidden]. */
  hiddenProbabilities(v: Tensor): Tensor {
    return noGrad(() => sigmoid(add(matmul(v, this.W), this.hiddenBias)));
  }

  /** p(v = 1 | h) = sigmoid(b + hWᵀ), shape [n, visible]. */
  visibleProbabilities(h: Tensor): Tensor {
    return noGrad(() => sigmoid(add(matmul(h, this.W, { transposeB: true }), this.visibleBias)));
  }

  /** One Bernoulli draw per element of p (uses this RBM's seeded stream). */
  sampleBernoulli(p: Tensor): Tensor {
    const src = p.dataSync();
    const out = new Float32Array(src.length);
    for (let i = 0; i < src.length; i++) out[i] = this.rng.uniform() < src[i] ? 1 : 0;
    return tensor(out, p.shape);
  }

  /** Free energy per row, shape [n]: F(v) = −b·v − Σⱼ softplus(cⱼ + (vW)ⱼ). */
  freeEnergy(v: Tensor): Tensor {
    this.checkVisible(v, 'freeEnergy');
    return noGrad(() => {
      const vb = matmul(v, this.visibleBias);
      const hidden = sum(softplus(add(matmul(v, this.W), this.hiddenBias)), 1);
      return sub(mul(vb, -1), hidden);
    });
  }

  /** Hidden probabilities p(h = 1 | v): the features a DBN feeds to the next layer. */
  transform(v: Tensor): Tensor {
    this.checkVisible(v, 'transform');
    return this.hiddenProbabilities(v);
  }

  /** Mean-field reconstruction p(v = 1 | h = p(h | v)). */
  reconstruct(v: Tensor): Tensor {
    this.checkVisible(v, 'reconstruct');
    return this.visibleProbabilities(this.hiddenProbabilities(v));
  }

  /** Runs `steps` full Gibbs steps v → h → v from v; returns the last visible sample. */
  gibbs(v: Tensor, steps = 1): Tensor {
    this.checkVisible(v, 'gibbs');
    positiveInt(steps, 'steps');
    let x = v;
    for (let s = 0; s < steps; s++) x = this.sampleBernoulli(this.visibleProbabilities(this.sampleBernoulli(this.hiddenProbabilities(x))));
    return x;
  }

  /** n fantasy samples: `steps` Gibbs steps from uniform random visible states. */
  sample(n: number, steps = 1000): Tensor {
    positiveInt(n, 'n');
    const start = this.sampleBernoulli(tensor(new Float32Array(n * this.visibleUnits).fill(0.5), [n, this.visibleUnits]));
    return this.gibbs(start, steps);
  }

  /**
   * The CD statistics for one batch v0, with the negative chain started at `chainStart`
   * (v0 for CD, the persistent chain for PCD). Draws, in order: h ~ p(h | chain start),
   * then for each of the k steps v ~ p(v | h) and (except after the last) h ~ p(h | v);
   * the last hidden term uses probabilities. Positive and negative terms are averaged over
   * their own rows, so a PCD chain may have another row count than the batch.
   */
  cdStatistics(v0: Tensor, chainStart: Tensor = v0): CDStatistics {
    this.checkVisible(v0, 'cdStatistics');
    this.checkVisible(chainStart, 'cdStatistics');
    const n = v0.shape[0];
    const m = chainStart.shape[0];
    const h0 = this.hiddenProbabilities(v0);
    let hStart = chainStart === v0 ? h0 : this.hiddenProbabilities(chainStart);
    let vk = chainStart;
    let hk = hStart;
    for (let s = 0; s < this.k; s++) {
      const hSample = this.sampleBernoulli(hStart);
      vk = this.sampleBernoulli(this.visibleProbabilities(hSample));
      hk = this.hiddenProbabilities(vk);
      hStart = hk;
    }
    return noGrad(() => ({
      dW: sub(mul(matmul(v0, h0, { transposeA: true }), 1 / n), mul(matmul(vk, hk, { transposeA: true }), 1 / m)),
      dVisibleBias: sub(mean(v0, 0), mean(vk, 0)),
      dHiddenBias: sub(mean(h0, 0), mean(hk, 0)),
      negativeVisible: vk,
    }));
  }

  /** One CD-k (or PCD-k) update on a batch; returns the statistics used. */
  trainBatch(v0: Tensor): CDStatistics {
    const start = this.persistent ? (this.chain ??= v0) : v0;
    const stats = this.cdStatistics(v0, start);
    if (this.persistent) this.chain = stats.negativeVisible;
    noGrad(() => {
      const gW = this.weightDecay > 0 ? sub(stats.dW, mul(this.W, this.weightDecay)) : stats.dW;
      const steps: [Tensor, Tensor, Tensor] = [mul(gW, this.learningRate), mul(stats.dVisibleBias, this.learningRate), mul(stats.dHiddenBias, this.learningRate)];
      if (this.momentum > 0) {
        const prev = this.velocity;
        this.velocity = prev ? [add(mul(prev[0], this.momentum), steps[0]), add(mul(prev[1], this.momentum), steps[1]), add(mul(prev[2], this.momentum), steps[2])] : steps;
      }
      const [dW, db, dc] = this.momentum > 0 && this.velocity ? this.velocity : steps;
      this.W = add(this.W, dW);
      this.visibleBias = add(this.visibleBias, db);
      this.hiddenBias = add(this.hiddenBias, dc);
    });
    return stats;
  }

  /** The persistent chain's current visible state (null before the first PCD update, or for CD). */
  get persistentChain(): Tensor | null {
    return this.chain;
  }

  /** Mean squared error between v and reconstruct(v). */
  reconstructionError(v: Tensor): number {
    return noGrad(() => {
      const d = sub(this.reconstruct(v), v);
      return mean(mul(d, d)).dataSync()[0];
    });
  }

  /**
   * Stochastic pseudo-log-likelihood per row (as in scikit-learn's BernoulliRBM.score_samples):
   * V · log sigmoid(F(ṽ) − F(v)) with ṽ = v with one random unit flipped (binarised at 0.5).
   */
  pseudoLikelihood(v: Tensor): number {
    this.checkVisible(v, 'pseudoLikelihood');
    const [n, V] = v.shape;
    const bin = new Float32Array(n * V);
    const src = v.dataSync();
    for (let i = 0; i < bin.length; i++) bin[i] = src[i] > 0.5 ? 1 : 0;
    const flipped = Float32Array.from(bin);
    for (let r = 0; r < n; r++) {
      const j = r * V + Math.floor(this.rng.uniform() * V);
      flipped[j] = 1 - flipped[j];
    }
    const f = this.freeEnergy(tensor(bin, [n, V])).dataSync();
    const ff = this.freeEnergy(tensor(flipped, [n, V])).dataSync();
    let total = 0;
    for (let r = 0; r < n; r++) {
      const z = ff[r] - f[r];
      total += z >= 0 ? -Math.log1p(Math.exp(-z)) : z - Math.log1p(Math.exp(z)); // log sigmoid(z)
    }
    return (V * total) / n;
  }

  /** Trains on the rows of x ([n, visible], values in [0, 1]); one history entry per epoch. */
  fit(x: Tensor, options: RBMFitOptions = {}): RBMHistory {
    this.checkVisible(x, 'fit');
    const epochs = positiveInt(options.epochs ?? 10, 'epochs');
    const batchSize = positiveInt(options.batchSize ?? this.batchSize, 'batchSize');
    const { verbose = 0, shuffle = true, log = console.log, validationData } = options;
    if (validationData) this.checkVisible(validationData, 'fit (validationData)');
    const n = x.shape[0];
    const V = this.visibleUnits;
    const history: RBMHistory = { reconstructionError: [], pseudoLikelihood: [], freeEnergyGap: [] };
    const monitor = rowsOf(x, Array.from({ length: Math.min(n, 1000) }, (_, i) => i), V);
    const order = Array.from({ length: n }, (_, i) => i);
    for (let epoch = 0; epoch < epochs; epoch++) {
      const started = performance.now();
      if (shuffle) shuffleInPlace(order, this.rng);
      for (let start = 0; start < n; start += batchSize) this.trainBatch(rowsOf(x, order.slice(start, start + batchSize), V));
      history.reconstructionError.push(this.reconstructionError(monitor));
      history.pseudoLikelihood.push(this.pseudoLikelihood(monitor));
      if (validationData) history.freeEnergyGap.push(meanOf(this.freeEnergy(validationData)) - meanOf(this.freeEnergy(monitor)));
      if (verbose) {
        const gap = validationData ? `, free-energy gap ${history.freeEnergyGap[epoch].toFixed(3)}` : '';
        log(`RBM ${V}-${this.hiddenUnits} epoch ${epoch + 1}/${epochs}: reconstruction error ${history.reconstructionError[epoch].toFixed(5)}, pseudo-likelihood ${history.pseudoLikelihood[epoch].toFixed(2)}${gap} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
      }
    }
    return history;
  }
}

function meanOf(t: Tensor): number {
  let s = 0;
  for (const x of t.dataSync()) s += x;
  return s / t.size;
}

function shuffleInPlace(a: number[], rng: Rng): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

/** Gathers the given rows of a [n, width] float32 tensor. */
export function rowsOf(x: Tensor, rows: readonly number[], width: number): Tensor {
  const src = x.dataSync();
  const out = new Float32Array(rows.length * width);
  for (let r = 0; r < rows.length; r++) out.set(src.subarray(rows[r] * width, (rows[r] + 1) * width), r * width);
  return tensor(out, [rows.length, width]);
}
