/**
 * `neurite board <logdir>`: a small HTTP server (node:http only) with a one-page dashboard
 * of the runs TrainingMonitor writes: live curves (server-sent events, with polling as the
 * fallback) and the recorded sample predictions. It serves its own page and files inside
 * the log folder, nothing else.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type FSWatcher, watch } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { chartSvg, type ChartPanel } from '../viz/charts.js';
import { curvePanels, type MonitorLog } from '../callbacks/training-monitor.js';
import { BOARD_PAGE } from './page.js';

/** startBoard's options. */
export interface BoardOptions {
  /** The folder of runs (each a sub-folder with TrainingMonitor's log.json). */
  readonly logDir: string;
  /** The interface to listen on (default '127.0.0.1': this machine only). */
  readonly host?: string;
  /** The port (default 6006, as TensorBoard; 0 picks a free one). */
  readonly port?: number;
  /** How often the log files are checked for changes besides file-system events, in ms (default 500). */
  readonly pollMs?: number;
}

/** A running board. */
export interface Board {
  /** The page's address, e.g. `http://127.0.0.1:6006/`. */
  readonly url: string;
  /** Stops watching, ends the live streams and closes the server. */
  close(): Promise<void>;
}

/** One run in `/api/runs`. */
export interface RunSummary {
  readonly name: string;
  readonly status: string;
  readonly epochs: number;
  readonly plannedEpochs: number | null;
  readonly startedAt: string | null;
  readonly updatedAt: string | null;
  /** The last epoch's logs. */
  readonly last: Record<string, number | null> | null;
}

const TYPES: Record<string, string> = {
  '.json': 'application/json; charset=utf-8',
  '.jsonl': 'application/x-ndjson; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.csv': 'text/csv; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The path segments of a request, each percent-decoded and checked: never '.', '..', empty, or holding a separator or NUL. */
export function safeSegments(rawPath: string): string[] {
  const parts = rawPath.split('/').slice(1);
  return parts.map((p) => {
    let s: string;
    try {
      s = decodeURIComponent(p);
    } catch {
      throw new HttpError(400, 'bad percent-encoding');
    }
    if (s === '' || s === '.' || s === '..' || /[/\\\0]/.test(s)) throw new HttpError(403, 'forbidden path');
    return s;
  });
}

/** The real path of `segments` under `root`, refused (403) when it (or a link on the way) leads outside. */
async function resolveInside(root: string, segments: readonly string[]): Promise<string> {
  const realRoot = await realpath(root).catch(() => {
    throw new HttpError(404, 'no log folder');
  });
  const target = resolve(realRoot, ...segments);
  if (target !== realRoot && !target.startsWith(realRoot + sep)) throw new HttpError(403, 'forbidden path');
  const real = await realpath(target).catch(() => {
    throw new HttpError(404, 'not found');
  });
  if (real !== realRoot && !real.startsWith(realRoot + sep)) throw new HttpError(403, 'forbidden path');
  return real;
}

async function readLog(root: string, run: string): Promise<MonitorLog> {
  const file = await resolveInside(root, [run, 'log.json']);
  try {
    return JSON.parse(await readFile(file, 'utf8')) as MonitorLog;
  } catch {
    throw new HttpError(404, `run '${run}' has no readable log.json`);
  }
}

/** The runs under the log folder that have a log.json (links leading outside are left out). */
async function listRuns(root: string): Promise<RunSummary[]> {
  let entries: string[];
  try {
    entries = (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory() || d.isSymbolicLink()).map((d) => d.name);
  } catch {
    return [];
  }
  const runs: RunSummary[] = [];
  for (const name of entries.sort()) {
    const log = await readLog(root, name).catch(() => null);
    if (!log || !Array.isArray(log.epochs)) continue;
    const last = log.epochs.length > 0 ? log.epochs[log.epochs.length - 1].logs : null;
    runs.push({ name, status: String(log.status), epochs: log.epochs.length, plannedEpochs: log.params?.epochs ?? null, startedAt: log.startedAt ?? null, updatedAt: log.updatedAt ?? null, last });
  }
  return runs;
}

/** The board's chart panels of a run: loss, accuracy/metrics and learning rate. */
export function runCharts(log: MonitorLog): { title: string; svg: string }[] {
  const panels: ChartPanel[] = [...curvePanels(log.epochs)];
  panels.push({ title: 'Learning rate', yLabel: 'lr', logY: true, series: [{ name: 'lr', values: log.epochs.map((e) => e.lr), x: log.epochs.map((e) => e.epoch + 1), color: '#2ca02c' }] });
  return panels.map((p) => ({ title: p.title, svg: chartSvg([p], { panelWidth: 440, panelHeight: 290 }) }));
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}, head = false): void {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', ...extra });
  res.end(head ? undefined : body);
}

const sendJson = (res: ServerResponse, value: unknown, head: boolean): void => send(res, 200, 'application/json; charset=utf-8', JSON.stringify(value), {}, head);

/**
 * The live side of the board: watches the log folder (file-system events where the
 * platform gives them, and a timer) and sends the run list to every event-stream client
 * whenever it changes.
 */
