/**
 * `node:test` for test files bundled into a browser page (see ./bundle.ts): what the engine
 * test files use, with node:test's semantics where they decide an outcome.
 *
 * - test/it, describe/suite (with .skip, .todo, .only), options { skip, todo, timeout, only,
 *   concurrency }, the (t, done) callback form, before/after/beforeEach/afterEach (globally:
 *   on the file or on the suite being built; inside a test's synchronous part: on that
 *   test), t.test subtests, t.skip, t.todo, t.diagnostic, t.name, t.fullName, t.signal and
 *   the context's own hooks.
 * - Tests run one after another in registration order, awaiting async ones, like node:test
 *   with a file (default concurrency 1), starting a macrotask after the first top-level
 *   registration (once the module's synchronous top level has run); `runRegistered()`
 *   joins that run and returns the records.
 * - A test fails when its function throws or rejects, calls done(err), times out, when a
 *   subtest fails ("N subtests failed"), or when a hook around it fails. A failing todo test
 *   is reported as todo. skip: true or a reason string, and t.skip(reason) inside a test,
 *   report a skip with that reason. Subtests still running when their parent's function
 *   has finished are cancelled and fail, as in node:test (await t.test(...)).
 * - `only` is ignored, as node:test does without --test-only.
 * - Tests the harness excludes (PageConfig.exclusions) are reported as skipped with the reason.
 *
 * Every finished test, suite and failing hook becomes a TestRecord (subtests before their
 * parent, as node:test reports them).
 */
import type { Exclusion, Status, TestRecord } from './report.js';

export interface TestOptions {
  concurrency?: number | boolean;
  only?: boolean;
  signal?: AbortSignal;
  skip?: boolean | string;
  todo?: boolean | string;
  timeout?: number;
  plan?: number;
}

type Done = (err?: unknown) => void;
export type TestFn = (t: TestContext, done: Done) => unknown;
export type SuiteFn = (s: SuiteContext) => unknown;
export type HookFn = (c: TestContext | SuiteContext, done: Done) => unknown;
export interface HookOptions {
  signal?: AbortSignal;
  timeout?: number;
}

interface Hook {
  readonly fn: HookFn;
  readonly timeout: number;
}

interface Hooks {
  before: Hook[];
  after: Hook[];
  beforeEach: Hook[];
  afterEach: Hook[];
}

type HookKind = keyof Hooks;

const records: TestRecord[] = [];
let exclusions: readonly Exclusion[] = [];
let currentFile = '';
let progress: ((r: TestRecord) => void) | null = null;

function now(): number {
  return performance.now();
}

function errorText(e: unknown): string {
  if (e instanceof Error) {
    const head = `${e.name}: ${e.message}`;
    const frames = (e.stack ?? '')
      .split('\n')
      .filter((l) => /^\s+at /.test(l))
      .slice(0, 4)
      .join('\n');
    return frames ? `${head}\n${frames}` : head;
  }
  return `thrown value: ${String(e)}`;
}

function record(r: TestRecord): void {
  records.push(r);
  progress?.(r);
}

