/**
 * Keras' text and category preprocessing layers (keras/src/layers/preprocessing): they turn
 * strings (StringTensor) or integer ids into numbers inside the model, so the vocabulary
 * travels with it.
 *  - StringLookup / IntegerLookup (Keras' IndexLookup): each token's index in a vocabulary
 *    laid out as [mask token (int output only)] + numOovIndices OOV slots + the tokens;
 *    `adapt(data)` learns the vocabulary (most frequent first, ties by the token, descending,
 *    as Keras' lexsort), keeping maxTokens − special tokens; outputs int, one_hot, multi_hot,
 *    count or tf_idf (count · idf, idf = ln(1 + documents / (1 + documents with the token)),
 *    the OOV slots getting the mean idf); `invert` maps indices back to tokens. Several OOV
 *    slots take FarmHash64(token) mod n (strings) or token mod n (integers, 'floormod').
 *  - TextVectorization: standardize (ASCII lowercase as tf.strings.lower, then removes the
 *    ASCII punctuation of Keras' regex), split (whitespace runs, or characters), ngrams
 *    (joined by one space, all 1-grams first), then a StringLookup with mask token '' (index
 *    0 pads), int sequences padded or cut to outputSequenceLength (or the longest in the
 *    batch), or multi_hot / count / tf_idf vectors.
 *  - Hashing: FarmHash64 (tf.strings.to_hash_bucket_fast) of each value's string (integers
 *    as decimal text, floats truncated to integers first), or SipHash-2-4 keyed by `salt`,
 *    mod numBins; with `maskValue` bin 0 is the mask's and the rest hash into numBins − 1.
 * The vocabulary and idf weights save in the layer's config (every format Neurite writes).
 * They run on the host: strings live there, and integer inputs are read there.
 */
import { Tensor } from '../../tensor/tensor.js';
import { StringTensor, stringTensor, type NestedStrings } from '../../tensor/string-tensor.js';
import { Layer, type LayerArgs } from '../layer.js';
import type { LayerShape } from '../symbolic.js';
import type { ConfigDict, ConfigValue } from '../../utils/serialization.js';
import { type ArgsIn, arg, declareArgs } from '../args.js';
import { registerLayer } from '../registry.js';
import { hashBucket } from '../../utils/hash.js';

type Token = string | number;
const LOOKUP_MODES = ['int', 'one_hot', 'multi_hot', 'count', 'tf_idf'] as const;
type LookupMode = (typeof LOOKUP_MODES)[number];

/** Keras' older names of output modes. */
const modeArg = (modes: readonly LookupMode[]) =>
  arg.custom<string, LookupMode>({
    resolve: (v, where) => {
      const m = v === undefined ? 'int' : v === 'binary' ? 'multi_hot' : v === 'tf-idf' ? 'tf_idf' : v;
      if (!(modes as readonly string[]).includes(m)) throw new RangeError(`${where} must be one of ${modes.map((x) => `'${x}'`).join(', ')}; got ${JSON.stringify(v)}`);
      return m as LookupMode;
    },
    toConfig: (v) => v,
  });

const tokenList = (what: string) =>
  arg.json((v, where): Token[] | null => {
    if (v === null || v === undefined) return null;
    if (!Array.isArray(v) || !v.every((t) => typeof t === what || (what === 'number' && typeof t === 'number'))) throw new TypeError(`${where} must be a list of ${what === 'string' ? 'strings' : 'integers'} or null`);
    if (what === 'number' && !v.every((t) => Number.isInteger(t))) throw new TypeError(`${where} must hold integers`);
    return [...(v as Token[])];
  }, { default: null });

const numberList = arg.json((v, where): number[] | null => {
  if (v === null || v === undefined) return null;
  if (!Array.isArray(v) || !v.every((t) => typeof t === 'number' && Number.isFinite(t))) throw new TypeError(`${where} must be a list of numbers or null`);
  return [...(v as number[])];
}, { default: null });

/** A string (the empty one allowed: TextVectorization's mask) or null. */
const optionalString = arg.json((v, where): string | null => {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string') throw new TypeError(`${where} must be a string or null; got ${JSON.stringify(v)}`);
  return v;
}, { default: null });

const saltArg = arg.custom<number | readonly number[] | null, number[] | null>({
  resolve: (v, where) => {
    if (v === null || v === undefined) return null;
    const pair = typeof v === 'number' ? [v, v] : v;
    if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((x) => Number.isInteger(x) && (x as number) >= 0)) throw new TypeError(`${where} must be a non-negative integer or a pair of them; got ${JSON.stringify(v)}`);
    return [...(pair as number[])];
  },
  toConfig: (v) => (v === null ? null : [...v]),
});

