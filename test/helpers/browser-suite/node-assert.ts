/**
 * `node:assert/strict` for test files bundled into a browser page (see ./bundle.ts): the
 * strict-mode assertions with Node's semantics.
 *
 * Deep equality is Node's isDeepStrictEqual: primitives by Object.is (NaN equals NaN, 0 and
 * -0 differ), objects must have the same prototype and type tag; arrays by length, holes
 * and elements plus their other own enumerable keys; typed arrays, DataViews and
 * ArrayBuffers byte by byte (so a Float32Array's -0 differs from 0 and equal bit patterns
 * of NaN are equal, as in Node's strict mode); Dates by time, RegExps by source, flags and
 * lastIndex, errors by name and message (and cause), boxed primitives by value, Maps and
 * Sets regardless of order (object keys and members matched deeply), other objects by their
 * own enumerable string and symbol keys; cycles are followed once.
 *
 * throws/rejects/doesNotThrow/doesNotReject take a RegExp (tested against String(error)),
 * an Error class (instanceof), a validation function (must return true) or an object whose
 * keys must match (deeply, or by RegExp for string values; name and message too when the
 * object is an Error).
 */
import { inspect } from './inspect.js';

export interface AssertionErrorOptions {
  message?: string | Error;
  actual?: unknown;
  expected?: unknown;
  operator?: string;
  stackStartFn?: (...args: never[]) => unknown;
}

export class AssertionError extends Error {
  readonly actual: unknown;
  readonly expected: unknown;
  readonly operator: string | undefined;
  readonly generatedMessage: boolean;
  readonly code = 'ERR_ASSERTION';
  constructor(options: AssertionErrorOptions) {
    const given = options.message;
    super(given === undefined ? `${inspect(options.actual)} ${options.operator ?? '=='} ${inspect(options.expected)}` : String(given instanceof Error ? given.message : given));
    this.name = 'AssertionError';
    this.actual = options.actual;
    this.expected = options.expected;
    this.operator = options.operator;
    this.generatedMessage = given === undefined;
  }
}

type Message = string | Error | undefined;

function fail_(message: Message, generated: string, actual: unknown, expected: unknown, operator: string): never {
  if (message instanceof Error) throw message;
  const e = new AssertionError({ message: message ?? generated, actual, expected, operator });
  (e as { generatedMessage: boolean }).generatedMessage = message === undefined;
  throw e;
}

// ---- deep strict equality ------------------------------------------------------------------

interface Memo {
  a: Map<object, number>;
  b: Map<object, number>;
  position: number;
}

const hasOwn = (o: object, k: PropertyKey): boolean => Object.prototype.hasOwnProperty.call(o, k);
const isEnumerable = (o: object, k: PropertyKey): boolean => Object.prototype.propertyIsEnumerable.call(o, k);
const tag = (o: object): string => Object.prototype.toString.call(o);
const INDEX = /^(0|[1-9]\d*)$/;

