/**
 * The test server of the browser harness, on 127.0.0.1 at a free port:
 *
 *   /index.html                 an empty page to run in
 *   /bundle/...                 the bundle (./bundle.ts)
 *   /__fs/stat?path=/abs/path   {kind: 'file' | 'dir', size, mtimeMs}
 *   /__fs/list?path=/abs/dir    {[dir]: [{name, dir}]}: the folder's entries in the order
 *                               readdir gives, and those of its subfolders down to
 *                               LIST_DEPTH levels while there are at most LIST_ENTRIES
 *                               (a page's existsSync then rarely needs a request)
 *   /__fs/read?path=/abs/file   the file's bytes
 *
 * The /__fs/ endpoints answer for paths under the given roots only (read-only). An error is
 * status 200 with the header X-Fs-Error: Node's code (ENOENT, ENOTDIR, EISDIR; EACCES
 * outside the roots), which the page's fs shim (./vfs.ts) turns back into an fs error (a
 * 404 would make Chromium log a console error for every file a test looks for).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { existsSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';

export interface SuiteServer {
  readonly url: string;
  /** /__fs/ requests answered so far. */
  readonly fsRequests: number;
  close(): Promise<void>;
}

const PAGE = '<!doctype html><meta charset="utf-8"><title>Neurite engine suite</title>';
const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.map': 'application/json', '.html': 'text/html; charset=utf-8' };
const LIST_DEPTH = 3;
const LIST_ENTRIES = 20000;

function within(path: string, roots: readonly string[]): boolean {
  return roots.some((r) => path === r || path.startsWith(r.endsWith(sep) ? r : r + sep));
}

export async function serveSuite(bundleDir: string, roots: readonly string[]): Promise<SuiteServer> {
  const allowed = roots.filter((r) => existsSync(r)).map((r) => realpathSync(r));
  const bundle = resolve(bundleDir);
  let fsRequests = 0;

  const fail = (res: ServerResponse, code: string): void => {
    res.writeHead(200, { 'X-Fs-Error': code, 'Cache-Control': 'no-store' }).end();
  };

  const entriesOf = (dir: string): { name: string; dir: boolean }[] =>
    readdirSync(dir, { withFileTypes: true }).map((d) => ({
      name: d.name,
      dir: d.isDirectory() || (d.isSymbolicLink() && existsSync(join(dir, d.name)) && statSync(join(dir, d.name)).isDirectory()),
    }));

  /** The folder's listing and its subfolders' (breadth first, keyed by the paths the page asked with). */
  const tree = (path: string, real: string): Record<string, { name: string; dir: boolean }[]> => {
    const out: Record<string, { name: string; dir: boolean }[]> = {};
    let level: [string, string][] = [[path, real]];
    let total = 0;
    for (let depth = 0; depth <= LIST_DEPTH && level.length > 0; depth++) {
      const next: [string, string][] = [];
      for (const [p, r] of level) {
        if (depth > 0 && total >= LIST_ENTRIES) return out;
        let entries: { name: string; dir: boolean }[];
        try {
          entries = entriesOf(r);
        } catch {
          continue;
        }
        out[p] = entries;
        total += entries.length;
        for (const e of entries) if (e.dir) next.push([join(p, e.name), join(r, e.name)]);
      }
      level = next;
    }
    return out;
  };

  const fileApi = (kind: string, raw: string | null, res: ServerResponse): void => {
    fsRequests++;
    if (raw === null || !raw.startsWith('/')) return fail(res, 'ENOENT');
    const path = normalize(raw);
    let real: string;
    try {
      real = realpathSync(path);
    } catch (e) {
      // A missing file inside a served folder is ENOENT; outside, the page may not know.
      return fail(res, within(path, allowed) ? ((e as NodeJS.ErrnoException).code ?? 'ENOENT') : 'EACCES');
    }
    if (!within(real, allowed) && !within(path, allowed)) return fail(res, 'EACCES');
    try {
      const st = statSync(real);
      const headers = { 'Cache-Control': 'no-store' };
      if (kind === 'stat') {
        res.writeHead(200, { ...headers, 'Content-Type': 'application/json' }).end(JSON.stringify({ kind: st.isDirectory() ? 'dir' : 'file', size: st.size, mtimeMs: st.mtimeMs }));
      } else if (kind === 'list') {
        if (!st.isDirectory()) return fail(res, 'ENOTDIR');
        res.writeHead(200, { ...headers, 'Content-Type': 'application/json' }).end(JSON.stringify(tree(path, real)));
      } else if (kind === 'read') {
        if (st.isDirectory()) return fail(res, 'EISDIR');
        res.writeHead(200, { ...headers, 'Content-Type': 'application/octet-stream' }).end(readFileSync(real));
      } else {
        res.writeHead(404).end();
      }
    } catch (e) {
      fail(res, (e as NodeJS.ErrnoException).code ?? 'EIO');
    }
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = decodeURIComponent(url.pathname);
    if (path === '/' || path === '/index.html') {
      res.writeHead(200, { 'Content-Type': TYPES['.html'], 'Cache-Control': 'no-store' }).end(PAGE);
      return;
    }
    if (path === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    if (path.startsWith('/__fs/')) {
      fileApi(path.slice('/__fs/'.length), url.searchParams.get('path'), res);
      return;
    }
    if (path.startsWith('/bundle/')) {
      const file = normalize(join(bundle, path.slice('/bundle/'.length)));
      if (file.startsWith(bundle + sep) && existsSync(file) && statSync(file).isFile()) {
        res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'max-age=3600' }).end(readFileSync(file));
        return;
      }
    }
    res.writeHead(404, { 'Cache-Control': 'no-store' }).end('not found');
  };

  const server = createServer(handle);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get fsRequests() {
      return fsRequests;
    },
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
