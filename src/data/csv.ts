/**
 * `nt.data.makeCsvDataset`: a CSV file read as a stream (files larger than memory), as
 * tf.data's make_csv_dataset: each row becomes `{ column: value }` (numbers as float32 or
 * int32 scalars, text as strings), with the label column split off as `[features, label]`,
 * then batched. Column types come from `columnDefaults` or from the first row; a value that
 * does not parse in a numeric column is an error naming the file, line and column. Fields
 * may be quoted ("a, b" and "" for a quote), also over several lines.
 */
import { Tensor } from '../tensor/tensor.js';
import { tensor } from '../tensor/create.js';
import { Dataset, type Element } from './dataset.js';

export interface CsvDatasetArgs {
  /** Rows per batch (default 32); null: one row per element. */
  readonly batchSize?: number | null;
  /** The first line names the columns (default true). */
  readonly header?: boolean;
  /** Column names (required without a header; otherwise they replace the header's). */
  readonly columnNames?: readonly string[];
  /**
   * Per column: a number (float32, the value of an empty field), an integer written as
   * `{ int: n }` (int32), a string (text), or null (required: an empty field is an error).
   * Default: inferred from the first row (numbers float32, else text), empty fields an error.
   */
  readonly columnDefaults?: readonly (number | { readonly int: number } | string | null)[];
  /** The column returned apart, as the target: elements are [features, label]. */
  readonly labelName?: string;
  /** Only these columns (names). */
  readonly select?: readonly string[];
  readonly fieldDelim?: string;
  /** Shuffle rows through a buffer (default false; tf.data's default is true). */
  readonly shuffle?: boolean;
  readonly shuffleBufferSize?: number;
  readonly seed?: number;
  /** Passes over the file (default 1; tf.data's default repeats forever). */
  readonly numEpochs?: number;
}

type ColumnType = { readonly kind: 'float'; readonly fill: number | null } | { readonly kind: 'int'; readonly fill: number | null } | { readonly kind: 'text'; readonly fill: string | null };

/** Splits one record into fields; returns null while a quoted field is still open (more lines needed). */
function splitRecord(text: string, delim: string): string[] | null {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  let atStart = true;
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += ch;
      i++;
      continue;
    }
    if (ch === '"' && atStart) {
      quoted = true;
      atStart = false;
      i++;
      continue;
    }
    if (text.startsWith(delim, i)) {
      fields.push(field);
      field = '';
      atStart = true;
      i += delim.length;
      continue;
    }
    field += ch;
    atStart = false;
    i++;
  }
  if (quoted) return null;
  fields.push(field);
  return fields;
}

/** The records of a file with the line each starts on, streamed. */
async function* records(path: string, delim: string): AsyncGenerator<{ fields: string[]; line: number }> {
  const { createReadStream } = await import('node:fs');
  const { createInterface } = await import('node:readline');
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let pending = '';
  let start = 0;
  let line = 0;
  for await (const text of rl) {
    line++;
    if (pending === '') {
      if (text.trim() === '') continue;
      start = line;
    }
    const joined = pending === '' ? text : `${pending}\n${text}`;
    const fields = splitRecord(joined, delim);
    if (fields === null) {
      pending = joined;
      continue;
    }
    pending = '';
    yield { fields, line: start };
  }
  if (pending !== '') throw new Error(`${path}: line ${start}: a quoted field is not closed before the end of the file`);
}

/** A number field ('1.5', '-3e2', 'Infinity', 'NaN'), or null for anything else (empty included). */
function parseNumber(s: string): number | null {
  const t = s.trim();
  if (t === '') return null;
  const v = Number(t);
  return Number.isNaN(v) && !/^nan$/i.test(t) ? null : v;
}

