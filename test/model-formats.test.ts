import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AddressInfo } from 'node:net';
import * as nt from '../src/index.js';

function cnn(): nt.Model {
  const input = nt.Input({ shape: [8, 8, 2] });
  const c = new nt.Conv2D({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(input) as nt.SymbolicTensor;
  const b = new nt.BatchNormalization().apply(c) as nt.SymbolicTensor;
  const f = new nt.Flatten().apply(new nt.MaxPooling2D({ poolSize: 2 }).apply(b) as nt.SymbolicTensor) as nt.SymbolicTensor;
  const out = new nt.Dense({ units: 3, activation: 'softmax' }).apply(f) as nt.SymbolicTensor;
  return new nt.Model({ inputs: input, outputs: out });
}

test('the web format (model.json + weights.bin) loads from a path, a file: URL, an http URL and in-memory buffers', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'neurite-formats-'));
  const server = createServer((req, res) => {
    try {
      const body = readFileSync(join(dir, (req.url ?? '/').slice(1)));
      res.writeHead(200, { 'content-length': body.length });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const model = cnn();
    const bn = model.layers.find((l) => l instanceof nt.BatchNormalization) as nt.Layer;
    bn.setWeights(bn.getWeights().map((w, i) => nt.add(w, nt.fill(w.shape, 0.1 * (i + 1)))));
    const x = nt.randomNormal([5, 8, 8, 2], { seed: 3 });
    const expected = Array.from((model.predict(x) as nt.Tensor).dataSync());
    await model.save(join(dir, 'model.json'));
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    assert.equal(json.format, 'neurite-model');
    assert.equal(json.weights_manifest.path, 'model.weights.bin');
    assert.equal(json.model_config.class_name, 'Functional');
    const port = (server.address() as AddressInfo).port;
    const sources: nt.ModelSource[] = [
      join(dir, 'model.json'),
      pathToFileURL(join(dir, 'model.json')).href,
      `http://127.0.0.1:${port}/model.json`,
      new URL(`http://127.0.0.1:${port}/model.json`),
      { modelJson: readFileSync(join(dir, 'model.json'), 'utf8'), weights: readFileSync(join(dir, 'model.weights.bin')) },
    ];
    for (const s of sources) {
      const loaded = await nt.loadModel(s);
      assert.deepEqual(Array.from((loaded.predict(x) as nt.Tensor).dataSync()), expected, `from ${typeof s === 'object' && !(s instanceof URL) ? 'buffers' : String(s)}`);
    }
    // The single-file format, from bytes.
    await model.save(join(dir, 'model.nw'));
    const bytes = readFileSync(join(dir, 'model.nw'));
    const fromBytes = await nt.loadModel(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    assert.deepEqual(Array.from((fromBytes.predict(x) as nt.Tensor).dataSync()), expected);
    const viaHttp = await nt.loadModel(`http://127.0.0.1:${port}/model.nw`);
    assert.deepEqual(Array.from((viaHttp.predict(x) as nt.Tensor).dataSync()), expected);
    // Errors name what is wrong.
    await assert.rejects(nt.loadModel(`http://127.0.0.1:${port}/missing.json`), /HTTP 404/);
    writeFileSync(join(dir, 'model.weights.bin'), readFileSync(join(dir, 'model.weights.bin')).subarray(0, 100));
    await assert.rejects(nt.loadModel(join(dir, 'model.json')), /does not fit the 100-byte weights file/);
    rmSync(join(dir, 'model.weights.bin'));
    await assert.rejects(nt.loadModel(join(dir, 'model.json')), /refers to the weights file .*model\.weights\.bin, which cannot be read/);
    writeFileSync(join(dir, 'bad.json'), '{"format": "something-else"}');
    await assert.rejects(nt.loadModel(join(dir, 'bad.json')), /not a Neurite model\.json/);
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
