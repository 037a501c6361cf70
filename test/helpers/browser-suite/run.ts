/**
 * Runs one bundled test file in a fresh Chromium page (Node side of the harness; a fresh JS
 * realm and GPU device per file, in a browser context the files share): sets the
 * page's configuration, imports the harness and calls its runFile (./page.ts), with a time
 * limit. The page reports each finished test back as it goes (so a file that hangs still
 * reports what finished) and gets onnxruntime results from here (./onnxruntime.ts).
 */
import type { BrowserContext, ConsoleMessage } from 'playwright-core';
import type { OrtRequest, OrtResponse, OrtTensorData, OrtType } from './onnxruntime.js';
import type { FileReport, PageConfig, TestRecord } from './report.js';

export interface PageRun {
  /** One context for all files (a new page in it is much cheaper than a new context). */
  readonly context: BrowserContext;
  /** The test server (./server.ts). */
  readonly serverUrl: string;
  readonly harness: string;
  readonly entry: string;
  readonly config: PageConfig;
  readonly timeoutMs: number;
  /** Called with each finished test (and suite) as the page reports it. */
  readonly onRecord?: (r: TestRecord) => void;
}

export interface PageResult extends FileReport {
  /** GPU compute dispatches the file made. */
  readonly dispatches: number;
  /** Seconds from opening the page to closing it. */
  readonly wallSeconds: number;
  /** The page's console messages (warnings, errors, the tests' own logs). */
  readonly console: readonly string[];
}

type OrtModule = typeof import('onnxruntime-node');
let ortModule: Promise<OrtModule> | null = null;

/** Runs an onnxruntime session for a page (the oracle lives in Node). */
async function runOrt(req: OrtRequest): Promise<OrtResponse> {
  try {
    ortModule ??= import('onnxruntime-node');
    const ort = await ortModule;
    const session = await ort.InferenceSession.create(Buffer.from(req.model, 'base64'));
    const feeds: Record<string, InstanceType<OrtModule['Tensor']>> = {};
    for (const [name, t] of Object.entries(req.feeds)) {
      const data = t.type === 'float32' ? Float32Array.from(t.data) : t.type === 'int32' ? Int32Array.from(t.data) : BigInt64Array.from(t.data, (v) => BigInt(v));
      feeds[name] = new ort.Tensor(t.type, data, t.dims);
    }
    const res = await session.run(feeds);
    const outputs: Record<string, OrtTensorData> = {};
    for (const [name, v] of Object.entries(res)) {
      if (v.type !== 'float32' && v.type !== 'int32' && v.type !== 'int64') throw new Error(`output ${name} has type ${v.type}, which the page bridge does not carry`);
      outputs[name] = { type: v.type as OrtType, data: Array.from(v.data as ArrayLike<number | bigint>, Number), dims: [...v.dims] };
    }
    await session.release();
    return { outputs };
  } catch (e) {
    return { error: `onnxruntime-node (Node side of the page): ${(e as Error).message}` };
  }
}

export async function runFileInPage(run: PageRun): Promise<PageResult> {
  const t0 = performance.now();
  const page = await run.context.newPage();
  const lines: string[] = [];
  const records: TestRecord[] = [];
  page.on('console', (m: ConsoleMessage) => {
    const text = m.text();
    if (/Synchronous XMLHttpRequest on the main thread is deprecated/.test(text)) return;
    // Missing files are answered 404 (existsSync asks often); Chromium logs each.
    if (/^Failed to load resource/.test(text) && m.location().url.includes('/__fs/')) return;
    if (lines.length < 5000) lines.push(`[${m.type()}] ${text}`);
  });
  page.on('pageerror', (e) => lines.push(`[pageerror] ${e.message}`));
  try {
    await page.exposeFunction('__neuriteSuiteProgress', (r: TestRecord) => {
      records.push(r);
      run.onRecord?.(r);
    });
    await page.exposeFunction('__neuriteSuiteOrt', runOrt);
    await page.goto(`${run.serverUrl}/index.html`);
    const crashed = new Promise<never>((_, reject) => page.once('crash', () => reject(new Error('the page crashed'))));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${run.timeoutMs / 1000} s`)), run.timeoutMs);
    });
    try {
      const report = await Promise.race([
        page.evaluate(
          async ({ config, harness, entry }) => {
            (globalThis as { __neuriteSuiteConfig?: unknown }).__neuriteSuiteConfig = config;
            const h = (await import(harness)) as { runFile(url: string): Promise<FileReport & { dispatches: number }> };
            return h.runFile(entry);
          },
          { config: run.config, harness: run.harness, entry: run.entry },
        ),
        limit,
        crashed,
      ]);
      return { ...report, wallSeconds: (performance.now() - t0) / 1000, console: lines };
    } finally {
      clearTimeout(timer);
    }
  } catch (e) {
    // The page hung, crashed or could not load the harness: what it reported so far, and why it stopped.
    const failure: TestRecord = { name: 'running the file in the page', kind: 'file', status: 'fail', error: (e as Error).message, ms: 0, diagnostics: [] };
    return { file: run.config.file, adapter: null, backend: 'unknown', records: [...records, failure], startSeconds: 0, loadSeconds: 0, runSeconds: 0, dispatches: 0, wallSeconds: (performance.now() - t0) / 1000, console: lines };
  } finally {
    await page.close().catch(() => undefined);
  }
}
