/**
 * A Transformer text classifier on real text: the task of examples/text-classifier.ts
 * (which group of fortune-cookie files did a cookie come from? computing against everyday
 * life), on the same balanced classes, the same seeded shuffle and held-out cookies and the
 * same Tokenizer, with the LSTM replaced by self-attention, as Keras' "Text classification
 * with Transformer" example:
 *
 *   ids [maxlen] → TokenAndPositionEmbedding(maskZero) → Transformer block (MultiHeadAttention,
 *   LayerNorm, GELU MLP, residuals; examples/common/transformer.ts) → GlobalAveragePooling1D
 *   (over the real words only: the mask) → Dropout → Dense(1, sigmoid)
 *
 * Cookies are padded at the end (`padding: 'post'`) so that position embeddings count words
 * from the start. `--compare` also runs the LSTM example on the same split and prints both
 * held-out accuracies.
 *
 * Data: the fortune files of the Debian package `fortunes` (/usr/share/games/fortunes; BSD
 * licence, Copyright (c) 1991 The Regents of the University of California — see
 * /usr/share/doc/fortunes/copyright).
 *
 *   node build/examples/transformer-classifier.js              # a few seconds on 2 cores
 *   node build/examples/transformer-classifier.js --compare    # and the LSTM example on the same split
 *   node build/examples/transformer-classifier.js --smoke
 */
import { pathToFileURL } from 'node:url';
import * as nt from '../src/index.js';
import { FORTUNE_DIR, readFortunes } from './common/text-data.js';
import { stringArg as arg, numberArg as numArg } from './common/cli.js';
import { transformerBlock } from './common/transformer.js';
import { DEFAULT_CLASSES, runTextClassifier, type TextClassifierResult } from './text-classifier.js';

export interface TransformerClassifierOptions {
  /** Small sizes for tests: 150 cookies per class, one epoch (seconds). */
  readonly smoke?: boolean;
  /** The two classes (labels 0 and 1): fortune files, or several joined by '+'. Default: text-classifier's. */
  readonly classes?: readonly [string, string];
  /** Cookies per class (default: as many as the smaller group has). */
  readonly perClass?: number;
  /** Vocabulary: ids below numWords (the oov token is 1). */
  readonly numWords?: number;
  /** Words per cookie (longer cookies keep their first maxlen words). */
  readonly maxlen?: number;
  readonly embeddingDim?: number;
  readonly heads?: number;
  /** Hidden width of the block's MLP. */
  readonly mlpDim?: number;
  /** Transformer blocks (default 1). */
  readonly depth?: number;
  readonly dropout?: number;
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly learningRate?: number;
  readonly testFraction?: number;
  readonly seed?: number;
  /**
   * Train eagerly instead of from a plan (default true): works around a plan-fusion bug that
   * corrupts the gradient of a tensor read by two matmuls (the input of the query, key and
   * value projections); see docs/layers.md, Transformer examples.
   */
  readonly runEagerly?: boolean;
  /** Also run examples/text-classifier.ts (the LSTM) on the same split, classes, vocabulary and seed. */
  readonly compare?: boolean;
  readonly verbose?: 0 | 1 | 2;
  readonly log?: (line: string) => void;
  readonly dir?: string;
}

export interface TransformerClassifierResult {
  readonly history: nt.History;
  readonly testAccuracy: number;
  readonly testLoss: number;
  /** Accuracy of always answering the more frequent test class. */
  readonly baseline: number;
  readonly trainSize: number;
  readonly testSize: number;
  readonly vocabulary: number;
  readonly tokenizer: nt.Tokenizer;
  readonly model: nt.Model;
  readonly seconds: number;
  /** The LSTM example's result on the same split (with `compare`). */
  readonly lstm: TextClassifierResult | null;
}

export interface FortuneSplit {
  readonly trainTexts: string[];
  readonly trainLabels: number[];
  readonly testTexts: string[];
  readonly testLabels: number[];
}

