/**
 * The engine suite (scripts/engine-files.mjs) on the WebGPU backend inside headless
 * Chromium (navigator.gpu; SwiftShader's Vulkan driver as the adapter on a machine without a
 * GPU, see test/helpers/browser.ts): the same compiled test files as the Node runs
 * (build/test/*.test.js, unchanged), bundled for the browser with shims for node:test,
 * node:assert/strict, the file system (Node's files read through the test server) and the
 * rest (test/helpers/browser-suite/). Each file runs in a fresh page that first starts the
 * webgpu backend (`await setBackend('webgpu')`; a page without WebGPU fails the file) and then
 * imports the file. Prints a per-file summary and every skipped test with its reason; fails
 * on any failing test.
 *
 * Which files: the engine files without the finite-difference gradient checks, as the Node
 * webgpu run. The pages' process.env has NEURITE_BACKEND=webgpu and the NEURITE_*, GRADCHECK_*
 * and FASHION_MNIST_* variables of this process, but not CI: what a page can never have (the
 * native addon, python3) then skips with its reason, listed at the end, instead of failing the
 * file through helpers/oracle.ts' unavailable(); a missing browser still fails on CI here.
 * Environment:
 *   NEURITE_BROWSER_SUITE_GRADIENTS=1      also the gradient checks (=only: just those)
 *   NEURITE_BROWSER_SUITE_FILES=a,b        only these files (names without .test.js)
 *   NEURITE_BROWSER_SUITE_VERBOSE=1        every test as it finishes, and the pages' consoles
 *   NEURITE_BROWSER_SUITE_TIMEOUT_S=600    the time limit per file
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { browserSkipReason, launchBrowser } from './helpers/browser.js';
import { unavailable } from './helpers/oracle.js';
import { sharedDir } from './helpers/shared.js';
import { bundleTestFiles } from './helpers/browser-suite/bundle.js';
import { serveSuite } from './helpers/browser-suite/server.js';
import { type PageResult, runFileInPage } from './helpers/browser-suite/run.js';
import { BROWSER_EXCLUSIONS } from './helpers/browser-suite/exclusions.js';
import type { PageConfig, TestRecord } from './helpers/browser-suite/report.js';

const BUILD = fileURLToPath(new URL('..', import.meta.url)); // build/
const ROOT = join(BUILD, '..');
const TEST_DIR = join(BUILD, 'test');
const skip = unavailable(browserSkipReason());

interface EngineFiles {
  webgpuEngineFiles(files: string[]): string[];
  gradientCheckFiles(files: string[]): string[];
}
const engine = (await import(pathToFileURL(join(ROOT, 'scripts', 'engine-files.mjs')).href)) as EngineFiles;

function selectFiles(): string[] {
  const all = readdirSync(TEST_DIR).filter((f) => f.endsWith('.test.js'));
  const gradients = process.env.NEURITE_BROWSER_SUITE_GRADIENTS ?? '';
  let files = gradients === 'only' ? engine.gradientCheckFiles(all) : gradients === '1' ? [...engine.webgpuEngineFiles(all), ...engine.gradientCheckFiles(all)].sort() : engine.webgpuEngineFiles(all);
  const only = process.env.NEURITE_BROWSER_SUITE_FILES;
  if (only) {
    const wanted = only.split(',').map((s) => `${s.trim().replace(/\.test\.(js|ts)$/, '')}.test.js`);
    const unknown = wanted.filter((f) => !all.includes(f));
    if (unknown.length > 0) throw new Error(`NEURITE_BROWSER_SUITE_FILES: no such compiled test files: ${unknown.join(', ')}`);
    files = wanted;
  }
  return files;
}

/** process.env in the pages: the webgpu backend (as the Node webgpu run) and the variables tests read. */
function pageEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && /^(NEURITE_|GRADCHECK_|FASHION_MNIST_)/.test(k) && !/^NEURITE_(BACKEND|CHROMIUM|BROWSER_SUITE_)/.test(k)) env[k] = v;
  }
  env.NEURITE_BACKEND = 'webgpu';
  return env;
}

function servedRoots(): string[] {
  const roots = [ROOT, '/usr/share/libonnx-testdata'];
  try {
    roots.push(sharedDir());
  } catch {
    // tests that need the shared folder say so themselves
  }
  return roots;
}

const count = (r: PageResult, s: TestRecord['status']): number => r.records.filter((x) => x.kind === 'test' && x.status === s).length;
const failures = (r: PageResult): TestRecord[] => r.records.filter((x) => x.status === 'fail' && x.kind !== 'suite');

