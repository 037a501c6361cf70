/**
 * The HDF5 worker: the only code that runs the HDF5 library (h5wasm). It reads a whole
 * file into plain objects, or writes one from a list of operations, and posts the result
 * back. It runs in a worker thread so that a damaged file that makes the library abort,
 * fault or loop leaves the main thread (and its later reads) unharmed: the client
 * replaces the worker after any failure (client.ts). With h5wasm's Node build, paths are
 * host paths.
 */
import { parentPort } from 'node:worker_threads';
import type { Dataset, File, Group } from 'h5wasm/node';
import type { H5Array, H5AttrValue, H5Dataset, H5Group, H5WriteOp, ReadRequest, WorkerRequest, WorkerResponse, WriteRequest } from './protocol.js';

type H5Lib = typeof import('h5wasm/node');

/** Deeper than any Keras file; a guard against link cycles in damaged files. */
const MAX_DEPTH = 32;
const MAX_OBJECTS = 200_000;

// The library reports through exceptions (below); what it would print (its abort message)
// is dropped instead of cluttering the host's stderr. Set before it loads: it binds
// console.error at start-up.
const quiet = (): void => {};
console.error = quiet;
console.warn = quiet;
console.log = quiet;

let lib: H5Lib;
const ready = import('h5wasm/node').then(async (mod) => {
  const module = await mod.default.ready;
  // HDF5 errors become JS exceptions carrying the library's message (instead of text on stderr).
  module.activate_throwing_error_handler();
  lib = mod;
});

function attrsOf(obj: Group | Dataset): Record<string, H5AttrValue> {
  const out: Record<string, H5AttrValue> = {};
  for (const name of Object.keys(obj.attrs)) {
    const value = obj.get_attribute(name, true);
    if (value !== null) out[name] = value as H5AttrValue;
  }
  return out;
}

function readDataset(ds: Dataset, skip: boolean): H5Dataset {
  const meta = ds.metadata;
  const shape = ds.shape ?? [];
  const dtype = typeof ds.dtype === 'string' ? ds.dtype : JSON.stringify(ds.dtype);
  const numeric = (meta.type === 0 || meta.type === 1) && !meta.vlen;
  if (numeric && !meta.littleEndian && meta.size > 1) throw new Error(`dataset ${ds.path}: big-endian data (${dtype}) is not supported`);
  let data: H5Array | null = null;
  if (numeric && !skip) {
    const v = ds.value;
    if (ArrayBuffer.isView(v)) data = v as H5Array;
    else if (typeof v === 'number') data = new Float64Array([v]);
    else if (typeof v === 'bigint') data = new BigInt64Array([v]);
  }
  return { kind: 'dataset', attrs: attrsOf(ds), shape, dtype, data };
}

function readGroup(g: Group, path: string, skip: readonly string[], depth: number, count: { n: number }): H5Group {
  if (depth > MAX_DEPTH) throw new Error(`group ${path}: nested deeper than ${MAX_DEPTH} levels (a link cycle?)`);
  const children = new Map<string, H5Group | H5Dataset>();
  for (const name of g.keys()) {
    if (++count.n > MAX_OBJECTS) throw new Error(`more than ${MAX_OBJECTS} objects in the file`);
    const childPath = path === '/' ? `/${name}` : `${path}/${name}`;
    const child = g.get(name);
    const skipped = skip.some((s) => childPath === s || childPath.startsWith(`${s}/`));
    if (child instanceof lib.Group) children.set(name, readGroup(child, childPath, skip, depth + 1, count));
    else if (child instanceof lib.Dataset) children.set(name, readDataset(child, skipped));
  }
  return { kind: 'group', attrs: attrsOf(g), children };
}

function transferables(node: H5Group | H5Dataset, out: ArrayBuffer[]): ArrayBuffer[] {
  if (node.kind === 'dataset') {
    const buf = node.data?.buffer;
    if (buf instanceof ArrayBuffer && !out.includes(buf)) out.push(buf);
  } else {
    for (const child of node.children.values()) transferables(child, out);
  }
  return out;
}

function read(req: ReadRequest): H5Group {
  const file = new lib.File(req.path, 'r');
  try {
    return readGroup(file, '/', req.skip, 0, { n: 0 });
  } finally {
    file.close();
  }
}

function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

function baseOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function groupAt(file: File, path: string): Group {
  const g = path === '/' ? file : file.get(path);
  if (!(g instanceof lib.Group)) throw new Error(`no group at ${path}`);
  return g;
}

function writeOp(file: File, op: H5WriteOp): void {
  if (op.op === 'group') {
    groupAt(file, dirOf(op.path)).create_group(baseOf(op.path));
  } else if (op.op === 'attr') {
    const target = op.path === '/' ? file : file.get(op.path);
    if (!(target instanceof lib.Group) && !(target instanceof lib.Dataset)) throw new Error(`no object at ${op.path} for attribute ${op.name}`);
    target.create_attribute(op.name, typeof op.value === 'string' ? op.value : [...op.value]);
  } else if (op.op === 'empty-attr') {
    groupAt(file, op.path).create_attribute(op.name, new Float64Array(0), [0], '<d');
  } else {
    const dtype = op.data instanceof Float32Array ? '<f' : op.data instanceof Int32Array ? '<i' : '<q';
    groupAt(file, dirOf(op.path)).create_dataset({ name: baseOf(op.path), data: op.data, shape: [...op.shape], dtype });
    if (!(file.get(op.path) instanceof lib.Dataset)) throw new Error(`dataset ${op.path} was not created`);
  }
}

function write(req: WriteRequest): void {
  const file = new lib.File(req.path, 'w');
  try {
    for (const op of req.ops) writeOp(file, op);
  } finally {
    file.close();
  }
}

/** The first lines of HDF5's error stack say what failed; the rest is the call chain. */
function shortMessage(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  if (lines[0]?.startsWith('HDF5-DIAG')) {
    const what = lines.filter((l) => /^#\d+:/.test(l)).map((l) => l.replace(/^#\d+:.*? in (\w+\(\)): /, '$1: '));
    const minor = lines.filter((l) => l.startsWith('minor:')).pop();
    return `${what[0] ?? lines[1]}${what.length > 1 ? ` … ${what[what.length - 1]}` : ''}${minor ? ` (${minor})` : ''}`;
  }
  const text1 = lines.join(' ');
  // h5wasm's own message when an object cannot be opened.
  return text1 === 'error - name not defined!' ? 'an object in the file cannot be opened (error - name not defined!)' : text1;
}

async function handle(req: WorkerRequest): Promise<{ response: WorkerResponse; transfer: ArrayBuffer[] }> {
  try {
    await ready;
    if (req.kind === 'read') {
      const root = read(req);
      return { response: { id: req.id, ok: true, root }, transfer: transferables(root, []) };
    }
    write(req);
    return { response: { id: req.id, ok: true }, transfer: [] };
  } catch (e) {
    const fatal = e instanceof WebAssembly.RuntimeError;
    const message = fatal ? `the HDF5 library failed: ${(e as Error).message}` : shortMessage(e);
    return { response: { id: req.id, ok: false, message, fatal }, transfer: [] };
  }
}

const port = parentPort;
if (port) {
  port.on('message', (req: WorkerRequest) => {
    void handle(req).then(({ response, transfer }) => port.postMessage(response, transfer));
  });
}