/**
 * The split of examples/text-classifier.ts, drawn the same way (so the two examples train
 * and test on the same cookies): n cookies per class, each class's file order shuffled
 * with seed + label, the 2n cookies shuffled with seed + 2, the last testFraction held out.
 */
export function fortuneSplit(classes: readonly [string, string], perClass: number | undefined, testFraction: number, seed: number, dir: string = FORTUNE_DIR): FortuneSplit {
  const files = classes.map((spec) => spec.split('+').flatMap((name) => readFortunes(name, dir)));
  const n = Math.min(files[0].length, files[1].length, perClass ?? Infinity);
  const texts: string[] = [];
  const labels: number[] = [];
  files.forEach((cookies, label) => {
    const order = nt.permutation(cookies.length, seed + label);
    for (let i = 0; i < n; i++) {
      texts.push(cookies[order[i]]);
      labels.push(label);
    }
  });
  const order = nt.permutation(texts.length, seed + 2);
  const nTest = Math.max(1, Math.round(texts.length * testFraction));
  const pick = (from: number, to: number): [string[], number[]] => [Array.from(order.subarray(from, to), (i) => texts[i]), Array.from(order.subarray(from, to), (i) => labels[i])];
  const [trainTexts, trainLabels] = pick(0, texts.length - nTest);
  const [testTexts, testLabels] = pick(texts.length - nTest, texts.length);
  return { trainTexts, trainLabels, testTexts, testLabels };
}

/** The architecture of {@link transformerClassifier}. */
export interface TransformerClassifierConfig {
  readonly vocabulary: number;
  readonly maxlen: number;
  readonly embeddingDim: number;
  readonly heads: number;
  readonly mlpDim: number;
  readonly depth: number;
  readonly dropout: number;
  readonly seed: number;
}

/** TokenAndPositionEmbedding(maskZero) → depth Transformer blocks → masked mean over the words → Dropout → Dense(1, sigmoid). */
export function transformerClassifier(c: TransformerClassifierConfig): nt.Model {
  const apply = (layer: nt.Layer, x: nt.SymbolicTensor): nt.SymbolicTensor => layer.apply(x) as nt.SymbolicTensor;
  const ids = nt.Input({ shape: [c.maxlen], name: 'word_ids' });
  let x = apply(new nt.TokenAndPositionEmbedding({ vocabularySize: c.vocabulary, sequenceLength: c.maxlen, embeddingDim: c.embeddingDim, maskZero: true, name: 'embedding' }), ids);
  for (let i = 0; i < c.depth; i++) x = transformerBlock(x, { heads: c.heads, mlpDim: c.mlpDim, dropout: c.dropout, seed: c.seed + 100 * (i + 1), name: `block${i + 1}` });
  x = apply(new nt.GlobalAveragePooling1D({ name: 'pool' }), x);
  if (c.dropout > 0) x = apply(new nt.Dropout({ rate: c.dropout, seed: c.seed + 3, name: 'head_dropout' }), x);
  const out = apply(new nt.Dense({ units: 1, activation: 'sigmoid', kernelInitializer: new nt.initializers.GlorotUniform({ seed: c.seed + 4 }), name: 'classifier' }), x);
  return new nt.Model({ inputs: ids, outputs: out, name: 'transformer_classifier' });
}

function shorten(text: string, n = 70): string {
  const one = text.replace(/\s+/g, ' ');
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
}

