/**
 * JSON the way Python's `json.dumps` writes it (", " and ": " separators, non-ASCII
 * escaped as \uXXXX), so a Tokenizer's `toJson` reads like Keras' own, and an
 * order-keeping reader for flat objects: `JSON.parse` would move integer-like keys
 * ("1984") to the front, and the order of `word_counts` decides index ties.
 */

export type PyScalar = string | number | boolean | null;

/** A string literal as Python's json.dumps (ensure_ascii=True) writes it. */
export function pyString(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function pyScalar(v: PyScalar): string {
  if (typeof v === 'string') return pyString(v);
  if (typeof v === 'number' && !Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
  return JSON.stringify(v);
}

/** A flat object `{"k": v, ...}` in the given key order. */
export function pyDumps(entries: Iterable<readonly [string | number, PyScalar]>): string {
  const parts: string[] = [];
  for (const [k, v] of entries) parts.push(`${pyString(String(k))}: ${pyScalar(v)}`);
  return `{${parts.join(', ')}}`;
}

const STRING = /"(?:[^"\\\u0000-\u001f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"/y;
const VALUE = /"(?:[^"\\\u0000-\u001f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;
const SPACE = /\s*/y;

/**
 * Reads a flat JSON object (string keys; string, number, boolean or null values) and
 * returns its entries in the order they are written. `what` names the field in errors.
 */
export function parseFlatObject(json: string, what: string): [string, PyScalar][] {
  let pos = 0;
  const skip = (): void => {
    SPACE.lastIndex = pos;
    SPACE.exec(json);
    pos = SPACE.lastIndex;
  };
  const token = (re: RegExp, expected: string): string => {
    skip();
    re.lastIndex = pos;
    const m = re.exec(json);
    if (!m) throw new SyntaxError(`tokenizerFromJson: ${what} is not a flat JSON object: expected ${expected} at offset ${pos}`);
    pos = re.lastIndex;
    return m[0];
  };
  const punct = (chars: string): string => {
    skip();
    const c = json[pos];
    if (c === undefined || !chars.includes(c)) throw new SyntaxError(`tokenizerFromJson: ${what} is not a flat JSON object: expected one of ${chars} at offset ${pos}`);
    pos++;
    return c;
  };
  const out: [string, PyScalar][] = [];
  punct('{');
  skip();
  if (json[pos] === '}') {
    pos++;
  } else {
    for (;;) {
      const key = JSON.parse(token(STRING, 'a string key')) as string;
      punct(':');
      out.push([key, JSON.parse(token(VALUE, 'a value')) as PyScalar]);
      if (punct(',}') === '}') break;
    }
  }
  skip();
  if (pos !== json.length) throw new SyntaxError(`tokenizerFromJson: ${what}: unexpected text after the object at offset ${pos}`);
  return out;
}
