/**
 * The WebAssembly backend in headless Chromium: the compiled ES modules and kernels are
 * served from build/ on 127.0.0.1 and every kernel is compared with the js reference
 * inside the page (test/helpers/backend-cases.ts) — once on a plain page (one thread)
 * and once on a cross-origin-isolated page, where the kernels run on Web Workers sharing
 * the module's memory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { browserSkipReason, launchBrowser, serveStatic } from './helpers/browser.js';
import { unavailable } from './helpers/oracle.js';

const BUILD = fileURLToPath(new URL('..', import.meta.url)); // build/
const built = existsSync(new URL('../wasm/neurite-kernels.wasm', import.meta.url));
const skip = unavailable(browserSkipReason() ?? (!built && 'the wasm kernels were not built'));

interface PageResult {
  readonly threads: number;
  readonly backend: string;
  readonly checked: number;
  readonly failures: { what: string; detail: string }[];
  readonly isolated: boolean;
}

async function runInPage(isolated: boolean): Promise<PageResult> {
  const pageDir = mkdtempSync(join(tmpdir(), 'neurite-wasm-page-'));
  writeFileSync(join(pageDir, 'index.html'), '<!doctype html><title>wasm kernels</title>');
  const server = await serveStatic({ '/build/': BUILD, '/page/': pageDir }, { isolated });
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}/page/index.html`);
    const result = await page.evaluate(async (threads: number) => {
      // The page imports the compiled modules straight from build/ (no bundler).
      const load = (path: string): Promise<Record<string, any>> => import(path); // untyped: URLs on the test server
      const wasm = await load('/build/src/backends/wasm/index.js');
      const registry = await load('/build/src/backends/registry.js');
      const js = await load('/build/src/backends/js/index.js');
      const cases = await load('/build/test/helpers/backend-cases.js');
      await wasm.loadWasmBackend({ wasm: '/build/wasm/neurite-kernels.wasm', threads });
      registry.setBackend('wasm');
      const mod = wasm.wasmModule();
      const deadline = Date.now() + 15000;
      while (mod.threaded && mod.threadCount() < threads && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const report = await cases.compareBackends(registry.backend(), js.jsBackend);
      return { threads: mod.threadCount(), backend: registry.getBackendName(), checked: report.checked, failures: report.failures, isolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true };
    }, 2);
    assert.deepEqual(errors, []);
    return result as PageResult;
  } finally {
    await browser.close();
    await server.close();
    rmSync(pageDir, { recursive: true, force: true });
  }
}

test('every wasm kernel matches the js reference in Chromium, one thread', { skip, timeout: 120_000 }, async () => {
  const r = await runInPage(false);
  assert.equal(r.isolated, false);
  assert.equal(r.backend, 'wasm');
  assert.equal(r.threads, 1);
  assert.ok(r.checked > 400, `only ${r.checked} comparisons ran`);
  assert.deepEqual(r.failures.map((f) => `${f.what}: ${f.detail}`), []);
});

test('every wasm kernel matches the js reference in Chromium on Web Worker threads (cross-origin isolated)', { skip, timeout: 120_000 }, async () => {
  const r = await runInPage(true);
  assert.equal(r.isolated, true);
  assert.equal(r.backend, 'wasm');
  assert.equal(r.threads, 2, 'the Web Workers did not join');
  assert.ok(r.checked > 400, `only ${r.checked} comparisons ran`);
  assert.deepEqual(r.failures.map((f) => `${f.what}: ${f.detail}`), []);
});
