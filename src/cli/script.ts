/**
 * `neurite train script.ts|script.js`: runs a user's training script in this process, with
 * `import * as nt from 'neurite'` resolving to this package and TypeScript transpiled by
 * esbuild (see ts-hooks.ts). The script sees `process.argv` as `[node, script, ...args]`.
 */
import * as nodeModule from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CliError, EXIT, requireReadable } from './errors.js';
import type { HooksData } from './ts-hooks.js';

let registered = false;

/** Installs the module hooks once per process. */
export function registerScriptHooks(): void {
  if (registered) return;
  const data: HooksData = { neuriteUrl: new URL('../index.js', import.meta.url).href };
  // module.register arrived in Node 20.6; a named import would break every command on older 20.x.
  const register = (nodeModule as { register?: typeof nodeModule.register }).register;
  if (typeof register !== 'function') throw new CliError(`running scripts needs Node 20.6 or later (module.register); this is ${process.version}`, EXIT.FAILURE);
  register(new URL('./ts-hooks.js', import.meta.url), { data });
  registered = true;
}

/** An error thrown by the user's script (reported with its stack, exit code 1). */
export class ScriptError extends Error {
  constructor(readonly script: string, readonly original: unknown) {
    super(original instanceof Error ? original.message : String(original));
    this.name = 'ScriptError';
  }
}

/** Runs the script (to the end of its top-level code, top-level await included). */
export async function runScript(path: string, args: readonly string[]): Promise<void> {
  await requireReadable(path, 'script');
  registerScriptHooks();
  const abs = resolve(path);
  process.argv = [process.argv[0], abs, ...args];
  try {
    await import(pathToFileURL(abs).href);
  } catch (e) {
    throw new ScriptError(abs, e);
  }
}
