/** `node:util` for test pages: what the library and tests call (promisify, inspect, format, isDeepStrictEqual, ...). */
import { format, inspect } from './inspect.js';
import { isDeepStrictEqual } from './node-assert.js';

export { format, inspect, isDeepStrictEqual };

type Callback = (err: unknown, value?: unknown) => void;

export function promisify(fn: (...args: never[]) => unknown): (...args: unknown[]) => Promise<unknown> {
  if (typeof fn !== 'function') throw new TypeError('The "original" argument must be of type function');
  return (...args: unknown[]) =>
    new Promise((resolve, reject) => {
      const cb: Callback = (err, value) => (err ? reject(err) : resolve(value));
      (fn as (...a: unknown[]) => unknown)(...args, cb);
    });
}

export function deprecate<F>(fn: F, _message: string): F {
  return fn;
}

export function inherits(ctor: { prototype: object }, superCtor: { prototype: object }): void {
  Object.setPrototypeOf(ctor.prototype, superCtor.prototype);
  Object.setPrototypeOf(ctor, superCtor);
}

export const types = {
  isTypedArray: (v: unknown): boolean => ArrayBuffer.isView(v) && !(v instanceof DataView),
  isPromise: (v: unknown): boolean => v instanceof Promise,
  isDate: (v: unknown): boolean => v instanceof Date,
  isRegExp: (v: unknown): boolean => v instanceof RegExp,
  isNativeError: (v: unknown): boolean => v instanceof Error,
};

const TextEncoder_ = globalThis.TextEncoder;
const TextDecoder_ = globalThis.TextDecoder;
export { TextEncoder_ as TextEncoder, TextDecoder_ as TextDecoder };

export function parseArgs(): never {
  throw new Error('node:util parseArgs is not available in the browser test page');
}

export default { format, inspect, isDeepStrictEqual, promisify, deprecate, inherits, types, TextEncoder: TextEncoder_, TextDecoder: TextDecoder_, parseArgs };
