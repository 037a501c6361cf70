/**
 * The Playground page: controls, state in the URL hash, and drawing. Training runs in
 * worker.ts (Neurite in a Web Worker); this side only sends settings and draws what comes back.
 */
import {
  ACTIVATIONS,
  DATASETS,
  DEFAULT_SETTINGS,
  FEATURES,
  REGULARIZATIONS,
  type DatasetName,
  type FeatureName,
  type FromWorker,
  type Settings,
  type ToWorker,
  type Update,
} from './protocol.js';
import { generate } from './datasets.js';
import { clear, drawAxes, drawHeatmap, drawLossChart, drawNeuron, drawPoints } from './render.js';

const LEARNING_RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const REGULARIZATION_RATES = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const MAX_LAYERS = 6;
const MAX_NEURONS = 8;
const FEATURE_LABELS: Record<FeatureName, string> = { x1: 'X₁', x2: 'X₂', x1sq: 'X₁²', x2sq: 'X₂²', x1x2: 'X₁X₂', sinx1: 'sin(X₁)', sinx2: 'sin(X₂)' };

function el<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`Playground: the page has no #${id}`);
  return e as T;
}

function ctx2d(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const c = canvas.getContext('2d', { willReadFrequently: true });
  if (!c) throw new Error('Playground: no 2-D canvas context');
  return c;
}

// ---- settings <-> URL hash ----

function oneOf<T extends string>(v: string | null, allowed: readonly T[], fallback: T): T {
  return v !== null && (allowed as readonly string[]).includes(v) ? (v as T) : fallback;
}

function num(v: string | null, fallback: number, lo: number, hi: number): number {
  const n = v === null || v === '' ? NaN : Number(v);
  return Number.isFinite(n) ? Math.min(hi, Math.max(lo, n)) : fallback;
}

function readHash(): Settings {
  const q = new URLSearchParams(location.hash.slice(1));
  const d = DEFAULT_SETTINGS;
  const hidden = q.get('hidden');
  const features = q.get('features');
  return {
    dataset: oneOf(q.get('dataset'), DATASETS, d.dataset),
    noise: num(q.get('noise'), d.noise, 0, 0.5),
    trainRatio: num(q.get('trainRatio'), d.trainRatio, 0.1, 0.9),
    samples: Math.round(num(q.get('samples'), d.samples, 20, 5000)),
    batchSize: Math.round(num(q.get('batchSize'), d.batchSize, 1, 500)),
    learningRate: num(q.get('learningRate'), d.learningRate, 1e-6, 100),
    activation: oneOf(q.get('activation'), ACTIVATIONS, d.activation),
    regularization: oneOf(q.get('regularization'), REGULARIZATIONS, d.regularization),
    regularizationRate: num(q.get('regularizationRate'), d.regularizationRate, 0, 100),
    hidden:
      hidden === null ? [...d.hidden] : hidden === '' ? [] : hidden.split(',').slice(0, MAX_LAYERS).map((s) => Math.round(num(s, 4, 1, MAX_NEURONS))),
    features: features === null ? [...d.features] : features.split(',').filter((f): f is FeatureName => (FEATURES as readonly string[]).includes(f)),
    seed: Math.round(num(q.get('seed'), d.seed, 0, 2 ** 31)),
  };
}

function writeHash(s: Settings): void {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(s)) q.set(k, Array.isArray(v) ? v.join(',') : String(v));
  history.replaceState(null, '', `#${q.toString().replace(/%2C/g, ',')}`);
}

// ---- state ----

let settings = readHash();
if (settings.features.length === 0) settings.features = [...DEFAULT_SETTINGS.features];
let reinit = 0;
let playing = false;
let ready = false;
let trainPoints: Float32Array = new Float32Array(0);
let testPoints: Float32Array = new Float32Array(0);
let last: Update | null = null;
const trainLosses: number[] = [];
const testLosses: number[] = [];

const boundary = ctx2d(el<HTMLCanvasElement>('boundary'));
const lossChart = ctx2d(el<HTMLCanvasElement>('loss-chart'));
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });

function send(msg: ToWorker): void {
  worker.postMessage(msg);
}

function setState(state: 'loading' | 'ready' | 'playing' | 'paused' | 'error'): void {
  document.body.dataset.state = state;
}

function status(text: string, error = false): void {
  const s = el('status');
  s.textContent = text;
  s.classList.toggle('error', error);
}

/** Restarts training from fresh weights with the current settings (and the same data seed). */
function restart(): void {
  writeHash(settings);
  renderControls();
  if (ready) send({ type: 'reset', settings: structuredClone(settings), reinit });
}

