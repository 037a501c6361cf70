/**
 * A deep belief network: a stack of RBMs trained greedily, layer by layer, each on the
 * previous layer's hidden probabilities (Hinton, Osindero & Teh 2006), then unrolled into
 * a Keras Sequential classifier (Dense sigmoid layers initialised from the RBMs + softmax).
 */
import type { Tensor } from '../tensor/tensor.js';
import { Dense } from '../layers/core/dense.js';
import { Sequential } from '../models/sequential.js';
import { GlorotUniform } from '../initializers/index.js';
import { RBM, type RBMFitOptions, type RBMHistory } from './rbm.js';

export interface DBNOptions {
  /** Unit counts from the visible layer up, e.g. [784, 256, 128] (at least two). */
  readonly layerSizes: readonly number[];
  readonly learningRate?: number;
  readonly k?: number;
  readonly persistent?: boolean;
  readonly batchSize?: number;
  /** Seed of the first RBM; RBM i uses seed + i. */
  readonly seed?: number;
  readonly momentum?: number;
  readonly weightDecay?: number;
}

export interface ClassifierOptions {
  /** Seed for the softmax layer's Glorot initialisation (default: the DBN's seed). */
  readonly seed?: number;
  readonly name?: string;
}

export class DBN {
  readonly layerSizes: readonly number[];
  readonly rbms: readonly RBM[];
  private readonly seed: number;

  constructor(options: DBNOptions) {
    const sizes = options.layerSizes;
    if (!Array.isArray(sizes) || sizes.length < 2 || !sizes.every((s) => Number.isInteger(s) && s > 0)) {
      throw new RangeError(`DBN: layerSizes must list at least two positive integers (visible first); got [${String(sizes)}]`);
    }
    this.layerSizes = [...sizes];
    this.seed = options.seed ?? 0;
    const rbms: RBM[] = [];
    for (let i = 0; i + 1 < sizes.length; i++) {
      rbms.push(new RBM({ ...options, visibleUnits: sizes[i], hiddenUnits: sizes[i + 1], seed: this.seed + i }));
    }
    this.rbms = rbms;
  }

  /** Greedy layer-wise pretraining; returns one history per RBM. */
  pretrain(x: Tensor, options: RBMFitOptions = {}): RBMHistory[] {
    const histories: RBMHistory[] = [];
    let input = x;
    for (const rbm of this.rbms) {
      histories.push(rbm.fit(input, options));
      input = rbm.transform(input);
    }
    return histories;
  }

  /** The top layer's hidden probabilities. */
  transform(x: Tensor): Tensor {
    let h = x;
    for (const rbm of this.rbms) h = rbm.transform(h);
    return h;
  }

  /**
   * A Sequential of Dense(sigmoid) layers with the RBM weights (W as kernel, hidden bias
   * as bias) plus a Dense(numClasses, softmax) output; compile and fit it to fine-tune.
   */
  toClassifier(numClasses: number, options: ClassifierOptions = {}): Sequential {
    if (!Number.isInteger(numClasses) || numClasses < 2) throw new RangeError(`DBN.toClassifier: numClasses must be an integer ≥ 2; got ${numClasses}`);
    const hidden = this.rbms.map((rbm, i) =>
      new Dense({ units: rbm.hiddenUnits, activation: 'sigmoid', ...(i === 0 ? { inputShape: [rbm.visibleUnits] } : {}) }),
    );
    const out = new Dense({ units: numClasses, activation: 'softmax', kernelInitializer: new GlorotUniform({ seed: options.seed ?? this.seed }) });
    const model = new Sequential({ layers: [...hidden, out], name: options.name });
    hidden.forEach((layer, i) => layer.setWeights([this.rbms[i].W, this.rbms[i].hiddenBias]));
    return model;
  }
}

/**
 * The same architecture as DBN.toClassifier with Keras' default (Glorot) initialisation:
 * the baseline a pretrained DBN is compared with.
 */
export function denseSigmoidClassifier(layerSizes: readonly number[], numClasses: number, seed = 0): Sequential {
  const layers: Dense[] = [];
  for (let i = 1; i < layerSizes.length; i++) {
    layers.push(new Dense({ units: layerSizes[i], activation: 'sigmoid', kernelInitializer: new GlorotUniform({ seed: seed + i }), ...(i === 1 ? { inputShape: [layerSizes[0]] } : {}) }));
  }
  layers.push(new Dense({ units: numClasses, activation: 'softmax', kernelInitializer: new GlorotUniform({ seed }) }));
  return new Sequential(layers);
}
