/**
 * A causal character-level Transformer language model (a tiny GPT) on real text, on the
 * data of examples/char-lm.ts: the same text (`songs-poems` by default), the same
 * charLevel Tokenizer, the same windows of seqLength characters every `step` with the
 * next characters as targets, and the same held-out windows (the last 10 %, fit's
 * validationSplit), so the two examples' held-out losses measure the same thing:
 *
 *   ids [seqLength] → TokenAndPositionEmbedding → depth × pre-norm Transformer block with
 *   causal self-attention (MultiHeadAttention useCausalMask: position t sees positions ≤ t)
 *   → LayerNorm → Dense(vocabulary, softmax) at every position
 *
 * AdamW with a cosine-decayed learning rate, sparse categorical crossentropy. Text is
 * generated one character at a time from a seed, sampling p^(1/T) (char-lm's sampler).
 * `--compare` also trains char-lm's LSTM for the same number of epochs and prints both
 * held-out losses.
 *
 * Data: a fortune-cookie file of the Debian packages `fortunes` / `fortunes-min`
 * (/usr/share/games/fortunes; BSD licence, Copyright (c) 1991 The Regents of the
 * University of California — see /usr/share/doc/fortunes/copyright), or any UTF-8 file.
 *
 *   node build/examples/transformer-char-lm.js               # options: --epochs --dim --depth --heads --source --max-chars --seq-length --seed
 *   node build/examples/transformer-char-lm.js --compare     # and the LSTM of char-lm.ts, equal epochs
 *   node build/examples/transformer-char-lm.js --smoke
 */
import { pathToFileURL } from 'node:url';
import * as nt from '../src/index.js';
import { FORTUNE_DIR } from './common/text-data.js';
import { stringArg as arg, numberArg as numArg } from './common/cli.js';
import { transformerBlock } from './common/transformer.js';
import { loadText, makeWindows, runCharLm, sampleWithTemperature, type CharLmResult } from './char-lm.js';

export interface TransformerLmOptions {
  /** Small sizes for tests: 4,000 characters, windows of 16, a one-block model, one epoch (seconds). */
  readonly smoke?: boolean;
  /** A fortune file name (under `dir`) or the path of any UTF-8 text file (default 'songs-poems'). */
  readonly source?: string;
  readonly maxChars?: number;
  /** Characters per window (also the longest context the model sees). */
  readonly seqLength?: number;
  /** Offset between the starts of consecutive windows. */
  readonly step?: number;
  /** Width of the token vectors. */
  readonly dim?: number;
  readonly heads?: number;
  readonly depth?: number;
  /** Hidden width of the blocks' MLPs (default 4·dim). */
  readonly mlpDim?: number;
  readonly dropout?: number;
  readonly epochs?: number;
  readonly batchSize?: number;
  /** Peak learning rate (cosine decay to 1 % of it over the run). */
  readonly learningRate?: number;
  readonly weightDecay?: number;
  /** Fraction of the windows (the end of the text) held out. */
  readonly validationSplit?: number;
  readonly temperatures?: readonly number[];
  /** Characters generated per sample. */
  readonly sampleLength?: number;
  readonly seed?: number;
  /**
   * Train eagerly instead of from a plan (default true): works around a plan-fusion bug that
   * corrupts the gradient of a tensor read by two matmuls (the input of the query, key and
   * value projections); see docs/layers.md, Transformer examples.
   */
  readonly runEagerly?: boolean;
  /** Also train examples/char-lm.ts's LSTM on the same windows for the same epochs. */
  readonly compare?: boolean;
  readonly verbose?: 0 | 1 | 2;
  readonly log?: (line: string) => void;
  readonly dir?: string;
}

export interface TransformerLmResult {
  readonly history: nt.History;
  /** Mean crossentropy per character (nats) of each epoch. */
  readonly losses: number[];
  /** The same on the held-out windows. */
  readonly valLosses: number[];
  /** The crossentropy of the untrained model on the training windows. */
  readonly initialLoss: number;
  readonly samplesBefore: string[];
  readonly samplesAfter: string[];
  readonly seedText: string;
  readonly vocabulary: number;
  readonly windows: number;
  readonly tokenizer: nt.Tokenizer;
  readonly model: nt.Model;
  readonly seconds: number;
  /** Seconds spent in fit (comparable with the LSTM's fit). */
  readonly trainSeconds: number;
  /** char-lm's LSTM on the same windows (with `compare`). */
  readonly lstm: CharLmResult | null;
}

/** The architecture of {@link transformerLm}. */
export interface TransformerLmConfig {
  readonly vocabulary: number;
  readonly seqLength: number;
  readonly dim: number;
  readonly heads: number;
  readonly depth: number;
  readonly mlpDim: number;
  readonly dropout: number;
  readonly seed: number;
}

