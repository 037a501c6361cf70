/**
 * A character-level language model on real text, after Keras' lstm_text_generation
 * example: a charLevel Tokenizer turns the text into ids; windows of seqLength characters
 * are the inputs and the same windows shifted by one the targets; Embedding → LSTM
 * (returnSequences, so every position predicts its next character) → Dense(softmax),
 * sparse categorical crossentropy. Before and after training it writes text by sampling
 * one character at a time with a temperature.
 *
 * Data: a fortune-cookie file of the Debian packages `fortunes` / `fortunes-min` (default
 * `songs-poems` from `fortunes`, 230 kB of verse and lyrics; /usr/share/games/fortunes; BSD
 * licence, Copyright (c) 1991 The Regents of the University of California — see
 * /usr/share/doc/fortunes/copyright). `--source NAME` takes another fortune file
 * (`literature` is in `fortunes-min`), `--source PATH` any UTF-8 text file.
 *
 *   node build/examples/char-lm.js                 # about a minute on 2 cores
 *   node build/examples/char-lm.js --epochs 8 --source literature
 *   node build/examples/char-lm.js --source /usr/share/common-licenses/GPL-3
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import * as nt from '../src/index.js';
import { FORTUNE_DIR, readFortunes } from './common/text-data.js';
import { stringArg as arg, numberArg as numArg } from './common/cli.js';

export interface CharLmOptions {
  /** A fortune file name (under `dir`) or the path of any UTF-8 text file. */
  readonly source?: string;
  /** Use only the first maxChars characters of the text. */
  readonly maxChars?: number;
  /** Characters per training window. */
  readonly seqLength?: number;
  /** Offset between the starts of consecutive windows. */
  readonly step?: number;
  readonly embeddingDim?: number;
  readonly units?: number;
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly learningRate?: number;
  /** Fraction of the windows (the end of the text) held out for the validation loss. */
  readonly validationSplit?: number;
  /** Sampling temperatures for the generated texts (low: safe and repetitive; high: inventive). */
  readonly temperatures?: readonly number[];
  /** Characters generated per sample. */
  readonly sampleLength?: number;
  readonly seed?: number;
  readonly verbose?: 0 | 1 | 2;
  readonly log?: (line: string) => void;
  readonly dir?: string;
}

export interface CharLmResult {
  readonly history: nt.History;
  /** Mean crossentropy per character (nats) of each epoch. */
  readonly losses: number[];
  /** The same on the held-out windows (empty when validationSplit is 0). */
  readonly valLosses: number[];
  /** The crossentropy of the untrained model on the training windows. */
  readonly initialLoss: number;
  readonly samplesBefore: string[];
  readonly samplesAfter: string[];
  readonly seedText: string;
  readonly vocabulary: number;
  readonly windows: number;
  readonly tokenizer: nt.Tokenizer;
  readonly model: nt.Sequential;
  readonly seconds: number;
}

/**
 * The text of `source`: the cookies of a fortune file joined by blank lines, or a file as
 * it is; runs of spaces and tabs become one space (the indentation of verse and of the
 * "\t\t-- Author" lines would otherwise teach the model to write tabs forever).
 */
export function loadText(source: string, dir: string = FORTUNE_DIR): string {
  const raw = source.includes('/') ? readFileSync(source, 'utf8') : readFortunes(source, dir).join('\n\n');
  return raw.replace(/[ \t]+/g, ' ');
}

/** Inputs [windows, seqLength] and next-character targets [windows, seqLength] from an id sequence. */
export function makeWindows(ids: readonly number[], seqLength: number, step: number): [nt.Tensor, nt.Tensor] {
  const starts: number[] = [];
  for (let s = 0; s + seqLength + 1 <= ids.length; s += step) starts.push(s);
  if (starts.length === 0) throw new RangeError(`char-lm: the text (${ids.length} characters) is shorter than one window of ${seqLength + 1}`);
  const x = new Int32Array(starts.length * seqLength);
  const y = new Int32Array(starts.length * seqLength);
  starts.forEach((s, w) => {
    for (let t = 0; t < seqLength; t++) {
      x[w * seqLength + t] = ids[s + t];
      y[w * seqLength + t] = ids[s + t + 1];
    }
  });
  return [nt.tensor(x, [starts.length, seqLength], 'int32'), nt.tensor(y, [starts.length, seqLength], 'int32')];
}

/**
 * Draws an index from probabilities reweighted by a temperature, as Keras' example:
 * p^(1/T), renormalised. Index 0 (the reserved id) is never drawn.
 */
export function sampleWithTemperature(probs: ArrayLike<number>, temperature: number, rng: nt.Rng): number {
  if (!(temperature > 0)) throw new RangeError(`sampleWithTemperature: temperature must be > 0; got ${temperature}`);
  const logits = Array.from(probs, (p, i) => (i === 0 ? -Infinity : Math.log(Math.max(p, 1e-12)) / temperature));
  const top = Math.max(...logits);
  const weights = logits.map((l) => Math.exp(l - top));
  let r = rng.uniform() * weights.reduce((a, b) => a + b, 0);
  for (let i = 1; i < weights.length; i++) {
    r -= weights[i];
    if (r < 0) return i;
  }
  return weights.length - 1;
}

