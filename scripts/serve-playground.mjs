#!/usr/bin/env node
/**
 * Serves the built Playground (build/playground, made by scripts/build-browser.mjs), or any
 * folder with an index.html (--dir), on 127.0.0.1 and prints its URL. Every response is cross-origin isolated (COOP/COEP), so
 * the page gets SharedArrayBuffer and the wasm backend can use threads.
 *
 * Usage: node scripts/serve-playground.mjs [--port N] [--dir DIR]   (port 8080 by default;
 * PORT in the environment works too; --port 0 picks a free port)
 */
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const dir = resolve(option('dir', join(ROOT, 'build/playground')));
const portText = option('port', process.env.PORT ?? '8080');
const port = Number(portText);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`serve-playground: --port must be an integer in 0 … 65535, not '${portText}'`);
  process.exit(2);
}
try {
  await stat(join(dir, 'index.html'));
} catch {
  console.error(`serve-playground: ${join(dir, 'index.html')} does not exist${option('dir', null) === null ? '; build it first with: node scripts/build-browser.mjs' : ''}`);
  process.exit(1);
}

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-cache',
};

const server = createServer(async (req, res) => {
  const send = (code, body, type = 'text/plain; charset=utf-8') => res.writeHead(code, { ...ISOLATION, 'Content-Type': type }).end(body);
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed');
  let path;
  try {
    path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
  } catch {
    return send(400, 'bad request');
  }
  if (path.endsWith('/')) path += 'index.html';
  const file = normalize(join(dir, path));
  if (!file.startsWith(dir + sep)) return send(403, 'forbidden');
  try {
    if (!(await stat(file)).isFile()) return send(404, 'not found');
    const body = await readFile(file);
    send(200, req.method === 'HEAD' ? undefined : body, TYPES[extname(file)] ?? 'application/octet-stream');
  } catch {
    send(404, 'not found');
  }
});

server.on('error', (e) => {
  console.error(`serve-playground: cannot listen on 127.0.0.1:${port} (${e.message}); try --port 0 for a free port`);
  process.exit(1);
});
server.listen(port, '127.0.0.1', () => {
  const { port: actual } = server.address();
  console.log(`Neurite Playground: http://127.0.0.1:${actual}/  (serving ${dir}; Ctrl-C to stop)`);
});