function change(patch: Partial<Settings>): void {
  settings = { ...settings, ...patch };
  restart();
}

function setPlaying(on: boolean): void {
  playing = on;
  setState(on ? 'playing' : 'paused');
  send({ type: on ? 'play' : 'pause' });
}

// ---- drawing ----

/** Each hidden neuron's small image (what it computes over the plane). */
function drawNeurons(): void {
  const u = last;
  if (!u) return;
  u.neurons.forEach((values, l) => {
    const units = settings.hidden[l] ?? 0;
    if (values.length !== units * u.neuronRes ** 2) return; // an update from before a change of layers
    for (let k = 0; k < units; k++) {
      const c = document.querySelector<HTMLCanvasElement>(`#layers canvas[data-neuron="${l}-${k}"]`);
      if (c) drawNeuron(ctx2d(c), values, u.neuronRes, units, k);
    }
  });
}

function draw(): void {
  const showTest = el<HTMLInputElement>('show-test').checked;
  if (last) drawHeatmap(boundary, last.grid, last.res, el<HTMLInputElement>('discretize').checked);
  else clear(boundary);
  drawAxes(boundary);
  drawPoints(boundary, trainPoints, '#fff');
  if (showTest) drawPoints(boundary, testPoints, '#000');
  drawLossChart(lossChart, trainLosses, testLosses);
  drawNeurons();
}

function fmt(v: number): string {
  return Number.isFinite(v) ? v.toFixed(3) : '–';
}

function showUpdate(u: Update): void {
  last = u;
  trainLosses.push(u.trainLoss);
  testLosses.push(u.testLoss);
  el('epoch').textContent = u.epoch.toString().padStart(6, '0').replace(/(\d{3})(\d{3})$/, '$1,$2');
  document.body.dataset.epoch = String(u.epoch);
  for (const [id, v] of [
    ['train-loss', u.trainLoss],
    ['test-loss', u.testLoss],
    ['train-accuracy', u.trainAccuracy],
    ['test-accuracy', u.testAccuracy],
  ] as const) {
    const e = el(id);
    e.textContent = fmt(v);
    e.dataset.value = String(v);
  }
  draw();
}

// ---- controls ----

function fillSelect(id: string, values: readonly (string | number)[], current: string | number, onChange: (v: string) => void): void {
  const s = el<HTMLSelectElement>(id);
  s.innerHTML = '';
  for (const v of values) s.add(new Option(String(v), String(v), false, String(v) === String(current)));
  s.onchange = () => onChange(s.value);
}

function datasetButtons(): void {
  const box = el('datasets');
  for (const name of DATASETS) {
    const b = document.createElement('button');
    b.title = name;
    b.dataset.dataset = name;
    const c = document.createElement('canvas');
    c.width = c.height = 76;
    const g = ctx2d(c);
    clear(g);
    drawPoints(g, generate(name, 200, 0, 7), '#fff', 2);
    b.append(c);
    b.onclick = () => change({ dataset: name as DatasetName });
    box.append(b);
  }
}

function slider(id: string, value: number, label: string, onInput: (v: number) => void): void {
  const s = el<HTMLInputElement>(id);
  s.value = String(value);
  el(`${id}-value`).textContent = label;
  s.oninput = () => onInput(Number(s.value));
}

function renderLayers(): void {
  const box = el('layers');
  box.innerHTML = '';
  el('layer-count').textContent = `${settings.hidden.length} hidden layer${settings.hidden.length === 1 ? '' : 's'}`;
  settings.hidden.forEach((units, i) => {
    const col = document.createElement('div');
    col.className = 'layer';
    const plus = document.createElement('button');
    plus.className = 'pm';
    plus.textContent = '+';
    plus.onclick = () => change({ hidden: settings.hidden.map((u, j) => (j === i ? Math.min(MAX_NEURONS, u + 1) : u)) });
    const minus = document.createElement('button');
    minus.className = 'pm';
    minus.innerHTML = '&minus;';
    minus.onclick = () => change({ hidden: settings.hidden.map((u, j) => (j === i ? Math.max(1, u - 1) : u)) });
    const label = document.createElement('span');
    label.textContent = `${units} neuron${units === 1 ? '' : 's'}`;
    col.append(plus, minus, label);
    for (let k = 0; k < units; k++) {
      const n = document.createElement('canvas');
      n.className = 'neuron';
      n.width = n.height = 26;
      n.dataset.neuron = `${i}-${k}`;
      n.title = `layer ${i + 1}, neuron ${k + 1}`;
      col.append(n);
    }
    box.append(col);
  });
}

