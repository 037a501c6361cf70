/**
 * RandomRotation, RandomZoom and RandomTranslation (src/layers/preprocessing/geometric.ts)
 * against outputs computed by hand from Keras' formulas (affine_transform and
 * map_coordinates: x' = a0·x + a1·y + a2, y' = b0·x + b1·y + b2; bilinear or nearest
 * = ⌊· + ½⌋; fill modes per neighbour index), with each transform forced by a factor
 * [v, v]; then against Keras' NumPy backend itself (its map_coordinates: np.pad + scipy,
 * run by /usr/bin/python3) on 48 transforms; the identity at inference, the
 * ranges of the draws, seeds, plans (a new draw per run), errors, configs and
 * save/load.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nt from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { skipOrFail } from './helpers/oracle.js';

const near = (got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void => {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= tol, `${what}[${i}]: ${got[i]} vs ${want[i]}`);
};

/** The 4×5 test image v[r][c] = 10·r + c, one channel, batch of one. */
const H = 4;
const W = 5;
const image = (): Tensor => nt.tensor(Array.from({ length: H * W }, (_, i) => 10 * Math.floor(i / W) + (i % W)), [1, H, W, 1]);
/** The expected image out[r][c] = f(r, c). */
const expected = (h: number, w: number, f: (r: number, c: number) => number): number[] => Array.from({ length: h * w }, (_, i) => f(Math.floor(i / w), i % w));
const train = async (layer: nt.Layer, x: Tensor): Promise<Float32Array> => (await (layer.apply(x, { training: true }) as Tensor).data()) as Float32Array;

test('RandomRotation: ±90° and 180° about the centre (positive: counter-clockwise); the corners of a non-square image blend with fillValue', async () => {
  // 180° on 4×5: x' = 4 − x, y' = 3 − y, both flips; bilinear and nearest alike.
  for (const interpolation of ['bilinear', 'nearest'] as const) {
    near(await train(new nt.RandomRotation({ factor: [0.5, 0.5], interpolation }), image()), expected(H, W, (r, c) => 10 * (3 - r) + (4 - c)), 1e-4, `180° ${interpolation}`);
  }
  // 90° on a 4×4 image (cx = cy = 1.5): x' = 3 − y, y' = x, so out[r][c] = in[c][3 − r] (np.rot90).
  const square = nt.tensor(Array.from({ length: 16 }, (_, i) => 10 * Math.floor(i / 4) + (i % 4)), [1, 4, 4, 1]);
  near(await train(new nt.RandomRotation({ factor: [0.25, 0.25] }), square), expected(4, 4, (r, c) => 10 * c + (3 - r)), 1e-4, '+90°');
  near(await train(new nt.RandomRotation({ factor: [-0.25, -0.25], interpolation: 'nearest' }), square), expected(4, 4, (r, c) => 10 * (3 - c) + r), 1e-4, '−90°');
  // 90° on 4×5 (cx = 2, cy = 1.5): x' = 3.5 − y, y' = x − 0.5. The image is linear, so inside
  // the value is 10·y' + x'; the first and last columns read rows −0.5 and 3.5: half the
  // value of row 0 (row 3) and half fillValue.
  const F = -8;
  near(
    await train(new nt.RandomRotation({ factor: [0.25, 0.25], fillMode: 'constant', fillValue: F }), image()),
    expected(H, W, (r, c) => {
      const x = 3.5 - r;
      if (c === 0) return 0.5 * F + 0.5 * x;
      if (c === 4) return 0.5 * F + 0.5 * (30 + x);
      return 10 * (c - 0.5) + x;
    }), 1e-4, '90° constant');
});