/** Reads `path` as a Dataset of `{ column: value }` (or `[features, label]`) rows, batched. */
export function makeCsvDataset(path: string, args: CsvDatasetArgs = {}): Dataset<Element> {
  const where = 'makeCsvDataset';
  const delim = args.fieldDelim ?? ',';
  const header = args.header ?? true;
  if (!header && args.columnNames === undefined) throw new TypeError(`${where}: a file without a header needs columnNames`);
  const epochs = args.numEpochs ?? 1;
  if (!Number.isInteger(epochs) || epochs < 1) throw new RangeError(`${where}: numEpochs must be a positive integer; got ${epochs}`);
  const rows = Dataset.fromGenerator(async function* () {
    let names: string[] | null = args.columnNames ? [...args.columnNames] : null;
    let types: ColumnType[] | null = null;
    let keep: number[] = [];
    let first = true;
    for await (const { fields, line } of records(path, delim)) {
      if (first && header) {
        first = false;
        const own = fields.map((f) => f.trim());
        if (names !== null && names.length !== own.length) throw new RangeError(`${path}: line ${line}: the header has ${own.length} columns but columnNames gives ${names.length}`);
        names ??= own;
        continue;
      }
      first = false;
      const cols = names as string[];
      if (fields.length !== cols.length) throw new RangeError(`${path}: line ${line}: ${fields.length} fields where the header has ${cols.length} columns`);
      if (types === null) {
        const defaults = args.columnDefaults;
        if (defaults !== undefined && defaults.length !== cols.length) throw new RangeError(`${where}: columnDefaults gives ${defaults.length} entries for ${cols.length} columns`);
        types = cols.map((_, c): ColumnType => {
          const d = defaults?.[c];
          if (typeof d === 'number') return { kind: 'float', fill: d };
          if (typeof d === 'string') return { kind: 'text', fill: d };
          if (d !== null && typeof d === 'object') return { kind: 'int', fill: d.int };
          if (d === null) return parseNumber(fields[c]) !== null ? { kind: 'float', fill: null } : { kind: 'text', fill: null };
          return parseNumber(fields[c]) !== null ? { kind: 'float', fill: null } : { kind: 'text', fill: null };
        });
        const wanted = args.select ?? cols;
        for (const s of [...wanted, ...(args.labelName ? [args.labelName] : [])]) if (!cols.includes(s)) throw new RangeError(`${where}: no column '${s}' in ${path} (columns: ${cols.join(', ')})`);
        keep = cols.map((_, c) => c).filter((c) => wanted.includes(cols[c]) || cols[c] === args.labelName);
      }
      const row: Record<string, Tensor | string> = {};
      for (const c of keep) {
        const type = types[c];
        const raw = fields[c];
        if (type.kind === 'text') {
          if (raw === '' && type.fill === null && args.columnDefaults !== undefined) throw new RangeError(`${path}: line ${line}, column '${cols[c]}': an empty field in a required column`);
          row[cols[c]] = raw === '' && type.fill !== null ? type.fill : raw;
          continue;
        }
        let v = parseNumber(raw);
        if (v === null) {
          if (raw.trim() === '' && type.fill !== null) v = type.fill;
          else throw new RangeError(`${path}: line ${line}, column '${cols[c]}': ${raw.trim() === '' ? 'an empty field in a required numeric column' : `'${raw}' is not a number`}`);
        }
        if (type.kind === 'int' && !Number.isInteger(v)) throw new RangeError(`${path}: line ${line}, column '${cols[c]}': '${raw}' is not an integer`);
        row[cols[c]] = tensor(v, [], type.kind === 'int' ? 'int32' : 'float32');
      }
      if (args.labelName === undefined) yield row as Element;
      else {
        const { [args.labelName]: label, ...features } = row;
        yield [features, label] as Element;
      }
    }
  });
  let ds: Dataset<Element> = epochs === 1 ? rows : rows.repeat(epochs);
  if (args.shuffle) ds = ds.shuffle(args.shuffleBufferSize ?? 10000, { seed: args.seed });
  const batch = args.batchSize === undefined ? 32 : args.batchSize;
  return batch === null ? ds : (ds.batch(batch) as unknown as Dataset<Element>);
}