function renderControls(): void {
  fillSelect('learning-rate', LEARNING_RATES, settings.learningRate, (v) => {
    settings.learningRate = Number(v);
    writeHash(settings);
    send({ type: 'set', learningRate: settings.learningRate, batchSize: settings.batchSize });
  });
  fillSelect('activation', ACTIVATIONS, settings.activation, (v) => change({ activation: v as Settings['activation'] }));
  fillSelect('regularization', REGULARIZATIONS, settings.regularization, (v) => change({ regularization: v as Settings['regularization'] }));
  fillSelect('regularization-rate', REGULARIZATION_RATES, settings.regularizationRate, (v) => change({ regularizationRate: Number(v) }));
  for (const b of el('datasets').querySelectorAll<HTMLButtonElement>('button')) b.classList.toggle('selected', b.dataset.dataset === settings.dataset);
  slider('ratio', Math.round(settings.trainRatio * 100), `${Math.round(settings.trainRatio * 100)}%`, (v) => change({ trainRatio: v / 100 }));
  slider('noise', Math.round(settings.noise * 100), String(Math.round(settings.noise * 100)), (v) => change({ noise: v / 100 }));
  slider('batch', settings.batchSize, String(settings.batchSize), (v) => {
    settings.batchSize = v;
    el('batch-value').textContent = String(v);
    writeHash(settings);
    send({ type: 'set', learningRate: settings.learningRate, batchSize: settings.batchSize });
  });
  const fbox = el('features');
  fbox.innerHTML = '';
  for (const f of FEATURES) {
    const label = document.createElement('label');
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.checked = settings.features.includes(f);
    box.dataset.feature = f;
    box.onchange = () => {
      const next = FEATURES.filter((g) => (g === f ? box.checked : settings.features.includes(g)));
      if (next.length === 0) {
        box.checked = true;
        status('Keep at least one input feature.');
        return;
      }
      change({ features: next });
    };
    label.append(box, ` ${FEATURE_LABELS[f]}`);
    fbox.append(label);
  }
  renderLayers();
}

function wire(): void {
  el('play-pause').onclick = () => setPlaying(!playing);
  el('step').onclick = () => {
    if (playing) setPlaying(false);
    send({ type: 'step' });
  };
  el('reset').onclick = () => {
    reinit++;
    restart();
  };
  el('regenerate').onclick = () => change({ seed: settings.seed + 1 });
  el('add-layer').onclick = () => {
    if (settings.hidden.length < MAX_LAYERS) change({ hidden: [...settings.hidden, 2] });
  };
  el('remove-layer').onclick = () => {
    if (settings.hidden.length > 0) change({ hidden: settings.hidden.slice(0, -1) });
  };
  el('show-test').onchange = draw;
  el<HTMLSelectElement>('backend').onchange = (e) => {
    ready = false;
    setState('loading');
    status(`Switching to the '${(e.target as HTMLSelectElement).value}' backend…`);
    send({ type: 'backend', name: (e.target as HTMLSelectElement).value });
  };
  el('discretize').onchange = draw;
  window.addEventListener('hashchange', () => {
    settings = readHash();
    restart();
  });
}

worker.onmessage = (event: MessageEvent<FromWorker>) => {
  const msg = event.data;
  switch (msg.type) {
    case 'ready': {
      ready = true;
      const menu = el<HTMLSelectElement>('backend');
      menu.replaceChildren(...msg.available.map((name) => new Option(name, name, false, name === msg.backend)));
      menu.value = msg.backend;
      status(msg.note || `Neurite is running on the '${msg.backend}' backend in a Web Worker.`);
      setState('ready');
      restart();
      break;
    }
    case 'data':
      trainPoints = msg.train;
      testPoints = msg.test;
      last = null;
      trainLosses.length = 0;
      testLosses.length = 0;
      el('params').textContent = `${trainPoints.length / 3} training and ${testPoints.length / 3} test points; ${msg.params} weights.`;
      draw();
      break;
    case 'update':
      showUpdate(msg);
      break;
    case 'paused':
      break;
    case 'error':
      setState('error');
      playing = false;
      status(`Error: ${msg.message}`, true);
      break;
  }
};
worker.onerror = (e) => {
  setState('error');
  status(`Worker error: ${e.message}`, true);
};

setState('loading');
datasetButtons();
renderControls();
wire();
draw();