test('the gradient reaches the input: through a 90° rotation, d Σ(y·m)/dx[i][j] = m[3 − j][i]; through a half-pixel shift, each output splits ½ and ½', async () => {
  const m = Array.from({ length: 16 }, (_, i) => ((i * 7) % 16) - 5);
  const x = nt.tensor(Array.from({ length: 16 }, (_, i) => i), [1, 4, 4, 1]);
  const rot = new nt.RandomRotation({ factor: [0.25, 0.25] });
  const g = nt.grad((t) => nt.sum(nt.mul(rot.apply(t, { training: true }) as Tensor, nt.tensor(m, [1, 4, 4, 1]))))(x);
  near(await g.data(), expected(4, 4, (i, j) => m[(3 - j) * 4 + i]), 1e-5, 'rotation gradient');
  // dx = 0.5, wrap: y[c] = ½·x[c − 1] + ½·x[c], so d Σ y·m / dx[c] = ½·m[c] + ½·m[c + 1 (wrapped)].
  const shift = new nt.RandomTranslation({ heightFactor: 0, widthFactor: [0.125, 0.125], fillMode: 'wrap' });
  const g2 = nt.grad((t) => nt.sum(nt.mul(shift.apply(t, { training: true }) as Tensor, nt.tensor(m, [1, 4, 4, 1]))))(x);
  near(await g2.data(), expected(4, 4, (r, c) => 0.5 * m[r * 4 + c] + 0.5 * m[r * 4 + ((c + 1) % 4)]), 1e-5, 'translation gradient');
});

test('RandomTranslation: whole-pixel shifts in each fill mode; half-pixel shifts blend (bilinear) or round up (nearest)', async () => {
  // widthFactor 0.4 → dx = 2 (right), heightFactor −0.25 → dy = −1 (up): out[r][c] = in[fold(r + 1)][fold(c − 2)].
  const F = null;
  const maps: Record<string, { rows: (number | null)[]; cols: (number | null)[] }> = {
    reflect: { rows: [1, 2, 3, 3], cols: [1, 0, 0, 1, 2] }, // −2 → 1, −1 → 0, 4 → 3
    wrap: { rows: [1, 2, 3, 0], cols: [3, 4, 0, 1, 2] }, // −2 → 3, −1 → 4, 4 → 0
    nearest: { rows: [1, 2, 3, 3], cols: [0, 0, 0, 1, 2] },
    constant: { rows: [1, 2, 3, F], cols: [F, F, 0, 1, 2] },
  };
  for (const [fillMode, m] of Object.entries(maps)) {
    for (const interpolation of ['bilinear', 'nearest'] as const) {
      const layer = new nt.RandomTranslation({ heightFactor: [-0.25, -0.25], widthFactor: [0.4, 0.4], fillMode: fillMode as nt.GeometricFillMode, interpolation, fillValue: 7 });
      const want = expected(H, W, (r, c) => (m.rows[r] === null || m.cols[c] === null ? 7 : 10 * (m.rows[r] as number) + (m.cols[c] as number)));
      near(await train(layer, image()), want, 1e-5, `${fillMode} ${interpolation}`);
    }
  }
  // widthFactor 0.1 → dx = 0.5: x' = x − 0.5. Bilinear: the mean of columns c − 1 and c; column 0
  // is half fillValue (constant: each neighbour outside the image reads fillValue).
  const half = (interpolation: 'bilinear' | 'nearest') => new nt.RandomTranslation({ heightFactor: 0, widthFactor: [0.1, 0.1], fillMode: 'constant', fillValue: 4, interpolation });
  near(await train(half('bilinear'), image()), expected(H, W, (r, c) => (c === 0 ? 0.5 * 4 + 0.5 * 10 * r : 10 * r + c - 0.5)), 1e-5, 'half pixel, bilinear');
  // Nearest: ⌊x − 0.5 + ½⌋ = x, the image unchanged (Keras' NumPy backend: scipy's order 0).
  near(await train(half('nearest'), image()), expected(H, W, (r, c) => 10 * r + c), 1e-5, 'half pixel, nearest');
});