function bytesOf(v: ArrayBufferView | ArrayBufferLike): Uint8Array {
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  return new Uint8Array(v);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Own enumerable keys to compare: strings (without array indices when `skipIndices`) and symbols. */
function keysOf(o: object, skipIndices: boolean): PropertyKey[] {
  const keys: PropertyKey[] = Object.keys(o).filter((k) => !skipIndices || !INDEX.test(k));
  for (const s of Object.getOwnPropertySymbols(o)) if (isEnumerable(o, s)) keys.push(s);
  return keys;
}

function sameKeys(a: object, b: object, skipIndices: boolean, memo: Memo): boolean {
  const keys = keysOf(a, skipIndices);
  const kb = keysOf(b, skipIndices);
  if (keys.length !== kb.length) return false;
  for (const k of keys) if (!hasOwn(b, k) || !isEnumerable(b, k)) return false;
  for (const k of keys) if (!deepEq(a[k as keyof object], b[k as keyof object], memo)) return false;
  return true;
}

function isBoxed(o: object): o is Number | String | Boolean | BigInt | Symbol {
  return o instanceof Number || o instanceof String || o instanceof Boolean || (typeof BigInt !== 'undefined' && o instanceof BigInt) || o instanceof Symbol;
}

function isObjectLike(v: unknown): v is object {
  return typeof v === 'object' && v !== null;
}

function setEquiv(a: Set<unknown>, b: Set<unknown>, memo: Memo): boolean {
  if (a.size !== b.size) return false;
  const pending: unknown[] = [];
  for (const v of a) {
    if (isObjectLike(v)) {
      if (!b.has(v)) pending.push(v);
    } else if (!b.has(v)) {
      return false;
    }
  }
  if (pending.length === 0) return true;
  const candidates = [...b].filter((v) => isObjectLike(v) && !a.has(v));
  for (const v of pending) {
    const i = candidates.findIndex((c) => deepEq(v, c, memo));
    if (i < 0) return false;
    candidates.splice(i, 1);
  }
  return true;
}

function mapEquiv(a: Map<unknown, unknown>, b: Map<unknown, unknown>, memo: Memo): boolean {
  if (a.size !== b.size) return false;
  const pending: [unknown, unknown][] = [];
  for (const [k, v] of a) {
    if (b.has(k)) {
      if (!deepEq(v, b.get(k), memo)) return false;
    } else if (isObjectLike(k)) {
      pending.push([k, v]);
    } else {
      return false;
    }
  }
  if (pending.length === 0) return true;
  const candidates = [...b].filter(([k]) => isObjectLike(k) && !a.has(k));
  for (const [k, v] of pending) {
    const i = candidates.findIndex(([ck, cv]) => deepEq(k, ck, memo) && deepEq(v, cv, memo));
    if (i < 0) return false;
    candidates.splice(i, 1);
  }
  return true;
}

function objectEquiv(a: object, b: object, memo: Memo): boolean {
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (tag(a) !== tag(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (!Array.isArray(bb) || a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) {
      const ha = hasOwn(a, i);
      if (ha !== hasOwn(bb, i)) return false;
      if (ha && !deepEq(a[i], bb[i], memo)) return false;
    }
    return sameKeys(a, b, true, memo);
  }
  if (ArrayBuffer.isView(a)) {
    if (!ArrayBuffer.isView(b)) return false;
    if (!sameBytes(bytesOf(a), bytesOf(b))) return false;
    return sameKeys(a, b, true, memo);
  }
  if (a instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && a instanceof SharedArrayBuffer)) {
    return sameBytes(bytesOf(a), bytesOf(b as ArrayBuffer)) && sameKeys(a, b, false, memo);
  }
  if (a instanceof Date) {
    if (a.getTime() !== (b as Date).getTime() && !(Number.isNaN(a.getTime()) && Number.isNaN((b as Date).getTime()))) return false;
  } else if (a instanceof RegExp) {
    const rb = b as RegExp;
    if (a.source !== rb.source || a.flags !== rb.flags || a.lastIndex !== rb.lastIndex) return false;
  } else if (a instanceof Error) {
    const eb = b as Error;
    if (a.message !== eb.message || a.name !== eb.name) return false;
    if (hasOwn(a, 'cause') !== hasOwn(eb, 'cause') || (hasOwn(a, 'cause') && !deepEq((a as { cause?: unknown }).cause, (eb as { cause?: unknown }).cause, memo))) return false;
  } else if (isBoxed(a)) {
    if (!Object.is(a.valueOf(), (b as typeof a).valueOf())) return false;
  }
  if (a instanceof Map) {
    if (!mapEquiv(a, b as Map<unknown, unknown>, memo)) return false;
  } else if (a instanceof Set) {
    if (!setEquiv(a, b as Set<unknown>, memo)) return false;
  }
  return sameKeys(a, b, a instanceof String, memo);
}

function deepEq(a: unknown, b: unknown, memo: Memo): boolean {
  if (a === b) return a !== 0 || Object.is(a, b);
  if (!isObjectLike(a) || !isObjectLike(b)) return Object.is(a, b);
  const ma = memo.a.get(a);
  if (ma !== undefined) {
    const mb = memo.b.get(b);
    if (mb !== undefined) return ma === mb;
  }
  memo.position++;
  memo.a.set(a, memo.position);
  memo.b.set(b, memo.position);
  try {
    return objectEquiv(a, b, memo);
  } finally {
    memo.a.delete(a);
    memo.b.delete(b);
  }
}

/** Node's util.isDeepStrictEqual. */
export function isDeepStrictEqual(a: unknown, b: unknown): boolean {
  return deepEq(a, b, { a: new Map(), b: new Map(), position: 0 });
}

/** Where two values first differ (for messages): a path and the two values there. */
function firstDifference(a: unknown, b: unknown): string {
  if (!isObjectLike(a) || !isObjectLike(b) || Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return '';
  const la = (a as { length?: unknown }).length;
  const lb = (b as { length?: unknown }).length;
  if ((Array.isArray(a) || ArrayBuffer.isView(a)) && typeof la === 'number' && typeof lb === 'number') {
    if (la !== lb) return `lengths differ: ${la} (actual) vs ${lb} (expected)`;
    if (ArrayBuffer.isView(a) && !Array.isArray(a)) {
      const ta = a as unknown as ArrayLike<unknown>;
      const tb = b as unknown as ArrayLike<unknown>;
      for (let i = 0; i < la; i++) if (!Object.is(ta[i], tb[i])) return `first difference at index ${i}: ${inspect(ta[i])} (actual) vs ${inspect(tb[i])} (expected)`;
      return '';
    }
    for (let i = 0; i < la; i++) {
      if (!isDeepStrictEqual((a as unknown[])[i], (b as unknown[])[i])) return `first difference at index ${i}: ${inspect((a as unknown[])[i], { depth: 1 })} (actual) vs ${inspect((b as unknown[])[i], { depth: 1 })} (expected)`;
    }
    return '';
  }
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (!isDeepStrictEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return `first difference at key '${k}': ${inspect((a as Record<string, unknown>)[k], { depth: 1 })} (actual) vs ${inspect((b as Record<string, unknown>)[k], { depth: 1 })} (expected)`;
  }
  return '';
}

// ---- the assertions ------------------------------------------------------------------------

export function ok(...args: unknown[]): void {
  if (args.length === 0) fail_(undefined, 'No value argument passed to `assert.ok()`', undefined, true, '==');
  const [value, message] = args as [unknown, Message];
  if (!value) fail_(message, `The expression evaluated to a falsy value:\n\n  assert.ok(${inspect(value)})\n`, value, true, '==');
}

export function strictEqual(actual: unknown, expected: unknown, message?: Message): void {
  if (!Object.is(actual, expected)) fail_(message, `Expected values to be strictly equal:\n\n${inspect(actual)} !== ${inspect(expected)}\n`, actual, expected, 'strictEqual');
}

export function notStrictEqual(actual: unknown, expected: unknown, message?: Message): void {
  if (Object.is(actual, expected)) fail_(message, `Expected "actual" to be strictly unequal to: ${inspect(expected)}`, actual, expected, 'notStrictEqual');
}

export function deepStrictEqual(actual: unknown, expected: unknown, message?: Message): void {
  if (!isDeepStrictEqual(actual, expected)) {
    const where = firstDifference(actual, expected);
    fail_(message, `Expected values to be strictly deep-equal:\n+ actual - expected\n\n+ ${inspect(actual)}\n- ${inspect(expected)}${where ? `\n\n${where}` : ''}`, actual, expected, 'deepStrictEqual');
  }
}

export function notDeepStrictEqual(actual: unknown, expected: unknown, message?: Message): void {
  if (isDeepStrictEqual(actual, expected)) fail_(message, `Expected "actual" not to be strictly deep-equal to: ${inspect(expected)}`, actual, expected, 'notDeepStrictEqual');
}

export function fail(message?: string | Error): never {
  if (message instanceof Error) throw message;
  throw new AssertionError({ message: message ?? 'Failed', operator: 'fail' });
}

export function ifError(value: unknown): void {
  if (value === null || value === undefined) return;
  const text = value instanceof Error ? value.message : inspect(value);
  throw new AssertionError({ message: `ifError got unwanted exception: ${text}`, actual: value, expected: null, operator: 'ifError' });
}

export function match(string: unknown, regexp: RegExp, message?: Message): void {
  if (!(regexp instanceof RegExp)) throw new TypeError(`The "regexp" argument must be an instance of RegExp. Received ${inspect(regexp)}`);
  if (typeof string !== 'string') {
    fail_(message, `The "string" argument must be of type string. Received type ${typeof string} (${inspect(string)})`, string, regexp, 'match');
  }
  if (regexp.exec(string) === null) fail_(message, `The input did not match the regular expression ${inspect(regexp)}. Input:\n\n${inspect(string)}\n`, string, regexp, 'match');
}

export function doesNotMatch(string: unknown, regexp: RegExp, message?: Message): void {
  if (!(regexp instanceof RegExp)) throw new TypeError(`The "regexp" argument must be an instance of RegExp. Received ${inspect(regexp)}`);
  if (typeof string !== 'string') {
    fail_(message, `The "string" argument must be of type string. Received type ${typeof string} (${inspect(string)})`, string, regexp, 'doesNotMatch');
  }
  if (regexp.exec(string) !== null) fail_(message, `The input was expected to not match the regular expression ${inspect(regexp)}. Input:\n\n${inspect(string)}\n`, string, regexp, 'doesNotMatch');
}

type ErrorClass = abstract new (...args: never[]) => unknown;
type Validator = ((e: unknown) => unknown) | ErrorClass;
type Expected = RegExp | Validator | object;

function isErrorClass(f: unknown): boolean {
  return typeof f === 'function' && (f === Error || Error.isPrototypeOf(f));
}

/** Checks a caught error against what throws/rejects expect (node's expectedException). */
function checkExpected(actual: unknown, expected: Expected, message: Message, operator: string): void {
  if (typeof expected !== 'function') {
    if (expected instanceof RegExp) {
      const text = String(actual);
      if (expected.exec(text) !== null) return;
      fail_(message, `The input did not match the regular expression ${inspect(expected)}. Input:\n\n${inspect(text)}\n`, actual, expected, operator);
    }
    if (!isObjectLike(actual)) {
      fail_(message, `Expected values to be strictly deep-equal:\n+ actual - expected\n\n+ ${inspect(actual)}\n- ${inspect(expected)}`, actual, expected, operator);
    }
    const keys = Object.keys(expected);
    if (expected instanceof Error) keys.push('name', 'message');
    else if (keys.length === 0) throw new TypeError(`The argument 'error' may not be an empty object. Received {}`);
    for (const key of keys) {
      const a = (actual as Record<string, unknown>)[key];
      const e = (expected as Record<string, unknown>)[key];
      if (typeof a === 'string' && e instanceof RegExp && e.exec(a) !== null) continue;
      if (!(key in (actual as object)) || !isDeepStrictEqual(a, e)) {
        fail_(message, `Expected values to be strictly deep-equal at key '${key}':\n+ actual - expected\n\n+ ${inspect(a)}\n- ${inspect(e)}`, actual, expected, operator);
      }
    }
    return;
  }
  const fn = expected as { prototype?: unknown; name?: string };
  if (fn.prototype !== undefined && actual instanceof (expected as ErrorClass)) return;
  if (isErrorClass(expected)) {
    const got = isObjectLike(actual) ? `"${(actual as { constructor?: { name?: string } }).constructor?.name ?? 'Object'}"` : `type ${typeof actual}`;
    fail_(message, `The error is expected to be an instance of "${fn.name}". Received ${got}\n\nError message:\n\n${actual instanceof Error ? actual.message : inspect(actual)}`, actual, expected, operator);
  }
  const res = (expected as (e: unknown) => unknown).call({}, actual);
  if (res !== true) {
    const name = fn.name ? `"${fn.name}" ` : '';
    fail_(message, `The ${name}validation function is expected to return "true". Received ${inspect(res)}${actual instanceof Error ? `\n\nCaught error:\n\n${actual.name}: ${actual.message}` : ''}`, actual, expected, operator);
  }
}

/** doesNotThrow's test: whether an error is the kind the caller says must not be thrown. */
function matchesExpected(actual: unknown, expected: Expected): boolean {
  if (expected instanceof RegExp) return expected.exec(String(actual)) !== null;
  if (typeof expected !== 'function') throw new TypeError('The "expected" argument must be a RegExp or a Function');
  const fn = expected as { prototype?: unknown };
  if (fn.prototype !== undefined && actual instanceof (expected as ErrorClass)) return true;
  if (isErrorClass(expected)) return false;
  return (expected as (e: unknown) => unknown).call({}, actual) === true;
}

const NOTHING = Symbol('nothing thrown');

function splitArgs(error: Expected | string | undefined, message: Message, count: number): { expected: Expected | undefined; message: Message } {
  if (typeof error === 'string') {
    if (count === 3) throw new TypeError('The "error" argument must be of type function or an instance of Error, RegExp, or Object. Received type string');
    return { expected: undefined, message: error };
  }
  if (error !== undefined && typeof error !== 'function' && !isObjectLike(error)) {
    throw new TypeError(`The "error" argument must be of type function or an instance of Error, RegExp, or Object. Received ${inspect(error)}`);
  }
  return { expected: error, message };
}

function missing(kind: 'exception' | 'rejection', expected: Expected | undefined, message: Message, operator: string): never {
  if (message instanceof Error) throw message;
  const name = typeof expected === 'function' && (expected as { name?: string }).name ? ` (${(expected as { name: string }).name})` : '';
  throw new AssertionError({ message: `Missing expected ${kind}${name}${message ? `: ${message}` : '.'}`, actual: undefined, expected, operator });
}

function checkIdenticalMessage(actual: unknown, message: Message, expected: Expected | undefined): void {
  if (expected === undefined && typeof message === 'string' && actual instanceof Error && actual.message === message) {
    throw new TypeError(`The "error/message" argument is ambiguous. The error message "${message}" is identical to the message.`);
  }
}

export function throws(fn: () => unknown, error?: Expected | string, message?: Message): void {
  if (typeof fn !== 'function') throw new TypeError(`The "fn" argument must be of type function. Received ${inspect(fn)}`);
  const a = splitArgs(error, message, arguments.length);
  let caught: unknown = NOTHING;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  if (caught === NOTHING) missing('exception', a.expected, a.message, 'throws');
  checkIdenticalMessage(caught, a.message, a.expected);
  if (a.expected !== undefined) checkExpected(caught, a.expected, a.message, 'throws');
}

export async function rejects(promiseFn: Promise<unknown> | (() => Promise<unknown>), error?: Expected | string, message?: Message): Promise<void> {
  const a = splitArgs(error, message, arguments.length);
  let caught: unknown = NOTHING;
  try {
    let p: unknown = promiseFn;
    if (typeof promiseFn === 'function') {
      p = promiseFn();
      if (!isObjectLike(p) || typeof (p as Promise<unknown>).then !== 'function') {
        throw Object.assign(new TypeError(`Expected instance of Promise to be returned from the "promiseFn" function but got ${inspect(p)}.`), { code: 'ERR_INVALID_RETURN_VALUE' });
      }
    } else if (!isObjectLike(p) || typeof (p as Promise<unknown>).then !== 'function') {
      throw new TypeError(`The "promiseFn" argument must be of type function or an instance of Promise. Received ${inspect(p)}`);
    }
    await p;
  } catch (e) {
    if (e instanceof TypeError && /promiseFn/.test(e.message)) throw e;
    caught = e;
  }
  if (caught === NOTHING) missing('rejection', a.expected, a.message, 'rejects');
  checkIdenticalMessage(caught, a.message, a.expected);
  if (a.expected !== undefined) checkExpected(caught, a.expected, a.message, 'rejects');
}

function unwanted(kind: 'exception' | 'rejection', actual: unknown, expected: Expected | undefined, message: Message, operator: string): void {
  if (expected === undefined || matchesExpected(actual, expected)) {
    if (message instanceof Error) throw message;
    const details = message ? `: ${message}` : '.';
    const text = actual instanceof Error ? actual.message : inspect(actual);
    throw new AssertionError({ message: `Got unwanted ${kind}${details}\nActual message: "${text}"`, actual, expected, operator });
  }
  throw actual;
}

export function doesNotThrow(fn: () => unknown, error?: Expected | string, message?: Message): void {
  const a = splitArgs(error, message, arguments.length);
  try {
    fn();
  } catch (e) {
    unwanted('exception', e, a.expected, a.message, 'doesNotThrow');
  }
}

export async function doesNotReject(promiseFn: Promise<unknown> | (() => Promise<unknown>), error?: Expected | string, message?: Message): Promise<void> {
  const a = splitArgs(error, message, arguments.length);
  try {
    await (typeof promiseFn === 'function' ? promiseFn() : promiseFn);
  } catch (e) {
    unwanted('rejection', e, a.expected, a.message, 'doesNotReject');
  }
}

// ---- node:assert/strict's shape: a function with the assertions as properties ----------------

export const equal = strictEqual;
export const notEqual = notStrictEqual;
export const deepEqual = deepStrictEqual;
export const notDeepEqual = notDeepStrictEqual;

type StrictAssert = typeof ok & {
  ok: typeof ok;
  equal: typeof strictEqual;
  notEqual: typeof notStrictEqual;
  strictEqual: typeof strictEqual;
  notStrictEqual: typeof notStrictEqual;
  deepEqual: typeof deepStrictEqual;
  notDeepEqual: typeof notDeepStrictEqual;
  deepStrictEqual: typeof deepStrictEqual;
  notDeepStrictEqual: typeof notDeepStrictEqual;
  throws: typeof throws;
  rejects: typeof rejects;
  doesNotThrow: typeof doesNotThrow;
  doesNotReject: typeof doesNotReject;
  match: typeof match;
  doesNotMatch: typeof doesNotMatch;
  fail: typeof fail;
  ifError: typeof ifError;
  AssertionError: typeof AssertionError;
  strict: StrictAssert;
};

function assertFn(...args: unknown[]): void {
  ok(...args);
}

export const strict: StrictAssert = Object.assign(assertFn, {
  ok,
  equal: strictEqual,
  notEqual: notStrictEqual,
  strictEqual,
  notStrictEqual,
  deepEqual: deepStrictEqual,
  notDeepEqual: notDeepStrictEqual,
  deepStrictEqual,
  notDeepStrictEqual,
  throws,
  rejects,
  doesNotThrow,
  doesNotReject,
  match,
  doesNotMatch,
  fail,
  ifError,
  AssertionError,
}) as StrictAssert;
strict.strict = strict;

export default strict;
