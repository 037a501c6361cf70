import { Callback, type Logs } from './callback.js';
import { reprNumber } from './format.js';
import { ensureParentDir, nodeFs } from './monitor.js';

export interface CSVLoggerArgs {
  /** The column separator (one character). Default ','. */
  readonly separator?: string;
  /** Continue an existing file (no second header) instead of overwriting it. Default false. */
  readonly append?: boolean;
}

/** Python's csv line ending (the 'excel' dialect Keras writes with). */
const EOL = '\r\n';

/**
 * Streams the epoch results to a CSV file (Keras CSVLogger, tf.keras 2 semantics, byte for
 * byte as Python's csv module writes them): a header `epoch` + the first epoch's log keys
 * sorted, then one row per epoch (0-based epoch index; values as Python's repr: `0.5`,
 * `1.0`, `1e-05`, `nan`; `NA` for a key missing in that epoch), lines ending in `\r\n`,
 * fields quoted only when they contain the separator, a quote or a line break. Each row is
 * appended to the file at its epoch's end, so the file is complete after every epoch. The
 * file is truncated at train begin, or with `append` continued, the header written only
 * when the file is missing or empty. Keys that first appear after the first epoch are not
 * added (Keras 3's habit of adding `val_*` columns full of NA is not followed).
 */
export class CSVLogger extends Callback {
  /** Rank 0 alone writes in a distributed job. */
  override readonly rankZeroOnly = true;
  readonly filename: string;
  readonly separator: string;
  readonly append: boolean;
  /** The columns after 'epoch' (fixed by the first epoch logged, kept across fits as Keras). */
  keys: string[] | null = null;
  private appendHeader = true;
  private headerDone = false;

  constructor(filename: string, args: CSVLoggerArgs = {}) {
    super();
    if (typeof filename !== 'string' || filename === '') throw new TypeError(`CSVLogger: filename must be a non-empty string; got ${String(filename)}`);
    const sep = args.separator ?? ',';
    if (typeof sep !== 'string' || [...sep].length !== 1 || sep === '"' || sep === '\r' || sep === '\n') {
      throw new RangeError(`CSVLogger: separator must be one character other than '"' and line breaks; got ${JSON.stringify(sep)}`);
    }
    this.filename = filename;
    this.separator = sep;
    this.append = args.append ?? false;
  }

  override async onTrainBegin(): Promise<void> {
    const fs = await nodeFs('CSVLogger');
    await ensureParentDir(this.filename, 'CSVLogger');
    this.headerDone = false;
    if (this.append) {
      const stat = await fs.stat(this.filename).catch(() => null);
      this.appendHeader = !(stat !== null && stat.size > 0);
      if (stat === null) await fs.writeFile(this.filename, '');
    } else {
      this.appendHeader = true;
      await fs.writeFile(this.filename, '');
    }
  }

  private field(text: string): string {
    return text.includes(this.separator) || /["\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  }

  private line(fields: readonly string[]): string {
    return fields.map((f) => this.field(f)).join(this.separator) + EOL;
  }

  /** The text this epoch adds to the file (header first when due). */
  rowText(epoch: number, logs: Logs): string {
    this.keys ??= Object.keys(logs).sort();
    let text = '';
    if (!this.headerDone) {
      if (this.appendHeader) text += this.line(['epoch', ...this.keys]);
      this.headerDone = true;
    }
    const values = this.keys.map((k) => (typeof logs[k] === 'number' ? reprNumber(logs[k]) : 'NA'));
    return text + this.line([String(epoch), ...values]);
  }

  override async onEpochEnd(epoch: number, logs?: Logs): Promise<void> {
    const fs = await nodeFs('CSVLogger');
    await fs.appendFile(this.filename, this.rowText(epoch, logs ?? {}));
  }
}
