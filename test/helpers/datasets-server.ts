/**
 * A local HTTP server on 127.0.0.1 (random port) for the data set download tests, and
 * small helpers for their temporary folders. Nothing here touches ~/.neurite.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface TestServer {
  /** 'http://127.0.0.1:PORT' (no trailing slash). */
  readonly url: string;
  /** The paths asked for, in order. */
  readonly requests: string[];
  /** Adds or replaces the handler of a path. */
  route(path: string, handler: Handler): void;
  close(): Promise<void>;
}

/** Starts a server answering the given paths; any other path is a 404. */
export async function startServer(routes: Record<string, Handler> = {}): Promise<TestServer> {
  const table = new Map(Object.entries(routes));
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    requests.push(path);
    const handler = table.get(path);
    if (handler) handler(req, res);
    else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    route: (path, handler) => table.set(path, handler),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Answers with the bytes and their Content-Length. */
export function sendBytes(bytes: Uint8Array): Handler {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length });
    res.end(bytes);
  };
}

/** Announces the full Content-Length, sends the first half, then drops the connection. */
export function sendTruncated(bytes: Uint8Array): Handler {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length });
    res.write(bytes.subarray(0, bytes.length >> 1), () => res.destroy());
  };
}

/** Redirects (302) to another path of the same server. */
export function redirectTo(location: string): Handler {
  return (_req, res) => {
    res.writeHead(302, { location });
    res.end();
  };
}

/** Never answers (for timeouts). */
export function hang(): Handler {
  return () => undefined;
}

/** A fresh temporary folder under the OS temp folder. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `neurite-${prefix}-`));
}

/** Every regular file under `dir` (recursively), relative to it, sorted. */
export function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath ?? e.path, e.name)))
    .sort();
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