test('RandomZoom: a negative factor zooms in, a positive one out, about the centre; widthFactor null reuses the height draw', async () => {
  // heightFactor −0.5 (width: the same draw): zx = zy = 0.5; x' = 0.5·x + 1, y' = 0.5·y + 0.75.
  // Bilinear on the linear image: 10·y' + x' = 5r + 0.5c + 8.5.
  near(await train(new nt.RandomZoom({ heightFactor: [-0.5, -0.5] }), image()), expected(H, W, (r, c) => 5 * r + 0.5 * c + 8.5), 1e-5, 'zoom in, bilinear');
  // Nearest: x' = 1, 1.5, 2, 2.5, 3 → columns 1, 2, 2, 3, 3; y' = 0.75, 1.25, 1.75, 2.25 → rows 1, 1, 2, 2.
  const cols = [1, 2, 2, 3, 3];
  const rows = [1, 1, 2, 2];
  near(await train(new nt.RandomZoom({ heightFactor: [-0.5, -0.5], interpolation: 'nearest' }), image()), expected(H, W, (r, c) => 10 * rows[r] + cols[c]), 1e-5, 'zoom in, nearest');
  // Zoom out: zy = 1.5, zx = 2. x' = 2x − 2 = −2, 0, 2, 4, 6 → reflect 1, 0, 2, 4, 3; y' = 1.5y − 0.75 =
  // −0.75, 0.75, 2.25, 3.75 (the neighbours ⌊y'⌋ and ⌊y'⌋ + 1 weigh 1 − f and f, f = y' − ⌊y'⌋): rows −1 → 0
  // and 0 = 0; 0 (¼) and 1 (¾) = 7.5; 2 (¾) and 3 (¼) = 22.5; 3 and 4 → 3 = 30.
  const rowValue = [0, 7.5, 22.5, 30];
  const reflectCols = [1, 0, 2, 4, 3];
  near(await train(new nt.RandomZoom({ heightFactor: [0.5, 0.5], widthFactor: [1, 1] }), image()), expected(H, W, (r, c) => rowValue[r] + reflectCols[c]), 1e-5, 'zoom out, reflect');
  // The same with wrap: x' = −2 → 3, 6 → 1; y' = −0.75 → rows −1 → 3 (weight ¾) and 0 (¼) = 22.5;
  // 3.75 → rows 3 (¼) and 4 → 0 (¾) = 7.5.
  const wrapRows = [22.5, 7.5, 22.5, 7.5];
  const wrapCols = [3, 0, 2, 4, 1];
  near(await train(new nt.RandomZoom({ heightFactor: [0.5, 0.5], widthFactor: [1, 1], fillMode: 'wrap' }), image()), expected(H, W, (r, c) => wrapRows[r] + wrapCols[c]), 1e-5, 'zoom out, wrap');
});

test('at inference the three layers are the identity (a float32 cast); rank 3 is one image', async () => {
  const ints = nt.tensor(Int32Array.from({ length: 2 * H * W * 3 }, (_, i) => (i * 37) % 255), [2, H, W, 3], 'int32');
  const want = Array.from((await ints.data()) as Int32Array);
  for (const layer of [new nt.RandomRotation({ factor: 0.3 }), new nt.RandomZoom({ heightFactor: 0.3 }), new nt.RandomTranslation({ heightFactor: 0.3, widthFactor: 0.3 })]) {
    const y = layer.apply(ints) as Tensor;
    assert.equal(y.dtype, 'float32');
    assert.deepEqual([...y.shape], [2, H, W, 3]);
    assert.deepEqual(Array.from(await y.data()), want, `${layer.getClassName()} at inference`);
  }
  // One HWC image: the same as a batch of one with the same seed.
  const one = nt.reshape(image(), [H, W, 1]);
  const a = new nt.RandomRotation({ factor: 0.2, seed: 9 }).apply(one, { training: true }) as Tensor;
  assert.deepEqual([...a.shape], [H, W, 1]);
  near(await a.data(), await train(new nt.RandomRotation({ factor: 0.2, seed: 9 }), image()), 0, 'rank 3 vs rank 4');
  assert.throws(() => new nt.RandomZoom({ heightFactor: 0.2 }).apply(nt.zeros([4, 5])), /rank ≥ 3/);
  assert.throws(() => new nt.RandomZoom({ heightFactor: 0.2 }).apply(nt.zeros([1, 2, 4, 5, 1]), { training: true }), /RandomZoom.*rank 4 \(or one HWC image of rank 3\); got shape \[1, 2, 4, 5, 1\]/);
});

