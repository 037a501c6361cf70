#!/usr/bin/env node
/**
 * Builds Neurite for the browser and the Playground with esbuild:
 *
 *   build/browser/neurite.js (+ .map)   src/browser.ts as one ES module (platform browser)
 *   build/playground/                   index.html, main.js, worker.js, neurite.js (a copy)
 *
 * When the WebAssembly kernels exist (build/wasm/neurite-kernels.wasm, and any other .wasm
 * there, such as a threaded build), they are copied next to both bundles, where the bundle's
 * wasm backend looks for them.
 *
 * The browser bundle must not import a Node built-in at module top level: the build fails if
 * it does. (Node-only code reached only through `await import('node:…')` stays in the bundle
 * as a lazy import that a browser never runs.)
 *
 * Usage: node scripts/build-browser.mjs [--quiet] [--out DIR]   (DIR replaces build/ for both
 * outputs; the tests build into a temporary folder this way)
 */
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outIndex = process.argv.indexOf('--out');
const OUT = outIndex >= 0 && process.argv[outIndex + 1] ? resolve(process.argv[outIndex + 1]) : join(ROOT, 'build');
const BROWSER_OUT = join(OUT, 'browser');
const PLAYGROUND_OUT = join(OUT, 'playground');
const WASM_DIR = join(ROOT, 'build/wasm');
const WASM = join(WASM_DIR, 'neurite-kernels.wasm');
const quiet = process.argv.includes('--quiet');

/** Packages and built-ins a browser cannot load; only lazy (dynamic) imports of them may remain. */
const NODE_ONLY = ['node:*', 'sharp', 'h5wasm', 'h5wasm/*', 'protobufjs', 'protobufjs/*', 'onnxruntime-node'];

function log(msg) {
  if (!quiet) console.log(msg);
}

function kib(file) {
  return `${(statSync(file).size / 1024).toFixed(0)} KiB`;
}

/** Fails when an output statically imports anything (a browser bundle must be self-contained). */
function checkNoStaticImports(metafile) {
  const bad = [];
  for (const [out, info] of Object.entries(metafile.outputs)) {
    for (const im of info.imports) {
      if (im.external && im.kind === 'import-statement') bad.push(`${out} imports ${im.path} at top level`);
    }
  }
  if (bad.length > 0) {
    throw new Error(`the browser bundle would not load in a browser:\n  ${bad.join('\n  ')}\nKeep Node-only modules out of src/browser.ts (or import them lazily).`);
  }
}

/** `import … from 'neurite'` in the Playground resolves to the sibling bundle ./neurite.js at run time. */
const neuriteSibling = {
  name: 'neurite-sibling',
  setup(b) {
    b.onResolve({ filter: /^neurite$/ }, () => ({ path: './neurite.js', external: true }));
  },
};

const common = { bundle: true, format: 'esm', platform: 'browser', target: 'es2022', sourcemap: true, logLevel: 'warning', metafile: true };

async function buildBundle() {
  const result = await build({
    ...common,
    entryPoints: [join(ROOT, 'src/browser.ts')],
    outfile: join(BROWSER_OUT, 'neurite.js'),
    external: NODE_ONLY,
  });
  checkNoStaticImports(result.metafile);
  log(`build-browser: ${relative(process.cwd(), join(BROWSER_OUT, 'neurite.js'))} (${kib(join(BROWSER_OUT, 'neurite.js'))})`);
}

async function buildPlayground() {
  const result = await build({
    ...common,
    entryPoints: { main: join(ROOT, 'playground/main.ts'), worker: join(ROOT, 'playground/worker.ts') },
    outdir: PLAYGROUND_OUT,
    plugins: [neuriteSibling],
  });
  checkNoStaticImports({ outputs: Object.fromEntries(Object.entries(result.metafile.outputs).map(([k, v]) => [k, { imports: v.imports.filter((i) => i.path !== './neurite.js') }])) });
  for (const f of ['index.html']) copyFileSync(join(ROOT, 'playground', f), join(PLAYGROUND_OUT, f));
  for (const f of ['neurite.js', 'neurite.js.map']) copyFileSync(join(BROWSER_OUT, f), join(PLAYGROUND_OUT, f));
  log(`build-browser: ${relative(process.cwd(), PLAYGROUND_OUT)}/ (index.html, main.js, worker.js, neurite.js)`);
}

function copyWasm() {
  if (!existsSync(WASM)) {
    log('build-browser: no build/wasm/neurite-kernels.wasm; the bundle runs on the js backend');
    return;
  }
  const files = readdirSync(WASM_DIR).filter((f) => f.endsWith('.wasm'));
  for (const dir of [BROWSER_OUT, PLAYGROUND_OUT]) for (const f of files) copyFileSync(join(WASM_DIR, f), join(dir, f));
  log(`build-browser: copied ${files.join(', ')} next to both bundles`);
}

try {
  mkdirSync(BROWSER_OUT, { recursive: true });
  mkdirSync(PLAYGROUND_OUT, { recursive: true });
  await buildBundle();
  await buildPlayground();
  copyWasm();
} catch (e) {
  console.error(`build-browser: ${e.message}`);
  process.exit(1);
}
