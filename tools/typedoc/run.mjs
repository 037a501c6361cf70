#!/usr/bin/env node
/**
 * `npm run docs:api`: Neurite's API reference (HTML, from the TSDoc comments) in docs/api/.
 *
 * TypeDoc 0.28 supports TypeScript up to 6.0 while Neurite builds with TypeScript 7, so
 * TypeDoc and its own TypeScript 6 live in this folder with their own lock file:
 *
 *   npm ci --prefix tools/typedoc      # once
 *   npm run docs:api                   # writes docs/api/index.html
 *   npm run docs:api -- --out /tmp/api --validation.notExported true   # any TypeDoc option
 */
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const bin = join(here, 'node_modules', 'typedoc', 'bin', 'typedoc');
if (!existsSync(bin)) {
  console.error(`TypeDoc is not installed in ${here}. Run: npm ci --prefix tools/typedoc`);
  process.exit(2);
}
const result = spawnSync(process.execPath, [bin, '--options', join(here, 'typedoc.json'), ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(result.status ?? 1);
