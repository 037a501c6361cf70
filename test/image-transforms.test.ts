import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';

/** An h×w single-channel image whose pixel (r, c) holds r·w + c. */
function ramp(h: number, w: number): nt.Tensor {
  return nt.tensor(Float32Array.from({ length: h * w }, (_, i) => i), [h, w, 1]);
}

function at(t: nt.Tensor, r: number, c: number): number {
  return t.dataSync()[r * t.shape[1] + c];
}

test('a 90° rotation moves every pixel to its exact rotated position (square, odd and even sizes)', () => {
  for (const n of [5, 4]) {
    const x = ramp(n, n);
    const y = new nt.ImageDataGenerator().applyTransform(x, { theta: 90 });
    // in = R(o - centre) + centre with R = [[0, -1], [1, 0]]: out[r][c] = in[n-1-c][r].
    for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) assert.equal(at(y, r, c), at(x, n - 1 - c, r), `pixel (${r}, ${c}) of ${n}x${n}`);
    const back = new nt.ImageDataGenerator().applyTransform(y, { theta: -90 });
    assert.deepEqual(Array.from(back.dataSync()), Array.from(x.dataSync()));
  }
});

test('a 3-pixel shift under each fill mode fills the uncovered pixels as Keras documents', () => {
  const row = nt.tensor(Float32Array.from({ length: 8 }, (_, i) => i + 1), [1, 8, 1]); // a b c d e f g h = 1..8
  const expected: Record<nt.FillMode, [number[], number[]]> = {
    constant: [[4, 5, 6, 7, 8, -1, -1, -1], [-1, -1, -1, 1, 2, 3, 4, 5]],
    nearest: [[4, 5, 6, 7, 8, 8, 8, 8], [1, 1, 1, 1, 2, 3, 4, 5]],
    reflect: [[4, 5, 6, 7, 8, 8, 7, 6], [3, 2, 1, 1, 2, 3, 4, 5]],
    wrap: [[4, 5, 6, 7, 8, 1, 2, 3], [6, 7, 8, 1, 2, 3, 4, 5]],
  };
  for (const [mode, [plus, minus]] of Object.entries(expected) as [nt.FillMode, [number[], number[]]][]) {
    const g = new nt.ImageDataGenerator({ fillMode: mode, cval: -1 });
    assert.deepEqual(Array.from(g.applyTransform(row, { ty: 3 }).dataSync()), plus, `${mode}, +3`);
    assert.deepEqual(Array.from(g.applyTransform(row, { ty: -3 }).dataSync()), minus, `${mode}, -3`);
  }
  // The same along rows (height shift), on a column.
  const col = nt.tensor(Float32Array.from({ length: 8 }, (_, i) => i + 1), [8, 1, 1]);
  assert.deepEqual(Array.from(new nt.ImageDataGenerator({ fillMode: 'wrap' }).applyTransform(col, { tx: 3 }).dataSync()), [4, 5, 6, 7, 8, 1, 2, 3]);
});

test('flips mirror columns and rows exactly, for every channel', () => {
  const x = nt.tensor(Float32Array.from({ length: 3 * 4 * 2 }, (_, i) => i), [3, 4, 2]);
  const g = new nt.ImageDataGenerator();
  const h = g.applyTransform(x, { flipHorizontal: true });
  const v = g.applyTransform(x, { flipVertical: true });
  const hv = h.dataSync();
  const vv = v.dataSync();
  const xv = x.dataSync();
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 4; c++) {
      for (let k = 0; k < 2; k++) {
        assert.equal(hv[(r * 4 + c) * 2 + k], xv[(r * 4 + (3 - c)) * 2 + k]);
        assert.equal(vv[(r * 4 + c) * 2 + k], xv[((2 - r) * 4 + c) * 2 + k]);
      }
    }
  }
});

test('a zoom of 2 about the centre samples every other pixel; the border is filled', () => {
  const x = ramp(5, 5);
  const y = new nt.ImageDataGenerator({ fillMode: 'constant', cval: -1 }).applyTransform(x, { zx: 2, zy: 2 });
  for (let r = 0; r < 5; r++) {
    for (let c = 0; c < 5; c++) {
      const inside = r >= 1 && r <= 3 && c >= 1 && c <= 3;
      assert.equal(at(y, r, c), inside ? at(x, 2 * r - 2, 2 * c - 2) : -1, `pixel (${r}, ${c})`);
    }
  }
  // A zoom of 0.5 reads half-pixel positions: bilinear averages of the neighbours.
  const z = new nt.ImageDataGenerator().applyTransform(x, { zx: 0.5, zy: 0.5 });
  assert.equal(at(z, 0, 0), at(x, 1, 1));
  assert.equal(at(z, 1, 1), (at(x, 1, 1) + at(x, 1, 2) + at(x, 2, 1) + at(x, 2, 2)) / 4);
  assert.equal(at(z, 2, 2), at(x, 2, 2));
});

