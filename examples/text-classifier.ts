/**
 * A binary text classifier on real text: which of two groups of fortune-cookie files did
 * a cookie come from? By default computing (computers, linux, perl, linuxcookie, debian)
 * against everyday life (men-women, love, kids, food, pets, wisdom). Keras' IMDB-LSTM recipe:
 * Tokenizer (fitted on the training texts, oov token) → padSequences → Embedding(maskZero)
 * → LSTM → Dense(1, sigmoid), Adam, binary crossentropy; held-out accuracy at the end.
 *
 * Data: the fortune files of the Debian package `fortunes` (/usr/share/games/fortunes;
 * BSD licence, Copyright (c) 1991 The Regents of the University of California — see
 * /usr/share/doc/fortunes/copyright). The two classes are balanced, so chance is 0.5.
 *
 *   node build/examples/text-classifier.js                 # about a minute on 2 cores
 *   node build/examples/text-classifier.js --epochs 2 --classes computers,science
 */
import { pathToFileURL } from 'node:url';
import * as nt from '../src/index.js';
import { FORTUNE_DIR, readFortunes } from './common/text-data.js';
import { stringArg as arg, numberArg as numArg } from './common/cli.js';

/** Computing cookies (label 0) against everyday-life cookies (label 1). */
export const DEFAULT_CLASSES: readonly [string, string] = ['computers+linux+perl+linuxcookie+debian', 'men-women+love+kids+food+pets+wisdom'];

export interface TextClassifierOptions {
  /** The two classes (labels 0 and 1): fortune files, or several joined by '+' ('linux+perl'). */
  readonly classes?: readonly [string, string];
  /** Cookies per class (default: as many as the smaller file has). */
  readonly perClass?: number;
  /** Vocabulary: ids below numWords (the oov token is 1). */
  readonly numWords?: number;
  /** Words per cookie after padSequences (longer cookies keep their first maxlen words). */
  readonly maxlen?: number;
  readonly embeddingDim?: number;
  readonly units?: number;
  /** The LSTM's input dropout (one mask per sequence). */
  readonly dropout?: number;
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly learningRate?: number;
  /** Fraction of the cookies held out for the final test. */
  readonly testFraction?: number;
  readonly seed?: number;
  readonly verbose?: 0 | 1 | 2;
  readonly log?: (line: string) => void;
  /** Where the fortune files are (default /usr/share/games/fortunes). */
  readonly dir?: string;
}

export interface TextClassifierResult {
  readonly history: nt.History;
  readonly testAccuracy: number;
  readonly testLoss: number;
  /** Accuracy of always answering the more frequent test class. */
  readonly baseline: number;
  readonly trainSize: number;
  readonly testSize: number;
  readonly vocabulary: number;
  readonly tokenizer: nt.Tokenizer;
  readonly model: nt.Sequential;
  readonly seconds: number;
}

export interface Split {
  readonly trainTexts: string[];
  readonly trainLabels: number[];
  readonly testTexts: string[];
  readonly testLabels: number[];
}

