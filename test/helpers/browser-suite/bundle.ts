/**
 * Bundles compiled test files (build/test/*.test.js, unchanged) for a browser page with
 * esbuild: one entry per test file plus the harness (./page.ts) as `harness.js`, split into
 * shared chunks, so a page that imports the harness and then a test file's entry runs one
 * copy of Neurite (the Node entry build/src/index.js, as the test files import it) and of the
 * shims. Imports are redirected:
 *
 *   node:test                     ./node-test.ts (records results per test)
 *   node:assert/strict            ./node-assert.ts (node:assert's legacy mode: refused)
 *   node:fs, node:fs/promises     ./node-fs.ts, ./node-fs-promises.ts (./vfs.ts: Node's files
 *                                 through the test server, writes in memory)
 *   node:path, node:url, node:os, node:util, node:process   their shims here
 *   any other Node built-in       a generated module whose functions throw when called
 *                                 (the library imports zlib, crypto, http, ... at top level
 *                                 for Node-only features the engine tests do not use)
 *   onnxruntime-node              ./onnxruntime.ts (sessions run on the Node side)
 *   sharp, h5wasm, webgpu         left as lazy import()s the page never reaches (a static
 *                                 import of one fails the build)
 *
 * Each module's `import.meta.url` under build/ becomes its file:// URL in Node's file system,
 * so paths computed from it (fixtures, ../shared, the ONNX proto file) are the real paths,
 * which the page's fs shim reads through the server.
 */
import { build, type Metafile, type Plugin } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url)); // build/test/helpers/browser-suite
const BUILD = resolve(HERE, '../../..'); // build/
const TEST_DIR = join(BUILD, 'test');

/** Built-ins with a shim here (by name without 'node:'). */
const SHIMS: Readonly<Record<string, string>> = {
  test: 'node-test.js',
  'assert/strict': 'node-assert.js',
  fs: 'node-fs.js',
  'fs/promises': 'node-fs-promises.js',
  path: 'node-path.js',
  'path/posix': 'node-path.js',
  url: 'node-url.js',
  os: 'node-os.js',
  util: 'node-util.js',
  process: 'process.js',
};

const PACKAGE_SHIMS: Readonly<Record<string, string>> = { 'onnxruntime-node': 'onnxruntime.js' };
/** Packages the library imports only lazily, on Node-only paths. */
const LAZY_ONLY = /^(sharp|h5wasm|webgpu)(\/.*)?$/;

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const BUILTIN = new RegExp(`^(node:.*|${builtinModules.map(escape).join('|')})$`);

/** A module for a built-in without a shim: its export names, each a function that throws. */
async function stubModule(name: string): Promise<string> {
  const real = (await import(`node:${name}`)) as Record<string, unknown>;
  const names = Object.keys(real).filter((k) => k !== 'default');
  const lines = [`function unavailable(name) { return function () { throw new Error('node:${name} ' + name + ' is not available in the browser test page'); }; }`];
  names.forEach((n, i) => lines.push(`const s${i} = unavailable(${JSON.stringify(n)}); export { s${i} as ${JSON.stringify(n)} };`));
  lines.push(`export default { ${names.map((n, i) => `${JSON.stringify(n)}: s${i}`).join(', ')} };`);
  return lines.join('\n');
}

const redirect: Plugin = {
  name: 'neurite-browser-suite',
  setup(b) {
    b.onResolve({ filter: BUILTIN }, (args) => {
      const name = args.path.replace(/^node:/, '');
      if (name === 'assert') {
        return { errors: [{ text: `${args.importer} imports node:assert (legacy mode); the browser harness shims node:assert/strict only` }] };
      }
      const shim = SHIMS[name];
      if (shim !== undefined) return { path: join(HERE, shim) };
      return { path: name, namespace: 'node-stub' };
    });
    b.onLoad({ filter: /.*/, namespace: 'node-stub' }, async (args) => ({ contents: await stubModule(args.path), loader: 'js' }));
    b.onResolve({ filter: /^[@a-z]/ }, (args) => {
      const shim = PACKAGE_SHIMS[args.path];
      if (shim !== undefined) return { path: join(HERE, shim) };
      if (LAZY_ONLY.test(args.path)) return { path: args.path, external: true };
      return undefined;
    });
    b.onLoad({ filter: /\.js$/ }, async (args) => {
      if (!args.path.startsWith(BUILD + sep)) return undefined;
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      return { contents: text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)), loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};

/** Fails when an output imports an external module statically (it would not load in the page). */
function checkLazyOnly(metafile: Metafile): void {
  const bad: string[] = [];
  for (const [out, info] of Object.entries(metafile.outputs)) {
    for (const im of info.imports) if (im.external && im.kind === 'import-statement') bad.push(`${out} imports ${im.path} at top level`);
  }
  if (bad.length > 0) throw new Error(`the browser test bundle would not load in a page:\n  ${bad.join('\n  ')}`);
}

export interface TestBundle {
  /** The folder the bundle was written to (serve it as /bundle/). */
  readonly dir: string;
  /** URL path of the harness module. */
  readonly harness: string;
  /** URL path of a test file's entry. */
  entry(file: string): string;
  readonly seconds: number;
  /** Total bytes written. */
  readonly bytes: number;
}

/** Bundles the given compiled test files (names in build/test, e.g. 'tensor.test.js') into `outDir`. */
export async function bundleTestFiles(files: readonly string[], outDir: string): Promise<TestBundle> {
  const t0 = performance.now();
  const entryPoints: Record<string, string> = { harness: join(HERE, 'page.js') };
  for (const f of files) entryPoints[`files/${f.replace(/\.js$/, '')}`] = join(TEST_DIR, f);
  const result = await build({
    entryPoints,
    outdir: outDir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    chunkNames: 'chunks/[name]-[hash]',
    logLevel: 'silent',
    metafile: true,
    plugins: [redirect],
  });
  checkLazyOnly(result.metafile);
  const bytes = Object.values(result.metafile.outputs).reduce((s, o) => s + o.bytes, 0);
  return {
    dir: outDir,
    harness: '/bundle/harness.js',
    entry: (file) => `/bundle/files/${file}`,
    seconds: (performance.now() - t0) / 1000,
    bytes,
  };
}