test('the combined warp equals the transforms applied one after another where those are exact', () => {
  const x = ramp(6, 6);
  const g = new nt.ImageDataGenerator({ fillMode: 'constant', cval: 0 });
  const once = g.applyTransform(x, { theta: 90, flipHorizontal: true, flipVertical: true });
  const stepwise = g.applyTransform(g.applyTransform(g.applyTransform(x, { theta: 90 }), { flipHorizontal: true }), { flipVertical: true });
  assert.deepEqual(Array.from(once.dataSync()), Array.from(stepwise.dataSync()));
  // Rotation by 90 then 180 of flips is a rotation by 270.
  assert.deepEqual(Array.from(once.dataSync()), Array.from(g.applyTransform(x, { theta: 270 }).dataSync()));
});

test('nearest interpolation (interpolationOrder 0) reads single pixels', () => {
  const x = ramp(5, 5);
  const z = new nt.ImageDataGenerator({ interpolationOrder: 0 }).applyTransform(x, { zx: 0.5, zy: 0.5 });
  const xv = x.dataSync();
  for (const v of z.dataSync()) assert.ok(Number.isInteger(v) && xv.includes(v));
});

test('channel shift and brightness follow Keras (clip to the image range; multiply and clip to 0..255)', () => {
  const x = nt.tensor([10, 20, 30, 200, 100, 50], [1, 2, 3]);
  const g = new nt.ImageDataGenerator();
  assert.deepEqual(Array.from(g.applyTransform(x, { channelShiftIntensity: 60 }).dataSync()), [70, 80, 90, 200, 160, 110]);
  assert.deepEqual(Array.from(g.applyTransform(x, { channelShiftIntensity: -25 }).dataSync()), [10, 10, 10, 175, 75, 25]);
  assert.deepEqual(Array.from(g.applyTransform(x, { brightness: 1.5 }).dataSync()), [15, 30, 45, 255, 150, 75]);
  assert.deepEqual(Array.from(g.applyTransform(x, { brightness: 0.5 }).dataSync()), [5, 10, 15, 100, 50, 25]);
});

test('random transforms stay within their ranges and are reproducible by seed', () => {
  const g = new nt.ImageDataGenerator({ rotationRange: 30, widthShiftRange: 0.1, heightShiftRange: 2, zoomRange: 0.2, shearRange: 10, horizontalFlip: true, channelShiftRange: 5, brightnessRange: [0.8, 1.2] });
  const rng = new nt.Rng(3);
  let flips = 0;
  for (let i = 0; i < 500; i++) {
    const p = g.getRandomTransform([20, 30, 1], rng);
    assert.ok(Math.abs(p.theta ?? 0) <= 30);
    assert.ok(Math.abs(p.ty ?? 0) <= 3, 'width shift 0.1 of 30 pixels');
    assert.ok([-1, 0, 1].includes(p.tx ?? NaN), 'integer height shift 2 → shifts in (-2, 2)');
    assert.ok((p.zx ?? 0) >= 0.8 && (p.zx ?? 0) <= 1.2 && (p.zy ?? 0) >= 0.8 && (p.zy ?? 0) <= 1.2);
    assert.ok(Math.abs(p.shear ?? 0) <= 10);
    assert.ok(Math.abs(p.channelShiftIntensity ?? 99) <= 5);
    assert.ok((p.brightness ?? 0) >= 0.8 && (p.brightness ?? 0) <= 1.2);
    if (p.flipHorizontal) flips++;
    assert.equal(p.flipVertical, false);
  }
  assert.ok(flips > 200 && flips < 300, `about half flipped: ${flips}`);
  const img = ramp(8, 8);
  assert.deepEqual(Array.from(g.randomTransform(img, 7).dataSync()), Array.from(g.randomTransform(img, 7).dataSync()));
  assert.notDeepEqual(Array.from(g.randomTransform(img, 7).dataSync()), Array.from(g.randomTransform(img, 8).dataSync()));
});

test('bad arguments are named with the allowed values', () => {
  assert.throws(() => new nt.ImageDataGenerator({ fillMode: 'mirror' as nt.FillMode }), /fillMode must be one of constant, nearest, reflect, wrap/);
  assert.throws(() => new nt.ImageDataGenerator({ zoomRange: [1, 2, 3] as unknown as [number, number] }), /zoomRange/);
  assert.throws(() => new nt.ImageDataGenerator({ rotationRange: -5 }), /rotationRange/);
  assert.throws(() => new nt.ImageDataGenerator({ validationSplit: 1.5 }), /validationSplit/);
  assert.throws(() => new nt.ImageDataGenerator({ rotation_range: 5 } as unknown as nt.ImageDataGeneratorArgs), /unknown argument 'rotation_range'/);
  assert.throws(() => new nt.ImageDataGenerator().applyTransform(nt.zeros([2, 3]), {}), /expected one image \[h, w, c\]/);
});
