/**
 * getFile (Keras' get_file) against a local server: caching, sha256/md5/content checks,
 * timeouts, redirect loops and the progress bar.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as nt from '../src/index.js';
import { ProgressBar } from '../src/data/datasets/progress.js';
import { hang, listFiles, type Handler, redirectTo, removeDir, sendBytes, startServer, tempDir } from './helpers/datasets-server.js';

const PAYLOAD = Buffer.from(Array.from({ length: 70000 }, (_, i) => (i * 7919) % 251));
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
/** Sends the headers and half the bytes, then nothing more (the connection stays open). */
function stall(bytes: Uint8Array): Handler {
  return (_req, res) => {
    res.writeHead(200, { 'content-length': bytes.length });
    res.write(bytes.subarray(0, bytes.length >> 1));
  };
}
const md5 = (b: Uint8Array): string => createHash('md5').update(b).digest('hex');

test('getFile downloads into cacheDir/cacheSubdir once, then returns the cached path', async () => {
  const cache = tempDir('getfile');
  const server = await startServer({ '/f.bin': sendBytes(PAYLOAD) });
  try {
    const options = { cacheDir: cache, cacheSubdir: 'things', sha256: sha256(PAYLOAD), verbose: false };
    const path = await nt.getFile('f.bin', `${server.url}/f.bin`, options);
    assert.equal(path, join(cache, 'things', 'f.bin'));
    assert.deepEqual(readFileSync(path), PAYLOAD);
    assert.equal(await nt.getFile('f.bin', `${server.url}/f.bin`, options), path);
    assert.equal(await nt.getFile('f.bin', `${server.url}/f.bin`, { cacheDir: cache, cacheSubdir: 'things', verbose: false }), path);
    assert.deepEqual(server.requests, ['/f.bin']);
  } finally {
    await server.close();
    removeDir(cache);
  }
});

test('getFile: a sha256 mismatch rejects with expected and got, and a stale cached copy is replaced', async () => {
  const cache = tempDir('getfile-sha');
  const server = await startServer({ '/f.bin': sendBytes(PAYLOAD) });
  const wrong = 'ab'.repeat(32);
  try {
    await assert.rejects(nt.getFile('f.bin', `${server.url}/f.bin`, { cacheDir: cache, sha256: wrong, verbose: false }), (e: Error) => {
      assert.ok(e instanceof nt.DownloadError);
      assert.equal(e.kind, 'checksum');
      assert.equal(e.url, `${server.url}/f.bin`);
      assert.match(e.message, new RegExp(`expected sha256 ${wrong}, got ${sha256(PAYLOAD)}; the download was discarded`));
      return true;
    });
    assert.deepEqual(listFiles(cache), []);
    mkdirSync(join(cache, 'sub'));
    writeFileSync(join(cache, 'sub', 'f.bin'), 'stale');
    const path = await nt.getFile('f.bin', `${server.url}/f.bin`, { cacheDir: cache, cacheSubdir: 'sub', md5: md5(PAYLOAD).toUpperCase(), verbose: false });
    assert.deepEqual(readFileSync(path), PAYLOAD);
    assert.deepEqual(listFiles(cache), ['sub/f.bin']);
  } finally {
    await server.close();
    removeDir(cache);
  }
});

test('getFile: contentMd5 accepts a re-compressed file by the md5 of its gunzipped bytes', async () => {
  const cache = tempDir('getfile-content');
  const packed = gzipSync(PAYLOAD, { level: 1 });
  const server = await startServer({ '/f.gz': sendBytes(packed) });
  try {
    const path = await nt.getFile('f.gz', `${server.url}/f.gz`, { cacheDir: cache, md5: 'ab'.repeat(16), contentMd5: md5(PAYLOAD), verbose: false });
    assert.deepEqual(readFileSync(path), packed);
    await assert.rejects(nt.getFile('f.gz', `${server.url}/f.gz`, { cacheDir: cache, cacheSubdir: 'two', contentMd5: md5(PAYLOAD.subarray(1)), verbose: false }), /expected md5 of the gunzipped content [0-9a-f]{32}, got [0-9a-f]{32}/);
    assert.deepEqual(listFiles(cache), ['f.gz'], 'the failed download left nothing (not even its folder two/)');
  } finally {
    await server.close();
    removeDir(cache);
  }
});

test('getFile: a server that never answers times out, a redirect loop stops; no file is left', async () => {
  const cache = tempDir('getfile-timeout');
  const server = await startServer({ '/slow': hang(), '/loop': redirectTo('/loop'), '/stall': stall(PAYLOAD) });
  try {
    const started = Date.now();
    await assert.rejects(nt.getFile('slow', `${server.url}/slow`, { cacheDir: cache, timeoutMs: 200, verbose: false }), (e: Error) => {
      assert.ok(e instanceof nt.DownloadError);
      assert.equal(e.kind, 'timeout');
      assert.match(e.message, /no data for 0\.2 s \(timed out\)/);
      return true;
    });
    assert.ok(Date.now() - started < 5000);
    await assert.rejects(nt.getFile('stall', `${server.url}/stall`, { cacheDir: cache, timeoutMs: 300, verbose: false }), (e: Error) => {
      assert.ok(e instanceof nt.DownloadError);
      assert.equal(e.kind, 'timeout', 'a response that stops half-way times out too');
      return true;
    });
    await assert.rejects(nt.getFile('loop', `${server.url}/loop`, { cacheDir: cache, verbose: false }), /more than 10 redirects/);
    server.route('/away', redirectTo('ftp://127.0.0.1/file'));
    await assert.rejects(nt.getFile('away', `${server.url}/away`, { cacheDir: cache, verbose: false }), /downloading ftp:\/\/127\.0\.0\.1\/file failed: unsupported protocol 'ftp:'/);
    assert.equal(server.requests.filter((r) => r === '/loop').length, 11);
    assert.deepEqual(listFiles(cache), []);
  } finally {
    await server.close();
    removeDir(cache);
  }
});

test('getFile with verbose: true draws a progress bar on stderr', async () => {
  const cache = tempDir('getfile-progress');
  const server = await startServer({ '/f.bin': sendBytes(PAYLOAD) });
  const written: string[] = [];
  const original = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array): boolean => {
    written.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    await nt.getFile('f.bin', `${server.url}/f.bin`, { cacheDir: cache, verbose: true });
  } finally {
    process.stderr.write = original;
    await server.close();
    removeDir(cache);
  }
  const text = written.join('');
  assert.match(text, new RegExp(`Downloading ${server.url}/f.bin \\(0\\.1 MB\\)`));
  assert.match(text, /\[=+\] 100% 0\.1\/0\.1 MB [\d.]+ MB\/s/);
});

test('ProgressBar redraws one line on a terminal and writes quarter lines on a pipe', () => {
  const tty: string[] = [];
  const bar = new ProgressBar('x', 1000, { isTTY: true, write: (s) => tty.push(s) > 0 });
  bar.update(500);
  bar.finish(1000, true);
  assert.match(tty[1], /^\r {2}\[=+> +\] {2}50% /);
  assert.match(tty[2], /^\r {2}\[={30}\] 100% .*\n$/);
  const pipe: string[] = [];
  const logged = new ProgressBar('y', 1000, { isTTY: false, write: (s) => pipe.push(s) > 0 });
  for (let done = 0; done <= 1000; done += 50) logged.update(done);
  logged.finish(1000, true);
  assert.deepEqual(pipe.map((l) => /(\d+)%/.exec(l)?.[1]), [undefined, '25', '50', '75', '100']);
});
