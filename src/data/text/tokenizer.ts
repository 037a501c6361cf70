/**
 * keras.preprocessing.text.Tokenizer with Keras' semantics: a vocabulary ordered by
 * descending count (ties in order of first appearance), index 0 reserved, `numWords`
 * keeping the ids below it, an optional out-of-vocabulary token at index 1, and the
 * vectorisations binary / count / freq / tfidf. `toJson` writes Keras' JSON layout, so
 * tokenizers travel both ways between Keras and Neurite.
 */
import { Tensor } from '../../tensor/tensor.js';
import { tensor } from '../../tensor/create.js';
import { DEFAULT_FILTERS, checkSplit, checkString, textToWordSequence } from './text.js';
import { type PyScalar, pyDumps, parseFlatObject } from './py-json.js';

/** A text (a string), or a text already cut into tokens (Keras accepts lists of strings). */
export type TextInput = string | readonly string[];

/** The vectorisation of `textsToMatrix` / `sequencesToMatrix`. */
export type TextMatrixMode = 'binary' | 'count' | 'tfidf' | 'freq';

const MODES: readonly TextMatrixMode[] = ['binary', 'count', 'tfidf', 'freq'];

export interface TokenizerArgs {
  /** Keep only the ids below numWords (the numWords − 1 most frequent words); null keeps all. */
  readonly numWords?: number | null;
  /** Characters removed (replaced by `split`) before splitting; default Keras' punctuation, tab, newline. */
  readonly filters?: string;
  /** Lowercase texts (default true). */
  readonly lower?: boolean;
  /** Word separator (default ' '). */
  readonly split?: string;
  /** Every character is a token (default false); filters are then not applied, as in Keras. */
  readonly charLevel?: boolean;
  /** The out-of-vocabulary token: given index 1, and used for unknown and beyond-numWords words. */
  readonly oovToken?: string | null;
  /** Splits a text into tokens instead of filters/split (not saved by toJson, as in Keras). */
  readonly analyzer?: ((text: string) => readonly string[]) | null;
  /** Documents already seen (Keras' document_count keyword; used by tokenizerFromJson). */
  readonly documentCount?: number;
}

/** Keras' Tokenizer config (get_config): the maps are JSON strings, keys as Keras names them. */
export interface TokenizerConfig {
  num_words: number | null;
  filters: string;
  lower: boolean;
  split: string;
  char_level: boolean;
  oov_token: string | null;
  document_count: number;
  word_counts: string;
  word_docs: string;
  index_docs: string;
  index_word: string;
  word_index: string;
}

function checkNumWords(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new RangeError(`Tokenizer: numWords must be a non-negative integer or null; got ${String(v)}`);
  return v;
}

function checkIds(seq: ArrayLike<number>, i: number, where: string): ArrayLike<number> {
  if (!(Array.isArray(seq) || ArrayBuffer.isView(seq)) || typeof seq.length !== 'number') {
    throw new TypeError(`${where}: sequence ${i} must be an array of integer ids`);
  }
  for (let t = 0; t < seq.length; t++) {
    if (!Number.isInteger(seq[t]) || seq[t] < 0) throw new RangeError(`${where}: sequence ${i}, step ${t}: ids are non-negative integers; got ${seq[t]}`);
  }
  return seq;
}

export class Tokenizer {
  /** Ids ≥ numWords are dropped (or mapped to the oov token); null or 0 keeps every id. May be changed after fitting, as in Keras. */
  numWords: number | null;
  readonly filters: string;
  readonly lower: boolean;
  readonly split: string;
  readonly charLevel: boolean;
  readonly oovToken: string | null;
  readonly analyzer: ((text: string) => readonly string[]) | null;
  /** Texts (or sequences) fitted so far. */
  documentCount: number;
  /** Token → number of occurrences, in order of first appearance. */
  wordCounts = new Map<string, number>();
  /** Token → number of documents it appears in. */
  wordDocs = new Map<string, number>();
  /** Id → number of documents it appears in (used by tfidf). */
  indexDocs = new Map<number, number>();
  /** Token → id (1, 2, …), most frequent first; the oov token, if any, is 1. */
  wordIndex = new Map<string, number>();
  /** Id → token. */
  indexWord = new Map<number, string>();

  constructor(args: TokenizerArgs = {}) {
    const where = 'Tokenizer';
    this.numWords = checkNumWords(args.numWords);
    this.filters = checkString(args.filters ?? DEFAULT_FILTERS, 'filters', where);
    this.lower = args.lower ?? true;
    this.split = checkSplit(args.split ?? ' ', where);
    this.charLevel = args.charLevel ?? false;
    const oov = args.oovToken ?? null;
    this.oovToken = oov === null ? null : checkString(oov, 'oovToken', where);
    const analyzer = args.analyzer ?? null;
    if (analyzer !== null && typeof analyzer !== 'function') throw new TypeError('Tokenizer: analyzer must be a function (text) → tokens');
    this.analyzer = analyzer;
    const docs = args.documentCount ?? 0;
    if (!Number.isInteger(docs) || docs < 0) throw new RangeError(`Tokenizer: documentCount must be a non-negative integer; got ${docs}`);
    this.documentCount = docs;
  }

