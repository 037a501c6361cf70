/**
 * `npm run docs:api` (TypeDoc in tools/typedoc, with its own TypeScript 6) builds the HTML
 * API reference from src/index.ts. Runs when tools/typedoc/node_modules exists
 * (`npm ci --prefix tools/typedoc`), skips with the reason otherwise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unavailable } from './helpers/oracle.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TYPEDOC = join(ROOT, 'tools/typedoc/node_modules/typedoc/package.json');
const skip = unavailable(!existsSync(TYPEDOC) && 'TypeDoc is not installed: run `npm ci --prefix tools/typedoc`');

/** The first words of the TSDoc comment right above `export class <name>` in a source file (markdown backticks dropped). */
function classDocWords(file: string, name: string, count: number): string {
  const src = readFileSync(join(ROOT, file), 'utf8');
  const m = new RegExp(`/\\*\\*((?:(?!\\*/)[^])*)\\*/\\s*export (?:abstract )?class ${name}\\b`).exec(src);
  assert.ok(m, `no TSDoc comment above class ${name} in ${file}`);
  const words = m[1].replace(/^\s*\*/gm, ' ').replace(/`/g, '').trim().split(/\s+/);
  return words.slice(0, count).join(' ');
}

/** Visible text of an HTML page: tags dropped, entities decoded, spaces collapsed. */
function pageText(path: string): string {
  const html = readFileSync(path, 'utf8');
  return html
    .replace(/<script[^]*?<\/script>/g, ' ')
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

test('npm run docs:api writes the API reference from the TSDoc comments', { skip, timeout: 180_000 }, () => {
  const out = mkdtempSync(join(tmpdir(), 'neurite-api-'));
  try {
    const r = spawnSync(process.execPath, [join(ROOT, 'tools/typedoc/run.mjs'), '--out', out], { cwd: ROOT, encoding: 'utf8' });
    const log = `${r.stdout}\n${r.stderr}`.replace(/\x1b\[[0-9;]*m/g, '');
    assert.equal(r.status, 0, `typedoc failed:\n${log}`);
    // TypeDoc prints "Found N errors and M warnings" only when there are some.
    const summary = /Found (\d+) errors? and (\d+) warnings?/.exec(log);
    if (summary) assert.equal(Number(summary[1]), 0, log);
    assert.doesNotMatch(log, /\[error\]/, log);
    assert.match(log, /html generated at/, log);

    for (const page of ['index.html', 'classes/Sequential.html', 'classes/Dense.html', 'classes/ImageDataGenerator.html', 'classes/ModelCheckpoint.html', 'classes/SGD.html', 'functions/toCategorical.html', 'modules/datasets.html']) {
      assert.ok(existsSync(join(out, page)), `missing ${page}`);
    }
    const sequential = pageText(join(out, 'classes/Sequential.html'));
    for (const member of ['fit', 'compile', 'evaluate', 'predict', 'summary', 'add']) {
      assert.match(sequential, new RegExp(`\\b${member}\\(`), `Sequential's page lists ${member}()`);
    }
    assert.match(pageText(join(out, 'classes/ImageDataGenerator.html')), /flowFromDirectory\(/);

    // The pages carry the source's own TSDoc text.
    for (const [file, name] of [['src/layers/core/dense.ts', 'Dense'], ['src/models/sequential.ts', 'Sequential'], ['src/optimizers/sgd.ts', 'SGD']] as const) {
      const words = classDocWords(file, name, 6);
      assert.ok(words.split(' ').length === 6, `TSDoc of ${name}: ${words}`);
      assert.ok(pageText(join(out, `classes/${name}.html`)).includes(words), `${name}'s page quotes its TSDoc ("${words}")`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
