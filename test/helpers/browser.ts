/**
 * Headless Chromium for browser tests: Debian's /usr/bin/chromium driven by playwright-core,
 * and a static file server on 127.0.0.1 (optionally cross-origin isolated, so pages get
 * SharedArrayBuffer). Tests skip with a reason when Chromium is not installed.
 */
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';

export const CHROMIUM = process.env.NEURITE_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Why browser tests cannot run here, or null when they can. */
export function browserSkipReason(): string | null {
  return existsSync(CHROMIUM) ? null : `no Chromium at ${CHROMIUM} (apt-get install chromium)`;
}

/**
 * WebGPU in headless Chromium on a machine without a GPU: SwiftShader's Vulkan driver as
 * the adapter (instead of --disable-gpu).
 */
export const CHROMIUM_WEBGPU_FLAGS = [
  ...CHROMIUM_FLAGS.filter((f) => f !== '--disable-gpu'),
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-angle=swiftshader',
  '--use-webgpu-adapter=swiftshader',
];

export async function launchBrowser(options: { webgpu?: boolean } = {}): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: options.webgpu ? CHROMIUM_WEBGPU_FLAGS : CHROMIUM_FLAGS });
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.bin': 'application/octet-stream',
  '.map': 'application/json',
};

export interface StaticServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves files under the given roots (url prefix → folder) on 127.0.0.1 at a free port.
 * With `isolated`, every response carries COOP/COEP headers so pages are cross-origin
 * isolated (SharedArrayBuffer, wasm threads).
 */
export async function serveStatic(roots: Record<string, string>, options: { isolated?: boolean } = {}): Promise<StaticServer> {
  const mounts = Object.entries(roots)
    .map(([prefix, dir]) => [prefix.endsWith('/') ? prefix : `${prefix}/`, resolve(dir)] as const)
    .sort((a, b) => b[0].length - a[0].length);
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const mount = mounts.find(([prefix]) => path.startsWith(prefix));
    const headers: Record<string, string> = { 'Cache-Control': 'no-store' };
    if (options.isolated) {
      headers['Cross-Origin-Opener-Policy'] = 'same-origin';
      headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
      headers['Cross-Origin-Resource-Policy'] = 'same-origin';
    }
    if (!mount) {
      res.writeHead(404, headers).end('not found');
      return;
    }
    const [prefix, dir] = mount;
    const file = normalize(join(dir, path.slice(prefix.length)));
    if (file !== dir && !file.startsWith(dir + sep)) {
      res.writeHead(403, headers).end('forbidden');
      return;
    }
    if (!existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, headers).end('not found');
      return;
    }
    headers['Content-Type'] = TYPES[extname(file)] ?? 'application/octet-stream';
    res.writeHead(200, headers).end(readFileSync(file));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

/**
 * Opens a blank page on the server's origin that imports the browser bundle (./neurite.js)
 * as `window.nt` (with `html` before the script), and waits until it has loaded.
 */
export async function openBundlePage(page: Page, server: StaticServer, html = ''): Promise<void> {
  await page.route(`${server.url}/index.html`, (route) =>
    route.fulfill({ contentType: 'text/html', body: `<!doctype html>${html}<script type="module">import * as nt from "./neurite.js"; window.nt = nt; window.loaded = true;</script>` }),
  );
  await page.goto(`${server.url}/index.html`);
  await page.waitForFunction(() => (window as unknown as { loaded?: boolean }).loaded === true, null, { timeout: 30_000 });
}

/** Builds the browser bundle (scripts/build-browser.mjs) into a fresh temporary folder, so a test never sees a stale one; returns the folder. */
export async function buildBrowserBundle(): Promise<string> {
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { spawnSync } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');
  const out = mkdtempSync(join(tmpdir(), 'neurite-browser-'));
  const r = spawnSync(process.execPath, [join(root, 'scripts/build-browser.mjs'), '--quiet', '--out', out], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build-browser failed:\n${r.stderr}`);
  return out;
}
