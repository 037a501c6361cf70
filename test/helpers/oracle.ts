/**
 * Tests that need something outside the code under test (an oracle such as h5py or
 * python3-onnx, a browser, a data set, the native or wasm build) skip with the reason on
 * a developer's machine that lacks it. On CI (`CI` set, as .ci/run does) every one of them
 * is installed, so a missing one is a failure, not a quiet skip.
 */
import type { TestContext } from 'node:test';

export const onCI = ((): boolean => {
  const v = process.env.CI;
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
})();

/**
 * For a test's `skip` option: false when `reason` is empty (it can run); otherwise the
 * reason to skip, or, on CI, an error thrown right away so the file fails naming it.
 */
export function unavailable(reason: string | null | false | undefined): string | false {
  if (!reason) return false;
  if (onCI) throw new Error(`required on CI but missing: ${reason}`);
  return reason;
}

/** Inside a test: skips it with `reason` (on CI, fails it instead). */
export function skipOrFail(t: TestContext, reason: string): void {
  if (onCI) throw new Error(`required on CI but missing: ${reason}`);
  t.skip(reason);
}