export async function runTransformerClassifier(options: TransformerClassifierOptions = {}): Promise<TransformerClassifierResult> {
  const smoke = options.smoke ?? false;
  const { classes = DEFAULT_CLASSES, perClass = smoke ? 150 : undefined, numWords = 4000, maxlen = 40, embeddingDim = 32, heads = 2, mlpDim = 64, depth = 1, dropout = 0.1 } = options;
  const { epochs = smoke ? 1 : 4, batchSize = 32, learningRate = 1e-3, testFraction = 0.2, seed = 1, runEagerly = false, compare = false, verbose = 2, log = console.log, dir = FORTUNE_DIR } = options;
  const started = performance.now();
  const data = fortuneSplit(classes, perClass, testFraction, seed, dir);
  const tokenizer = new nt.Tokenizer({ numWords, oovToken: '<OOV>' });
  tokenizer.fitOnTexts(data.trainTexts);
  const vocabulary = Math.min(numWords, tokenizer.wordIndex.size + 1);
  const encode = (texts: readonly string[]): nt.Tensor => nt.padSequences(tokenizer.textsToSequences(texts), { maxlen, padding: 'post', truncating: 'post' });
  const xTrain = encode(data.trainTexts);
  const xTest = encode(data.testTexts);
  const yTrain = nt.tensor(data.trainLabels, [data.trainLabels.length, 1]);
  const yTest = nt.tensor(data.testLabels, [data.testLabels.length, 1]);
  log(`fortunes ${classes[0]} (label 0) vs ${classes[1]} (label 1) from ${dir}: ${data.trainTexts.length} training, ${data.testTexts.length} test cookies; ids below ${vocabulary} kept; backend ${nt.getBackendName()}`);

  nt.clearSession();
  nt.setSeed(seed);
  const model = transformerClassifier({ vocabulary, maxlen, embeddingDim, heads, mlpDim, depth, dropout, seed });
  if (verbose) model.summary({ printFn: log });
  model.compile({ optimizer: new nt.Adam({ learningRate }), loss: 'binary_crossentropy', metrics: ['accuracy'], runEagerly });
  const history = await model.fit(xTrain, yTrain, { epochs, batchSize, validationSplit: 0.1, verbose, seed });
  const [testLoss, testAccuracy] = (await model.evaluate(xTest, yTest, { verbose: 0, batchSize: 256 })) as number[];
  const ones = data.testLabels.filter((l) => l === 1).length;
  const baseline = Math.max(ones, data.testLabels.length - ones) / data.testLabels.length;
  const seconds = (performance.now() - started) / 1000;
  log(`Transformer: test loss ${testLoss.toFixed(4)}, test accuracy ${testAccuracy.toFixed(4)} (majority-class baseline ${baseline.toFixed(4)}); ${seconds.toFixed(1)} s in all`);
  const shown = Math.min(4, data.testTexts.length);
  const p = (model.predict(nt.slice(xTest, [0, 0], [shown, maxlen])) as nt.Tensor).dataSync();
  for (let i = 0; i < shown; i++) log(`  P(label 1) = ${p[i].toFixed(2)}, true label ${data.testLabels[i]}: "${shorten(data.testTexts[i])}"`);

  let lstm: TextClassifierResult | null = null;
  if (compare) {
    log(`the LSTM example (examples/text-classifier.ts) on the same split, ${epochs} epochs:`);
    lstm = await runTextClassifier({ classes, perClass, numWords, maxlen, epochs, batchSize, testFraction, seed, dir, verbose: 0, log });
    log(`held-out accuracy: Transformer ${testAccuracy.toFixed(4)} (${seconds.toFixed(1)} s), LSTM ${lstm.testAccuracy.toFixed(4)} (${lstm.seconds.toFixed(1)} s)`);
  }
  return { history, testAccuracy, testLoss, baseline, trainSize: data.trainTexts.length, testSize: data.testTexts.length, vocabulary, tokenizer, model, seconds, lstm };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const classes = arg('classes')?.split(',');
  if (classes && classes.length !== 2) throw new Error('--classes takes two fortune files: --classes computers,science');
  runTransformerClassifier({
    smoke: process.argv.includes('--smoke'),
    compare: process.argv.includes('--compare'),
    classes: classes as [string, string] | undefined,
    epochs: numArg('epochs'),
    depth: numArg('depth'),
    heads: numArg('heads'),
    embeddingDim: numArg('dim'),
    mlpDim: numArg('mlp-dim'),
    maxlen: numArg('maxlen'),
    perClass: numArg('per-class'),
    batchSize: numArg('batch-size'),
    learningRate: numArg('lr'),
    seed: numArg('seed'),
    runEagerly: process.argv.includes('--eager'),
  }).catch((e: unknown) => {
    console.error((e as Error).stack ?? e);
    process.exit(1);
  });
}
