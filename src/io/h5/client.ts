/**
 * The main-thread side of the HDF5 worker (worker.ts): one worker thread, started on first
 * use and kept (unreferenced, so it never holds the process open) for later calls. After
 * any failure the worker is not used again: an HDF5 error unwinds through the library and
 * may leave objects open (and HDF5 recognises a file it believes is still open by its
 * inode, so a later file at the same place could be read from stale state); an abort or a
 * fault leaves the library unusable. The next call starts a fresh worker. A request that
 * runs past its time limit stops the worker (a damaged file can make the library loop).
 * Node-only modules are imported lazily so that importing this file costs nothing in a
 * browser bundle.
 */
import type { Worker } from 'node:worker_threads';
import type { H5Group, H5WriteOp, ReadRequest, WorkerRequest, WorkerResponse, WriteRequest } from './protocol.js';

interface Pending {
  readonly resolve: (r: WorkerResponse) => void;
  readonly reject: (e: Error) => void;
}

interface Session {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
  dead: boolean;
  /** Takes no new requests; stops once the pending ones are answered. */
  retiring: boolean;
}

let session: Session | null = null;
/** A worker being started (concurrent first calls share it). */
let starting: Promise<Session> | null = null;
let nextId = 1;

/** Rejects a request that was waiting on a worker stopped because of another request. */
class WorkerLost extends Error {}

/**
 * Stops a worker and rejects its pending requests: request `culprit` (when known) with
 * `reason`, the others with WorkerLost (they did nothing wrong and may be retried).
 */
function kill(s: Session, reason: string, culprit?: number): void {
  if (s.dead) return;
  s.dead = true;
  if (session === s) session = null;
  for (const [id, p] of s.pending) {
    p.reject(culprit === undefined || id === culprit ? new Error(reason) : new WorkerLost(`the HDF5 worker was stopped while this request waited (another file made it fail: ${reason})`));
  }
  s.pending.clear();
  void s.worker.terminate();
}

function retire(s: Session): void {
  if (session === s) session = null;
  s.retiring = true;
  if (s.pending.size === 0) kill(s, 'the HDF5 worker was retired');
}

async function start(): Promise<Session> {
  const { Worker } = await import('node:worker_threads');
  // worker.js next to this file once compiled; worker.ts when run from source (tsx).
  const worker = new Worker(new URL(import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js', import.meta.url));
  const s: Session = { worker, pending: new Map(), dead: false, retiring: false };
  worker.on('message', (r: WorkerResponse) => {
    const p = s.pending.get(r.id);
    s.pending.delete(r.id);
    if (s.pending.size === 0) worker.unref();
    p?.resolve(r);
    if (s.retiring && s.pending.size === 0) kill(s, 'the HDF5 worker was retired');
  });
  worker.on('error', (e) => kill(s, `the HDF5 worker failed: ${e.message}`));
  worker.on('exit', (code) => kill(s, `the HDF5 worker stopped (exit code ${code})`));
  worker.unref();
  return s;
}

/**
 * How long a read or write of `bytes` may take before the worker is stopped: a damaged
 * file can send the HDF5 library into an endless loop. Generous: 30 s plus 1 s per 10 MB.
 */
export function defaultTimeoutMs(bytes: number): number {
  return 30_000 + Math.ceil(bytes / 10_000_000) * 1000;
}

/** The worker to send to: the current one, or a new one (one start shared by concurrent calls). */
async function current(): Promise<Session> {
  if (session !== null && !session.dead) return session;
  starting ??= start().then(
    (s) => {
      session = s;
      starting = null;
      return s;
    },
    (e: unknown) => {
      starting = null;
      throw e;
    },
  );
  return starting;
}

async function request(req: Omit<ReadRequest, 'id'> | Omit<WriteRequest, 'id'>, timeoutMs: number, transfer: ArrayBuffer[] = []): Promise<WorkerResponse> {
  const s = await current();
  const id = nextId++;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const response = await new Promise<WorkerResponse>((resolve, reject) => {
    s.pending.set(id, { resolve, reject });
    s.worker.ref();
    s.worker.postMessage({ ...req, id } as WorkerRequest, transfer);
    const secs = Math.round(timeoutMs / 100) / 10;
    timer = setTimeout(() => kill(s, `the HDF5 library did not finish within ${secs} s (a damaged file can make it loop) and was stopped`, id), timeoutMs);
  }).finally(() => clearTimeout(timer));
  if (!response.ok && response.fatal) kill(s, 'the HDF5 library failed', id);
  else if (!response.ok) retire(s);
  return response;
}

/**
 * Reads a whole HDF5 file: groups, attributes and dataset values (datasets under `skip`
 * paths come without values). Errors name `path` and start with `who`. The read is
 * stopped after `timeoutMs` (default: defaultTimeoutMs of the file size).
 */
export async function readH5(path: string, who: string, skip: readonly string[] = [], timeoutMs?: number): Promise<H5Group> {
  const { resolve } = await import('node:path');
  const { stat } = await import('node:fs/promises');
  let response: WorkerResponse | null = null;
  for (let attempt = 0; response === null; attempt++) {
    try {
      const limit = timeoutMs ?? defaultTimeoutMs((await stat(path)).size);
      response = await request({ kind: 'read', path: resolve(path), skip }, limit);
    } catch (e) {
      // Reads are repeatable: one lost to another file's failure is tried once more.
      if (e instanceof WorkerLost && attempt === 0) continue;
      throw new Error(`${who}: cannot read ${path}: ${(e as Error).message}`);
    }
  }
  if (!response.ok) throw new Error(`${who}: cannot read ${path}: it is not a readable HDF5 file or it is damaged: ${response.message}`);
  if (!response.root) throw new Error(`${who}: cannot read ${path}: the HDF5 worker returned nothing`);
  return response.root;
}

/**
 * Writes an HDF5 file from `ops` atomically: into a temporary file next to `path`, synced,
 * then renamed over `path` (a failure leaves any old file as it was and no partial file).
 */
export async function writeH5Atomic(path: string, ops: readonly H5WriteOp[], who: string): Promise<void> {
  const fs = await import('node:fs/promises');
  const { dirname, resolve, basename, join } = await import('node:path');
  const target = resolve(path);
  try {
    await fs.mkdir(dirname(target), { recursive: true });
  } catch (e) {
    throw new Error(`${who}: cannot create the folder of ${path} (${(e as Error).message})`);
  }
  const tmp = join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const transfer = ops.flatMap((op) => (op.op === 'dataset' && op.data.buffer instanceof ArrayBuffer ? [op.data.buffer] : []));
  try {
    const bytes = ops.reduce((n, op) => n + (op.op === 'dataset' ? op.data.byteLength : 0), 0);
    const response = await request({ kind: 'write', path: tmp, ops }, defaultTimeoutMs(bytes), [...new Set(transfer)]);
    if (!response.ok) throw new Error(response.message);
    const handle = await fs.open(tmp, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, target);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw new Error(`${who}: cannot write ${path}: ${(e as Error).message}`);
  }
}
