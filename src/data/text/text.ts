/** keras.preprocessing.text.text_to_word_sequence and the argument checks shared by the Tokenizer. */

/** Keras' default filters: basic punctuation, tab and newline (not the apostrophe). */
export const DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n';

export interface TextToWordSequenceArgs {
  /** Characters replaced by `split` before splitting (default: Keras' punctuation, tab, newline). */
  readonly filters?: string;
  /** Lowercase the text first (default true). */
  readonly lower?: boolean;
  /** The separator (default ' '); a string, as Python's str.split(sep). */
  readonly split?: string;
}

export function checkSplit(split: unknown, where: string): string {
  if (typeof split !== 'string' || split.length === 0) {
    throw new TypeError(`${where}: split must be a non-empty string (the separator); got ${JSON.stringify(split)}`);
  }
  return split;
}

export function checkString(v: unknown, name: string, where: string): string {
  if (typeof v !== 'string') throw new TypeError(`${where}: ${name} must be a string; got ${v === null ? 'null' : typeof v}`);
  return v;
}

const patterns = new Map<string, RegExp>();

/** A global regular expression matching any one character of `filters` (cached). */
function filterPattern(filters: string): RegExp {
  let re = patterns.get(filters);
  if (!re) {
    const chars = Array.from(new Set(Array.from(filters)), (c) => c.replace(/[\\\]\[^-]/g, '\\$&'));
    re = new RegExp(`[${chars.join('')}]`, 'gu');
    if (patterns.size > 64) patterns.clear();
    patterns.set(filters, re);
  }
  return re;
}

/**
 * Keras' text_to_word_sequence: lowercases (when `lower`), replaces every character of
 * `filters` by `split`, splits on `split` and drops the empty pieces.
 *
 *     textToWordSequence('The cat, the HAT!')  // ['the', 'cat', 'the', 'hat']
 */
export function textToWordSequence(text: string, args: TextToWordSequenceArgs = {}): string[] {
  const where = 'textToWordSequence';
  checkString(text, 'text', where);
  const filters = checkString(args.filters ?? DEFAULT_FILTERS, 'filters', where);
  const split = checkSplit(args.split ?? ' ', where);
  let s = (args.lower ?? true) ? text.toLowerCase() : text;
  if (filters.length > 0) s = s.replace(filterPattern(filters), () => split);
  return s.split(split).filter((w) => w.length > 0);
}