/** Embedding → LSTM(returnSequences) → Dense(softmax) over the vocabulary; weights from the global seed. */
export function charModel(vocabulary: number, embeddingDim: number, units: number): nt.Sequential {
  return new nt.Sequential([
    new nt.Embedding({ inputDim: vocabulary, outputDim: embeddingDim, inputShape: [null] }),
    new nt.LSTM({ units, returnSequences: true }),
    new nt.Dense({ units: vocabulary, activation: 'softmax' }),
  ]);
}

/**
 * One text per temperature, generated together (one batch row each): every step feeds the
 * last seqLength characters and samples the prediction at the last position.
 */
export function generate(model: nt.Sequential, tokenizer: nt.Tokenizer, seedText: string, temperatures: readonly number[], length: number, seqLength: number, rng: nt.Rng): string[] {
  const start = tokenizer.textsToSequences([seedText])[0];
  const rows = temperatures.map(() => [...start]);
  for (let k = 0; k < length; k++) {
    const window = rows.map((ids) => ids.slice(-seqLength));
    const x = nt.padSequences(window, { maxlen: seqLength });
    const probs = (model.predict(x) as nt.Tensor).dataSync();
    const vocab = probs.length / (rows.length * seqLength);
    rows.forEach((ids, r) => {
      const at = (r * seqLength + seqLength - 1) * vocab;
      ids.push(sampleWithTemperature(probs.subarray(at, at + vocab), temperatures[r], rng));
    });
  }
  return rows.map((ids) => ids.slice(start.length).map((i) => tokenizer.indexWord.get(i) ?? '').join(''));
}

function logSamples(log: (line: string) => void, seedText: string, temperatures: readonly number[], samples: readonly string[]): void {
  samples.forEach((s, i) => log(`--- temperature ${temperatures[i]}: ${JSON.stringify(seedText)} + ↓\n${s}`));
}

export async function runCharLm(options: CharLmOptions = {}): Promise<CharLmResult> {
  const { source = 'songs-poems', maxChars = 200000, seqLength = 40, step = 20, embeddingDim = 24, units = 128, epochs = 4, batchSize = 64 } = options;
  const { learningRate = 0.01, validationSplit = 0.1, temperatures = [0.2, 0.5, 1.0], sampleLength = 160, seed = 1, verbose = 2, log = console.log, dir = FORTUNE_DIR } = options;
  const started = performance.now();
  const text = loadText(source, dir).slice(0, maxChars);
  const tokenizer = new nt.Tokenizer({ charLevel: true, lower: false });
  tokenizer.fitOnTexts([text]);
  const vocabulary = tokenizer.wordIndex.size + 1;
  const [x, y] = makeWindows(tokenizer.textsToSequences([text])[0], seqLength, step);
  log(`${source}: ${text.length} characters, ${vocabulary - 1} distinct (most frequent: ${JSON.stringify([...tokenizer.wordIndex.keys()].slice(0, 12).join(''))}); ${x.shape[0]} windows of ${seqLength}; backend ${nt.getBackendName()}`);

  nt.clearSession();
  nt.setSeed(seed);
  const model = charModel(vocabulary, embeddingDim, units);
  model.compile({ optimizer: new nt.RMSprop({ learningRate }), loss: 'sparse_categorical_crossentropy' });
  if (verbose) model.summary({ printFn: log });
  const rng = new nt.Rng(seed);
  const seedStart = rng.int(text.length - seqLength);
  const seedText = text.slice(seedStart, seedStart + seqLength);
  const samplesBefore = generate(model, tokenizer, seedText, temperatures, Math.min(sampleLength, 60), seqLength, rng);
  log('samples from the untrained model:');
  logSamples(log, seedText, temperatures, samplesBefore);
  const initialLoss = (await model.evaluate(x, y, { verbose: 0, batchSize: 256 })) as number;
  log(`loss before training ${initialLoss.toFixed(4)} (ln ${vocabulary} = ${Math.log(vocabulary).toFixed(4)} for a uniform guess)`);

  const history = await model.fit(x, y, { epochs, batchSize, verbose, seed, validationSplit });
  const losses = history.history.loss;
  const valLosses = history.history.val_loss ?? [];
  const curve = (ls: readonly number[]): string => [initialLoss, ...ls].map((l) => l.toFixed(3)).join(' → ');
  log(`loss per epoch: ${curve(losses)} (${(losses[losses.length - 1] / Math.LN2).toFixed(2)} bits per character)`);
  if (valLosses.length > 0) log(`held-out loss:  ${curve(valLosses)}`);
  const samplesAfter = generate(model, tokenizer, seedText, temperatures, sampleLength, seqLength, rng);
  log(`samples after ${epochs} epochs:`);
  logSamples(log, seedText, temperatures, samplesAfter);
  const seconds = (performance.now() - started) / 1000;
  log(`${seconds.toFixed(1)} s in all`);
  return { history, losses, valLosses, initialLoss, samplesBefore, samplesAfter, seedText, vocabulary, windows: x.shape[0], tokenizer, model, seconds };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runCharLm({
    source: arg('source'),
    epochs: numArg('epochs'),
    units: numArg('units'),
    maxChars: numArg('max-chars'),
    seqLength: numArg('seq-length'),
    seed: numArg('seed'),
  }).catch((e: unknown) => {
    console.error((e as Error).stack ?? e);
    process.exit(1);
  });
}