  /** The tokens of one text, as Keras cuts them (characters, a given list, the analyzer, or filters + split). */
  tokensOf(text: TextInput): string[] {
    if (Array.isArray(text)) return text.map((w: unknown, i) => (this.lower ? checkString(w, `token ${i}`, 'Tokenizer').toLowerCase() : checkString(w, `token ${i}`, 'Tokenizer')));
    checkString(text, 'each text', 'Tokenizer');
    const s = text as string;
    if (this.charLevel) return Array.from(this.lower ? s.toLowerCase() : s);
    if (this.analyzer) return [...this.analyzer(s)];
    return textToWordSequence(s, { filters: this.filters, lower: this.lower, split: this.split });
  }

  /** Counts the tokens of `texts` and rebuilds wordIndex / indexWord / indexDocs (may be called again to add texts). */
  fitOnTexts(texts: Iterable<TextInput>): void {
    if (typeof texts === 'string') throw new TypeError('Tokenizer.fitOnTexts: give a list of texts, not one string');
    for (const text of texts) {
      this.documentCount++;
      const seq = this.tokensOf(text);
      for (const w of seq) this.wordCounts.set(w, (this.wordCounts.get(w) ?? 0) + 1);
      for (const w of new Set(seq)) this.wordDocs.set(w, (this.wordDocs.get(w) ?? 0) + 1);
    }
    // Stable sort: equal counts keep their order of first appearance (Python's sort is stable too).
    const sorted = [...this.wordCounts.entries()].sort((a, b) => b[1] - a[1]).map(([w]) => w);
    const vocab = this.oovToken === null ? sorted : [this.oovToken, ...sorted];
    this.wordIndex = new Map();
    // As Python's dict(zip(...)): a repeated key keeps its first position and its last index.
    vocab.forEach((w, i) => this.wordIndex.set(w, i + 1));
    this.indexWord = new Map([...this.wordIndex].map(([w, i]) => [i, w]));
    for (const [w, c] of this.wordDocs) this.indexDocs.set(this.wordIndex.get(w) as number, c);
  }

  /** Counts documents per id from sequences (for tfidf when fitOnTexts was not used). */
  fitOnSequences(sequences: readonly ArrayLike<number>[]): void {
    sequences.forEach((seq, i) => checkIds(seq, i, 'Tokenizer.fitOnSequences'));
    this.documentCount += sequences.length;
    for (const seq of sequences) {
      for (const id of new Set(Array.from(seq))) this.indexDocs.set(id, (this.indexDocs.get(id) ?? 0) + 1);
    }
  }

  /** Each text → its list of ids; unknown and beyond-numWords words are dropped, or become the oov id. */
  textsToSequences(texts: Iterable<TextInput>): number[][] {
    return [...this.textsToSequencesGenerator(texts)];
  }

  *textsToSequencesGenerator(texts: Iterable<TextInput>): Generator<number[]> {
    if (typeof texts === 'string') throw new TypeError('Tokenizer.textsToSequences: give a list of texts, not one string');
    const numWords = this.numWords;
    const oovIndex = this.oovToken === null ? undefined : this.wordIndex.get(this.oovToken);
    for (const text of texts) {
      const ids: number[] = [];
      for (const w of this.tokensOf(text)) {
        const i = this.wordIndex.get(w);
        if (i !== undefined && !(numWords && i >= numWords)) ids.push(i);
        else if (oovIndex !== undefined) ids.push(oovIndex);
      }
      yield ids;
    }
  }

  /** Each sequence of ids → its words joined by ' ' (also for charLevel, as Keras). */
  sequencesToTexts(sequences: Iterable<ArrayLike<number>>): string[] {
    return [...this.sequencesToTextsGenerator(sequences)];
  }

  *sequencesToTextsGenerator(sequences: Iterable<ArrayLike<number>>): Generator<string> {
    const numWords = this.numWords;
    const oovWord = this.oovToken === null ? undefined : this.indexWord.get(this.wordIndex.get(this.oovToken) ?? -1);
    for (const seq of sequences) {
      const words: string[] = [];
      for (let t = 0; t < seq.length; t++) {
        const num = seq[t];
        const word = this.indexWord.get(num);
        if (word !== undefined && !(numWords && num >= numWords)) words.push(word);
        else if (oovWord !== undefined) words.push(oovWord);
      }
      yield words.join(' ');
    }
  }

  /** Texts → a float32 matrix [texts, numWords (or vocabulary + 1)] in `mode`. */
  textsToMatrix(texts: Iterable<TextInput>, mode: TextMatrixMode = 'binary'): Tensor {
    return this.sequencesToMatrix(this.textsToSequences(texts), mode);
  }

