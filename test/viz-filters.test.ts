import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nt from '../src/index.js';
import { activationGrid, kernelGrid, saveGrid, tileImages, visualizeFilter } from '../src/viz/index.js';

function smallCnn(): nt.Sequential {
  const init = (k: number): nt.initializers.Initializer => new nt.initializers.GlorotUniform({ seed: 3 + k });
  return new nt.Sequential([
    new nt.Conv2D({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [12, 12, 1], kernelInitializer: init(0), name: 'c1' }),
    new nt.Conv2D({ filters: 6, kernelSize: 3, activation: 'relu', kernelInitializer: init(1), name: 'c2' }),
    new nt.MaxPooling2D({ poolSize: 2 }),
    new nt.Flatten(),
    new nt.Dense({ units: 3, activation: 'softmax', kernelInitializer: init(2) }),
  ]);
}

test('gradient ascent raises the mean activation of the chosen filter by a large factor', () => {
  const model = smallCnn();
  let raised = 0;
  for (let f = 0; f < 6; f++) {
    const { image, activations } = visualizeFilter(model, 'c2', f, { steps: 30, stepSize: 2, seed: 7 });
    // A ReLU filter that is off everywhere on the start image has a zero gradient (a dead filter): nothing to ascend.
    if (activations[0] === 0 && activations[30] === 0) continue;
    raised++;
    assert.deepEqual(image.shape, [12, 12, 1]);
    assert.equal(activations.length, 31);
    const before = activations[0];
    const after = activations[activations.length - 1];
    assert.ok(after > before, `filter ${f}: ${before} -> ${after}`);
    console.log(`c2 filter ${f}: mean activation ${before.toFixed(4)} -> ${after.toFixed(4)}`);
    assert.ok(after > 5 * before + 0.5, `filter ${f}: ${before} -> ${after} is not a large increase`);
    // The objective recomputed through the whole model agrees with the reported value.
    const sub = new nt.Model({ inputs: model.inputs, outputs: model.getLayer('c2').inboundNodes[0].outputs[0] });
    const y = sub.predict(nt.reshape(image, [1, 12, 12, 1])) as nt.Tensor;
    const m = nt.mean(nt.slice(y, [0, 0, 0, f], [1, 8, 8, 1])).dataSync()[0];
    assert.ok(Math.abs(m - after) < 1e-3 * Math.max(1, Math.abs(after)), `${m} vs ${after}`);
  }
  assert.ok(raised >= 3, `only ${raised} of 6 filters were raised`);
});

test('visualizeFilter validates its arguments with clear errors', () => {
  const model = smallCnn();
  assert.throws(() => visualizeFilter(model, 'c2', 6), /filterIndex 6 out of range for layer 'c2' with 6 filters/);
  assert.throws(() => visualizeFilter(model, 'nope', 0), /no layer named 'nope'/);
  assert.throws(() => visualizeFilter(model, 'c2', 0, { stepSize: 0 }), /stepSize/);
  assert.throws(() => visualizeFilter(model, 'c1', 1, { steps: 3, inputShape: [20, 16, 1] }), /expects shape \(None, 12, 12, 1\); got \[1, 20, 16, 1\]/);
  const r = visualizeFilter(model, 'c1', 1, { steps: 3, stepSize: 0.1, inputShape: [12, 12, 1] });
  assert.deepEqual(r.image.shape, [12, 12, 1]);
});

test('kernelGrid tiles a handcrafted kernel with the right size and pixel placement', () => {
  const conv = new nt.Conv2D({ filters: 5, kernelSize: 2, useBias: false, name: 'hand' });
  conv.apply(nt.zeros([1, 4, 4, 1]));
  const k = new Float32Array(2 * 2 * 1 * 5);
  // kernel[i, j, 0, f] = 100 f + 10 i + j
  for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) for (let f = 0; f < 5; f++) k[(i * 2 + j) * 5 + f] = 100 * f + 10 * i + j;
  conv.setWeights([k]);
  const grid = kernelGrid(conv, { normalize: false, margin: 1, background: -1 });
  // 5 tiles → 3 columns, 2 rows: 2·2 + 1 = 5 high, 3·2 + 2 = 8 wide.
  assert.deepEqual(grid.shape, [5, 8, 1]);
  const values = grid.dataSync();
  const at = (r: number, c: number): number => values[r * 8 + c];
  for (let f = 0; f < 5; f++) {
    const r0 = Math.floor(f / 3) * 3;
    const c0 = (f % 3) * 3;
    for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) assert.equal(at(r0 + i, c0 + j), 100 * f + 10 * i + j, `filter ${f} (${i}, ${j})`);
  }
  assert.equal(at(2, 0), -1); // margin row
  assert.equal(at(0, 2), -1); // margin column
  assert.equal(at(3, 6), -1); // the empty sixth tile
  // Normalised per tile: every tile spans exactly 0..1.
  const norm = kernelGrid(conv, { columns: 5, margin: 0 });
  assert.deepEqual(norm.shape, [2, 10, 1]);
  for (let f = 0; f < 5; f++) {
    const tile = nt.slice(norm, [0, 2 * f, 0], [2, 2, 1]).dataSync();
    assert.ok(Math.abs(Math.min(...tile)) < 1e-6 && Math.abs(Math.max(...tile) - 1) < 1e-6, `tile ${f}: ${Array.from(tile)}`);
  }
  assert.throws(() => kernelGrid(new nt.Dense({ units: 2 })), /expected a Conv2D layer/);
});

