/**
 * Text classification from raw strings, the Keras 3 way: the model itself takes strings.
 * A TextVectorization layer, adapted on the training cookies, turns text into token ids
 * (or TF-IDF vectors) inside the model, so the saved model classifies raw text in Node or in
 * a browser with exactly the preprocessing it was trained with.
 *
 *   raw strings → Dataset.fromTensorSlices([texts, labels]).shuffle().batch().prefetch()
 *   Input({ dtype: 'string' }) → TextVectorization → (int)    Embedding(maskZero) → GlobalAveragePooling1D → Dropout → Dense(1, sigmoid)
 *                                                    (tf_idf) Dropout → Dense(1, sigmoid) over unigram + bigram TF-IDF
 *
 * Data: the same two groups of fortune cookies as examples/text-classifier.ts (Debian's
 * `fortunes`, /usr/share/games/fortunes; BSD licence): computing against everyday life.
 *
 *   node build/examples/text-vectorization.js                   # both modes, about half a minute on 2 cores
 *   node build/examples/text-vectorization.js --mode tf_idf --epochs 6
 *   node build/examples/text-vectorization.js --smoke           # a few seconds
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as nt from '../src/index.js';
import { FORTUNE_DIR } from './common/text-data.js';
import { DEFAULT_CLASSES, loadSplit } from './text-classifier.js';
import { numberArg, stringArg } from './common/cli.js';

export interface TextVectorizationOptions {
  /** 'int': token ids → Embedding; 'tf_idf': a TF-IDF bag of unigrams and bigrams → Dense. */
  readonly mode?: 'int' | 'tf_idf';
  readonly classes?: readonly [string, string];
  readonly perClass?: number;
  readonly maxTokens?: number;
  /** Token ids per cookie in 'int' mode. */
  readonly sequenceLength?: number;
  readonly embeddingDim?: number;
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly learningRate?: number;
  readonly testFraction?: number;
  readonly seed?: number;
  readonly verbose?: 0 | 1 | 2;
  readonly log?: (line: string) => void;
  readonly dir?: string;
}

export interface TextVectorizationResult {
  readonly mode: 'int' | 'tf_idf';
  readonly history: nt.History;
  readonly testAccuracy: number;
  /** Accuracy of always answering the more frequent test class. */
  readonly baseline: number;
  readonly vocabularySize: number;
  readonly trainSize: number;
  readonly testSize: number;
  /** Largest difference between the predictions of the model and of its saved-and-loaded copy on raw test strings. */
  readonly reloadDifference: number;
  readonly seconds: number;
}