  /**
   * Sequences → [n, numWords] (numWords unset: vocabulary size + 1; column 0 is the reserved id).
   * binary: 1 where an id occurs; count: its count c; freq: c / sequence length;
   * tfidf: (1 + ln c) · ln(1 + documentCount / (1 + documents containing the id)).
   */
  sequencesToMatrix(sequences: readonly ArrayLike<number>[], mode: TextMatrixMode = 'binary'): Tensor {
    const where = 'Tokenizer.sequencesToMatrix';
    if (!MODES.includes(mode)) throw new RangeError(`${where}: mode must be one of ${MODES.join(', ')}; got ${JSON.stringify(mode)}`);
    let numWords = this.numWords ?? 0;
    if (!numWords) {
      if (this.wordIndex.size === 0) throw new RangeError(`${where}: specify a dimension (the numWords argument), or fit on some text data first`);
      numWords = this.wordIndex.size + 1;
    }
    if (mode === 'tfidf' && !this.documentCount) throw new RangeError(`${where}: fit the Tokenizer on some data before using tfidf mode`);
    const out = new Float32Array(sequences.length * numWords);
    sequences.forEach((seq, i) => {
      checkIds(seq, i, where);
      const counts = new Map<number, number>();
      for (let t = 0; t < seq.length; t++) if (seq[t] < numWords) counts.set(seq[t], (counts.get(seq[t]) ?? 0) + 1);
      for (const [j, c] of counts) out[i * numWords + j] = this.matrixValue(mode, j, c, seq.length);
    });
    return tensor(out, [sequences.length, numWords], 'float32');
  }

  private matrixValue(mode: TextMatrixMode, j: number, c: number, length: number): number {
    if (mode === 'count') return c;
    if (mode === 'freq') return c / length;
    if (mode === 'binary') return 1;
    return (1 + Math.log(c)) * Math.log(1 + this.documentCount / (1 + (this.indexDocs.get(j) ?? 0)));
  }

  /** Keras' get_config: the settings and the maps (as JSON strings, Python's layout). */
  getConfig(): TokenizerConfig {
    return {
      num_words: this.numWords,
      filters: this.filters,
      lower: this.lower,
      split: this.split,
      char_level: this.charLevel,
      oov_token: this.oovToken,
      document_count: this.documentCount,
      word_counts: pyDumps(this.wordCounts),
      word_docs: pyDumps(this.wordDocs),
      index_docs: pyDumps(this.indexDocs),
      index_word: pyDumps(this.indexWord),
      word_index: pyDumps(this.wordIndex),
    };
  }

  /** Keras' to_json: {"class_name": "Tokenizer", "config": getConfig()} (read back by tokenizerFromJson, here or in Keras). */
  toJson(): string {
    const config = pyDumps(Object.entries(this.getConfig()) as [string, PyScalar][]);
    return `{"class_name": "Tokenizer", "config": ${config}}`;
  }
}

function entriesOf(config: Record<string, unknown>, key: string): [string, PyScalar][] {
  const v = config[key];
  if (v === undefined) return [];
  return parseFlatObject(checkString(v, key, 'tokenizerFromJson'), key);
}

function intValue(v: PyScalar, key: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new TypeError(`tokenizerFromJson: ${key} holds ${JSON.stringify(v)} where an integer was expected`);
  return v;
}

function intKey(k: string, key: string): number {
  const n = Number(k);
  if (!Number.isInteger(n)) throw new TypeError(`tokenizerFromJson: ${key} has the key ${JSON.stringify(k)} where an integer id was expected`);
  return n;
}

/** Keras' tokenizer_from_json: rebuilds a Tokenizer from `toJson` output (Keras' or Neurite's). */
export function tokenizerFromJson(json: string): Tokenizer {
  const parsed = JSON.parse(checkString(json, 'json', 'tokenizerFromJson')) as unknown;
  const config = (parsed as { config?: unknown } | null)?.config;
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new TypeError('tokenizerFromJson: expected {"class_name": "Tokenizer", "config": {...}}');
  const c = config as Record<string, unknown>;
  const tokenizer = new Tokenizer({
    numWords: c.num_words as number | null | undefined,
    filters: c.filters as string | undefined,
    lower: c.lower as boolean | undefined,
    split: c.split as string | undefined,
    charLevel: c.char_level as boolean | undefined,
    oovToken: c.oov_token as string | null | undefined,
    documentCount: c.document_count as number | undefined,
  });
  tokenizer.wordCounts = new Map(entriesOf(c, 'word_counts').map(([k, v]) => [k, intValue(v, 'word_counts')]));
  tokenizer.wordDocs = new Map(entriesOf(c, 'word_docs').map(([k, v]) => [k, intValue(v, 'word_docs')]));
  tokenizer.indexDocs = new Map(entriesOf(c, 'index_docs').map(([k, v]) => [intKey(k, 'index_docs'), intValue(v, 'index_docs')]));
  tokenizer.wordIndex = new Map(entriesOf(c, 'word_index').map(([k, v]) => [k, intValue(v, 'word_index')]));
  tokenizer.indexWord = new Map(
    entriesOf(c, 'index_word').map(([k, v]) => [intKey(k, 'index_word'), checkString(v, 'index_word values', 'tokenizerFromJson')]),
  );
  return tokenizer;
}
