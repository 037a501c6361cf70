/**
 * `Dataset.cache(filename)` (tf.data's semantics): the first complete pass writes its elements
 * to `filename`; later passes — in this process or another one — stream them back from the
 * file instead of running the work before `cache`, one element at a time (the data set is
 * never held in memory whole). The pass writes `filename.tmp-<pid>-<k>` and renames it to
 * `filename` once complete, so a pass that stops early (or fails) leaves no cache behind.
 * An existing file is used as it is, whatever produced it (as in tf.data: delete the file
 * when the pipeline before `cache` changes).
 *
 * The file format (all numbers little-endian):
 *
 *   header   8 bytes magic 0x89 'N' 'T' 'C' 'A' 'C' 'H' 'E', uint32 version (1), uint32 0
 *   records  uint8 1, uint32 n, n bytes: one element
 *            ... then uint8 0xFF, float64 the number of elements (the end: a file without
 *            it is incomplete)
 *   element  a node:  0x01 list     uint32 length, that many nodes
 *                     0x02 object   uint32 keys, per key: uint32 bytes, UTF-8 key, node
 *                     0x03 float32 tensor / 0x04 int32 tensor
 *                                   uint8 rank, rank × uint32 sizes, size × 4 bytes values
 *                     0x05 number   float64
 *                     0x06 string   uint32 bytes, UTF-8
 *                     0x07 string tensor
 *                                   uint8 rank, rank × uint32 sizes, per string (row-major)
 *                                   uint32 bytes, UTF-8
 *
 * Node only: node:fs is imported lazily, so the browser bundle includes this module, and
 * cache(filename) throws there, saying so.
 */
import { Tensor } from '../tensor/tensor.js';
import { StringTensor } from '../tensor/string-tensor.js';
import { type TypedArray, allocFloat32, allocInt32 } from '../tensor/dtype.js';
import type { FileHandle } from 'node:fs/promises';
import { type ElementNode, readElement } from './element.js';

type Fs = typeof import('node:fs/promises');

const MAGIC = [0x89, 0x4e, 0x54, 0x43, 0x41, 0x43, 0x48, 0x45]; // \x89NTCACHE
const VERSION = 1;
const HEADER_BYTES = 16;
const REC_ELEMENT = 1;
const REC_END = 0xff;
const enum Tag {
  List = 1,
  Object = 2,
  Float32 = 3,
  Int32 = 4,
  Number = 5,
  String = 6,
  Strings = 7,
}
/** Buffered writes and reads go to the file in pieces of this size. */
const CHUNK = 1 << 20;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

type NodeProcess = { versions?: { node?: string }; pid: number; on(event: 'exit', listener: () => void): unknown };

