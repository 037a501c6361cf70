/**
 * Module hooks for `neurite train script.ts` (registered with node:module's `register`, they
 * run on Node's loader thread): `import … from 'neurite'` resolves to this package, and
 * TypeScript files (.ts, .mts) are transpiled to JavaScript with esbuild as they load (types
 * are stripped, not checked). TypeScript's ESM convention of importing './util.js' for
 * './util.ts' is followed.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

interface ResolveContext {
  readonly parentURL?: string;
  readonly conditions: readonly string[];
}
interface ResolveResult {
  readonly url: string;
  readonly format?: string | null;
  readonly shortCircuit?: boolean;
}
interface LoadResult {
  readonly format: string;
  readonly source?: string | ArrayBuffer | Uint8Array;
  readonly shortCircuit?: boolean;
}
type NextResolve = (specifier: string, context?: ResolveContext) => Promise<ResolveResult>;
type NextLoad = (url: string, context?: { readonly format?: string | null }) => Promise<LoadResult>;

/** What `register` passes: the URL of this package's entry module. */
export interface HooksData {
  readonly neuriteUrl: string;
}

let neuriteUrl = new URL('../index.js', import.meta.url).href;

const TS = /\.m?ts$/i;

/** Receives the data given to `register`. */
export function initialize(data: HooksData | undefined): void {
  if (data?.neuriteUrl) neuriteUrl = data.neuriteUrl;
}

/** 'neurite' → this package; './x.js' from a TypeScript file → './x.ts' when only that exists. */
export async function resolve(specifier: string, context: ResolveContext, next: NextResolve): Promise<ResolveResult> {
  if (specifier === 'neurite') return { url: neuriteUrl, shortCircuit: true };
  try {
    return await next(specifier, context);
  } catch (e) {
    const relative = specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('file:');
    if (relative && context.parentURL !== undefined && TS.test(context.parentURL)) {
      if (/\.m?js$/i.test(specifier)) return next(specifier.replace(/(\.m?)js$/i, '$1ts'), context);
      if (!/\.[a-z]+$/i.test(specifier)) return next(`${specifier}.ts`, context);
    }
    throw e;
  }
}

/** TypeScript files are transpiled by esbuild; everything else loads as usual. */
export async function load(url: string, context: { readonly format?: string | null }, next: NextLoad): Promise<LoadResult> {
  if (!url.startsWith('file:') || !TS.test(url)) return next(url, context);
  const path = fileURLToPath(url);
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch (e) {
    throw new Error(`running TypeScript needs the 'esbuild' package, which failed to load (${(e as Error).message}); run 'npm install esbuild', or compile the script to .js`);
  }
  const result = await esbuild.transform(await readFile(path, 'utf8'), { loader: 'ts', format: 'esm', target: 'node20', sourcemap: 'inline', sourcefile: path });
  return { format: 'module', source: result.code, shortCircuit: true };
}
