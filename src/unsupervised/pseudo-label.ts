/**
 * Pseudo-labelling (Lee 2013): train on the labelled samples, label the unlabelled ones the
 * model is confident about with its own argmax, retrain on both, repeat.
 */
import { Tensor, tensor } from '../tensor/index.js';
import { concat, gather } from '../ops/index.js';
import { toCategorical } from '../data/index.js';
import type { Model } from '../models/index.js';
import type { FitArgs } from '../training/index.js';

/** The confident rows of a probability matrix. */
export interface PseudoLabelSelection {
  /** Row indices whose maximum probability is ≥ threshold (ascending). */
  readonly indices: number[];
  /** Their argmax classes. */
  readonly labels: number[];
  /** Their maximum probabilities. */
  readonly confidences: number[];
}

/** Picks the rows of `probs` ([n, classes]) whose max probability reaches `threshold`. */
export function selectPseudoLabels(probs: Tensor, threshold: number): PseudoLabelSelection {
  if (probs.rank !== 2) throw new RangeError(`selectPseudoLabels: probs must be [samples, classes]; got shape [${probs.shape.join(', ')}]`);
  if (!(threshold >= 0 && threshold <= 1)) throw new RangeError(`selectPseudoLabels: threshold must be in [0, 1]; got ${threshold}`);
  const [n, k] = probs.shape;
  const p = probs.dataSync();
  // Probabilities are float32: compare with the float32 threshold so that 0.95 keeps a stored 0.95.
  const limit = probs.dtype === 'float32' ? Math.fround(threshold) : threshold;
  const indices: number[] = [];
  const labels: number[] = [];
  const confidences: number[] = [];
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (p[i * k + j] > p[i * k + best]) best = j;
    const conf = p[i * k + best];
    if (conf >= limit) {
      indices.push(i);
      labels.push(best);
      confidences.push(conf);
    }
  }
  return { indices, labels, confidences };
}

export interface PseudoLabelArgs {
  readonly xLabeled: Tensor;
  /** Integer class labels [n] (or one-hot [n, classes]). */
  readonly yLabeled: Tensor;
  readonly xUnlabeled: Tensor;
  /** Minimum max-probability for a pseudo-label (default 0.95). */
  readonly threshold?: number;
  /** Pseudo-labelling rounds after the initial supervised fit (default 1). */
  readonly rounds?: number;
  /** Passed to every fit (epochs, batchSize, verbose, seed…). */
  readonly fitArgs?: FitArgs;
  /** Optional true labels of the unlabelled samples (integers), to measure pseudo-label accuracy. */
  readonly yUnlabeledTrue?: Tensor;
  /** Optional validation set [x, integer labels] evaluated after every fit. */
  readonly validationData?: readonly [Tensor, Tensor];
  readonly predictBatchSize?: number;
}

export interface PseudoLabelRound {
  /** 0 = after training on the labelled part only. */
  readonly round: number;
  /** Pseudo-labels used in this round's fit (0 in round 0). */
  readonly numPseudoLabels: number;
  /** Their accuracy against yUnlabeledTrue (null when not given or none were selected). */
  readonly pseudoLabelAccuracy: number | null;
  /** Accuracy on validationData after this round's fit (null when not given). */
  readonly validationAccuracy: number | null;
}

export interface PseudoLabelResult {
  readonly model: Model;
  readonly rounds: PseudoLabelRound[];
}

function intLabels(y: Tensor, what: string): number[] {
  if (y.rank === 1) return Array.from(y.dataSync(), Number);
  if (y.rank === 2) return selectPseudoLabels(y, 0).labels;
  throw new RangeError(`pseudoLabel: ${what} must be integer labels [n] or one-hot [n, classes]; got shape [${y.shape.join(', ')}]`);
}

/** Fraction of rows of `probs` whose argmax equals `labels`. */
export function argmaxAccuracy(probs: Tensor, labels: readonly number[]): number {
  const predicted = selectPseudoLabels(probs, 0).labels;
  if (predicted.length !== labels.length) throw new RangeError(`argmaxAccuracy: ${predicted.length} predictions for ${labels.length} labels`);
  let hit = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) hit++;
  return labels.length === 0 ? 0 : hit / labels.length;
}

/**
 * Trains a compiled classifier (softmax output, categorical cross-entropy) on the labelled
 * samples, then for each round pseudo-labels the confident unlabelled samples and retrains
 * on labelled + pseudo-labelled. The model keeps its weights between rounds.
 */
export async function pseudoLabel(model: Model, args: PseudoLabelArgs): Promise<PseudoLabelResult> {
  const { xLabeled, yLabeled, xUnlabeled, threshold = 0.95, rounds = 1, fitArgs = {}, yUnlabeledTrue, validationData, predictBatchSize = 512 } = args;
  if (!Number.isInteger(rounds) || rounds < 0) throw new RangeError(`pseudoLabel: rounds must be a non-negative integer; got ${rounds}`);
  const labeled = intLabels(yLabeled, 'yLabeled');
  if (labeled.length !== xLabeled.shape[0]) throw new RangeError(`pseudoLabel: ${xLabeled.shape[0]} labelled samples but ${labeled.length} labels`);
  const trueUnlabeled = yUnlabeledTrue === undefined ? null : intLabels(yUnlabeledTrue, 'yUnlabeledTrue');
  const numClasses = model.outputShapes[0][model.outputShapes[0].length - 1];
  if (numClasses === null || numClasses === undefined) throw new Error('pseudoLabel: the model output needs a known class dimension');
  const valLabels = validationData === undefined ? null : intLabels(validationData[1], 'validationData labels');
  const validate = (): number | null =>
    validationData === undefined || valLabels === null ? null : argmaxAccuracy(model.predict(validationData[0], { batchSize: predictBatchSize }) as Tensor, valLabels);
  const oneHot = (ys: readonly number[]): Tensor => toCategorical(tensor(Int32Array.from(ys)), numClasses);

  await model.fit(xLabeled, oneHot(labeled), fitArgs);
  const stats: PseudoLabelRound[] = [{ round: 0, numPseudoLabels: 0, pseudoLabelAccuracy: null, validationAccuracy: validate() }];
  for (let r = 1; r <= rounds; r++) {
    const probs = model.predict(xUnlabeled, { batchSize: predictBatchSize }) as Tensor;
    const sel = selectPseudoLabels(probs, threshold);
    let pseudoAcc: number | null = null;
    if (trueUnlabeled !== null && sel.indices.length > 0) {
      let hit = 0;
      sel.indices.forEach((idx, j) => { if (trueUnlabeled[idx] === sel.labels[j]) hit++; });
      pseudoAcc = hit / sel.indices.length;
    }
    const x = sel.indices.length === 0 ? xLabeled : concat([xLabeled, gather(xUnlabeled, sel.indices, 0)], 0);
    await model.fit(x, oneHot([...labeled, ...sel.labels]), fitArgs);
    stats.push({ round: r, numPseudoLabels: sel.indices.length, pseudoLabelAccuracy: pseudoAcc, validationAccuracy: validate() });
  }
  return { model, rounds: stats };
}
