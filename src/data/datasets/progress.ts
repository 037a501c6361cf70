/**
 * A download progress bar for stderr. On a terminal it redraws one line in place (at most
 * ten times a second); on a pipe or a log file it writes a line at every quarter instead,
 * so logs stay short.
 */

/** The part of a writable stream the bar needs (process.stderr in practice). */
export interface ProgressStream {
  write(text: string): boolean;
  readonly isTTY?: boolean;
}

const WIDTH = 30;
const MB = 1024 * 1024;

function megabytes(bytes: number): string {
  return (bytes / MB).toFixed(1);
}

/** Draws the progress of one download of `total` bytes (undefined when the server did not say). */
export class ProgressBar {
  private readonly tty: boolean;
  private lastDraw = 0;
  private lastQuarter = 0;
  private readonly started = Date.now();

  constructor(
    label: string,
    private readonly total: number | undefined,
    private readonly stream: ProgressStream = process.stderr,
  ) {
    this.tty = stream.isTTY === true;
    const size = total === undefined ? 'size unknown' : `${megabytes(total)} MB`;
    this.stream.write(`Downloading ${label} (${size})\n`);
  }

  /** Reports that `done` bytes have arrived so far. */
  update(done: number): void {
    if (this.tty) {
      const now = Date.now();
      if (now - this.lastDraw < 100) return;
      this.lastDraw = now;
      this.stream.write(`\r${this.line(done)}`);
      return;
    }
    if (this.total === undefined || this.total === 0) return;
    const quarter = Math.floor((4 * done) / this.total);
    if (quarter > this.lastQuarter && quarter < 4) {
      this.lastQuarter = quarter;
      this.stream.write(`${this.line(done)}\n`);
    }
  }

  /** Ends the bar: the final state on success, a short note on failure. */
  finish(done: number, ok: boolean): void {
    const seconds = Math.max((Date.now() - this.started) / 1000, 1e-3);
    const rate = `${megabytes(done / seconds)} MB/s`;
    const end = ok ? `${this.line(done)} ${rate}` : `${this.line(done)} failed`;
    this.stream.write(this.tty ? `\r${end}\n` : `${end}\n`);
  }

  private line(done: number): string {
    if (this.total === undefined || this.total === 0) return `  ${megabytes(done)} MB`;
    const fraction = Math.min(done / this.total, 1);
    const filled = Math.round(fraction * WIDTH);
    const bar = '='.repeat(filled) + (filled < WIDTH ? '>' + ' '.repeat(WIDTH - filled - 1) : '');
    const percent = String(Math.floor(fraction * 100)).padStart(3);
    return `  [${bar}] ${percent}% ${megabytes(done)}/${megabytes(this.total)} MB`;
  }
}
