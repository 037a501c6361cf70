/**
 * A `process` global for test pages, installed before anything else of the bundle runs
 * (./page.ts imports this module first): `env` (from the Node side, with NEURITE_BACKEND
 * set to 'webgpu' as in the Node run of the engine suite), `argv` (node, the test file),
 * `cwd()` (the repository root), `nextTick`, `hrtime`, `exit` (throws). It has no
 * `versions.node` and no stdout/stderr: the library keeps treating the page as a browser
 * (it reads `globalThis.process?.env` for NEURITE_BACKEND and NEURITE_PLANS anywhere, and
 * takes its Node-only paths only where `process.versions.node` is set).
 * Also `node:process`.
 */
import type { PageConfig } from './report.js';

type Listener = (...args: unknown[]) => void;

export interface PageProcess {
  env: Record<string, string | undefined>;
  argv: string[];
  execArgv: string[];
  platform: string;
  pid: number;
  exitCode: number | undefined;
  cwd(): string;
  exit(code?: number): never;
  nextTick(fn: (...args: unknown[]) => void, ...args: unknown[]): void;
  hrtime: ((prev?: [number, number]) => [number, number]) & { bigint(): bigint };
  emitWarning(warning: string | Error): void;
  on(event: string, listener: Listener): PageProcess;
  once(event: string, listener: Listener): PageProcess;
  off(event: string, listener: Listener): PageProcess;
  removeListener(event: string, listener: Listener): PageProcess;
}

const config = (globalThis as { __neuriteSuiteConfig?: PageConfig }).__neuriteSuiteConfig;
if (config === undefined) throw new Error('the test page has no __neuriteSuiteConfig (the harness sets it before importing the bundle)');

function hrtimeNs(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
}

const proc: PageProcess = {
  env: { ...config.env },
  argv: ['/usr/bin/node', config.path],
  execArgv: [],
  platform: 'linux',
  pid: 1,
  exitCode: undefined,
  cwd: () => config.cwd,
  exit(code?: number): never {
    throw new Error(`process.exit(${code ?? ''}) called in the browser test page`);
  },
  nextTick(fn, ...args) {
    queueMicrotask(() => fn(...args));
  },
  hrtime: Object.assign(
    (prev?: [number, number]): [number, number] => {
      const ns = hrtimeNs();
      let s = Number(ns / 1000000000n);
      let n = Number(ns % 1000000000n);
      if (prev) {
        s -= prev[0];
        n -= prev[1];
        if (n < 0) {
          s--;
          n += 1e9;
        }
      }
      return [s, n];
    },
    { bigint: hrtimeNs },
  ),
  emitWarning(warning) {
    console.warn(typeof warning === 'string' ? `Warning: ${warning}` : warning);
  },
  on: () => proc,
  once: () => proc,
  off: () => proc,
  removeListener: () => proc,
};

(globalThis as { process?: PageProcess }).process = proc;

export default proc;
