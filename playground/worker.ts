/**
 * The Playground's training worker: builds a Neurite MLP (Sequential + Dense, compiled with
 * SGD and binary cross-entropy), trains it epoch by epoch with `fit`, and posts the losses,
 * accuracies and the model's output over a grid of the plane back to the page.
 */
import * as nt from 'neurite';
import { DOMAIN, type FromWorker, type Settings, type ToWorker, type Update } from './protocol.js';
import { featurize, generate, labels, split } from './datasets.js';

/** The part of the worker's global scope used here (the page's tsconfig has the DOM lib, not WebWorker). */
interface WorkerScope {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
}
const scope = globalThis as unknown as WorkerScope;

/** The wasm backend's loader, present once src/browser.ts exports it. */
type WasmLoader = (options: { wasm?: string | URL | ArrayBuffer | Uint8Array; threads?: number }) => Promise<boolean>;

/** Grid resolution of the decision-boundary image. */
const RES = 64;
/** Grid resolution of the small per-neuron images. */
const NEURON_RES = 20;
/** Keep training for this long (ms) between two updates while playing. */
const UPDATE_MS = 40;

interface Run {
  settings: Settings;
  model: nt.Sequential;
  optimizer: nt.SGD;
  xTrain: nt.Tensor;
  yTrain: nt.Tensor;
  xTest: nt.Tensor;
  yTest: nt.Tensor;
  xGrid: nt.Tensor;
  xNeuronGrid: nt.Tensor;
  epoch: number;
}

let run: Run | null = null;
let playing = false;
let ticking = false;
let queue: Promise<void> = Promise.resolve();

function post(message: FromWorker, transfer: Transferable[] = []): void {
  scope.postMessage(message, transfer);
}