/** Runs fn (sync, async, or with a done callback) and settles when it has finished or timed out. */
async function invoke(fn: (ctx: never, done: Done) => unknown, ctx: unknown, timeout: number, what: string): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const body = new Promise<void>((resolve, reject) => {
    if (fn.length >= 2) {
      let called = false;
      const done: Done = (err) => {
        if (called) return;
        called = true;
        if (err !== undefined && err !== null) reject(err);
        else resolve();
      };
      try {
        const r = (fn as (c: unknown, d: Done) => unknown)(ctx, done);
        if (r !== null && typeof r === 'object' && typeof (r as Promise<unknown>).then === 'function') {
          reject(new Error(`${what}: passed a callback but also returned a Promise`));
        }
      } catch (e) {
        reject(e);
      }
      return;
    }
    try {
      Promise.resolve((fn as (c: unknown) => unknown)(ctx)).then(() => resolve(), reject);
    } catch (e) {
      reject(e);
    }
  });
  if (!Number.isFinite(timeout)) return body;
  const limit = new Promise<void>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${timeout}ms`)), timeout);
  });
  try {
    await Promise.race([body, limit]);
  } finally {
    clearTimeout(timer);
  }
}

abstract class Node_ {
  readonly hooks: Hooks = { before: [], after: [], beforeEach: [], afterEach: [] };
  readonly controller = new AbortController();
  constructor(
    readonly name: string,
    readonly parent: Node_ | null,
  ) {}

  get fullName(): string {
    const names: string[] = [];
    for (let n: Node_ | null = this; n !== null && n.parent !== null; n = n.parent) names.unshift(n.name);
    return names.join(' > ');
  }

  /** Ancestors from the outermost (the file) down to the parent. */
  ancestors(): Node_[] {
    const out: Node_[] = [];
    for (let n = this.parent; n !== null; n = n.parent) out.unshift(n);
    return out;
  }
}

class Suite extends Node_ {
  readonly children: (Suite | Test)[] = [];
  building: Promise<void> = Promise.resolve();
  buildError: unknown = undefined;
  failed = false;
  constructor(
    name: string,
    parent: Suite | null,
    readonly options: TestOptions,
    readonly fn: SuiteFn | undefined,
    readonly settle: () => void,
  ) {
    super(name, parent);
  }
}

class Test extends Node_ {
  skipReason: string | undefined = undefined;
  skipped = false;
  todoReason: string | undefined = undefined;
  readonly diagnostics: string[] = [];
  /** Subtests run one after another on this chain. */
  chain: Promise<void> = Promise.resolve();
  /** Subtests started and not finished yet. */
  readonly pending = new Set<Test>();
  /** Reported as cancelled: its parent finished first (whatever it does later is not recorded). */
  cancelled = false;
  subtestFailures = 0;
  constructor(
    name: string,
    parent: Node_,
    readonly options: TestOptions,
    readonly fn: TestFn | undefined,
    readonly settle: () => void,
  ) {
    super(name, parent);
    if (typeof options.todo === 'string') this.todoReason = options.todo;
  }
}

let root = new Suite('', null, {}, undefined, () => undefined);
/** The suite whose function runs now (describe's body), or the test whose synchronous part runs now. */
let building: Node_ = root;

function parseArgs<F>(a: unknown, b: unknown, c: unknown): { name: string | undefined; options: TestOptions; fn: F | undefined } {
  const args = [a, b, c];
  const name = typeof args[0] === 'string' ? (args.shift() as string) : undefined;
  const options = args[0] !== null && typeof args[0] === 'object' ? (args.shift() as TestOptions) : {};
  const fn = typeof args[0] === 'function' ? (args[0] as F) : undefined;
  return { name, options: { ...options }, fn };
}

function nameOf(name: string | undefined, fn: ((...args: never[]) => unknown) | undefined): string {
  return name ?? (fn?.name ? fn.name : '<anonymous>');
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** The run of the file's tests: started a macrotask after the first top-level registration. */
let running: Promise<void> | null = null;
let scheduled = false;

function startRun(): Promise<void> {
  running ??= runSuite(root);
  return running;
}

/**
 * As node:test, tests start once the current task (the module's synchronous top level) has
 * finished, so a module that awaits a test at its top level does not wait forever.
 */
function scheduleRun(): void {
  if (scheduled) return;
  scheduled = true;
  setTimeout(() => void startRun(), 0);
}

function addTest(parent: Node_, name: string | undefined, options: TestOptions, fn: TestFn | undefined): Promise<void> {
  const d = deferred();
  const t = new Test(nameOf(name, fn), parent, options, fn, d.resolve);
  if (parent instanceof Suite) {
    parent.children.push(t);
    if (parent === root) scheduleRun();
  } else {
    const p = parent as Test;
    p.pending.add(t);
    p.chain = p.chain.then(() => (t.cancelled ? undefined : runTest(t)));
  }
  return d.promise;
}

function addSuite(parent: Node_, name: string | undefined, options: TestOptions, fn: SuiteFn | undefined): Promise<void> {
  if (!(parent instanceof Suite)) throw new Error('describe() inside a running test is not supported by the browser node:test shim');
  const d = deferred();
  const s = new Suite(nameOf(name, fn), parent, options, fn, d.resolve);
  parent.children.push(s);
  if (parent === root) scheduleRun();
  if (fn && !options.skip) {
    const saved = building;
    building = s;
    try {
      const r = fn(new SuiteContext(s));
      if (r !== null && typeof r === 'object' && typeof (r as Promise<unknown>).then === 'function') {
        s.building = (r as Promise<unknown>).then(
          () => undefined,
          (e: unknown) => {
            s.buildError = e;
          },
        );
      }
    } catch (e) {
      s.buildError = e;
    } finally {
      building = saved;
    }
  }
  return d.promise;
}

function excludedReason(t: Node_): string | undefined {
  const full = t.fullName;
  return exclusions.find((x) => x.file === currentFile && x.test === full)?.reason;
}

async function runHooks(node: Node_, kind: HookKind, ctx: TestContext | SuiteContext): Promise<void> {
  for (const h of node.hooks[kind]) await invoke(h.fn, ctx, h.timeout, `${kind} hook`);
}

/** beforeEach hooks from the outermost ancestor in, afterEach hooks from the innermost out. */
async function runEachHooks(t: Test, kind: 'beforeEach' | 'afterEach', ctx: TestContext): Promise<void> {
  const chain = t.ancestors();
  if (kind === 'afterEach') chain.reverse();
  for (const n of chain) await runHooks(n, kind, ctx);
}

/**
 * node:test: subtests still outstanding when their parent's function has finished are
 * cancelled and fail ("test did not finish before its parent and was cancelled"), and so
 * does the parent.
 */
function cancelPending(t: Test): void {
  for (const sub of t.pending) {
    sub.cancelled = true;
    t.subtestFailures++;
    record({ name: sub.fullName, kind: 'test', status: 'fail', error: 'Error: test did not finish before its parent and was cancelled', ms: 0, diagnostics: [] });
    sub.settle();
  }
  t.pending.clear();
}

async function runTest(t: Test): Promise<void> {
  const start = now();
  const excluded = excludedReason(t);
  const skip = excluded !== undefined ? `not run in the browser: ${excluded}` : t.options.skip;
  if (skip !== undefined && skip !== false) {
    record({ name: t.fullName, kind: 'test', status: 'skip', ...(typeof skip === 'string' ? { reason: skip } : {}), ms: 0, diagnostics: [] });
    t.settle();
    return;
  }
  const ctx = new TestContext(t);
  let error: unknown = undefined;
  let failed = false;
  try {
    await runEachHooks(t, 'beforeEach', ctx);
    if (t.fn) {
      const fn = t.fn;
      const saved = building;
      building = t;
      let body: Promise<void>;
      try {
        body = invoke(fn, ctx, t.options.timeout ?? Infinity, `test '${t.name}'`);
      } finally {
        building = saved;
      }
      await body;
    }
  } catch (e) {
    error = e;
    failed = true;
  }
  // Subtests the test awaited have finished; any other is cancelled.
  cancelPending(t);
  try {
    await runHooks(t, 'after', ctx);
    // As node:test, a test that skipped itself gets no afterEach hooks.
    if (!t.skipped) await runEachHooks(t, 'afterEach', ctx);
  } catch (e) {
    if (!failed) {
      error = e;
      failed = true;
    }
  }
  t.controller.abort();
  const ms = now() - start;
  let status: Status;
  let reason: string | undefined;
  const todo = Boolean(t.options.todo) || t.todoReason !== undefined;
  if (failed || t.subtestFailures > 0) {
    status = todo ? 'todo' : 'fail';
    if (!failed) error = new Error(`${t.subtestFailures} subtest${t.subtestFailures === 1 ? '' : 's'} failed`);
    reason = status === 'todo' ? t.todoReason : undefined;
  } else if (t.skipped) {
    status = 'skip';
    reason = t.skipReason;
  } else if (todo) {
    status = 'todo';
    reason = t.todoReason;
  } else {
    status = 'pass';
  }
  if (t.parent instanceof Test) t.parent.pending.delete(t);
  if (t.cancelled) return;
  if (status === 'fail' && t.parent instanceof Test) t.parent.subtestFailures++;
  if (status === 'fail') markSuitesFailed(t);
  record({
    name: t.fullName,
    kind: 'test',
    status,
    ...(reason !== undefined ? { reason } : {}),
    ...(status === 'fail' || (status === 'todo' && failed) ? { error: errorText(error) } : {}),
    ms,
    diagnostics: t.diagnostics,
  });
  t.settle();
}

function markSuitesFailed(n: Node_): void {
  for (let p = n.parent; p !== null; p = p.parent) if (p instanceof Suite) p.failed = true;
}

async function runSuite(s: Suite): Promise<void> {
  const start = now();
  const isRoot = s.parent === null;
  const excluded = isRoot ? undefined : excludedReason(s);
  const skip = excluded !== undefined ? `not run in the browser: ${excluded}` : s.options.skip;
  if (skip !== undefined && skip !== false) {
    record({ name: s.fullName, kind: 'suite', status: 'skip', ...(typeof skip === 'string' ? { reason: skip } : {}), ms: 0, diagnostics: [] });
    s.settle();
    return;
  }
  await s.building;
  const ctx = new SuiteContext(s);
  let error: unknown = s.buildError;
  if (error === undefined) {
    try {
      await runHooks(s, 'before', ctx);
    } catch (e) {
      error = e;
    }
  }
  if (error === undefined) {
    for (let i = 0; i < s.children.length; i++) {
      const c = s.children[i];
      if (c instanceof Suite) await runSuite(c);
      else await runTest(c);
    }
  } else {
    // A suite that failed to build or whose before hook failed runs none of its tests.
    const why = errorText(error).split('\n')[0];
    for (const c of s.children) {
      record({ name: c.fullName, kind: c instanceof Suite ? 'suite' : 'test', status: 'fail', error: `not run: ${isRoot ? 'the file' : 'its suite'} failed (${why})`, ms: 0, diagnostics: [] });
      markSuitesFailed(c);
      c.settle();
    }
  }
  try {
    await runHooks(s, 'after', ctx);
  } catch (e) {
    record({ name: isRoot ? 'after hook' : `${s.fullName} > after hook`, kind: 'hook', status: 'fail', error: errorText(e), ms: 0, diagnostics: [] });
    s.failed = true;
    markSuitesFailed(s);
  }
  s.controller.abort();
  if (!isRoot) {
    const failed = s.failed || error !== undefined;
    if (failed) markSuitesFailed(s);
    record({ name: s.fullName, kind: 'suite', status: failed ? 'fail' : s.options.todo ? 'todo' : 'pass', ...(error !== undefined ? { error: errorText(error) } : {}), ms: now() - start, diagnostics: [] });
  } else if (error !== undefined) {
    record({ name: 'before hook', kind: 'hook', status: 'fail', error: errorText(error), ms: 0, diagnostics: [] });
  }
  s.settle();
}

export class TestContext {
  constructor(private readonly t: Test) {}
  get name(): string {
    return this.t.name;
  }
  get fullName(): string {
    return this.t.fullName;
  }
  get signal(): AbortSignal {
    return this.t.controller.signal;
  }
  diagnostic(message: string): void {
    this.t.diagnostics.push(String(message));
  }
  skip(message?: string): void {
    this.t.skipped = true;
    if (message !== undefined) this.t.skipReason = String(message);
  }
  todo(message?: string): void {
    this.t.todoReason = message === undefined ? '' : String(message);
  }
  runOnly(_shouldRunOnlyTests: boolean): void {
    // `only` is not honoured (as node:test without --test-only).
  }
  test(name?: string | TestOptions | TestFn, options?: TestOptions | TestFn, fn?: TestFn): Promise<void> {
    const a = parseArgs<TestFn>(name, options, fn);
    return addTest(this.t, a.name, a.options, a.fn);
  }
  before(fn: HookFn, options: HookOptions = {}): void {
    addHook(this.t, 'before', fn, options);
  }
  after(fn: HookFn, options: HookOptions = {}): void {
    addHook(this.t, 'after', fn, options);
  }
  beforeEach(fn: HookFn, options: HookOptions = {}): void {
    addHook(this.t, 'beforeEach', fn, options);
  }
  afterEach(fn: HookFn, options: HookOptions = {}): void {
    addHook(this.t, 'afterEach', fn, options);
  }
}

export class SuiteContext {
  constructor(private readonly s: Suite) {}
  get name(): string {
    return this.s.name;
  }
  get fullName(): string {
    return this.s.fullName;
  }
  get signal(): AbortSignal {
    return this.s.controller.signal;
  }
}

function addHook(node: Node_, kind: HookKind, fn: HookFn, options: HookOptions): void {
  // A test's own `before` hook would run at once in node:test; here it runs now as well.
  node.hooks[kind].push({ fn, timeout: options.timeout ?? Infinity });
}

type TestApi = {
  (name?: string | TestOptions | TestFn, options?: TestOptions | TestFn, fn?: TestFn): Promise<void>;
  skip: (name?: string | TestOptions | TestFn, options?: TestOptions | TestFn, fn?: TestFn) => Promise<void>;
  todo: (name?: string | TestOptions | TestFn, options?: TestOptions | TestFn, fn?: TestFn) => Promise<void>;
  only: (name?: string | TestOptions | TestFn, options?: TestOptions | TestFn, fn?: TestFn) => Promise<void>;
};
type SuiteApi = {
  (name?: string | TestOptions | SuiteFn, options?: TestOptions | SuiteFn, fn?: SuiteFn): Promise<void>;
  skip: (name?: string | TestOptions | SuiteFn, options?: TestOptions | SuiteFn, fn?: SuiteFn) => Promise<void>;
  todo: (name?: string | TestOptions | SuiteFn, options?: TestOptions | SuiteFn, fn?: SuiteFn) => Promise<void>;
  only: (name?: string | TestOptions | SuiteFn, options?: TestOptions | SuiteFn, fn?: SuiteFn) => Promise<void>;
};

function makeTest(extra: TestOptions): TestApi['skip'] {
  return (name, options, fn) => {
    const a = parseArgs<TestFn>(name, options, fn);
    // Called while a test's synchronous part runs, test() makes a subtest of it (as node:test).
    return addTest(building, a.name, { ...a.options, ...extra }, a.fn);
  };
}

function makeSuite(extra: TestOptions): SuiteApi['skip'] {
  return (name, options, fn) => {
    const a = parseArgs<SuiteFn>(name, options, fn);
    return addSuite(building, a.name, { ...a.options, ...extra }, a.fn);
  };
}

export const test: TestApi = Object.assign(makeTest({}), { skip: makeTest({ skip: true }), todo: makeTest({ todo: true }), only: makeTest({ only: true }) });
export const it = test;
export const describe: SuiteApi = Object.assign(makeSuite({}), { skip: makeSuite({ skip: true }), todo: makeSuite({ todo: true }), only: makeSuite({ only: true }) });
export const suite = describe;

export function before(fn: HookFn, options: HookOptions = {}): void {
  addHook(building, 'before', fn, options);
}
export function after(fn: HookFn, options: HookOptions = {}): void {
  addHook(building, 'after', fn, options);
}
export function beforeEach(fn: HookFn, options: HookOptions = {}): void {
  addHook(building, 'beforeEach', fn, options);
}
export function afterEach(fn: HookFn, options: HookOptions = {}): void {
  addHook(building, 'afterEach', fn, options);
}

export default test;

// ---- used by the harness (./page.ts) -------------------------------------------------------

/** Starts a file: clears what an earlier file registered and sets the exclusions. */
export function beginFile(file: string, excluded: readonly Exclusion[], onRecord: ((r: TestRecord) => void) | null): void {
  records.length = 0;
  root = new Suite('', null, {}, undefined, () => undefined);
  building = root;
  running = null;
  scheduled = false;
  exclusions = excluded;
  currentFile = file;
  progress = onRecord;
}

/** Records a failure that belongs to no test (the module failed to load, an unhandled rejection). */
export function recordFileFailure(name: string, error: unknown): void {
  record({ name, kind: 'file', status: 'fail', error: errorText(error), ms: 0, diagnostics: [] });
}

/** Runs every registered test in order (or joins the run already started); returns all records of the file. */
export async function runRegistered(): Promise<TestRecord[]> {
  await startRun();
  return records.slice();
}

/** Every record of the file so far (tests, suites, failing hooks, file-level failures). */
export function allRecords(): TestRecord[] {
  return records.slice();
}