test('activationGrid tiles the feature maps of a layer for one input', () => {
  // An identity-like 1×1 conv with 3 filters scaling the input by 1, 2, 3.
  const input = nt.Input({ shape: [3, 4, 1] });
  const conv = new nt.Conv2D({ filters: 3, kernelSize: 1, useBias: false, name: 'scale' });
  const model = new nt.Model({ inputs: input, outputs: conv.apply(input) });
  conv.setWeights([new Float32Array([1, 2, 3])]);
  const x = nt.tensor(Float32Array.from({ length: 2 * 12 }, (_, i) => i), [2, 3, 4, 1]);
  const grid = activationGrid(model, 'scale', x, { columns: 3, margin: 2, normalize: false });
  assert.deepEqual(grid.shape, [3, 3 * 4 + 2 * 2, 1]);
  const gridValues = grid.dataSync();
  for (let f = 0; f < 3; f++) {
    for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) assert.equal(gridValues[r * 16 + f * 6 + c], (f + 1) * (r * 4 + c));
  }
  const tiled = tileImages(nt.ones([7, 5, 6, 1]), { normalize: false });
  assert.deepEqual(tiled.shape, [3 * 5 + 2, 3 * 6 + 2, 1]);
});

test('saveGrid writes a PNG that loadImg reads back', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'neurite-viz-'));
  try {
    const grid = tileImages(nt.tensor(Float32Array.from({ length: 4 * 3 * 3 }, (_, i) => i % 9), [4, 3, 3, 1]), { columns: 2, margin: 1, normalize: false, background: 0 });
    assert.deepEqual(grid.shape, [7, 7, 1]);
    const path = join(dir, 'grid.png');
    await saveGrid(path, grid);
    const back = await nt.loadImg(path, { colorMode: 'grayscale' });
    assert.deepEqual(back.shape, [7, 7, 1]);
    // saveImg scales by min..max (0..8): pixel = round(v / 8 · 255).
    const backValues = back.dataSync();
    const gridValues = grid.dataSync();
    for (let i = 0; i < 49; i++) assert.equal(backValues[i], Math.round((gridValues[i] / 8) * 255), `pixel ${i}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('smoke run of the filter-visualisation example writes readable PNG grids and raises every filter', async () => {
  const { runFilterVisualisation } = await import('../examples/filter-visualisation.js');
  const dir = mkdtempSync(join(tmpdir(), 'neurite-viz-example-'));
  try {
    const lines: string[] = [];
    const r = await runFilterVisualisation({ smoke: true, outDir: dir, log: (l) => lines.push(l) });
    console.log(lines.join('\n'));
    assert.equal(r.files.length, 5);
    for (const f of r.files) assert.equal((await nt.loadImg(f, { colorMode: 'grayscale' })).rank, 3);
    const kernels = await nt.loadImg(join(dir, 'kernels.png'), { colorMode: 'grayscale' });
    assert.deepEqual(kernels.shape, [4 * 3 + 3, 8 * 3 + 7, 1]); // 32 kernels 3×3, 8 columns, margin 1
    const filters = await nt.loadImg(join(dir, 'filters.png'), { colorMode: 'grayscale' });
    assert.deepEqual(filters.shape, [28, 4 * 28 + 3 * 2, 1]);
    assert.equal(r.ascent.length, 4);
    for (const a of r.ascent) if (a.before > 0) assert.ok(a.after > 2 * a.before, `filter ${a.filter}: ${a.before} -> ${a.after}`);
    assert.ok(r.ascent.some((a) => a.before > 0));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