/** A decoder-only Transformer: every position predicts the next character from itself and the positions before it. */
export function transformerLm(c: TransformerLmConfig): nt.Model {
  const apply = (layer: nt.Layer, x: nt.SymbolicTensor): nt.SymbolicTensor => layer.apply(x) as nt.SymbolicTensor;
  const ids = nt.Input({ shape: [c.seqLength], name: 'char_ids' });
  let x = apply(new nt.TokenAndPositionEmbedding({ vocabularySize: c.vocabulary, sequenceLength: c.seqLength, embeddingDim: c.dim, embeddingsInitializer: new nt.initializers.RandomNormal({ stddev: 0.02, seed: c.seed }), name: 'embedding' }), ids);
  for (let i = 0; i < c.depth; i++) {
    x = transformerBlock(x, { heads: c.heads, mlpDim: c.mlpDim, dropout: c.dropout, normalizeFirst: true, causal: true, seed: c.seed + 100 * (i + 1), name: `block${i + 1}` });
  }
  x = apply(new nt.LayerNormalization({ epsilon: 1e-6, name: 'final_ln' }), x);
  const probs = apply(new nt.Dense({ units: c.vocabulary, activation: 'softmax', kernelInitializer: new nt.initializers.RandomNormal({ stddev: 0.02, seed: c.seed + 1 }), name: 'next_char' }), x);
  return new nt.Model({ inputs: ids, outputs: probs, name: 'transformer_lm' });
}

/**
 * One text per temperature, generated together (one batch row each). While the text is
 * shorter than a window, it is padded at the end and the prediction read at its last real
 * position (the causal mask makes the padding invisible to it); then the last seqLength
 * characters are fed and the last position sampled.
 */
export function generateText(model: nt.Model, tokenizer: nt.Tokenizer, seedText: string, temperatures: readonly number[], length: number, seqLength: number, rng: nt.Rng): string[] {
  const start = tokenizer.textsToSequences([seedText])[0];
  if (start.length === 0) throw new RangeError('generateText: the seed text has no known characters');
  const rows = temperatures.map(() => [...start]);
  for (let k = 0; k < length; k++) {
    const windows = rows.map((ids) => ids.slice(-seqLength));
    const at = windows[0].length - 1;
    const x = nt.padSequences(windows, { maxlen: seqLength, padding: 'post' });
    const probs = (model.predict(x) as nt.Tensor).dataSync();
    const vocab = probs.length / (rows.length * seqLength);
    rows.forEach((ids, r) => {
      const offset = (r * seqLength + at) * vocab;
      ids.push(sampleWithTemperature(probs.subarray(offset, offset + vocab), temperatures[r], rng));
    });
  }
  return rows.map((ids) => ids.slice(start.length).map((i) => tokenizer.indexWord.get(i) ?? '').join(''));
}

function logSamples(log: (line: string) => void, seedText: string, temperatures: readonly number[], samples: readonly string[]): void {
  samples.forEach((s, i) => log(`--- temperature ${temperatures[i]}: ${JSON.stringify(seedText)} + ↓\n${s}`));
}