function nodeProcess(): NodeProcess | undefined {
  const proc = (globalThis as { process?: NodeProcess }).process;
  return typeof proc?.versions?.node === 'string' ? proc : undefined;
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// ---- encoding ---------------------------------------------------------------------------

/** An element's leaves read out (device tensors read back), with their encoded size. */
type Prepared = { tag: Tag.List | Tag.Object; keys: Uint8Array[] | null; items: Prepared[]; bytes: number } | { tag: Tag.Float32 | Tag.Int32; shape: readonly number[]; values: TypedArray; bytes: number } | { tag: Tag.Number; value: number; bytes: number } | { tag: Tag.String; utf8: Uint8Array; bytes: number } | { tag: Tag.Strings; shape: readonly number[]; utf8: Uint8Array[]; bytes: number };

/** The file's nodes of an element read out (readElement), with their encoded sizes. */
function prepare(p: ElementNode): Prepared {
  switch (p.k) {
    case 't':
      return { tag: p.data instanceof Int32Array ? Tag.Int32 : Tag.Float32, shape: p.shape, values: p.data, bytes: 2 + 4 * p.shape.length + p.data.byteLength };
    case 'S': {
      const utf8 = p.values.map((x) => encoder.encode(x));
      return { tag: Tag.Strings, shape: p.shape, utf8, bytes: 2 + 4 * p.shape.length + utf8.reduce((n, u) => n + 4 + u.length, 0) };
    }
    case 'n':
      return { tag: Tag.Number, value: p.v, bytes: 9 };
    case 's': {
      const utf8 = encoder.encode(p.v);
      return { tag: Tag.String, utf8, bytes: 5 + utf8.length };
    }
    case 'l': {
      const items = p.v.map(prepare);
      return { tag: Tag.List, keys: null, items, bytes: 5 + items.reduce((n, q) => n + q.bytes, 0) };
    }
    case 'o': {
      const keys = p.keys.map((k) => encoder.encode(k));
      const items = p.v.map(prepare);
      return { tag: Tag.Object, keys, items, bytes: 5 + keys.reduce((n, k) => n + 4 + k.length, 0) + items.reduce((n, q) => n + q.bytes, 0) };
    }
  }
}

function encode(p: Prepared, out: Uint8Array, view: DataView, at: number): number {
  out[at++] = p.tag;
  switch (p.tag) {
    case Tag.List:
    case Tag.Object:
      view.setUint32(at, p.items.length, true);
      at += 4;
      p.items.forEach((item, i) => {
        if (p.keys !== null) {
          view.setUint32(at, p.keys[i].length, true);
          out.set(p.keys[i], at + 4);
          at += 4 + p.keys[i].length;
        }
        at = encode(item, out, view, at);
      });
      return at;
    case Tag.Float32:
    case Tag.Int32:
      out[at++] = p.shape.length;
      for (const d of p.shape) {
        view.setUint32(at, d, true);
        at += 4;
      }
      out.set(new Uint8Array(p.values.buffer, p.values.byteOffset, p.values.byteLength), at);
      return at + p.values.byteLength;
    case Tag.Number:
      view.setFloat64(at, p.value, true);
      return at + 8;
    case Tag.String:
      view.setUint32(at, p.utf8.length, true);
      out.set(p.utf8, at + 4);
      return at + 4 + p.utf8.length;
    case Tag.Strings:
      out[at++] = p.shape.length;
      for (const d of p.shape) {
        view.setUint32(at, d, true);
        at += 4;
      }
      for (const u of p.utf8) {
        view.setUint32(at, u.length, true);
        out.set(u, at + 4);
        at += 4 + u.length;
      }
      return at;
  }
}

/** Writes one pass's elements to a temporary file; `finish` renames it to the cache file. */
class CacheWriter {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private count = 0;

  private constructor(
    private readonly fs: Fs,
    private readonly fh: FileHandle,
    readonly tmp: string,
    private readonly filename: string,
  ) {}

  static async open(fs: Fs, filename: string, tmp: string): Promise<CacheWriter> {
    let fh: FileHandle;
    try {
      fh = await fs.open(tmp, 'w');
    } catch (e) {
      throw new Error(`Dataset.cache: cannot write the cache file next to ${filename} (${(e as Error).message}); the filename's folder must exist and be writable`, { cause: e });
    }
    const w = new CacheWriter(fs, fh, tmp, filename);
    const header = new Uint8Array(HEADER_BYTES);
    header.set(MAGIC);
    new DataView(header.buffer).setUint32(8, VERSION, true);
    w.push(header);
    return w;
  }

  private push(bytes: Uint8Array): void {
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const chunks = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    await this.fh.writev(chunks);
  }

  async write(element: unknown): Promise<void> {
    const p = prepare(await readElement(element, `Dataset.cache(${JSON.stringify(this.filename)})`, 'the file stores float32, int32 and string tensors'));
    if (p.bytes > 0xffffffff) throw new RangeError(`Dataset.cache(${JSON.stringify(this.filename)}): element ${this.count} takes ${p.bytes} bytes; the file stores elements of up to 4 GiB`);
    const out = new Uint8Array(5 + p.bytes);
    const view = new DataView(out.buffer);
    out[0] = REC_ELEMENT;
    view.setUint32(1, p.bytes, true);
    encode(p, out, view, 5);
    this.push(out);
    this.count++;
    if (this.pendingBytes >= CHUNK) await this.flush();
  }

  /** The end record, then the file takes the cache's name. */
  async finish(): Promise<void> {
    const end = new Uint8Array(9);
    end[0] = REC_END;
    new DataView(end.buffer).setFloat64(1, this.count, true);
    this.push(end);
    await this.flush();
    await this.fh.close();
    await this.fs.rename(this.tmp, this.filename);
  }

  /** Closes and deletes the temporary file (a pass that stopped early or failed). */
  async abort(): Promise<void> {
    await this.fh.close().catch(() => undefined);
    await this.fs.rm(this.tmp, { force: true });
  }
}

// ---- decoding ---------------------------------------------------------------------------

/** Reads records from the file in CHUNK pieces (an element larger than that gets a larger buffer). */
class CacheReader {
  private buf = new Uint8Array(CHUNK);
  private view = new DataView(this.buf.buffer);
  private pos = 0;
  private end = 0;
  /** File offset of buf[0]. */
  private base = 0;
  private eof = false;

  constructor(
    private readonly fh: FileHandle,
    private readonly filename: string,
  ) {}

  corrupt(why: string, at = this.base + this.pos): Error {
    return new Error(`Dataset.cache: ${this.filename} is corrupt (${why}, at byte ${at}); delete it and the next pass writes it again`);
  }

  /** Makes n bytes available at pos (false at the end of the file with none left). */
  async ensure(n: number): Promise<boolean> {
    if (this.end - this.pos >= n) return true;
    if (this.pos > 0) {
      this.buf.copyWithin(0, this.pos, this.end);
      this.base += this.pos;
      this.end -= this.pos;
      this.pos = 0;
    }
    if (n > this.buf.length) {
      const bigger = new Uint8Array(Math.max(n, this.buf.length * 2));
      bigger.set(this.buf.subarray(0, this.end));
      this.buf = bigger;
      this.view = new DataView(bigger.buffer);
    }
    while (this.end < n && !this.eof) {
      const { bytesRead } = await this.fh.read(this.buf, this.end, this.buf.length - this.end, this.base + this.end);
      if (bytesRead === 0) this.eof = true;
      this.end += bytesRead;
    }
    return this.end >= n;
  }

  async header(): Promise<void> {
    const complete = await this.ensure(HEADER_BYTES);
    if (!complete || MAGIC.some((b, i) => this.buf[i] !== b)) {
      throw new Error(`Dataset.cache: ${this.filename} is not a Neurite data set cache (it does not start with the header Dataset.cache(filename) writes); delete it or pass another filename`);
    }
    const version = this.view.getUint32(8, true);
    if (version !== VERSION) throw new Error(`Dataset.cache: ${this.filename} is a cache of format version ${version}; this Neurite reads version ${VERSION}; delete it and the next pass writes it again`);
    this.pos = HEADER_BYTES;
  }

  /** The next element, or null after the end record. */
  async next(read: number): Promise<unknown | null> {
    if (!(await this.ensure(1))) throw this.corrupt('the file ends without its end record: it is incomplete');
    const kind = this.buf[this.pos];
    if (kind === REC_END) {
      if (!(await this.ensure(9))) throw this.corrupt('the end record is cut short');
      const count = this.view.getFloat64(this.pos + 1, true);
      if (count !== read) throw this.corrupt(`the end record counts ${count} elements where the file holds ${read}`);
      return null;
    }
    if (kind !== REC_ELEMENT) throw this.corrupt(`an unknown record kind ${kind}`);
    if (!(await this.ensure(5))) throw this.corrupt('a record is cut short');
    const bytes = this.view.getUint32(this.pos + 1, true);
    if (!(await this.ensure(5 + bytes))) throw this.corrupt(`element ${read} is cut short (${bytes} bytes announced)`);
    const start = this.pos + 5;
    const stop = start + bytes;
    const [value, at] = this.decode(start, stop);
    if (at !== stop) throw this.corrupt(`element ${read} holds ${at - start} of its ${bytes} bytes`, this.base + at);
    this.pos = stop;
    return value;
  }

  private decode(at: number, stop: number): [unknown, number] {
    const need = (n: number): void => {
      if (at + n > stop) throw this.corrupt('a value runs past its element', this.base + at);
    };
    need(1);
    const tag = this.buf[at++];
    switch (tag) {
      case Tag.List:
      case Tag.Object: {
        need(4);
        const n = this.view.getUint32(at, true);
        at += 4;
        const items: unknown[] = [];
        const keys: string[] = [];
        for (let i = 0; i < n; i++) {
          if (tag === Tag.Object) {
            need(4);
            const len = this.view.getUint32(at, true);
            at += 4;
            need(len);
            keys.push(this.text(at, len));
            at += len;
          }
          const [item, next] = this.decode(at, stop);
          items.push(item);
          at = next;
        }
        return [tag === Tag.List ? items : Object.fromEntries(keys.map((k, i) => [k, items[i]])), at];
      }
      case Tag.Float32:
      case Tag.Int32:
      case Tag.Strings: {
        need(1);
        const rank = this.buf[at++];
        need(4 * rank);
        const shape: number[] = [];
        for (let i = 0; i < rank; i++, at += 4) shape.push(this.view.getUint32(at, true));
        const size = shape.reduce((a, b) => a * b, 1);
        if (tag === Tag.Strings) {
          const values: string[] = [];
          for (let i = 0; i < size; i++) {
            need(4);
            const len = this.view.getUint32(at, true);
            at += 4;
            need(len);
            values.push(this.text(at, len));
            at += len;
          }
          return [new StringTensor(values, shape), at];
        }
        need(4 * size);
        const values = tag === Tag.Int32 ? allocInt32(size) : allocFloat32(size);
        new Uint8Array(values.buffer, values.byteOffset, values.byteLength).set(this.buf.subarray(at, at + 4 * size));
        return [new Tensor(values, shape), at + 4 * size];
      }
      case Tag.Number:
        need(8);
        return [this.view.getFloat64(at, true), at + 8];
      case Tag.String: {
        need(4);
        const len = this.view.getUint32(at, true);
        at += 4;
        need(len);
        return [this.text(at, len), at + len];
      }
      default:
        throw this.corrupt(`an unknown value tag ${tag}`, this.base + at - 1);
    }
  }

  private text(at: number, len: number): string {
    try {
      return decoder.decode(this.buf.subarray(at, at + len));
    } catch {
      throw this.corrupt('a string is not UTF-8', this.base + at);
    }
  }
}

async function* readCache(fs: Fs, filename: string): AsyncGenerator<unknown> {
  const fh = await fs.open(filename, 'r');
  try {
    const reader = new CacheReader(fh, filename);
    await reader.header();
    for (let i = 0; ; i++) {
      const e = await reader.next(i);
      if (e === null) return;
      yield e;
    }
  } finally {
    await fh.close();
  }
}

// ---- the source -------------------------------------------------------------------------

/** Temporary files of passes in progress, deleted if the process exits during one. */
const openTemporaries = new Set<string>();
let exitHookInstalled = false;
let temporaries = 0;

async function installExitHook(proc: NodeProcess): Promise<void> {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const { rmSync } = await import('node:fs');
  proc.on('exit', () => {
    for (const f of openTemporaries) rmSync(f, { force: true });
  });
}

/** Checks `cache(filename)`'s argument (and that this is Node.js). */
export function checkCacheFilename(filename: unknown): string {
  if (typeof filename !== 'string') throw new TypeError(`Dataset.cache: filename must be a string (a file path; '' or none caches in memory); got ${filename === null ? 'null' : typeof filename}`);
  if (nodeProcess() === undefined) throw new Error('Dataset.cache(filename): caching to a file is Node.js only; in the browser use cache() (in memory)');
  return filename;
}

/**
 * The source of `cache(filename)`: the file's elements when it exists, else the upstream's,
 * written to the file as they pass (the file appears once the pass completes).
 */
export function fileCacheSource<T>(upstream: AsyncIterable<T>, filename: string): () => AsyncIterator<T> {
  checkCacheFilename(filename);
  return async function* (): AsyncGenerator<T> {
    const proc = nodeProcess() as NodeProcess;
    const fs = await import('node:fs/promises');
    if (!littleEndian) throw new Error('Dataset.cache(filename): the cache file format is little-endian; this machine is big-endian');
    const exists = await fs.stat(filename).then(
      (s) => {
        if (!s.isFile()) throw new Error(`Dataset.cache: ${filename} exists and is not a file`);
        return true;
      },
      (e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') return false;
        throw e;
      },
    );
    if (exists) {
      yield* readCache(fs, filename) as AsyncGenerator<T>;
      return;
    }
    await installExitHook(proc);
    const tmp = `${filename}.tmp-${proc.pid}-${temporaries++}`;
    const writer = await CacheWriter.open(fs, filename, tmp);
    openTemporaries.add(tmp);
    let complete = false;
    try {
      for await (const e of upstream) {
        await writer.write(e);
        yield e;
      }
      await writer.finish();
      complete = true;
    } finally {
      openTemporaries.delete(tmp);
      if (!complete) await writer.abort();
    }
  };
}
