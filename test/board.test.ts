import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as nt from '../src/index.js';
import { startBoard, type RunSummary } from '../src/board/server.js';
import type { MonitorLog } from '../src/callbacks/training-monitor.js';
import { browserSkipReason, launchBrowser } from './helpers/browser.js';
import { fashionRows } from './helpers/board-trainer.js';
import { unavailable } from './helpers/oracle.js';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const TRAINER = fileURLToPath(new URL('./helpers/board-trainer.js', import.meta.url));
const SECRET = 'top-secret-outside-the-log-folder';

interface Reply {
  readonly status: number;
  readonly type: string;
  readonly body: string;
}

/** A GET with the path sent exactly as written (no client-side normalisation of '..'). */
function get(url: string, path: string, method = 'GET'): Promise<Reply> {
  const u = new URL(url);
  return new Promise((ok, fail) => {
    const req = request({ host: u.hostname, port: u.port, path, method }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body }));
    });
    req.on('error', fail);
    req.end();
  });
}

/** Trains a tiny model for `epochs` epochs into logDir/runName. */
async function train(logDir: string, runName: string, epochs: number): Promise<nt.History> {
  const { x, labels } = await fashionRows(100);
  const model = new nt.Sequential([new nt.Dense({ units: 10, activation: 'softmax', inputShape: [784] })]);
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  return model.fit(x, nt.tensor(Int32Array.from(labels)), { epochs, batchSize: 50, validationSplit: 0.2, verbose: 0, callbacks: [new nt.TrainingMonitor({ logDir, runName })] });
}

/** Reads server-sent events until `until` accepts one (or the time runs out). */
function readEvents(url: string, until: (event: string, data: string) => boolean, timeoutMs = 20000): Promise<{ event: string; data: string }[]> {
  const u = new URL(url);
  return new Promise((ok, fail) => {
    const seen: { event: string; data: string }[] = [];
    const req = request({ host: u.hostname, port: u.port, path: '/events' }, (res) => {
      assert.equal(res.headers['content-type'], 'text/event-stream');
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        buf += c;
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) {
            seen.push({ event, data });
            if (until(event, data)) {
              clearTimeout(timer);
              req.destroy();
              ok(seen);
            }
          }
        }
      });
    });
    const timer = setTimeout(() => {
      req.destroy();
      fail(new Error(`no matching event in ${timeoutMs} ms; saw ${seen.length}`));
    }, timeoutMs);
    req.on('error', () => undefined);
    req.end();
  });
}

test('the board API lists runs, serves a run with its charts and files inside the log folder, and streams changes', async () => {
  const base = mkdtempSync(join(tmpdir(), 'neurite-board-'));
  const logDir = join(base, 'logs');
  mkdirSync(logDir);
  const board = await startBoard({ logDir, port: 0, pollMs: 100 });
  try {
    assert.match(board.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const empty = JSON.parse((await get(board.url, '/api/runs')).body) as { runs: RunSummary[] };
    assert.deepEqual(empty.runs, []);
    const history = await train(logDir, 'first', 3);

    const page = await get(board.url, '/');
    assert.equal(page.status, 200);
    assert.match(page.type, /^text\/html/);
    assert.match(page.body, /<title>Neurite board<\/title>/);

    const list = JSON.parse((await get(board.url, '/api/runs')).body) as { logDir: string; runs: RunSummary[] };
    assert.deepEqual(list.runs.map((r) => [r.name, r.status, r.epochs, r.plannedEpochs]), [['first', 'finished', 3, 3]]);
    assert.equal(list.runs[0].last?.loss, history.history.loss[2]);

    const run = JSON.parse((await get(board.url, '/api/runs/first')).body) as { log: MonitorLog; charts: { title: string; svg: string }[] };
    assert.deepEqual(run.log.epochs.map((e) => e.logs.val_accuracy), history.history.val_accuracy);
    assert.deepEqual(run.charts.map((c) => c.title), ['Loss', 'Accuracy', 'Learning rate']);
    const lossPoints = /data-series="loss" points="([^"]*)"/.exec(run.charts[0].svg)?.[1].trim().split(/\s+/);
    assert.equal(lossPoints?.length, 3);

    const file = await get(board.url, '/files/first/log.json');
    assert.equal(file.status, 200);
    assert.equal(file.body, readFileSync(join(logDir, 'first', 'log.json'), 'latin1'));
    const png = await get(board.url, '/files/first/curves.png');
    assert.equal(png.status, 200);
    assert.equal(png.type, 'image/png');
    assert.equal(png.body.slice(1, 4), 'PNG');
    assert.equal((await get(board.url, '/files/first/nothing.json')).status, 404);
    assert.equal((await get(board.url, '/api/runs/missing')).status, 404);
    assert.equal((await get(board.url, '/nowhere')).status, 404);
    assert.equal((await get(board.url, '/api/runs', 'POST')).status, 405);

    // A second run appears on the live stream.
    const stream = readEvents(board.url, (event, data) => event === 'runs' && (JSON.parse(data) as RunSummary[]).some((r) => r.name === 'second' && r.status === 'finished'));
    await new Promise((ok) => setTimeout(ok, 200));
    await train(logDir, 'second', 2);
    const events = await stream;
    const runsSeen = events.map((e) => (JSON.parse(e.data) as RunSummary[]).map((r) => r.name).join(','));
    assert.equal(runsSeen[0], 'first', 'the stream starts with the current runs');
    assert.equal(runsSeen[runsSeen.length - 1], 'first,second');
  } finally {
    await board.close();
    rmSync(base, { recursive: true, force: true });
  }
  await assert.rejects(get(board.url, '/'), 'closed');
});

