/**
 * Helpers shared by the `neurite` commands: the library loaded on first use (so `--help` stays
 * fast), model loading with the CLI's exit codes, and writing results (stdout) apart from
 * progress and messages (stderr).
 */
import type * as Neurite from '../index.js';
import type { Model } from '../models/model.js';
import type { Callback } from '../callbacks/callback.js';
import { InputInvalidError, requireReadable } from './errors.js';

/** The library's namespace, as `import * as nt from 'neurite'` gives it. */
export type NeuriteModule = typeof Neurite;

let loaded: Promise<NeuriteModule> | null = null;

/** Imports the library (kernels, layers, native addon) the first time a command needs it. */
export function loadNeurite(): Promise<NeuriteModule> {
  loaded ??= import('../index.js');
  return loaded;
}

/** Writes a result to stdout. */
export function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Writes progress or a message to stderr. */
export function note(text: string): void {
  process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Prints `value` as indented JSON on stdout. */
export function outJson(value: unknown): void {
  out(JSON.stringify(value, null, 2));
}

/** The message of anything thrown. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Loads a saved model (Keras .h5/.hdf5, native file, web-format model.json): exit code 3 when
 * the file is missing, 4 when it is not a model neurite can read.
 */
export async function openModel(path: string): Promise<Model> {
  await requireReadable(path, 'model file');
  const nt = await loadNeurite();
  try {
    return await nt.loadModel(path);
  } catch (e) {
    throw new InputInvalidError(`cannot load the model '${path}': ${messageOf(e)}`);
  }
}

/** The model's (single) input shape without the batch axis; an error for several inputs. */
export function singleInputShape(model: Model, what: string): (number | null)[] {
  if (model.inputs.length !== 1) throw new InputInvalidError(`${what} needs a model with one input; '${model.name}' has ${model.inputs.length}`);
  return model.inputs[0].shape.slice(1);
}

/**
 * Keras' progress bar on stderr (redrawn in place on a terminal, else one line per epoch):
 * verbose 1 a bar, 2 one line per epoch, 0 nothing.
 */
export async function stderrProgress(verbose: 0 | 1 | 2, mode: 'train' | 'test' = 'train'): Promise<Callback[]> {
  if (verbose === 0) return [];
  const nt = await loadNeurite();
  return [new nt.ProgbarLogger({ verbose, mode, write: (t) => process.stderr.write(t), dynamic: Boolean(process.stderr.isTTY) })];
}