export async function runTextVectorization(options: TextVectorizationOptions = {}): Promise<TextVectorizationResult> {
  const { mode = 'int', classes = DEFAULT_CLASSES, perClass, maxTokens = 10000, sequenceLength = 40, embeddingDim = 32, epochs = mode === 'int' ? 8 : 4, batchSize = 32 } = options;
  const { learningRate = mode === 'int' ? 0.01 : 0.005, testFraction = 0.2, seed = 1, verbose = 2, log = console.log, dir = FORTUNE_DIR } = options;
  const started = performance.now();
  const data = loadSplit(classes, perClass, testFraction, seed, dir);
  log(`fortunes ${classes[0]} (label 0) vs ${classes[1]} (label 1): ${data.trainTexts.length} training, ${data.testTexts.length} test cookies; TextVectorization in ${mode} mode; backend ${nt.getBackendName()}`);

  // The pipeline: raw strings and labels, shuffled and batched by the Dataset.
  const train = nt.data.Dataset.fromTensorSlices([nt.stringTensor(data.trainTexts), nt.tensor(data.trainLabels, [data.trainLabels.length, 1])])
    .shuffle(data.trainTexts.length, { seed })
    .batch(batchSize)
    .prefetch(2);

  nt.clearSession();
  nt.setSeed(seed);
  const vectorize = mode === 'int' ? new nt.TextVectorization({ maxTokens, outputMode: 'int', outputSequenceLength: sequenceLength }) : new nt.TextVectorization({ maxTokens, outputMode: 'tf_idf', ngrams: 2 });
  // adapt reads the training texts only (a Dataset of string batches).
  await vectorize.adapt(train.map((e) => (e as [nt.StringTensor, nt.Tensor])[0]));
  log(`vocabulary: ${vectorize.vocabularySize()} entries; the most frequent: ${vectorize.getVocabulary().slice(mode === 'int' ? 2 : 1, 12).map((t) => JSON.stringify(t)).join(', ')}`);
  log(`"${data.trainTexts[0].replace(/\s+/g, ' ').slice(0, 50)}…" → ${mode === 'int' ? `[${Array.from((vectorize.apply(nt.stringTensor([data.trainTexts[0]])) as nt.Tensor).dataSync().slice(0, 10)).join(', ')}, …]` : 'a TF-IDF vector'}`);

  const input = nt.Input({ shape: [], dtype: 'string', name: 'text' });
  let x = vectorize.apply(input);
  if (mode === 'int') {
    x = new nt.Embedding({ inputDim: vectorize.vocabularySize(), outputDim: embeddingDim, maskZero: true }).apply(x);
    x = new nt.GlobalAveragePooling1D().apply(x);
  }
  x = new nt.Dropout({ rate: 0.5 }).apply(x);
  const model = new nt.Model({ inputs: input, outputs: new nt.Dense({ units: 1, activation: 'sigmoid' }).apply(x), name: `fortunes_${mode}` });
  if (verbose) model.summary({ printFn: log });
  model.compile({ optimizer: new nt.Adam({ learningRate }), loss: 'binary_crossentropy', metrics: ['accuracy'] });
  const history = await model.fit(train, { epochs, verbose });

  // Evaluated on raw strings: the model does its own preprocessing.
  const xTest = nt.stringTensor(data.testTexts);
  const yTest = nt.tensor(data.testLabels, [data.testLabels.length, 1]);
  const [, testAccuracy] = (await model.evaluate(xTest, yTest, { verbose: 0, batchSize: 256 })) as number[];
  const ones = data.testLabels.filter((l) => l === 1).length;
  const baseline = Math.max(ones, data.testLabels.length - ones) / data.testLabels.length;
  log(`test accuracy ${testAccuracy.toFixed(4)} (majority-class baseline ${baseline.toFixed(4)})`);

  // The vocabulary travels in the file: the reloaded model gives the same answers on raw text.
  const tmp = mkdtempSync(join(tmpdir(), 'neurite-textvec-'));
  let reloadDifference = Infinity;
  try {
    const file = join(tmp, 'fortunes.keras');
    await model.save(file);
    const back = await nt.loadModel(file);
    const a = (model.predict(xTest) as nt.Tensor).dataSync();
    const b = (back.predict(xTest) as nt.Tensor).dataSync();
    reloadDifference = 0;
    for (let i = 0; i < a.length; i++) reloadDifference = Math.max(reloadDifference, Math.abs(a[i] - b[i]));
    const probe = ['The kernel panicked after the upgrade to the new compiler.', 'My cat and my wife both love a good dinner.'];
    const p = (back.predict(nt.stringTensor(probe)) as nt.Tensor).dataSync();
    log(`saved and reloaded (${file.split('/').pop()}): largest prediction difference ${reloadDifference.toExponential(1)}`);
    probe.forEach((t, i) => log(`  P(everyday life) = ${p[i].toFixed(2)}: "${t}"`));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const seconds = (performance.now() - started) / 1000;
  log(`${seconds.toFixed(1)} s in all`);
  return { mode, history, testAccuracy, baseline, vocabularySize: vectorize.vocabularySize(), trainSize: data.trainTexts.length, testSize: data.testTexts.length, reloadDifference, seconds };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const smoke = process.argv.includes('--smoke');
  const given = stringArg('mode');
  if (given !== undefined && given !== 'int' && given !== 'tf_idf') throw new Error(`--mode takes int or tf_idf; got ${given}`);
  const modes: ('int' | 'tf_idf')[] = given ? [given] : ['int', 'tf_idf'];
  (async () => {
    for (const mode of modes) {
      await runTextVectorization({ mode, epochs: smoke ? 1 : numberArg('epochs'), perClass: smoke ? 200 : numberArg('per-class'), seed: numberArg('seed'), verbose: smoke ? 0 : 2 });
    }
  })().catch((e: unknown) => {
    console.error((e as Error).stack ?? e);
    process.exit(1);
  });
}