export async function runTransformerLm(options: TransformerLmOptions = {}): Promise<TransformerLmResult> {
  const smoke = options.smoke ?? false;
  const { source = 'songs-poems', maxChars = smoke ? 4000 : 200000, seqLength = smoke ? 16 : 40, step = smoke ? 8 : 20, dim = smoke ? 16 : 64, heads = smoke ? 2 : 4, depth = smoke ? 1 : 2 } = options;
  const { mlpDim = 4 * dim, dropout = 0, epochs = smoke ? 1 : 4, batchSize = 64, learningRate = 3e-3, weightDecay = 0.01, validationSplit = 0.1 } = options;
  const { temperatures = [0.2, 0.5, 1.0], sampleLength = smoke ? 30 : 160, seed = 1, runEagerly = false, compare = false, verbose = 2, log = console.log, dir = FORTUNE_DIR } = options;
  const started = performance.now();
  const text = loadText(source, dir).slice(0, maxChars);
  const tokenizer = new nt.Tokenizer({ charLevel: true, lower: false });
  tokenizer.fitOnTexts([text]);
  const vocabulary = tokenizer.wordIndex.size + 1;
  const [x, y] = makeWindows(tokenizer.textsToSequences([text])[0], seqLength, step);
  log(`${source}: ${text.length} characters, ${vocabulary - 1} distinct; ${x.shape[0]} windows of ${seqLength} every ${step} (the last ${Math.round(validationSplit * 100)} % held out); backend ${nt.getBackendName()}`);

  nt.clearSession();
  nt.setSeed(seed);
  const model = transformerLm({ vocabulary, seqLength, dim, heads, depth, mlpDim, dropout, seed });
  const steps = epochs * Math.ceil((x.shape[0] - Math.round(x.shape[0] * validationSplit)) / batchSize);
  const schedule = new nt.CosineDecay({ initialLearningRate: learningRate, decaySteps: Math.max(1, steps), alpha: 0.01 });
  model.compile({ optimizer: new nt.AdamW({ learningRate: schedule, weightDecay }), loss: 'sparse_categorical_crossentropy', runEagerly });
  if (verbose) model.summary({ printFn: log });
  log(`Transformer LM: dim ${dim}, ${depth} blocks, ${heads} heads, MLP ${mlpDim}; ${model.countParams()} parameters; AdamW (${learningRate}, cosine decay over ${steps} steps)`);
  const rng = new nt.Rng(seed);
  const seedStart = rng.int(text.length - seqLength);
  const seedText = text.slice(seedStart, seedStart + seqLength);
  const samplesBefore = generateText(model, tokenizer, seedText, temperatures, Math.min(sampleLength, 60), seqLength, rng);
  log('samples from the untrained model:');
  logSamples(log, seedText, temperatures, samplesBefore);
  const initialLoss = (await model.evaluate(x, y, { verbose: 0, batchSize: 256 })) as number;
  log(`loss before training ${initialLoss.toFixed(4)} (ln ${vocabulary} = ${Math.log(vocabulary).toFixed(4)} for a uniform guess)`);

  const fitStarted = performance.now();
  const history = await model.fit(x, y, { epochs, batchSize, verbose, seed, validationSplit });
  const trainSeconds = (performance.now() - fitStarted) / 1000;
  const losses = history.history.loss;
  const valLosses = history.history.val_loss ?? [];
  const curve = (ls: readonly number[]): string => [initialLoss, ...ls].map((l) => l.toFixed(3)).join(' → ');
  log(`loss per epoch: ${curve(losses)} (${(losses[losses.length - 1] / Math.LN2).toFixed(2)} bits per character)`);
  if (valLosses.length > 0) log(`held-out loss:  ${curve(valLosses)}`);
  const samplesAfter = generateText(model, tokenizer, seedText, temperatures, sampleLength, seqLength, rng);
  log(`samples after ${epochs} epochs:`);
  logSamples(log, seedText, temperatures, samplesAfter);
  const seconds = (performance.now() - started) / 1000;
  log(`${seconds.toFixed(1)} s in all (${trainSeconds.toFixed(1)} s training)`);

  let lstm: CharLmResult | null = null;
  if (compare) {
    log(`the LSTM of examples/char-lm.ts on the same windows, ${epochs} epochs:`);
    lstm = await runCharLm({ source, maxChars, seqLength, step, epochs, batchSize, validationSplit, temperatures: [0.5], sampleLength, seed, dir, verbose, log: compareLog(log) });
    const last = (ls: readonly number[]): string => (ls.length > 0 ? ls[ls.length - 1].toFixed(4) : 'n/a');
    log(`held-out loss after ${epochs} epochs (nats per character): Transformer ${last(valLosses)} (${trainSeconds.toFixed(0)} s training, ${model.countParams()} parameters), LSTM ${last(lstm.valLosses)} (${lstm.seconds.toFixed(0)} s in all, ${lstm.model.countParams()} parameters)`);
  }
  return { history, losses, valLosses, initialLoss, samplesBefore, samplesAfter, seedText, vocabulary, windows: x.shape[0], tokenizer, model, seconds, trainSeconds, lstm };
}

/** The LSTM's log lines, indented and without its model summary. */
function compareLog(log: (line: string) => void): (line: string) => void {
  return (line: string) => {
    if (!/^(Model:|_{5}|={5}| Layer|Total|Trainable|Non-trainable| \w+ \()/.test(line) && line.trim() !== '') log(`  [LSTM] ${line}`);
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runTransformerLm({
    smoke: process.argv.includes('--smoke'),
    compare: process.argv.includes('--compare'),
    source: arg('source'),
    epochs: numArg('epochs'),
    dim: numArg('dim'),
    depth: numArg('depth'),
    heads: numArg('heads'),
    mlpDim: numArg('mlp-dim'),
    dropout: numArg('dropout'),
    learningRate: numArg('lr'),
    batchSize: numArg('batch-size'),
    maxChars: numArg('max-chars'),
    seqLength: numArg('seq-length'),
    step: numArg('step'),
    seed: numArg('seed'),
    runEagerly: process.argv.includes('--eager'),
  }).catch((e: unknown) => {
    console.error((e as Error).stack ?? e);
    process.exit(1);
  });
}