test('the board never serves a file outside the log folder: .., encoded dots and slashes, absolute paths, symlinks', async () => {
  const base = mkdtempSync(join(tmpdir(), 'neurite-board-'));
  const logDir = join(base, 'logs');
  mkdirSync(join(logDir, 'run'), { recursive: true });
  writeFileSync(join(logDir, 'run', 'log.json'), JSON.stringify({ run: 'run', status: 'finished', epochs: [] }));
  writeFileSync(join(base, 'secret.txt'), SECRET);
  mkdirSync(join(base, 'elsewhere'));
  writeFileSync(join(base, 'elsewhere', 'log.json'), JSON.stringify({ run: 'x', status: SECRET, epochs: [] }));
  symlinkSync(join(base, 'secret.txt'), join(logDir, 'run', 'link.txt'));
  symlinkSync(join(base, 'elsewhere'), join(logDir, 'outside'));
  symlinkSync(join(logDir, 'run', 'log.json'), join(logDir, 'run', 'inside-link.json'));
  const board = await startBoard({ logDir, port: 0 });
  try {
    const attacks = [
      '/files/../secret.txt',
      '/files/run/../../secret.txt',
      '/files/%2e%2e/secret.txt',
      '/files/%2E%2E/%2e%2e/logs/../secret.txt',
      '/files/..%2fsecret.txt',
      '/files/run/..%2f..%2fsecret.txt',
      '/files/%2e%2e%2fsecret.txt',
      '/files/..%5csecret.txt',
      '/files//etc/passwd',
      `/files/${encodeURIComponent(join(base, 'secret.txt'))}`,
      '/files/%2Fetc%2Fpasswd',
      '/files/run/link.txt',
      '/files/outside/log.json',
      '/api/runs/outside',
      '/api/runs/..',
      '/api/runs/%2e%2e',
      '/../secret.txt',
      '/files/run/log.json%00.png',
    ];
    for (const path of attacks) {
      const r = await get(board.url, path);
      assert.ok(r.status === 403 || r.status === 404, `${path} → ${r.status}`);
      assert.ok(!r.body.includes(SECRET) && !r.body.includes('root:'), `${path} leaks nothing`);
    }
    assert.equal((await get(board.url, '/files/run/link.txt')).status, 403, 'a link leading outside is forbidden');
    assert.equal((await get(board.url, '/files/..%2fsecret.txt')).status, 403);
    assert.equal((await get(board.url, '/files/%zz')).status, 400);
    const runs = JSON.parse((await get(board.url, '/api/runs')).body) as { runs: RunSummary[] };
    assert.deepEqual(runs.runs.map((r) => r.name), ['run'], 'a run folder linked from outside is not listed');
    const inside = await get(board.url, '/files/run/inside-link.json');
    assert.equal(inside.status, 200, 'a link to a file inside the folder is served');
    assert.match(inside.body, /"run":"run"/);
  } finally {
    await board.close();
    rmSync(base, { recursive: true, force: true });
  }
});

test('startBoard checks its options', async () => {
  await assert.rejects(startBoard({ logDir: '' }), /logDir must be a non-empty string/);
  await assert.rejects(startBoard({ logDir: '.', port: 70000 }), /port must be an integer 0..65535/);
  const a = await startBoard({ logDir: '.', port: 0 });
  try {
    const port = Number(new URL(a.url).port);
    await assert.rejects(startBoard({ logDir: '.', port }), /cannot listen on 127\.0\.0\.1/);
  } finally {
    await a.close();
  }
});

