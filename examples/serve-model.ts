/**
 * Serving a model over HTTP with node:http: JSON in, JSON out, every request validated.
 *
 *   npm run build && node build/examples/serve-model.js --model ../shared/fixtures/keras-h5/dig94_mlp_logits.h5
 *   npm run build && node build/examples/serve-model.js            # trains a small MLP on Fashion-MNIST first
 *   curl -s localhost:8080/health
 *   curl -s -X POST localhost:8080/predict -H 'content-type: application/json' -d '{"inputs": [[0, 0.5, ...]]}'
 *
 * Routes:
 * - `GET /health` → `{ ok: true, inputShape, outputShape }`
 * - `POST /predict` with `{ "inputs": [sample, ...] }` (or `{ "input": sample }`), where a sample
 *   is a nested or flat array of finite numbers holding exactly one input's values, →
 *   `{ outputs: [[...], ...] }` (one row per sample; `{ output }` for `input`).
 * Bad requests get 400 with `{ error }` saying what is wrong (invalid JSON, a missing field,
 * a wrong number of values, a non-number, NaN/Infinity), a body over `maxBodyBytes` 413,
 * more samples than `maxSamples` 413, an unknown path 404, a wrong method 405. predict runs
 * synchronously per request, so concurrent requests never share a batch.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';
import * as nt from '../src/index.js';
import { numberArg, stringArg } from './common/cli.js';

/** Options of createModelServer. */
export interface ServeOptions {
  /** Largest request body in bytes (default 4 MiB). */
  readonly maxBodyBytes?: number;
  /** Most samples in one request (default 256). */
  readonly maxSamples?: number;
}

/** A request error with its HTTP status. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new HttpError(413, `the body has ${declared} bytes; at most ${limit} are accepted`);
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, `the body is larger than ${limit} bytes`);
    parts.push(chunk);
  }
  return Buffer.concat(parts).toString('utf8');
}

/** Flattens one sample (nested or flat array) into `out`, checking every value. */
function flatten(v: unknown, out: number[], where: string): void {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) flatten(v[i], out, `${where}[${i}]`);
    return;
  }
  if (typeof v !== 'number') throw new HttpError(400, `${where} must be a number; got ${v === null ? 'null' : typeof v}`);
  if (!Number.isFinite(v)) throw new HttpError(400, `${where} is not finite`);
  out.push(v);
}

/** The samples of a /predict body as one [n, ...sampleShape] tensor. */
export function parseSamples(body: unknown, sampleShape: readonly number[], maxSamples: number): { x: nt.Tensor; single: boolean } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'the body must be a JSON object with "inputs" (a list of samples) or "input" (one sample)');
  const o = body as Record<string, unknown>;
  const single = o.inputs === undefined && o.input !== undefined;
  const samples = single ? [o.input] : o.inputs;
  if (!Array.isArray(samples)) throw new HttpError(400, '"inputs" must be a list of samples');
  if (samples.length === 0) throw new HttpError(400, '"inputs" is empty');
  if (samples.length > maxSamples) throw new HttpError(413, `${samples.length} samples in one request; at most ${maxSamples}`);
  const per = sampleShape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(samples.length * per);
  samples.forEach((s, i) => {
    const where = single ? 'input' : `inputs[${i}]`;
    const flat: number[] = [];
    flatten(s, flat, where);
    if (flat.length !== per) throw new HttpError(400, `${where} has ${flat.length} values; the model takes samples of shape [${sampleShape.join(', ')}] (${per} values)`);
    values.set(flat, i * per);
  });
  return { x: nt.tensor(values, [samples.length, ...sampleShape]), single };
}

/** Rows of a [n, ...] output as nested number lists per sample (flattened per row). */
function rows(y: nt.Tensor): number[][] {
  const per = y.size / y.shape[0];
  const values = y.dataSync();
  return Array.from({ length: y.shape[0] }, (_, i) => Array.from(values.subarray(i * per, (i + 1) * per)));
}

/**
 * An HTTP server (not yet listening) that answers /health and /predict for a one-input,
 * one-output `model` whose sample shape is fully known.
 */
export function createModelServer(model: nt.Model, options: ServeOptions = {}): Server {
  const maxBody = options.maxBodyBytes ?? 4 * 1024 * 1024;
  const maxSamples = options.maxSamples ?? 256;
  if (model.inputShapes.length !== 1 || model.outputShapes.length !== 1) throw new Error(`serve-model: the model must have one input and one output; it has ${model.inputShapes.length} and ${model.outputShapes.length}`);
  const shape = model.inputShapes[0].slice(1);
  if (!shape.every((d): d is number => typeof d === 'number')) throw new Error(`serve-model: the model's input shape [${model.inputShapes[0].join(', ')}] must be known apart from the batch axis`);
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/health') {
      if (req.method !== 'GET') throw new HttpError(405, 'use GET /health');
      send(res, 200, { ok: true, inputShape: model.inputShapes[0], outputShape: model.outputShapes[0] });
      return;
    }
    if (path !== '/predict') throw new HttpError(404, `no route ${path}; use POST /predict or GET /health`);
    if (req.method !== 'POST') throw new HttpError(405, 'use POST /predict');
    const text = await readBody(req, maxBody);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (e) {
      throw new HttpError(400, `the body is not valid JSON (${(e as Error).message})`);
    }
    const { x, single } = parseSamples(body, shape, maxSamples);
    const y = model.predict(x) as nt.Tensor;
    const out = rows(y);
    send(res, 200, single ? { output: out[0] } : { outputs: out });
  };
  return createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      const status = e instanceof HttpError ? e.status : 500;
      if (status === 500) console.error('serve-model:', e);
      if (!res.headersSent) send(res, status, { error: e instanceof Error ? e.message : String(e) });
      else res.destroy();
      // Unread request data is dropped; the connection closes after the answer.
      if (!req.complete) req.resume();
    });
  });
}

/** A small MLP trained for two epochs on 6000 Fashion-MNIST images (when no --model is given). */
async function trainSmall(): Promise<nt.Model> {
  const [x, y] = await nt.datasets.fashionMnist.loadSplit('train');
  const n = 6000;
  const pixels = Float32Array.from(x.dataSync().subarray(0, n * 784), (v) => v / 255);
  const model = new nt.Sequential([new nt.Flatten({ inputShape: [28, 28] }), new nt.Dense({ units: 64, activation: 'relu' }), new nt.Dense({ units: 10, activation: 'softmax' })]);
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  await model.fit(nt.tensor(pixels, [n, 28, 28]), nt.tensor(Float32Array.from(y.dataSync().subarray(0, n))), { epochs: 2, batchSize: 64, verbose: 2 });
  return model;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const path = stringArg('model');
  const port = numberArg('port') ?? 8080;
  const model = path ? await nt.loadModel(path) : await trainSmall();
  const server = createModelServer(model);
  server.listen(port, '127.0.0.1', () => console.log(`serving ${model.name} (input ${JSON.stringify(model.inputShapes[0])}) on http://127.0.0.1:${port}: POST /predict, GET /health`));
}