function summary(results: readonly PageResult[], totalSeconds: number): string {
  const w = Math.max(...results.map((r) => r.file.length), 'file'.length);
  const head = `${'file'.padEnd(w)}  tests   pass  fail  skip  todo  seconds  dispatches`;
  const rows = results.map((r) => {
    const tests = r.records.filter((x) => x.kind === 'test').length;
    const cells = [tests, count(r, 'pass'), failures(r).length, count(r, 'skip'), count(r, 'todo')];
    return `${r.file.padEnd(w)}  ${String(cells[0]).padStart(5)}  ${cells.slice(1).map((c) => String(c).padStart(4)).join('  ')}  ${r.wallSeconds.toFixed(1).padStart(7)}  ${String(r.dispatches).padStart(10)}`;
  });
  const sum = (f: (r: PageResult) => number): number => results.reduce((s, r) => s + f(r), 0);
  const tests = sum((r) => r.records.filter((x) => x.kind === 'test').length);
  const total = `${'total'.padEnd(w)}  ${String(tests).padStart(5)}  ${[sum((r) => count(r, 'pass')), sum((r) => failures(r).length), sum((r) => count(r, 'skip')), sum((r) => count(r, 'todo'))].map((c) => String(c).padStart(4)).join('  ')}  ${sum((r) => r.wallSeconds).toFixed(1).padStart(7)}`;
  return [head, ...rows, total, `wall time with bundling, server and browser start: ${totalSeconds.toFixed(1)} s`].join('\n');
}

test('Chromium: the engine suite on the webgpu backend (same test files, bundled for the page)', { skip }, async (t) => {
  const files = selectFiles();
  const verbose = process.env.NEURITE_BROWSER_SUITE_VERBOSE === '1';
  const timeoutMs = Number(process.env.NEURITE_BROWSER_SUITE_TIMEOUT_S ?? 600) * 1000;
  const t0 = performance.now();
  const outDir = mkdtempSync(join(tmpdir(), 'neurite-browser-suite-'));
  const results: PageResult[] = [];
  try {
    const bundle = await bundleTestFiles(files, outDir);
    t.diagnostic(`bundled ${files.length} test files in ${bundle.seconds.toFixed(1)} s (${(bundle.bytes / 1048576).toFixed(1)} MiB)`);
    const server = await serveSuite(bundle.dir, servedRoots());
    const browser = await launchBrowser({ webgpu: true });
    try {
      const context = await browser.newContext();
      const env = pageEnv();
      for (const file of files) {
        await t.test(file, async (ft) => {
          const config: PageConfig = { file, path: join(TEST_DIR, file), cwd: ROOT, env, exclusions: BROWSER_EXCLUSIONS, progress: true };
          const onRecord = verbose ? (r: TestRecord) => console.log(`  ${r.status.padEnd(4)} ${file} > ${r.name} (${r.ms.toFixed(0)} ms)${r.reason ? ` # ${r.reason}` : ''}${r.error ? `\n${r.error}` : ''}`) : undefined;
          const requestsBefore = server.fsRequests;
          const r = await runFileInPage({ context, serverUrl: server.url, harness: bundle.harness, entry: bundle.entry(file), config, timeoutMs, ...(onRecord ? { onRecord } : {}) });
          results.push(r);
          const bad = failures(r);
          ft.diagnostic(`${r.records.filter((x) => x.kind === 'test').length} tests: ${count(r, 'pass')} pass, ${bad.length} fail, ${count(r, 'skip')} skip; ${r.wallSeconds.toFixed(1)} s (webgpu start ${r.startSeconds.toFixed(1)} s, module ${r.loadSeconds.toFixed(1)} s, tests ${r.runSeconds.toFixed(1)} s); ${r.dispatches} GPU dispatches, ${server.fsRequests - requestsBefore} file requests`);
          if (verbose || bad.length > 0) for (const line of r.console.slice(-40)) console.log(`  console ${file}: ${line}`);
          assert.ok(r.adapter !== null, `${file}: no WebGPU adapter in the page: ${r.setupError ?? bad.map((b) => b.error).join('; ')}`);
          ft.diagnostic(`adapter: ${r.adapter.vendor} ${r.adapter.architecture} ${r.adapter.description}`.trim());
          assert.deepEqual(bad.map((b) => `${b.name}: ${b.error}`), [], `${file}: failing tests in Chromium on webgpu`);
          assert.equal(r.backend, 'webgpu', `${file}: the page ended on the '${r.backend}' backend`);
          assert.ok(r.records.some((x) => x.kind === 'test' && x.status === 'pass'), `${file}: no test passed`);
          for (const x of BROWSER_EXCLUSIONS.filter((e) => e.file === file)) {
            assert.ok(r.records.some((rec) => rec.name === x.test && rec.status === 'skip'), `${file}: the exclusion '${x.test}' matches no test (renamed? update test/helpers/browser-suite/exclusions.ts)`);
          }
        });
      }
    } finally {
      await browser.close();
      await server.close();
    }
  } finally {
    rmSync(outDir, { recursive: true, force: true });
    if (results.length > 0) {
      const a = results.find((r) => r.adapter !== null)?.adapter;
      console.log(`\nEngine suite in Chromium on webgpu (adapter: ${a ? `${a.vendor} ${a.architecture} ${a.description}`.trim() : 'none'})\n${summary(results, (performance.now() - t0) / 1000)}`);
      const skipped = results.flatMap((r) => r.records.filter((x) => x.status === 'skip').map((x) => `  ${r.file} > ${x.name}: ${x.reason ?? '(no reason given)'}`));
      console.log(`\nskipped in Chromium (${skipped.length}):\n${skipped.join('\n') || '  none'}`);
      console.log(`\nexcluded from the browser run by test/helpers/browser-suite/exclusions.ts:\n${BROWSER_EXCLUSIONS.map((x) => `  ${x.file} > ${x.test}: ${x.reason}`).join('\n')}`);
    }
  }
});