class LiveRuns {
  private readonly clients = new Set<ServerResponse>();
  private readonly watchers = new Map<string, FSWatcher>();
  private last = '';
  private scanning = false;
  private again = false;
  private timers: ReturnType<typeof setInterval>[] = [];

  constructor(
    private readonly root: string,
    private readonly pollMs: number,
  ) {}

  async start(): Promise<void> {
    this.watchDir(this.root);
    await this.scan();
    this.timers = [setInterval(() => void this.scan(), this.pollMs), setInterval(() => this.broadcast(': keep-alive\n\n'), 15000)];
  }

  /** Starts an event stream on `res` with the current runs. */
  async subscribe(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    res.write(`retry: 1000\nevent: runs\ndata: ${JSON.stringify(await listRuns(this.root))}\n\n`);
    this.clients.add(res);
    req.on('close', () => this.clients.delete(res));
  }

  close(): void {
    for (const t of this.timers) clearInterval(t);
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
    for (const c of this.clients) c.end();
    this.clients.clear();
  }

  private broadcast(text: string): void {
    for (const c of this.clients) c.write(text);
  }

  private watchDir(dir: string): void {
    if (this.watchers.has(dir)) return;
    try {
      this.watchers.set(dir, watch(dir, () => void this.scan()).on('error', () => undefined));
    } catch {
      // a folder that cannot be watched (or does not exist yet) is polled
    }
  }

  private async scan(): Promise<void> {
    if (this.scanning) {
      this.again = true;
      return;
    }
    this.scanning = true;
    try {
      const runs = await listRuns(this.root);
      for (const r of runs) this.watchDir(join(this.root, r.name));
      const text = JSON.stringify(runs);
      if (text !== this.last) {
        this.last = text;
        this.broadcast(`event: runs\ndata: ${text}\n\n`);
      }
    } finally {
      this.scanning = false;
      if (this.again) {
        this.again = false;
        void this.scan();
      }
    }
  }
}

const FILE_CSP = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox";

/** Answers one request (errors are thrown as HttpError). */
async function route(root: string, live: LiveRuns, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, 'method not allowed');
  const head = method === 'HEAD';
  const raw = (req.url ?? '/').split(/[?#]/)[0];
  if (!raw.startsWith('/')) throw new HttpError(400, 'bad request path');
  if (raw === '/' || raw === '/index.html') return send(res, 200, 'text/html; charset=utf-8', BOARD_PAGE, {}, head);
  const segs = safeSegments(raw);
  if (segs[0] === 'api' && segs[1] === 'runs' && segs.length === 2) return sendJson(res, { logDir: root, runs: await listRuns(root) }, head);
  if (segs[0] === 'api' && segs[1] === 'runs' && segs.length === 3) {
    const log = await readLog(root, segs[2]);
    return sendJson(res, { log, charts: runCharts(log) }, head);
  }
  if (segs[0] === 'events' && segs.length === 1) return live.subscribe(req, res);
  if (segs[0] === 'files' && segs.length >= 2) {
    const file = await resolveInside(root, segs.slice(1));
    if (!(await stat(file)).isFile()) throw new HttpError(404, 'not found');
    return send(res, 200, TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream', await readFile(file), { 'Content-Security-Policy': FILE_CSP }, head);
  }
  throw new HttpError(404, 'not found');
}

/**
 * Starts the dashboard for the runs in `logDir` and resolves once it listens. Routes:
 * `/` (the page), `/api/runs` (the runs), `/api/runs/<run>` (one run's log and chart SVGs),
 * `/events` (server-sent events: the run list each time a log changes), `/files/<path>`
 * (files inside the log folder only: `..`, encoded separators, absolute paths and links
 * leading outside are refused with 403, missing files 404).
 *
 * ```ts
 * const board = await startBoard({ logDir: 'runs', port: 0 });
 * console.log(board.url);
 * ```
 */
export async function startBoard(options: BoardOptions): Promise<Board> {
  if (options === null || typeof options !== 'object' || typeof options.logDir !== 'string' || options.logDir === '') throw new TypeError('startBoard: logDir must be a non-empty string');
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 6006;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`startBoard: port must be an integer 0..65535; got ${String(port)}`);
  const pollMs = options.pollMs ?? 500;
  if (!(Number.isFinite(pollMs) && pollMs >= 50)) throw new RangeError(`startBoard: pollMs must be ≥ 50; got ${String(pollMs)}`);
  const root = resolve(options.logDir);
  const live = new LiveRuns(root, pollMs);
  const server = createServer((req, res) => {
    route(root, live, req, res).catch((e: unknown) => {
      const status = e instanceof HttpError ? e.status : 500;
      if (!res.headersSent) send(res, status, 'text/plain; charset=utf-8', `${status} ${e instanceof HttpError ? e.message : 'internal error'}\n`);
      else res.end();
    });
  });
  await live.start();
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      ok();
    });
  }).catch((e: unknown) => {
    live.close();
    throw new Error(`startBoard: cannot listen on ${host}:${port} (${(e as Error).message})`);
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}/`,
    close: async () => {
      live.close();
      await new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      });
    },
  };
}