test('the draws: one per image, within Keras\' ranges, reproducible from the seed', async () => {
  // A ramp v = column: a pixel whose source lies inside the image reads its source column.
  const B = 12;
  const ramp = nt.tensor(Array.from({ length: B * 5 * 7 }, (_, i) => i % 7), [B, 5, 7, 1]);
  const at = (v: Float32Array, b: number, r: number, c: number): number => v[(b * 5 + r) * 7 + c];
  // Translation: the centre (2, 3) reads column 3 − dx, dx ∈ [−0.3, 0.3]·7.
  const shifts = Array.from({ length: B }, (_, b) => b);
  const tv = await train(new nt.RandomTranslation({ heightFactor: 0, widthFactor: 0.3, seed: 1 }), ramp);
  const dx = shifts.map((b) => 3 - at(tv, b, 2, 3));
  assert.ok(dx.every((d) => d >= -2.1 - 1e-5 && d <= 2.1 + 1e-5), `dx ${dx}`);
  assert.ok(Math.max(...dx) - Math.min(...dx) > 1, `the images get different shifts: ${dx}`);
  // Zoom: column 3 + 1 of the centre row reads column 3 + zx, zx ∈ 1 + [−0.2, 0.5] (sorted pair).
  const zv = await train(new nt.RandomZoom({ heightFactor: 0, widthFactor: [0.5, -0.2], seed: 2 }), ramp);
  const zx = shifts.map((b) => at(zv, b, 2, 4) - 3);
  assert.ok(zx.every((z) => z >= 0.8 - 1e-5 && z <= 1.5 + 1e-5), `zx ${zx}`);
  assert.ok(Math.max(...zx) - Math.min(...zx) > 0.3, `zx spread ${zx}`);
  // Rotation by θ ∈ [−0.1, 0.1]·2π: the pixel right of the centre reads column 3 + cos θ ≥ cos 36°.
  const rv = await train(new nt.RandomRotation({ factor: 0.1, seed: 3 }), ramp);
  const cosines = shifts.map((b) => at(rv, b, 2, 4) - 3);
  assert.ok(cosines.every((c) => c >= Math.cos(0.2 * Math.PI) - 1e-4 && c <= 1 + 1e-5), `cos θ ${cosines}`);
  // Seeds: the same seed gives the same sequence of draws; another seed other draws.
  const run = async (seed: number): Promise<number[]> => {
    const layer = new nt.RandomRotation({ factor: 0.2, seed });
    return [...(await train(layer, ramp)), ...(await train(layer, ramp))];
  };
  const [a, b, c] = [await run(11), await run(11), await run(12)];
  assert.deepEqual(a, b);
  assert.ok(a.some((v, i) => Math.abs(v - c[i]) > 1e-3), 'another seed draws other angles');
  assert.ok(a.slice(0, a.length / 2).some((v, i) => Math.abs(v - a[a.length / 2 + i]) > 1e-3), 'a second call draws anew');
});

test('run from a plan (as the steps of fit are), every run draws new transforms', async () => {
  // A Planner runs the function eagerly, then traces it, then replays the plan: the draws are
  // random kernels, replayed with new seeds from the layer's generator; the grids are shape-only.
  const x = image();
  for (const layer of [new nt.RandomRotation({ factor: 0.3, fillMode: 'constant', seed: 1 }), new nt.RandomTranslation({ heightFactor: 0.4, widthFactor: 0.4, seed: 1 })]) {
    const planner = new nt.Planner();
    const outs: string[] = [];
    for (let i = 0; i < 5; i++) {
      const [y] = planner.run('k', [x], () => [layer.apply(x, { training: true }) as Tensor], [true], () => []);
      outs.push(Array.from((await y.data()) as Float32Array, (v) => v.toFixed(3)).join(' '));
    }
    const state = planner.state('k');
    assert.ok(state !== null && state.kernels !== null, `${layer.getClassName()} was planned: ${state?.reason}`);
    assert.equal(new Set(outs).size, 5, `${layer.getClassName()}: the five runs (eager, traced, three from the plan) differ`);
  }
});