/** Runs tasks one after another so a reset never interleaves with an epoch. */
function enqueue(task: () => Promise<void> | void): void {
  queue = queue.then(task).catch((e: unknown) => {
    playing = false;
    post({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  });
}

/** Backends offered in the menu: js always, wasm once loaded, webgpu where the browser has WebGPU. */
const available: string[] = ['js'];

async function init(): Promise<void> {
  let note = '';
  const load = (nt as { loadWasmBackend?: WasmLoader }).loadWasmBackend;
  if (load) {
    try {
      if (await load({ wasm: new URL('./neurite-kernels.wasm', import.meta.url) })) {
        await nt.setBackend('wasm');
        available.unshift('wasm');
      }
    } catch (e) {
      note = `wasm backend unavailable (${e instanceof Error ? e.message : String(e)})`;
    }
  }
  // WebGPU is offered, never chosen for the user: it is listed when the browser has it.
  if ((navigator as { gpu?: unknown }).gpu !== undefined) available.push('webgpu');
  post({ type: 'ready', backend: nt.getBackendName(), available, note });
}

/** Switches the backend; the page restarts the network on the 'ready' that follows. */
async function switchBackend(name: string): Promise<void> {
  let note = '';
  if (!available.includes(name)) note = `backend '${name}' is not available here`;
  else if (!(await nt.setBackend(name as nt.BackendName))) {
    note = `the ${name} backend could not start (${nt.backendFailure(name as nt.BackendName) ?? 'no adapter'}); still on '${nt.getBackendName()}'`;
    available.splice(available.indexOf(name), 1);
  }
  run = null;
  post({ type: 'ready', backend: nt.getBackendName(), available, note });
}

/** The features of the centres of a res × res grid over the domain (row 0 at the top). */
function gridInputs(features: Settings['features'], res: number): nt.Tensor {
  const xy = new Float32Array(res * res * 2);
  for (let r = 0; r < res; r++) {
    for (let c = 0; c < res; c++) {
      const i = r * res + c;
      xy[2 * i] = -DOMAIN + ((c + 0.5) / res) * 2 * DOMAIN;
      xy[2 * i + 1] = DOMAIN - ((r + 0.5) / res) * 2 * DOMAIN;
    }
  }
  return nt.tensor(featurize(xy, 2, features), [res * res, features.length]);
}

/** Every hidden layer's output over the neuron grid (the layers applied one after another). */
async function hiddenOutputs(r: Run): Promise<Float32Array[]> {
  const outs = nt.noGrad(() => {
    const list: nt.Tensor[] = [];
    let h = r.xNeuronGrid;
    for (const layer of r.model.layers.slice(0, -1)) {
      h = layer.apply(h);
      list.push(h);
    }
    return list;
  });
  return Promise.all(outs.map(async (t) => Float32Array.from(await t.data())));
}

function buildModel(s: Settings, optimizer: nt.SGD): nt.Sequential {
  const regularizer = (): nt.regularizers.Regularizer | undefined =>
    s.regularization === 'l1' ? nt.regularizers.l1(s.regularizationRate) : s.regularization === 'l2' ? nt.regularizers.l2(s.regularizationRate) : undefined;
  const model = new nt.Sequential();
  model.add(new nt.InputLayer({ inputShape: [s.features.length] }));
  for (const units of s.hidden) model.add(new nt.Dense({ units, activation: s.activation, kernelRegularizer: regularizer() }));
  model.add(new nt.Dense({ units: 1, activation: 'sigmoid', kernelRegularizer: regularizer() }));
  model.compile({ optimizer, loss: 'binary_crossentropy', metrics: ['accuracy'] });
  return model;
}

function reset(s: Settings, reinit: number): void {
  if (s.features.length === 0) throw new Error('choose at least one input feature');
  const points = generate(s.dataset, s.samples, s.noise, s.seed);
  const { train, test } = split(points, s.trainRatio);
  nt.setSeed(s.seed * 1000 + reinit);
  const optimizer = new nt.SGD({ learningRate: s.learningRate });
  const model = buildModel(s, optimizer);
  const nTrain = train.length / 3;
  const nTest = test.length / 3;
  run = {
    settings: s,
    model,
    optimizer,
    xTrain: nt.tensor(featurize(train, 3, s.features), [nTrain, s.features.length]),
    yTrain: nt.tensor(labels(train), [nTrain, 1]),
    xTest: nt.tensor(featurize(test, 3, s.features), [nTest, s.features.length]),
    yTest: nt.tensor(labels(test), [nTest, 1]),
    xGrid: gridInputs(s.features, RES),
    xNeuronGrid: gridInputs(s.features, NEURON_RES),
    epoch: 0,
  };
  post({ type: 'data', train, test, params: model.countParams() });
}

async function evaluate(model: nt.Sequential, x: nt.Tensor, y: nt.Tensor): Promise<{ loss: number; accuracy: number }> {
  if (x.shape[0] === 0) return { loss: NaN, accuracy: NaN };
  const r = await model.testOnBatch(x, y);
  const [loss, accuracy] = Array.isArray(r) ? r : [r, NaN];
  return { loss: loss ?? NaN, accuracy: accuracy ?? NaN };
}

/** Losses, accuracies and the boundary grid of the current model. */
async function snapshot(r: Run): Promise<void> {
  const train = await evaluate(r.model, r.xTrain, r.yTrain);
  const test = await evaluate(r.model, r.xTest, r.yTest);
  const out = r.model.predict(r.xGrid, { batchSize: RES * RES }) as nt.Tensor;
  const grid = Float32Array.from(await out.data());
  const neurons = await hiddenOutputs(r);
  const update: Update = {
    type: 'update',
    epoch: r.epoch,
    trainLoss: train.loss,
    testLoss: test.loss,
    trainAccuracy: train.accuracy,
    testAccuracy: test.accuracy,
    grid,
    res: RES,
    neurons,
    neuronRes: NEURON_RES,
  };
  post(update, [grid.buffer, ...neurons.map((n) => n.buffer)]);
}

async function trainEpoch(r: Run): Promise<void> {
  await r.model.fit(r.xTrain, r.yTrain, { epochs: 1, batchSize: r.settings.batchSize, shuffle: true, verbose: 0 });
  r.epoch++;
}

/** While playing: train for about UPDATE_MS, post a snapshot, then let messages in. */
async function tick(): Promise<void> {
  if (!playing || !run) {
    ticking = false;
    return;
  }
  const start = performance.now();
  do await trainEpoch(run);
  while (performance.now() - start < UPDATE_MS);
  await snapshot(run);
  setTimeout(() => enqueue(tick), 0);
}

function startTicking(): void {
  if (ticking) return;
  ticking = true;
  enqueue(tick);
}

scope.onmessage = (event) => {
  const msg = event.data;
  switch (msg.type) {
    case 'reset':
      enqueue(async () => {
        reset(msg.settings, msg.reinit);
        if (run) await snapshot(run);
      });
      break;
    case 'set':
      enqueue(() => {
        if (!run) return;
        run.settings = { ...run.settings, learningRate: msg.learningRate, batchSize: msg.batchSize };
        run.optimizer.learningRate = msg.learningRate;
      });
      break;
    case 'play':
      playing = true;
      startTicking();
      break;
    case 'pause':
      playing = false;
      enqueue(() => post({ type: 'paused' }));
      break;
    case 'backend':
      playing = false;
      enqueue(() => switchBackend(msg.name));
      break;
    case 'step':
      playing = false;
      enqueue(async () => {
        if (!run) return;
        await trainEpoch(run);
        await snapshot(run);
      });
      break;
  }
};

enqueue(init);
