/**
 * What the browser harness hands from the page back to Node: the configuration a page is
 * started with and the results of one test file. Plain data (it crosses page.evaluate).
 */

/** A test the harness does not run in the browser, with the reason (test/helpers/browser-suite/exclusions.ts). */
export interface Exclusion {
  /** The compiled test file, e.g. 'optimizers-api.test.js'. */
  readonly file: string;
  /** The test's full name (suite and test names joined by ' > '). */
  readonly test: string;
  readonly reason: string;
}

/** Set on `globalThis.__neuriteSuiteConfig` before the page imports the harness. */
export interface PageConfig {
  /** The compiled test file being run, e.g. 'tensor.test.js'. */
  readonly file: string;
  /** Its absolute path in Node's file system (process.argv[1] in the page). */
  readonly path: string;
  /** The repository root (process.cwd() in the page). */
  readonly cwd: string;
  /** process.env in the page. */
  readonly env: Readonly<Record<string, string>>;
  readonly exclusions: readonly Exclusion[];
  /** Report every finished test to Node through the exposed `__neuriteSuiteProgress`. */
  readonly progress: boolean;
}

export type Status = 'pass' | 'fail' | 'skip' | 'todo';

export interface TestRecord {
  /** Suite, test and subtest names joined by ' > '. */
  readonly name: string;
  readonly kind: 'test' | 'suite' | 'hook' | 'file';
  readonly status: Status;
  /** The skip or todo reason. */
  readonly reason?: string;
  /** The failure: the error's name and message (and its first stack lines). */
  readonly error?: string;
  readonly ms: number;
  readonly diagnostics: readonly string[];
}

/** The adapter the page's webgpu backend runs on. */
export interface AdapterReport {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
}

export interface FileReport {
  readonly file: string;
  /** null when the page could not start the webgpu backend (then `setupError` says why). */
  readonly adapter: AdapterReport | null;
  readonly backend: string;
  readonly setupError?: string;
  readonly records: readonly TestRecord[];
  /** Seconds: starting the webgpu backend, loading the test module (its top level), running its tests. */
  readonly startSeconds: number;
  readonly loadSeconds: number;
  readonly runSeconds: number;
}