test('bad arguments name the argument and the allowed values', () => {
  assert.throws(() => new nt.RandomRotation({ factor: 1.5 }), /RandomRotation: factor must be a number or a list of two numbers \[lower, upper\] in \[−1, 1\]; got 1\.5/);
  assert.throws(() => new nt.RandomRotation({ factor: [1.2, 2] }), /RandomRotation: factor/);
  assert.throws(() => new nt.RandomRotation({} as never), /RandomRotation: the argument factor is required/);
  assert.throws(() => new nt.RandomZoom({ heightFactor: -1 }), /RandomZoom: heightFactor must be a number or a list of two numbers \[lower, upper\] in \(−1, 1\]; got -1/);
  assert.throws(() => new nt.RandomZoom({ heightFactor: 0.2, widthFactor: [0.1] }), /RandomZoom: widthFactor must be .*; got \[0\.1\]/);
  assert.throws(() => new nt.RandomTranslation({ heightFactor: 0.2 } as never), /RandomTranslation: the argument widthFactor is required/);
  assert.throws(() => new nt.RandomTranslation({ heightFactor: 0.2, widthFactor: -1.1 }), /RandomTranslation: widthFactor must be .* in \[−1, 1\]; got -1\.1/);
  assert.throws(() => new nt.RandomRotation({ factor: 0.1, fillMode: 'mirror' as never }), /RandomRotation: fillMode must be 'reflect' or 'wrap' or 'constant' or 'nearest'; got 'mirror'/);
  assert.throws(() => new nt.RandomZoom({ heightFactor: 0.1, interpolation: 'bicubic' as never }), /RandomZoom: interpolation must be 'bilinear' or 'nearest'; got 'bicubic'/);
  assert.throws(() => new nt.RandomTranslation({ heightFactor: 0.1, widthFactor: 0.1, dataFormat: 'channels_first' as never }), /RandomTranslation: dataFormat must be 'channels_last'/);
});

test('configs: Keras\' keys and values; a Keras 3 config (snake_case, data_format, a dtype policy) builds the same layer', () => {
  const rot = new nt.RandomRotation({ factor: 0.2, seed: 4 });
  const { name: _n, trainable: _t, dtype: _d, ...rotConfig } = rot.getConfig();
  assert.deepEqual(rotConfig, { factor: [-0.2, 0.2], fill_mode: 'reflect', interpolation: 'bilinear', seed: 4, fill_value: 0, data_format: 'channels_last' });
  const zoom = new nt.RandomZoom({ heightFactor: [-0.3, -0.1], fillMode: 'constant', fillValue: 2 });
  const { name: _zn, trainable: _zt, dtype: _zd, ...zoomConfig } = zoom.getConfig();
  assert.deepEqual(zoomConfig, { height_factor: [-0.3, -0.1], width_factor: null, fill_mode: 'constant', interpolation: 'bilinear', seed: null, fill_value: 2, data_format: 'channels_last' });
  // As Keras 3 writes them (get_config of keras.layers.RandomTranslation / RandomRotation).
  const dtype = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
  const t = nt.deserializeLayer({
    class_name: 'RandomTranslation',
    config: { name: 'random_translation', trainable: true, dtype, height_factor: 0.1, width_factor: [-0.2, 0.3], fill_mode: 'nearest', interpolation: 'nearest', seed: 7, fill_value: 0.0, data_format: 'channels_last' },
  }) as nt.RandomTranslation;
  assert.ok(t instanceof nt.RandomTranslation);
  assert.deepEqual([t.heightFactor, t.widthFactor, t.fillMode, t.interpolation, t.seed, t.fillValue], [0.1, [-0.2, 0.3], 'nearest', 'nearest', 7, 0]);
  const r = nt.deserializeLayer({ class_name: 'RandomRotation', config: { name: 'rr', trainable: true, dtype, factor: [-0.05, 0.1], fill_mode: 'wrap', fill_value: 0.0, interpolation: 'bilinear', seed: null, data_format: 'channels_last' } }) as nt.RandomRotation;
  assert.deepEqual([r.factor, r.fillMode], [[-0.05, 0.1], 'wrap']);
  assert.throws(() => nt.deserializeLayer({ class_name: 'RandomZoom', config: { name: 'z', height_factor: 0.1, data_format: 'channels_first' } }), /dataFormat must be 'channels_last'/);
});

