/**
 * The harness inside a test page (bundled by ./bundle.ts as `harness.js`, next to one entry
 * per test file that shares its chunks, so the page has one copy of Neurite and of the
 * node:test shim). The Node side (./run.ts) sets `globalThis.__neuriteSuiteConfig`, imports
 * this module and calls `runFile(url)`, which
 *  1. starts the webgpu backend: `await setBackend('webgpu')` must succeed and
 *     getBackendName() be 'webgpu' (else the file fails with the reason; nothing runs);
 *  2. imports the test file's entry (its top level registers its tests and may read
 *     getBackendName(), now 'webgpu');
 *  3. runs the registered tests (./node-test.ts) and returns their records, the adapter, the
 *     backend at the end and the GPU dispatches the file made.
 * Uncaught errors and unhandled rejections while the file loads or runs fail the file.
 *
 * protobufjs: the library's ONNX encoder (src/io/onnx/proto.ts, Node-only in the browser
 * bundle) parses proto/onnx.proto with protobuf.loadSync, which protobufjs refuses outside
 * Node (`util.isNode`). Tests use that encoder to build ONNX graphs for their onnxruntime
 * oracle (layers-recurrent-onnx), so the page's protobufjs is told it may load
 * synchronously: it reads the file through its `fs`, which the bundle maps to the page's fs
 * shim. Nothing else of protobufjs looks at the flag after it has loaded.
 */
import './process.js';
import protobuf from 'protobufjs';
import { backendFailure, getBackendName, setBackend, webgpuDevice } from '../../../src/index.js';
import { allRecords, beginFile, recordFileFailure, runRegistered } from './node-test.js';
import type { FileReport, PageConfig, TestRecord } from './report.js';

(protobuf.util as { isNode: boolean }).isNode = true;

export async function runFile(url: string): Promise<FileReport & { dispatches: number }> {
  const config = (globalThis as { __neuriteSuiteConfig?: PageConfig }).__neuriteSuiteConfig as PageConfig;
  const report = (globalThis as { __neuriteSuiteProgress?: (r: TestRecord) => void }).__neuriteSuiteProgress;
  beginFile(config.file, config.exclusions, config.progress && report ? (r) => void report(r) : null);
  addEventListener('error', (e: ErrorEvent) => recordFileFailure('uncaught error', e.error ?? e.message));
  addEventListener('unhandledrejection', (e: PromiseRejectionEvent) => recordFileFailure('unhandled rejection', e.reason));

  const ts = performance.now();
  const started = await setBackend('webgpu');
  const startSeconds = (performance.now() - ts) / 1000;
  const device = webgpuDevice();
  if (!started || getBackendName() !== 'webgpu' || device === null) {
    const why = backendFailure('webgpu') ?? `setBackend('webgpu') resolved ${started}, getBackendName() is '${getBackendName()}'`;
    recordFileFailure('starting the webgpu backend', new Error(`WebGPU is unavailable in this page: ${why}`));
    return { file: config.file, adapter: null, backend: getBackendName(), setupError: why, records: allRecords(), startSeconds, loadSeconds: 0, runSeconds: 0, dispatches: 0 };
  }
  const info = device.adapterInfo;
  const adapter = { vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description };
  const before = device.dispatches;

  const t0 = performance.now();
  try {
    await import(/* the entry of one test file, next to this module */ url);
  } catch (e) {
    recordFileFailure('loading the test file', e);
  }
  const t1 = performance.now();
  await runRegistered();
  // Let rejections nobody handled surface before the records are collected.
  await new Promise((r) => setTimeout(r, 0));
  const t2 = performance.now();
  const now = webgpuDevice();
  return {
    file: config.file,
    adapter,
    backend: getBackendName(),
    records: allRecords(),
    startSeconds,
    loadSeconds: (t1 - t0) / 1000,
    runSeconds: (t2 - t1) / 1000,
    dispatches: (now?.dispatches ?? before) - before,
  };
}
