#!/usr/bin/env node
// `npm run bench:readme`: rewrites the README's benchmark blocks from the benchmarks' JSON
// files (bench-results/{models,latency,scaling,recurrent,wasm,ops,augment,data,memory,webgpu}.json,
// whichever exist), between the marker comments `<!-- bench:<name> -->` and
// `<!-- /bench:<name> -->`. Each block says the date, the machine (CPU, cores, measured
// peak), the threads, the versions and the file it came from, so no number in those tables
// is typed by hand. The tables are rendered by bench/tables.ts (compiled to
// build/bench/tables.js; it loads nothing but bench/results.js with it), the same code the
// bench scripts print with (bench:memory's curve goes in a ```text fence in the README). A
// block whose file is missing or was written by an older harness, or whose markers the
// README lacks, is left as it is, and said so.
//
//   node scripts/bench-tables.mjs [--readme README.md] [--results bench-results]
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? resolve(process.argv[i + 1]) : fallback;
};
const readme = arg('--readme', join(root, 'README.md'));
const results = arg('--results', join(root, 'bench-results'));
const lib = join(root, 'build', 'bench', 'tables.js');
if (!existsSync(lib)) {
  console.error(`bench-tables: ${relative(root, lib)} is missing: run npm run build first`);
  process.exit(1);
}
if (!existsSync(readme)) {
  console.error(`bench-tables: no ${readme}`);
  process.exit(1);
}
const { regenerateReadme } = await import(pathToFileURL(lib).href);
const shown = relative(root, results) || '.';
const { updated, skipped } = regenerateReadme(readme, results, shown);
for (const name of updated) console.log(`bench-tables: ${relative(root, readme)}: bench:${name} regenerated from ${shown}/${name}.json`);
for (const [name, why] of Object.entries(skipped)) console.log(`bench-tables: bench:${name} left as it was (${why})`);
if (updated.length === 0) console.log('bench-tables: nothing regenerated');