const skip = unavailable(browserSkipReason());

test('in headless Chromium the board shows a run live: its loss curve gains points while a training process runs (and by polling without EventSource)', { skip, timeout: 90000 }, async () => {
  const base = mkdtempSync(join(tmpdir(), 'neurite-board-live-'));
  mkdirSync(ARTIFACTS, { recursive: true });
  const board = await startBoard({ logDir: base, port: 0 });
  const browser = await launchBrowser();
  const epochs = 6;
  let child: ReturnType<typeof spawn> | null = null;
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(board.url);
    await page.waitForSelector('#runs li.empty');
    // A second page without EventSource: it must follow the run by polling.
    const polling = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await polling.addInitScript(() => {
      delete (window as { EventSource?: unknown }).EventSource;
    });
    await polling.goto(board.url);
    child = spawn(process.execPath, [TRAINER, base, 'live', String(epochs), '700'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((ok) => child?.on('exit', (code) => ok(code)));
    let running = true;
    void exited.then(() => (running = false));

    await page.waitForSelector('#runs li[data-run="live"]', { timeout: 30000 });
    const points = (): Promise<number> =>
      page.evaluate(() => {
        const line = document.querySelector('#charts polyline[data-series="loss"]');
        return line ? (line.getAttribute('points') ?? '').trim().split(/\s+/).filter(Boolean).length : 0;
      });
    // Watch the page while training runs: the point counts it shows, in order.
    const counts: number[] = [];
    let shot = false;
    while (running) {
      const n = await points();
      if (counts[counts.length - 1] !== n) counts.push(n);
      if (!shot && n >= 2 && n < epochs) {
        await page.screenshot({ path: join(ARTIFACTS, 'board-live-running.png'), fullPage: true });
        shot = true;
      }
      await new Promise((ok) => setTimeout(ok, 100));
    }
    assert.equal(await exited, 0, stderr);
    const during = counts.filter((n) => n > 0 && n < epochs);
    assert.ok(during.length >= 2, `the curve grew while training ran: ${counts.join(' → ')}`);
    assert.ok(counts.every((n, i) => i === 0 || n > counts[i - 1]), `point counts only grow: ${counts.join(' → ')}`);
    await page.waitForFunction((n) => document.querySelector('#charts polyline[data-series="loss"]')?.getAttribute('points')?.trim().split(/\s+/).length === n, epochs, { timeout: 10000 });
    await page.waitForSelector('#runs li[data-run="live"] .badge.finished', { timeout: 10000 });
    assert.equal(await page.textContent('#conn'), 'live', 'updates came over server-sent events');

    await polling.waitForFunction((n) => document.querySelector('#charts polyline[data-series="loss"]')?.getAttribute('points')?.trim().split(/\s+/).length === n, epochs, { timeout: 10000 });
    assert.equal(await polling.textContent('#conn'), 'polling');

    const log = JSON.parse(readFileSync(join(base, 'live', 'log.json'), 'utf8')) as MonitorLog;
    assert.equal(log.epochs.length, epochs);
    // The page's sample cards are the last epoch's predictions.
    const cards = await page.$$eval('#samples .sample', (els) => els.map((e) => [e.className, e.querySelector('.pred')?.textContent ?? '', (e.querySelector('img') as HTMLImageElement | null)?.naturalWidth ?? 0]));
    const last = log.epochs[epochs - 1].samples ?? [];
    assert.equal(cards.length, last.length);
    const names = log.samples?.classNames ?? [];
    cards.forEach(([cls, pred, width], i) => {
      assert.equal(pred, `${names[last[i].predicted]} ${(100 * last[i].probability).toFixed(0)}%`);
      assert.equal(String(cls).includes(' ok'), last[i].predicted === log.samples?.labels[i]);
      assert.equal(width, 28, 'the sample image loaded');
    });
    const lrPoints = await page.$eval('#charts .chart[data-title="Learning rate"] polyline', (e) => (e.getAttribute('points') ?? '').trim().split(/\s+/).length);
    assert.equal(lrPoints, epochs);
    await page.screenshot({ path: join(ARTIFACTS, 'board-live-finished.png'), fullPage: true });
  } finally {
    if (child && child.exitCode === null) child.kill();
    await browser.close();
    await board.close();
    rmSync(base, { recursive: true, force: true });
  }
});