test('a model with the three layers saves and loads (native file and .keras): same configs, the identity at inference', async () => {
  const model = new nt.Sequential([
    new nt.RandomRotation({ factor: [-0.1, 0.2], fillMode: 'constant', fillValue: 1, seed: 3 }),
    new nt.RandomZoom({ heightFactor: 0.2, widthFactor: [-0.1, 0.3], interpolation: 'nearest' }),
    new nt.RandomTranslation({ heightFactor: [-0.2, 0.1], widthFactor: 0.25, fillMode: 'wrap' }),
  ]);
  model.build([null, H, W, 1]);
  const x = image();
  const want = Array.from(await x.data());
  near(await (model.predict(x) as Tensor).data(), want, 0, 'predict');
  const dir = mkdtempSync(join(tmpdir(), 'neurite-geometric-'));
  try {
    for (const file of ['m.nw', 'm.keras']) {
      await model.save(join(dir, file));
      const back = await nt.loadModel(join(dir, file));
      assert.deepEqual(back.layers.map((l) => l.getClassName()), ['RandomRotation', 'RandomZoom', 'RandomTranslation'], file);
      for (let i = 0; i < 3; i++) {
        const { name: _a, ...got } = back.layers[i].getConfig();
        const { name: _b, ...saved } = model.layers[i].getConfig();
        assert.deepEqual(got, saved, `${file}: ${model.layers[i].getClassName()} config`);
      }
      near(await (back.predict(x) as Tensor).data(), want, 1e-6, file);
      // The seeded rotation draws as a new layer with its config does.
      const fresh = new nt.RandomRotation({ factor: [-0.1, 0.2], fillMode: 'constant', fillValue: 1, seed: 3 });
      near(await train(back.layers[0], x), await train(fresh, x), 1e-6, `${file}: the loaded layer's draws`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---- Keras' NumPy backend as the oracle ------------------------------------------------------

const PYTHON = '/usr/bin/python3';

/** keras/src/backend/numpy/image.py: affine_transform and map_coordinates (np.pad, then scipy.ndimage.map_coordinates). */
const KERAS_NUMPY = String.raw`
import json, math, sys
import numpy as np, scipy.ndimage
def map_coordinates(inputs, coordinates, order, fill_mode, fill_value):
    padding = [(max(-np.floor(c.min()).astype(int) + 1, 0), max(np.ceil(c.max()).astype(int) + 1 - size, 0)) for c, size in zip(coordinates, inputs.shape)]
    shifted = [c + p[0] for p, c in zip(padding, coordinates)]
    pad_mode = {"nearest": "edge", "mirror": "reflect", "reflect": "symmetric"}.get(fill_mode, fill_mode)
    if fill_mode == "constant":
        padded = np.pad(inputs, padding, mode=pad_mode, constant_values=fill_value)
    else:
        padded = np.pad(inputs, padding, mode=pad_mode)
    return scipy.ndimage.map_coordinates(padded.astype("float32"), shifted, order=order, mode=fill_mode, cval=fill_value)
def affine_transform(images, transform, interpolation, fill_mode, fill_value):
    transform = transform.copy()
    B = images.shape[0]
    mesh = np.meshgrid(*[np.arange(s) for s in images.shape[1:]], indexing="ij")
    indices = np.tile(np.concatenate([np.expand_dims(x, -1) for x in mesh], -1), (B, 1, 1, 1, 1))
    a0 = transform[:, 0].copy(); a2 = transform[:, 2].copy(); b1 = transform[:, 4].copy(); b2 = transform[:, 5].copy()
    transform[:, 0] = b1; transform[:, 2] = b2; transform[:, 4] = a0; transform[:, 5] = a2
    transform = np.pad(transform, [[0, 0], [0, 1]], constant_values=1).reshape(B, 3, 3)
    offset = np.pad(transform[:, 0:2, 2].copy(), [[0, 0], [0, 1]]); transform[:, 0:2, 2] = 0
    coords = np.moveaxis(np.einsum("Bhwij, Bjk -> Bhwik", indices, transform), -1, 1) + np.reshape(offset, (*offset.shape, 1, 1, 1))
    order = {"nearest": 0, "bilinear": 1}[interpolation]
    return np.stack([map_coordinates(images[i], coords[i], order, fill_mode, fill_value) for i in range(B)])
req = json.load(sys.stdin)
img = np.array(req["image"], dtype="float32").reshape(req["shape"])
B, H, W, C = img.shape
out = []
for c in req["cases"]:
    if c["kind"] == "rotation":  # _compute_affine_matrix: degrees, centre (0.5, 0.5)·(size − 1)
        ang = np.float32(c["v"][0] * 360.0) * np.float32(math.pi / 180)
        cx, cy = 0.5 * (W - 1), 0.5 * (H - 1)
        a0, a1, b0, b1 = np.cos(ang), -np.sin(ang), np.sin(ang), np.cos(ang)
        t = [a0, a1, cx - cx * a0 - cy * a1, b0, b1, cy - cx * b0 - cy * b1, 0, 0]
    elif c["kind"] == "zoom":  # _get_zoom_matrix
        zy, zx = 1 + c["v"][0], 1 + c["v"][1]
        t = [zx, 0, (W - 1) / 2 * (1 - zx), 0, zy, (H - 1) / 2 * (1 - zy), 0, 0]
    else:  # _get_translation_matrix
        t = [1, 0, -c["v"][1] * W, 0, 1, -c["v"][0] * H, 0, 0]
    t = np.tile(np.array(t, dtype="float32"), (B, 1))
    out.append(affine_transform(img, t, c["interpolation"], c["fillMode"], c["fillValue"]).reshape(-1).tolist())
json.dump(out, sys.stdout)
`;

test('equals Keras\' NumPy backend (affine_transform + map_coordinates) on 48 transforms, 4 fill modes × 2 interpolations', async (t) => {
  const shape = [2, 5, 7, 2];
  const rng = new nt.Rng(7);
  const values = Array.from({ length: 140 }, () => Math.round(rng.uniform() * 1000) / 10);
  const x = nt.tensor(values, shape);
  type Case = { kind: 'rotation' | 'zoom' | 'translation'; v: number[]; fillMode: nt.GeometricFillMode; interpolation: 'bilinear' | 'nearest'; fillValue: number };
  const cases: Case[] = [];
  for (const fillMode of ['reflect', 'wrap', 'nearest', 'constant'] as const) {
    for (const interpolation of ['bilinear', 'nearest'] as const) {
      const common = { fillMode, interpolation, fillValue: fillMode === 'constant' ? 3.5 : 0 };
      for (const v of interpolation === 'bilinear' ? [0.07, -0.31] : [0.25, 0.83]) cases.push({ kind: 'rotation', v: [v], ...common });
      for (const v of interpolation === 'bilinear' ? [[-0.3, 0.25], [0.9, -0.7]] : [[0.4, 0.4], [-0.5, -0.5]]) cases.push({ kind: 'zoom', v, ...common });
      for (const v of interpolation === 'bilinear' ? [[0.13, -0.27], [1, -1]] : [[-0.6, 0.9], [0.2, 0.3]]) cases.push({ kind: 'translation', v, ...common });
    }
  }
  // Started inside the test (this file also loads in a browser page, which has no processes).
  const r = spawnSync(PYTHON, ['-c', KERAS_NUMPY], { input: JSON.stringify({ image: values, shape, cases }), encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.error !== undefined || /No module named/.test(r.stderr ?? '')) return skipOrFail(t, `${PYTHON} with numpy and scipy (Debian python3-scipy) is missing: ${r.error?.message ?? r.stderr.trim().split('\n').pop()}`);
  assert.equal(r.status, 0, r.stderr);
  const want = JSON.parse(r.stdout) as number[][];
  assert.equal(want.length, cases.length);
  for (const [i, c] of cases.entries()) {
    const { kind, v, ...common } = c;
    const layer = kind === 'rotation' ? new nt.RandomRotation({ factor: [v[0], v[0]], ...common }) : kind === 'zoom' ? new nt.RandomZoom({ heightFactor: [v[0], v[0]], widthFactor: [v[1], v[1]], ...common }) : new nt.RandomTranslation({ heightFactor: [v[0], v[0]], widthFactor: [v[1], v[1]], ...common });
    // Values up to 100 in float32: coordinates agree to ~1e-6, so outputs to ~1e-4.
    near(await train(layer, x), want[i], 2e-4, `${kind} ${v} ${c.fillMode} ${c.interpolation}`);
  }
});

test('the sampleImage kernel (no gradient wanted) equals the composed, differentiable path; RandomFlip likewise', async () => {
  const values = Array.from({ length: 3 * 5 * 6 * 2 }, (_, i) => ((i * 53) % 97) - 20);
  const x = nt.tensor(values, [3, 5, 6, 2]);
  const tracked = (): Tensor => {
    const t = nt.tensor(values, [3, 5, 6, 2]);
    t.requiresGrad = true;
    return t;
  };
  const makers: [string, (fillMode: 'reflect' | 'wrap' | 'constant' | 'nearest', interpolation: 'bilinear' | 'nearest') => nt.Layer][] = [
    ['rotation', (fillMode, interpolation) => new nt.RandomRotation({ factor: 0.3, fillMode, interpolation, fillValue: 7, seed: 11 })],
    ['zoom', (fillMode, interpolation) => new nt.RandomZoom({ heightFactor: [-0.4, 0.6], fillMode, interpolation, fillValue: -3, seed: 12 })],
    ['translation', (fillMode, interpolation) => new nt.RandomTranslation({ heightFactor: 0.7, widthFactor: [-0.9, 0.2], fillMode, interpolation, fillValue: 2, seed: 13 })],
  ];
  for (const [name, make] of makers) {
    for (const fillMode of ['reflect', 'wrap', 'constant', 'nearest'] as const) {
      for (const interpolation of ['bilinear', 'nearest'] as const) {
        const kernel = await (make(fillMode, interpolation).apply(x, { training: true }) as Tensor).data();
        const composed = await (make(fillMode, interpolation).apply(tracked(), { training: true }) as Tensor).data();
        for (let i = 0; i < kernel.length; i++) assert.ok(Math.abs(kernel[i] - composed[i]) <= 1e-3, `${name} ${fillMode} ${interpolation}[${i}]: kernel ${kernel[i]} vs composed ${composed[i]}`);
      }
    }
  }
  for (const mode of ['horizontal', 'vertical', 'horizontal_and_vertical'] as const) {
    const kernel = await (new nt.RandomFlip({ mode, seed: 4 }).apply(x, { training: true }) as Tensor).data();
    const composed = await (new nt.RandomFlip({ mode, seed: 4 }).apply(tracked(), { training: true }) as Tensor).data();
    assert.deepEqual(Array.from(kernel), Array.from(composed), `RandomFlip ${mode}`);
  }
  assert.throws(() => nt.sampleImage(tracked(), nt.zeros([3, 5, 6]), nt.zeros([3, 5, 6])), /no gradient/);
  assert.throws(() => nt.sampleImage(x, nt.zeros([3, 5, 5]), nt.zeros([3, 5, 6])), /sx must have shape \[3, 5, 6\]/);
});
