/**
 * The tar reader against archives written by the system's GNU tar in its three formats
 * (gnu, ustar, pax), and its errors on damaged archives.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { extractTar, listTar, maybeGunzip } from '../src/data/datasets/tar.js';
import { removeDir, tempDir } from './helpers/datasets-server.js';

const LONG_DIR = 'a-folder-with-a-rather-long-name-' + 'x'.repeat(60);
const LONG_FILE = 'a-file-name-that-on-its-own-is-longer-than-one-hundred-bytes-' + 'y'.repeat(50) + '.bin';

/** Writes a small tree and tars it with the system tar; returns the uncompressed archive. */
function systemTar(format: 'gnu' | 'ustar' | 'pax', files: Record<string, Uint8Array>): Uint8Array {
  const dir = tempDir(`tar-${format}`);
  try {
    for (const [name, data] of Object.entries(files)) {
      mkdirSync(join(dir, 'root', name, '..'), { recursive: true });
      writeFileSync(join(dir, 'root', name), data);
    }
    execFileSync('tar', [`--format=${format}`, '-cf', join(dir, 'out.tar'), '-C', join(dir, 'root'), '.']);
    return readFileSync(join(dir, 'out.tar'));
  } finally {
    removeDir(dir);
  }
}

const bytes = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 255);

for (const format of ['gnu', 'ustar', 'pax'] as const) {
  test(`reads a ${format}-format archive of the system tar, long names included`, () => {
    const files: Record<string, Uint8Array> = {
      'small.txt': new TextEncoder().encode('hello'),
      'empty.bin': new Uint8Array(0),
      [`${LONG_DIR}/block.bin`]: bytes(512, 1),
      [`${LONG_DIR}/odd.bin`]: bytes(1000, 2),
    };
    if (format !== 'ustar') files[`${LONG_DIR}/${LONG_FILE}`] = bytes(3073, 3);
    const archive = systemTar(format, files);
    const extracted = extractTar(archive, `${format}.tar`);
    assert.deepEqual([...extracted.keys()].sort(), Object.keys(files).sort());
    for (const [name, data] of Object.entries(files)) assert.deepEqual(Uint8Array.from(extracted.get(name) ?? [-1]), data, name);
    const dirs = listTar(archive).filter((e) => e.type === 'directory').map((e) => e.name);
    assert.ok(dirs.includes(`${LONG_DIR}/`), `directories are listed: ${dirs.join(', ')}`);
    const only = extractTar(archive, 'x.tar', (n) => n.endsWith('odd.bin'));
    assert.deepEqual([...only.keys()], [`${LONG_DIR}/odd.bin`]);
  });
}

test('a damaged archive is a clear error naming the source', async () => {
  const archive = systemTar('gnu', { 'a.bin': bytes(2000, 5), 'b.bin': bytes(100, 6) });
  const flipped = Uint8Array.from(archive);
  flipped[10] ^= 0x20;
  assert.throws(() => listTar(flipped, 'flipped.tar'), /flipped\.tar: corrupt tar archive \(checksum \d+, computed \d+ in the header at byte 0\)/);
  assert.throws(() => listTar(archive.subarray(0, 1536), 'cut.tar'), /cut\.tar: truncated tar archive \(member "\.\/a\.bin" needs 2000 bytes at byte \d+; the archive has 1536\)/);
  assert.throws(() => listTar(archive.subarray(0, 3072 + 100), 'stray.tar'), /stray\.tar: truncated tar archive \(100 stray bytes/);
  assert.throws(() => listTar(new Uint8Array(100), 'tiny.tar'), /tiny\.tar: not a tar archive \(100 bytes/);
  assert.throws(() => listTar(bytes(4096, 9), 'junk.tar'), /junk\.tar: corrupt tar archive/);
  const gz = gzipSync(archive);
  assert.deepEqual(Uint8Array.from(await maybeGunzip(gz, 'a.tar.gz')), Uint8Array.from(archive));
  assert.equal(await maybeGunzip(archive, 'a.tar'), archive, 'not gzip: returned as is');
  const badGz = Uint8Array.from(gz);
  badGz[gz.length >> 1] ^= 0xff;
  await assert.rejects(maybeGunzip(badGz, 'bad.tar.gz'), /bad\.tar\.gz: corrupt gzip data/);
});
