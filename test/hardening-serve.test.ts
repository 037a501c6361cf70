/**
 * A model served over HTTP under concurrent load (examples/serve-model.ts on 127.0.0.1):
 * the real Keras MLP from the shared fixtures answers 200 concurrent requests, each with
 * different real MNIST test images (1 to 3 per request, flat or nested); every response
 * equals model.predict on that request's own input computed directly (exactly: float32
 * values survive JSON), so no request sees another's data. Malformed requests, sent
 * concurrently with good ones, get 400/404/405/413 with a message, and the server stays up.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as nt from '../src/index.js';
import { loadModel } from '../src/models/index.js';
import { createModelServer } from '../examples/serve-model.js';
import { fixture, mnistDir } from './helpers/shared.js';

interface Reply {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

function call(port: number, method: string, path: string, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown> });
        } catch (e) {
          reject(e);
        }
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Sample i of the MNIST test set as x/255, nested [28][28] or flat. */
function sample(pixels: Uint8Array, i: number, nested: boolean): number[] | number[][] {
  const flat = Array.from(pixels.subarray(i * 784, (i + 1) * 784), (v) => Math.fround(v / 255));
  return nested ? Array.from({ length: 28 }, (_, r) => flat.slice(r * 28, (r + 1) * 28)) : flat;
}

test('200 concurrent predictions each equal model.predict on their own input; malformed requests get 4xx; the server stays up', async () => {
  const model = await loadModel(fixture('keras-h5', 'dig94_mlp_logits.h5'), { compile: false });
  const images = await nt.readIdxFile(join(mnistDir(), 't10k-images-idx3-ubyte.gz'));
  const pixels = images.data as Uint8Array;
  const server: Server = createModelServer(model, { maxBodyBytes: 200_000 });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  try {
    // Request i asks for images 7i .. 7i+k-1 (k = 1..3): all different.
    const jobs = Array.from({ length: 200 }, (_, i) => {
      const ids = Array.from({ length: 1 + (i % 3) }, (_, k) => 7 * i + k);
      return { ids, body: JSON.stringify({ inputs: ids.map((id) => sample(pixels, id, i % 2 === 0)) }) };
    });
    const bad: [string, string, string | undefined, number, RegExp][] = [
      ['POST', '/predict', 'not json', 400, /not valid JSON/],
      ['POST', '/predict', '{}', 400, /"inputs"/],
      ['POST', '/predict', '{"inputs": []}', 400, /empty/],
      ['POST', '/predict', '{"inputs": [[1, 2, 3]]}', 400, /inputs\[0\] has 3 values; the model takes samples of shape \[28, 28\] \(784 values\)/],
      ['POST', '/predict', JSON.stringify({ inputs: [sample(pixels, 0, false).map((v, i) => (i === 5 ? 'x' : v))] }), 400, /inputs\[0\]\[5\] must be a number; got string/],
      ['POST', '/predict', `{"inputs": [[${Array(784).fill('1e400').join(',')}]]}`, 400, /inputs\[0\]\[0\] is not finite/],
      ['POST', '/predict', `{"inputs": [[${'0,'.repeat(150_000)}0]]}`, 413, /the body has 300017 bytes; at most 200000/],
      ['GET', '/predict', undefined, 405, /use POST/],
      ['POST', '/nowhere', '{}', 404, /no route \/nowhere/],
    ];
    const replies = await Promise.all([
      ...jobs.map((j) => call(port, 'POST', '/predict', j.body)),
      ...bad.map(([method, path, body]) => call(port, method, path, body)),
    ]);
    jobs.forEach((j, i) => {
      const r = replies[i];
      assert.equal(r.status, 200, `request ${i}: ${JSON.stringify(r.body)}`);
      const x = nt.tensor(Float32Array.from(j.ids.flatMap((id) => sample(pixels, id, false) as number[])), [j.ids.length, 28, 28]);
      const direct = model.predict(x) as nt.Tensor;
      const got = r.body.outputs as number[][];
      assert.equal(got.length, j.ids.length);
      const directValues = direct.dataSync();
      got.forEach((row, k) => assert.deepEqual(row, Array.from(directValues.subarray(k * 10, (k + 1) * 10)), `request ${i}, sample ${k}`));
    });
    bad.forEach(([method, path, , status, message], k) => {
      const r = replies[jobs.length + k];
      assert.equal(r.status, status, `${method} ${path} case ${k}: ${JSON.stringify(r.body)}`);
      assert.match(String(r.body.error), message);
    });
    // Still up and still right after all that.
    const health = await call(port, 'GET', '/health');
    assert.deepEqual(health, { status: 200, body: { ok: true, inputShape: [null, 28, 28], outputShape: [null, 10] } });
    const one = await call(port, 'POST', '/predict', JSON.stringify({ input: sample(pixels, 9999, true) }));
    const direct = model.predict(nt.tensor(Float32Array.from(sample(pixels, 9999, false) as number[]), [1, 28, 28])) as nt.Tensor;
    assert.deepEqual(one.body.output, Array.from(direct.dataSync()));
    // The model is the real one: its logits pick the MNIST label for most of these images.
    const labels = (await nt.readIdxFile(join(mnistDir(), 't10k-labels-idx1-ubyte.gz'))).data;
    let right = 0;
    jobs.forEach((j, i) => (replies[i].body.outputs as number[][]).forEach((row, k) => (right += row.indexOf(Math.max(...row)) === labels[j.ids[k]] ? 1 : 0)));
    const total = jobs.reduce((a, j) => a + j.ids.length, 0);
    assert.ok(right / total > 0.9, `accuracy ${right}/${total}`);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});