/** Strings from a StringTensor or nested arrays; `who` names the layer in errors. */
function asStrings(x: unknown, who: string): StringTensor {
  if (x instanceof StringTensor) return x;
  if (typeof x === 'string' || Array.isArray(x)) return stringTensor(x as NestedStrings);
  throw new TypeError(`${who}: expected strings (a StringTensor, e.g. nt.stringTensor(['a b', 'c'])); got ${x instanceof Tensor ? `a ${x.dtype} tensor` : typeof x}`);
}

/** Integer values of a numeric tensor or nested arrays, read on the host. */
function asInts(x: unknown, who: string): { values: Int32Array; shape: number[] } {
  if (x instanceof StringTensor) throw new TypeError(`${who}: expected integers; got a string tensor (use StringLookup for strings)`);
  const t = x instanceof Tensor ? x : null;
  if (t === null) throw new TypeError(`${who}: expected an integer tensor; got ${typeof x}`);
  const v = t.storage.peek() ?? t.dataSync();
  const out = new Int32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    if (!Number.isInteger(v[i])) throw new RangeError(`${who}: expected integers; got ${v[i]} at flat index ${i}`);
    out[i] = v[i];
  }
  return { values: out, shape: [...t.shape] };
}

/** Rows of tokens from adapt data: a StringTensor/array (rows = documents), tensors, or a Dataset of them ([x, y] pairs use x). */
async function adaptRows(data: unknown, who: string, rows: (batch: unknown) => Token[][]): Promise<Token[][]> {
  const out: Token[][] = [];
  const take = (v: unknown): void => {
    const x = Array.isArray(v) && v.length > 0 && (v[0] instanceof StringTensor || v[0] instanceof Tensor) ? v[0] : v;
    out.push(...rows(x));
  };
  if (data instanceof StringTensor || data instanceof Tensor || typeof data === 'string' || Array.isArray(data)) take(data);
  else if (data !== null && typeof data === 'object' && typeof (data as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') for await (const v of data as AsyncIterable<unknown>) take(v);
  else if (data !== null && typeof data === 'object' && typeof (data as Iterable<unknown>)[Symbol.iterator] === 'function') for (const v of data as Iterable<unknown>) take(v);
  else throw new TypeError(`${who}.adapt: expected strings, a tensor, or a Dataset / iterable of them; got ${data === null ? 'null' : typeof data}`);
  if (out.length === 0) throw new RangeError(`${who}.adapt: no data`);
  return out;
}

/** Rows of a rank ≤ 2 token array: rank 0 and 1 are one document (Keras' update_state). */
function rowsOf(values: readonly Token[], shape: readonly number[]): Token[][] {
  if (shape.length <= 1) return [[...values]];
  const n = shape[shape.length - 1];
  const out: Token[][] = [];
  for (let i = 0; i < values.length; i += n) out.push(values.slice(i, i + n));
  return out;
}

/** Encodes rows of indices (a row = one sample) as [rows, depth] vectors; `skip` (the mask) is not counted. */
function encodeRows(rows: readonly (readonly number[])[], depth: number, mode: 'multi_hot' | 'count' | 'tf_idf', idf: Float32Array | null, skip: number | null): Float32Array {
  const out = new Float32Array(rows.length * depth);
  rows.forEach((r, i) => {
    for (const k of r) {
      if (k === skip) continue;
      if (k < 0 || k >= depth) throw new RangeError(`index ${k} is outside the output depth ${depth}`);
      if (mode === 'multi_hot') out[i * depth + k] = 1;
      else out[i * depth + k] += 1;
    }
    if (mode === 'tf_idf' && idf) for (let k = 0; k < depth; k++) out[i * depth + k] *= idf[k] ?? 0;
  });
  return out;
}

// ---- IndexLookup (StringLookup, IntegerLookup) ----------------------------------------------

const lookupDecl = (kind: 'string' | 'integer') => ({
  maxTokens: arg.optionalInt({ min: kind === 'integer' ? 2 : 1 }),
  numOovIndices: arg.int({ default: 1, min: 0 }),
  maskToken: kind === 'string' ? optionalString : arg.optionalInt({ default: null }),
  oovToken: kind === 'string' ? arg.string({ default: '[UNK]' }) : arg.int({ default: -1 }),
  vocabulary: tokenList(kind === 'string' ? 'string' : 'number'),
  idfWeights: numberList,
  invert: arg.bool(false),
  outputMode: modeArg(LOOKUP_MODES),
  padToMaxTokens: arg.bool(false),
  sparse: arg.bool(false),
  oovMethod: arg.oneOf(['floormod', 'farmhash'] as const, { default: 'floormod' }),
  salt: saltArg,
  vocabularySize: arg.optionalInt({ default: null }),
});

const STRING_LOOKUP_ARGS = declareArgs('StringLookup', { ...lookupDecl('string'), encoding: arg.oneOf(['utf-8', 'utf8'] as const, { default: 'utf-8' }) });
const INTEGER_LOOKUP_ARGS = declareArgs('IntegerLookup', { ...lookupDecl('integer'), vocabularyDtype: arg.oneOf(['int64', 'int32'] as const, { default: 'int64' }) });

interface LookupOptions {
  readonly maxTokens: number | null;
  readonly numOovIndices: number;
  readonly maskToken: Token | null;
  readonly oovToken: Token;
  readonly vocabulary: Token[] | null;
  readonly idfWeights: number[] | null;
  readonly invert: boolean;
  readonly outputMode: LookupMode;
  readonly padToMaxTokens: boolean;
  readonly sparse: boolean;
  readonly oovMethod: 'floormod' | 'farmhash';
  readonly salt: number[] | null;
}

/**
 * The vocabulary machinery shared by StringLookup, IntegerLookup and TextVectorization (not
 * a layer itself): lookups of token rows, adapt statistics, the encodings.
 */
export class Vocabulary {
  /** The learned or given tokens (no mask or OOV). */
  tokens: Token[] = [];
  /** idf per output index (tf_idf), special slots included. */
  idf: Float32Array | null = null;
  /** Idf of the tokens only, as the config keeps them. */
  tokenIdf: number[] | null = null;
  /** Idf of the special tokens where they were given (else their mean is used). */
  private specialIdf: number[] | null = null;
  private index = new Map<Token, number>();
  /** Whether the vocabulary was given (adapt is then refused, as Keras). */
  readonly given: boolean;

  constructor(readonly o: LookupOptions, private readonly who: string) {
    if (o.sparse) throw new RangeError(`${who}: sparse outputs are not supported (Neurite has no sparse tensors)`);
    if (o.idfWeights !== null && o.outputMode !== 'tf_idf') throw new RangeError(`${who}: idfWeights is only for outputMode 'tf_idf'; got outputMode '${o.outputMode}'`);
    if (o.padToMaxTokens && o.maxTokens === null && o.outputMode !== 'int') throw new RangeError(`${who}: padToMaxTokens needs maxTokens`);
    if (o.invert && o.outputMode !== 'int') throw new RangeError(`${who}: invert needs outputMode 'int'`);
    this.given = o.vocabulary !== null;
    if (o.outputMode === 'tf_idf' && this.given && o.idfWeights === null) throw new RangeError(`${who}: with a vocabulary in tf_idf mode, give idfWeights too (Keras' rule)`);
    if (o.vocabulary !== null) this.set(o.vocabulary, o.idfWeights);
  }

  get oovStart(): number {
    return this.o.maskToken !== null && this.o.outputMode === 'int' ? 1 : 0;
  }

  get tokenStart(): number {
    return this.oovStart + this.o.numOovIndices;
  }

  /** The number of indices, special ones included (Keras' vocabulary_size()). */
  get size(): number {
    return this.tokenStart + this.tokens.length;
  }

  get ready(): boolean {
    return this.tokens.length > 0;
  }

  /** The output depth of the vector modes. */
  get depth(): number {
    if (this.o.padToMaxTokens && this.o.maxTokens !== null) return this.o.maxTokens;
    if (!this.ready) throw new Error(`${this.who}: set a vocabulary (the vocabulary argument) or call adapt(data) before calling the layer`);
    return this.size;
  }

  /** Keras' get_vocabulary: index i of the list is the token of output index i. */
  list(includeSpecial = true): Token[] {
    if (!includeSpecial) return [...this.tokens];
    const special: Token[] = [];
    if (this.oovStart === 1) special.push(this.o.maskToken as Token);
    for (let i = 0; i < this.o.numOovIndices; i++) special.push(this.o.oovToken);
    return [...special, ...this.tokens];
  }

  /** Keras' set_vocabulary: the tokens, optionally preceded by exactly the special tokens. */
  set(vocabulary: readonly Token[], idfWeights: readonly number[] | null): void {
    if (vocabulary.length === 0) throw new RangeError(`${this.who}: cannot set an empty vocabulary`);
    const special = this.list(true).slice(0, this.tokenStart);
    const hasSpecial = special.length > 0 && special.every((t, i) => vocabulary[i] === t);
    const tokens = hasSpecial ? vocabulary.slice(special.length) : [...vocabulary];
    const seen = new Set<Token>();
    const repeated = tokens.filter((t) => (seen.has(t) ? true : (seen.add(t), false)));
    if (repeated.length > 0) throw new RangeError(`${this.who}: the vocabulary repeats ${JSON.stringify([...new Set(repeated)].slice(0, 5))}; give each token once`);
    if (this.o.maskToken !== null && seen.has(this.o.maskToken)) throw new RangeError(`${this.who}: the vocabulary holds the mask token ${JSON.stringify(this.o.maskToken)} among its tokens; leave special tokens out (or put them first, in order: ${JSON.stringify(special)})`);
    if (this.o.invert && seen.has(this.o.oovToken)) throw new RangeError(`${this.who}: the vocabulary holds the OOV token ${JSON.stringify(this.o.oovToken)} among its tokens`);
    if (this.o.maxTokens !== null && this.tokenStart + tokens.length > this.o.maxTokens) throw new RangeError(`${this.who}: the vocabulary has ${this.tokenStart + tokens.length} entries (special tokens included) but maxTokens is ${this.o.maxTokens}`);
    if (this.o.outputMode === 'tf_idf') {
      if (idfWeights === null) throw new RangeError(`${this.who}: tf_idf needs idf weights with the vocabulary`);
      // Weights for a vocabulary given with its special tokens include theirs (Keras: "to
      // specify the idf weights for OOV values, pass the entire vocabulary").
      const withSpecial = hasSpecial && idfWeights.length === vocabulary.length;
      const w = withSpecial ? idfWeights.slice(special.length) : [...idfWeights];
      if (w.length !== tokens.length) throw new RangeError(`${this.who}: idfWeights has ${idfWeights.length} values for ${vocabulary.length} vocabulary entries`);
      this.setIdf(w, withSpecial ? idfWeights.slice(0, special.length) : null);
    }
    this.tokens = tokens;
    this.index = new Map(tokens.map((t, i) => [t, this.tokenStart + i]));
  }

  /** idf per output index: the special slots get `specialIdf` or the tokens' mean (Keras). */
  private setIdf(tokenIdf: readonly number[], specialIdf: readonly number[] | null = null): void {
    this.tokenIdf = tokenIdf.map((v) => Math.fround(v));
    this.specialIdf = specialIdf === null ? null : [...specialIdf];
    const mean = tokenIdf.reduce((a, b) => a + b, 0) / Math.max(tokenIdf.length, 1);
    const depth = this.o.padToMaxTokens && this.o.maxTokens !== null ? this.o.maxTokens : this.tokenStart + tokenIdf.length;
    const idf = new Float32Array(depth);
    for (let i = 0; i < this.tokenStart; i++) idf[i] = specialIdf?.[i] ?? mean;
    tokenIdf.forEach((v, i) => (idf[this.tokenStart + i] = v));
    this.idf = idf;
  }

  /** Keras' adapt: counts over rows (documents), the vocabulary by frequency. */
  adapt(rows: readonly (readonly Token[])[]): void {
    if (this.given) throw new Error(`${this.who}: cannot adapt a layer whose vocabulary was given (the vocabulary argument)`);
    const counts = new Map<Token, number>();
    const docs = new Map<Token, number>();
    for (const r of rows) {
      for (const t of r) counts.set(t, (counts.get(t) ?? 0) + 1);
      if (this.o.outputMode === 'tf_idf') for (const t of new Set(r)) docs.set(t, (docs.get(t) ?? 0) + 1);
    }
    if (this.o.maskToken !== null) counts.delete(this.o.maskToken);
    counts.delete(this.o.oovToken);
    const cmp = (a: Token, b: Token): number => (a < b ? -1 : a > b ? 1 : 0);
    let tokens = [...counts.keys()].sort((a, b) => (counts.get(b) as number) - (counts.get(a) as number) || cmp(b, a));
    if (this.o.maxTokens !== null) tokens = tokens.slice(0, Math.max(this.o.maxTokens - this.tokenStart, 0));
    if (tokens.length === 0) throw new RangeError(`${this.who}.adapt: the data holds no tokens besides the special ones`);
    this.tokens = tokens;
    this.index = new Map(tokens.map((t, i) => [t, this.tokenStart + i]));
    if (this.o.outputMode === 'tf_idf') this.setIdf(tokens.map((t) => Math.log(1 + rows.length / (1 + (docs.get(t) ?? 0)))));
  }

  /** The index of one token: mask → 0 (int mode), OOV → its slot (or an error with no slots). */
  lookup(t: Token): number {
    if (this.o.maskToken !== null && t === this.o.maskToken) return this.o.outputMode === 'int' ? 0 : -1;
    const i = this.index.get(t);
    if (i !== undefined) return i;
    const n = this.o.numOovIndices;
    if (n === 0) throw new RangeError(`${this.who}: ${JSON.stringify(t)} is not in the vocabulary and numOovIndices is 0 (set numOovIndices: 1)`);
    if (n === 1) return this.oovStart;
    const key = this.o.salt ? ([this.o.salt[0], this.o.salt[1]] as const) : undefined;
    const bucket = typeof t === 'number' && this.o.oovMethod === 'floormod' ? ((t % n) + n) % n : hashBucket(String(t), n, key);
    return this.oovStart + bucket;
  }

  /** The token of one index (invert). */
  token(i: number): Token {
    if (i === 0 && this.oovStart === 1) return this.o.maskToken as Token;
    const k = i - this.tokenStart;
    return k >= 0 && k < this.tokens.length ? this.tokens[k] : this.o.oovToken;
  }

  /** Int or vector output for tokens of `shape`: vectors encode each row of the last axis. */
  encode(tokens: readonly Token[], shape: readonly number[]): Tensor {
    if (!this.ready && !(this.o.padToMaxTokens && this.o.outputMode !== 'int')) throw new Error(`${this.who}: set a vocabulary (the vocabulary argument) or call adapt(data) before calling the layer`);
    const ids = tokens.map((t) => this.lookup(t));
    const mode = this.o.outputMode;
    if (mode === 'int') return new Tensor(Int32Array.from(ids), [...shape]);
    const depth = this.depth;
    if (mode === 'one_hot') {
      const last = shape.length > 0 && shape[shape.length - 1] === 1;
      const out = encodeRows(ids.map((k) => [k]), depth, 'multi_hot', null, -1);
      return new Tensor(out, [...(last ? shape.slice(0, -1) : shape), depth]);
    }
    const rows = rowsOf(ids, shape) as number[][];
    const out = encodeRows(rows, depth, mode, this.idf, -1);
    return new Tensor(out, shape.length <= 1 ? [depth] : [...shape.slice(0, -1), depth]);
  }

  /** The output shape of `encode` for an input shape. */
  outputShape(s: LayerShape): LayerShape {
    const mode = this.o.outputMode;
    if (mode === 'int') return s;
    const depth = this.o.padToMaxTokens && this.o.maxTokens !== null ? this.o.maxTokens : this.ready ? this.size : null;
    if (mode === 'one_hot') return [...(s.length > 0 && s[s.length - 1] === 1 ? s.slice(0, -1) : s), depth];
    return s.length <= 1 ? [depth] : [...s.slice(0, -1), depth];
  }

  /**
   * Keras 3's vocabulary.txt asset (get_vocabulary() with special tokens, a line each) for a
   * layer without a vocabulary in its config; tf_idf weights are not read from assets.
   */
  loadAsset(text: string, ints: boolean): void {
    if (this.ready) return;
    const lines = text.split('\n');
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    if (this.o.outputMode === 'tf_idf') throw new Error(`${this.who}: a tf_idf layer's vocabulary file comes with idf weights in its variables, which Neurite does not read from .keras files; give vocabulary and idfWeights in the config`);
    this.set(ints ? lines.map((l) => Number.parseInt(l, 10)) : lines, null);
  }

  /** The config's vocabulary and idf weights (the learned ones too: they save with the model). */
  config(): ConfigDict {
    if (!this.ready) return { vocabulary: null, idf_weights: null, vocabulary_size: null };
    // Special tokens with their own idf weights are written with them (set() reads both forms).
    const full = this.specialIdf !== null;
    return {
      vocabulary: (full ? this.list(true) : [...this.tokens]) as ConfigValue[],
      idf_weights: this.tokenIdf ? (full ? [...(this.specialIdf as number[]), ...this.tokenIdf] : [...this.tokenIdf]) : null,
      vocabulary_size: this.size,
    };
  }
}

abstract class IndexLookup extends Layer {
  readonly vocab: Vocabulary;

  constructor(args: LayerArgs, o: LookupOptions, who: string) {
    super({ ...args, dtype: o.outputMode === 'int' && !o.invert ? 'int32' : 'float32' });
    this.vocab = new Vocabulary(o, who);
  }

  /** Keras' get_vocabulary(include_special_tokens). */
  getVocabulary(includeSpecialTokens = true): Token[] {
    return this.vocab.list(includeSpecialTokens);
  }

  /** Keras' vocabulary_size(): the tokens plus the mask and OOV indices. */
  vocabularySize(): number {
    return this.vocab.size;
  }

  setVocabulary(vocabulary: readonly Token[], idfWeights: readonly number[] | null = null): void {
    this.vocab.set(vocabulary, idfWeights);
  }

  /** A Keras 3 vocabulary.txt asset (see io/keras3.ts applyKeras3Assets). */
  loadVocabularyAsset(text: string): void {
    this.vocab.loadAsset(text, this instanceof IntegerLookup);
  }

  override computeOutputShape(inputShape: LayerShape | readonly LayerShape[]): LayerShape {
    return this.vocab.outputShape(inputShape as LayerShape);
  }

  protected override layerConfig(): ConfigDict {
    return { ...super.layerConfig(), ...this.vocab.config() };
  }
}

/** Keras StringLookup: strings → indices in a vocabulary (given, or learned by adapt). */
export class StringLookup extends IndexLookup {
  static override readonly className = 'StringLookup';
  static override readonly args = STRING_LOOKUP_ARGS;

  constructor(args: LayerArgs & ArgsIn<typeof STRING_LOOKUP_ARGS> = {}) {
    super(args, STRING_LOOKUP_ARGS.resolve(args) as unknown as LookupOptions, 'StringLookup');
    this.declared(STRING_LOOKUP_ARGS, args);
  }

  /** Learns the vocabulary from strings (a StringTensor, arrays, or a Dataset of them). */
  async adapt(data: unknown): Promise<void> {
    this.vocab.adapt(await adaptRows(data, 'StringLookup', (x) => { const s = asStrings(x, 'StringLookup.adapt'); return rowsOf(s.values, s.shape); }));
  }

  /** Strings → indices; with invert, integer indices → strings (a StringTensor). */
  call(inputs: Tensor | Tensor[]): Tensor {
    if (this.vocab.o.invert) {
      const { values, shape } = asInts(inputs, `Layer ${this.name} (StringLookup, invert)`);
      return new StringTensor(Array.from(values, (i) => String(this.vocab.token(i))), shape) as unknown as Tensor;
    }
    const x = asStrings(inputs, `Layer ${this.name} (StringLookup)`);
    return this.vocab.encode(x.values, x.shape);
  }
}
registerLayer(StringLookup);

/** Keras IntegerLookup: integer ids → indices in a vocabulary (given, or learned by adapt). */
export class IntegerLookup extends IndexLookup {
  static override readonly className = 'IntegerLookup';
  static override readonly args = INTEGER_LOOKUP_ARGS;

  constructor(args: LayerArgs & ArgsIn<typeof INTEGER_LOOKUP_ARGS> = {}) {
    super(args, INTEGER_LOOKUP_ARGS.resolve(args) as unknown as LookupOptions, 'IntegerLookup');
    this.declared(INTEGER_LOOKUP_ARGS, args);
  }

  /** Learns the vocabulary from integer tensors (or a Dataset of them). */
  async adapt(data: unknown): Promise<void> {
    this.vocab.adapt(await adaptRows(data, 'IntegerLookup', (x) => { const v = asInts(x, 'IntegerLookup.adapt'); return rowsOf(Array.from(v.values), v.shape); }));
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const { values, shape } = asInts(inputs, `Layer ${this.name} (IntegerLookup)`);
    if (this.vocab.o.invert) return new Tensor(Int32Array.from(values, (i) => this.vocab.token(i) as number), shape);
    return this.vocab.encode(Array.from(values), shape);
  }
}
registerLayer(IntegerLookup);

// ---- TextVectorization ----------------------------------------------------------------------

const STRIP = /[!"#$%&()*+,\-./:;<=>?@[\\\]^_`{|}~']/g;

const TEXT_VECTORIZATION_ARGS = declareArgs('TextVectorization', {
  maxTokens: arg.optionalInt({ min: 1 }),
  standardize: arg.custom<string | null, 'lower_and_strip_punctuation' | 'lower' | 'strip_punctuation' | null>({
    resolve: (v, where) => {
      const s = v === undefined ? 'lower_and_strip_punctuation' : v;
      if (s === null || s === 'lower_and_strip_punctuation' || s === 'lower' || s === 'strip_punctuation') return s;
      throw new RangeError(`${where} must be 'lower_and_strip_punctuation', 'lower', 'strip_punctuation' or null (a custom function: apply it in Dataset.map before the layer); got ${JSON.stringify(v)}`);
    },
    toConfig: (v) => v,
  }),
  split: arg.custom<string | null, 'whitespace' | 'character' | null>({
    resolve: (v, where) => {
      const s = v === undefined ? 'whitespace' : v;
      if (s === null || s === 'whitespace' || s === 'character') return s;
      throw new RangeError(`${where} must be 'whitespace', 'character' or null; got ${JSON.stringify(v)}`);
    },
    toConfig: (v) => v,
  }),
  ngrams: arg.json((v, where): number | number[] | null => {
    if (v === null || v === undefined) return null;
    if (typeof v === 'number' && Number.isInteger(v) && v >= 1) return v;
    if (Array.isArray(v) && v.length > 0 && v.every((n) => Number.isInteger(n) && (n as number) >= 1)) return [...(v as number[])];
    throw new TypeError(`${where} must be null, a positive integer or a list of them; got ${JSON.stringify(v)}`);
  }, { default: null }),
  outputMode: modeArg(['int', 'multi_hot', 'count', 'tf_idf']),
  outputSequenceLength: arg.optionalInt({ min: 1 }),
  padToMaxTokens: arg.bool(false),
  vocabulary: tokenList('string'),
  idfWeights: numberList,
  sparse: arg.bool(false),
  ragged: arg.bool(false),
  encoding: arg.oneOf(['utf-8', 'utf8'] as const, { default: 'utf-8' }),
  vocabularySize: arg.optionalInt({ default: null }),
});

/** Keras TextVectorization: strings → standardized tokens → int sequences or vectors. */
export class TextVectorization extends Layer {
  static override readonly className = 'TextVectorization';
  static override readonly args = TEXT_VECTORIZATION_ARGS;
  readonly vocab: Vocabulary;
  readonly standardize: 'lower_and_strip_punctuation' | 'lower' | 'strip_punctuation' | null;
  readonly split: 'whitespace' | 'character' | null;
  readonly ngrams: number[] | null;
  readonly outputMode: LookupMode;
  readonly outputSequenceLength: number | null;

  constructor(args: LayerArgs & ArgsIn<typeof TEXT_VECTORIZATION_ARGS> = {}) {
    const a = TEXT_VECTORIZATION_ARGS.resolve(args);
    super({ ...args, dtype: a.outputMode === 'int' ? 'int32' : 'float32' });
    this.declared(TEXT_VECTORIZATION_ARGS, args);
    if (a.ragged) throw new RangeError('TextVectorization: ragged outputs are not supported (Neurite has no ragged tensors); int sequences are padded');
    if (a.outputMode !== 'int' && a.outputSequenceLength !== null) throw new RangeError(`TextVectorization: outputSequenceLength is only for outputMode 'int'; got outputMode '${a.outputMode}'`);
    this.standardize = a.standardize;
    this.split = a.split;
    this.ngrams = a.ngrams === null ? null : typeof a.ngrams === 'number' ? Array.from({ length: a.ngrams }, (_, i) => i + 1) : a.ngrams;
    this.outputMode = a.outputMode;
    this.outputSequenceLength = a.outputSequenceLength;
    this.vocab = new Vocabulary(
      { maxTokens: a.maxTokens, numOovIndices: 1, maskToken: '', oovToken: '[UNK]', vocabulary: a.vocabulary, idfWeights: a.idfWeights, invert: false, outputMode: a.outputMode, padToMaxTokens: a.padToMaxTokens, sparse: a.sparse, oovMethod: 'floormod', salt: null },
      'TextVectorization',
    );
  }

  /** The tokens of one string: standardized, split, n-grams. */
  tokenize(text: string): string[] {
    let s = text;
    if (this.standardize === 'lower' || this.standardize === 'lower_and_strip_punctuation') s = s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
    if (this.standardize === 'strip_punctuation' || this.standardize === 'lower_and_strip_punctuation') s = s.replace(STRIP, '');
    const words = this.split === 'whitespace' ? s.split(/[ \t\n\r\f\v]+/).filter((w) => w.length > 0) : this.split === 'character' ? Array.from(s) : [s];
    if (this.ngrams === null) return words;
    const out: string[] = [];
    for (const n of this.ngrams) for (let i = 0; i + n <= words.length; i++) out.push(words.slice(i, i + n).join(' '));
    return out;
  }

  /** Token rows of a batch of strings ([batch] or [batch, 1]). */
  private rows(x: unknown, who: string): string[][] {
    const s = asStrings(x, who);
    if (s.rank > 2 || (s.rank === 2 && s.shape[1] !== 1)) throw new RangeError(`${who}: takes strings of shape [batch] or [batch, 1]; got [${s.shape.join(', ')}]`);
    return (s.rank === 0 ? [s.values[0]] : s.values).map((t) => this.tokenize(t));
  }

  /** Learns the vocabulary (and idf weights) from strings: a StringTensor, arrays, or a Dataset of them. */
  async adapt(data: unknown): Promise<void> {
    this.vocab.adapt(await adaptRows(data, 'TextVectorization', (x) => this.rows(x, 'TextVectorization.adapt')));
  }

  getVocabulary(includeSpecialTokens = true): string[] {
    return this.vocab.list(includeSpecialTokens) as string[];
  }

  vocabularySize(): number {
    return this.vocab.size;
  }

  setVocabulary(vocabulary: readonly string[], idfWeights: readonly number[] | null = null): void {
    this.vocab.set(vocabulary, idfWeights);
  }

  /** A Keras 3 vocabulary.txt asset (see io/keras3.ts applyKeras3Assets). */
  loadVocabularyAsset(text: string): void {
    this.vocab.loadAsset(text, false);
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const rows = this.rows(inputs, `Layer ${this.name} (TextVectorization)`);
    if (this.outputMode === 'int') {
      const len = this.outputSequenceLength ?? Math.max(1, ...rows.map((r) => r.length));
      const out = new Int32Array(rows.length * len);
      rows.forEach((r, i) => {
        for (let j = 0; j < Math.min(len, r.length); j++) out[i * len + j] = this.vocab.lookup(r[j]);
      });
      return new Tensor(out, [rows.length, len]);
    }
    const ids = rows.map((r) => r.map((t) => this.vocab.lookup(t)));
    return new Tensor(encodeRows(ids, this.vocab.depth, this.outputMode as 'multi_hot' | 'count' | 'tf_idf', this.vocab.idf, -1), [rows.length, this.vocab.depth]);
  }

  override computeOutputShape(inputShape: LayerShape | readonly LayerShape[]): LayerShape {
    const s = inputShape as LayerShape;
    if (this.outputMode === 'int') return [s[0] ?? null, this.outputSequenceLength];
    return [s[0] ?? null, this.vocab.outputShape([null, null])[1]];
  }

  protected override layerConfig(): ConfigDict {
    return { ...super.layerConfig(), ...this.vocab.config() };
  }
}
registerLayer(TextVectorization);

// ---- Hashing ----------------------------------------------------------------------------------

const HASHING_ARGS = declareArgs('Hashing', {
  numBins: arg.int({ min: 1 }),
  maskValue: arg.json((v, where): string | number | null => {
    if (v === null || v === undefined) return null;
    if (typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v))) return v;
    throw new TypeError(`${where} must be a string, an integer or null; got ${JSON.stringify(v)}`);
  }, { default: null }),
  salt: saltArg,
  outputMode: arg.oneOf(['int', 'one_hot', 'multi_hot', 'count'] as const, { default: 'int' }),
  sparse: arg.bool(false),
});

/** Keras Hashing: each value into one of numBins bins by FarmHash64 (or keyed SipHash). */
export class Hashing extends Layer {
  static override readonly className = 'Hashing';
  static override readonly args = HASHING_ARGS;
  readonly numBins: number;
  readonly maskValue: string | number | null;
  readonly salt: [number, number] | null;
  readonly outputMode: 'int' | 'one_hot' | 'multi_hot' | 'count';

  constructor(args: LayerArgs & ArgsIn<typeof HASHING_ARGS>) {
    const a = HASHING_ARGS.resolve(args);
    super({ ...args, dtype: a.outputMode === 'int' ? 'int32' : 'float32' });
    this.declared(HASHING_ARGS, args);
    if (a.sparse) throw new RangeError('Hashing: sparse outputs are not supported (Neurite has no sparse tensors)');
    this.numBins = a.numBins;
    this.maskValue = a.maskValue;
    this.salt = a.salt === null ? null : [a.salt[0], a.salt[1]];
    this.outputMode = a.outputMode;
  }

  /** The bin of one value's text. */
  private bin(text: string, isMask: boolean): number {
    const masked = this.maskValue !== null && this.numBins > 1;
    if (masked && isMask) return 0;
    const bins = masked ? this.numBins - 1 : this.numBins;
    return hashBucket(text, bins, this.salt ?? undefined) + (masked ? 1 : 0);
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as unknown;
    let bins: number[];
    let shape: number[];
    if (x instanceof StringTensor) {
      bins = x.values.map((s) => this.bin(s, s === this.maskValue));
      shape = [...x.shape];
    } else if (x instanceof Tensor) {
      // Floats become integers (truncated, as Keras' cast to int64), then decimal text.
      const v = x.storage.peek() ?? x.dataSync();
      bins = Array.from(v, (n) => { const i = Math.trunc(n); return this.bin(String(i), i === this.maskValue); });
      shape = [...x.shape];
    } else throw new TypeError(`Layer ${this.name} (Hashing): expected a tensor or a StringTensor`);
    if (this.outputMode === 'int') return new Tensor(Int32Array.from(bins), shape);
    if (this.outputMode === 'one_hot') {
      const s = shape.length > 0 && shape[shape.length - 1] === 1 ? shape.slice(0, -1) : shape;
      return new Tensor(encodeRows(bins.map((b) => [b]), this.numBins, 'multi_hot', null, null), [...s, this.numBins]);
    }
    return new Tensor(encodeRows(rowsOf(bins, shape) as number[][], this.numBins, this.outputMode, null, null), shape.length <= 1 ? [this.numBins] : [...shape.slice(0, -1), this.numBins]);
  }

  override computeOutputShape(inputShape: LayerShape | readonly LayerShape[]): LayerShape {
    const s = inputShape as LayerShape;
    if (this.outputMode === 'int') return s;
    if (this.outputMode === 'one_hot') return [...(s.length > 0 && s[s.length - 1] === 1 ? s.slice(0, -1) : s), this.numBins];
    return s.length <= 1 ? [this.numBins] : [...s.slice(0, -1), this.numBins];
  }
}
registerLayer(Hashing);