/** Balanced classes, one seeded shuffle, the last testFraction held out. */
export function loadSplit(classes: readonly [string, string], perClass: number | undefined, testFraction: number, seed: number, dir: string): Split {
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

/** Embedding(maskZero) → LSTM → Dense(1, sigmoid), the weights drawn from the global seed. */
export function lstmClassifier(vocabulary: number, maxlen: number, embeddingDim: number, units: number, dropout = 0): nt.Sequential {
  return new nt.Sequential([
    new nt.Embedding({ inputDim: vocabulary, outputDim: embeddingDim, maskZero: true, inputLength: maxlen }),
    new nt.LSTM({ units, dropout }),
    new nt.Dense({ units: 1, activation: 'sigmoid' }),
  ]);
}

function shorten(text: string, n = 70): string {
  const one = text.replace(/\s+/g, ' ');
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
}

export async function runTextClassifier(options: TextClassifierOptions = {}): Promise<TextClassifierResult> {
  const { classes = DEFAULT_CLASSES, perClass, numWords = 4000, maxlen = 40, embeddingDim = 32, units = 32, dropout = 0.5, epochs = 4, batchSize = 32 } = options;
  const { learningRate = 0.005, testFraction = 0.2, seed = 1, verbose = 2, log = console.log, dir = FORTUNE_DIR } = options;
  const started = performance.now();
  const data = loadSplit(classes, perClass, testFraction, seed, dir);
  const tokenizer = new nt.Tokenizer({ numWords, oovToken: '<OOV>' });
  tokenizer.fitOnTexts(data.trainTexts);
  const vocabulary = Math.min(numWords, tokenizer.wordIndex.size + 1);
  const encode = (texts: readonly string[]): nt.Tensor => nt.padSequences(tokenizer.textsToSequences(texts), { maxlen, truncating: 'post' });
  const xTrain = encode(data.trainTexts);
  const xTest = encode(data.testTexts);
  const yTrain = nt.tensor(data.trainLabels, [data.trainLabels.length, 1]);
  const yTest = nt.tensor(data.testLabels, [data.testLabels.length, 1]);
  log(`fortunes ${classes[0]} (label 0) vs ${classes[1]} (label 1) from ${dir}: ${data.trainTexts.length} training, ${data.testTexts.length} test cookies; ${tokenizer.wordIndex.size} distinct words, ids below ${vocabulary} kept; backend ${nt.getBackendName()}`);
  log(`first training cookie → ids: "${shorten(data.trainTexts[0], 50)}" → [${tokenizer.textsToSequences([data.trainTexts[0]])[0].slice(0, 12).join(', ')}, …]`);

  nt.clearSession();
  nt.setSeed(seed);
  const model = lstmClassifier(vocabulary, maxlen, embeddingDim, units, dropout);
  if (verbose) model.summary({ printFn: log });
  model.compile({ optimizer: new nt.Adam({ learningRate }), loss: 'binary_crossentropy', metrics: ['accuracy'] });
  const history = await model.fit(xTrain, yTrain, { epochs, batchSize, validationSplit: 0.1, verbose, seed });
  const [testLoss, testAccuracy] = (await model.evaluate(xTest, yTest, { verbose: 0, batchSize: 256 })) as number[];
  const ones = data.testLabels.filter((l) => l === 1).length;
  const baseline = Math.max(ones, data.testLabels.length - ones) / data.testLabels.length;
  const seconds = (performance.now() - started) / 1000;
  log(`test loss ${testLoss.toFixed(4)}, test accuracy ${testAccuracy.toFixed(4)} (majority-class baseline ${baseline.toFixed(4)}); ${seconds.toFixed(1)} s in all`);
  const shown = Math.min(4, data.testTexts.length);
  const p = (model.predict(nt.slice(xTest, [0, 0], [shown, maxlen])) as nt.Tensor).dataSync();
  for (let i = 0; i < shown; i++) {
    log(`  P(label 1) = ${p[i].toFixed(2)}, true label ${data.testLabels[i]}: "${shorten(data.testTexts[i])}"`);
  }
  return { history, testAccuracy, testLoss, baseline, trainSize: data.trainTexts.length, testSize: data.testTexts.length, vocabulary, tokenizer, model, seconds };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const classes = arg('classes')?.split(',');
  if (classes && classes.length !== 2) throw new Error('--classes takes two fortune files: --classes computers,science');
  runTextClassifier({
    classes: classes as [string, string] | undefined,
    epochs: numArg('epochs'),
    units: numArg('units'),
    maxlen: numArg('maxlen'),
    perClass: numArg('per-class'),
    batchSize: numArg('batch-size'),
    seed: numArg('seed'),
  }).catch((e: unknown) => {
    console.error((e as Error).stack ?? e);
    process.exit(1);
  });
}
