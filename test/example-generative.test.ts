/**
 * The generative examples (a VAE and a DCGAN on real Fashion-MNIST, both subclassed models
 * with trainStep overrides), run at smoke size: their losses are finite and move the right
 * way, the PNG grids they write decode to the expected sizes, the VAE's loss is Keras'
 * formula (checked against values computed by hand), and the GAN trains both of its models
 * and saves and restores them through the model that holds them.
 * Not an engine file: it writes PNG files and reads the dataset from disk.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nt from '../src/index.js';
import { decodePng } from '../src/data/image/png.js';
import { runVae, vaeLossTerms, Sampling } from '../examples/vae-fashion-mnist.js';
import { Gan, buildDiscriminator, buildGenerator, runDcgan } from '../examples/dcgan-fashion-mnist.js';

const quiet = (): void => undefined;

/** Decodes a PNG written by the examples: grey, the given size, not a constant image. */
function checkPng(path: string, width: number, height: number): void {
  const png = decodePng(readFileSync(path), path);
  assert.ok(png !== null, `${path} decodes`);
  assert.equal(png.width, width, `${path} width`);
  assert.equal(png.height, height, `${path} height`);
  const values = new Set<number>();
  for (let i = 0; i < png.data.length; i += png.channels) values.add(png.data[i]);
  assert.ok(values.size > 10, `${path} has ${values.size} grey levels`);
}

/** n tiles of 28 pixels with 2-pixel margins. */
const gridSize = (n: number): number => n * 28 + (n - 1) * 2;

test("the VAE's loss is Keras' formula: summed binary crossentropy over the pixels plus the KL term, each a batch mean", () => {
  // Two images of 2×2 pixels (a [2, 2, 2, 1] batch), a 2-D latent space.
  const x = [0, 1, 0.5, 1, 1, 0, 0.25, 0];
  const p = [0.1, 0.8, 0.5, 0.9, 0.7, 0.2, 0.3, 0.4];
  const mu = [0.5, -1, 0, 2];
  const logVar = [0, -0.5, 0.3, 1];
  const terms = vaeLossTerms(nt.tensor(x, [2, 2, 2, 1]), nt.tensor(mu, [2, 2]), nt.tensor(logVar, [2, 2]), nt.tensor(p, [2, 2, 2, 1]));
  let bce = 0;
  for (let i = 0; i < 8; i++) bce += -(x[i] * Math.log(p[i]) + (1 - x[i]) * Math.log(1 - p[i]));
  let kl = 0;
  for (let i = 0; i < 4; i++) kl += -0.5 * (1 + logVar[i] - mu[i] ** 2 - Math.exp(logVar[i]));
  const close = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) < 1e-4 * (1 + Math.abs(b)), `${what}: ${a} vs ${b}`);
  close(terms.reconstruction.item(), bce / 2, 'reconstruction');
  close(terms.kl.item(), kl / 2, 'kl');
  close(terms.total.item(), (bce + kl) / 2, 'total');
});

test('the Sampling layer draws z = mean + exp(log_var / 2)·ε with ε ~ N(0, 1), and passes gradients to both inputs', () => {
  const n = 4000;
  const mean = nt.fill([n, 2], 3);
  const logVar = nt.tensor(Float32Array.from({ length: 2 * n }, (_, i) => (i % 2 === 0 ? 0 : Math.log(4))), [n, 2]);
  const z = new Sampling({ seed: 7 }).apply([mean, logVar]) as nt.Tensor;
  const v = z.dataSync();
  for (const [col, sd] of [[0, 1], [1, 2]] as const) {
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      s += v[2 * i + col];
      s2 += v[2 * i + col] ** 2;
    }
    const m = s / n;
    const std = Math.sqrt(s2 / n - m * m);
    assert.ok(Math.abs(m - 3) < 4 * sd / Math.sqrt(n), `column ${col} mean ${m}`);
    assert.ok(Math.abs(std - sd) < 0.05 * sd, `column ${col} std ${std} (expected ${sd})`);
  }
  // d(sum z)/d mean = 1; d(sum z)/d logVar = ½·exp(logVar/2)·ε = (z − mean)/2.
  const mv = new nt.Variable(nt.fill([3, 2], 0.5));
  const lv = new nt.Variable(nt.tensor([0, 1, -1, 0.5, 2, 0], [3, 2]));
  const sampled = new Sampling({ seed: 9 }).apply([mv, lv]) as nt.Tensor;
  const [gm, gl] = nt.gradients(nt.sum(sampled), [mv, lv]);
  const sv = sampled.dataSync();
  gm.dataSync().forEach((g) => assert.ok(Math.abs(g - 1) < 1e-6));
  gl.dataSync().forEach((g, i) => assert.ok(Math.abs(g - (sv[i] - 0.5) / 2) < 1e-5, `d/dlogVar ${i}: ${g}`));
});

test('the VAE example trains on Fashion-MNIST (smoke size): the held-out loss falls, KL is finite and positive, the PNG grids decode', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'neurite-vae-'));
  try {
    const r = await runVae({ smoke: true, outDir: dir, log: quiet });
    const h = r.history.history;
    // The trackers' logs only (a custom step logs no 'lr', as Keras 3).
    assert.deepEqual(Object.keys(h).sort(), ['kl_loss', 'loss', 'reconstruction_loss']);
    const [loss, rec, kl] = [h.loss[0], h.reconstruction_loss[0], h.kl_loss[0]];
    assert.ok(Number.isFinite(loss) && Number.isFinite(rec) && Number.isFinite(kl), `logs ${loss}, ${rec}, ${kl}`);
    assert.ok(Math.abs(loss - (rec + kl)) < 1e-3 * loss, 'loss = reconstruction + KL');
    assert.ok(kl > 0 && r.test.kl_loss > 0 && Number.isFinite(r.test.kl_loss), `KL ${kl}, test KL ${r.test.kl_loss}`);
    // The untrained decoder outputs about 0.5 everywhere: 784·ln 2 ≈ 543 nats per image.
    assert.ok(Math.abs(r.initialTest.reconstruction_loss - 784 * Math.LN2) < 15, `untrained ${r.initialTest.reconstruction_loss}`);
    assert.ok(r.test.loss < r.initialTest.loss - 5, `held-out loss ${r.initialTest.loss} → ${r.test.loss}`);
    // The VAE's weights are the encoder's and the decoder's.
    assert.equal(r.vae.weights.length, r.vae.encoder.weights.length + r.vae.decoder.weights.length);
    assert.equal(r.vae.countParams(), r.vae.encoder.countParams() + r.vae.decoder.countParams());
    checkPng(r.samplesPng, gridSize(8), gridSize(8));
    checkPng(r.reconstructionsPng, gridSize(16), gridSize(2));
    assert.ok(r.manifoldPng !== null);
    checkPng(r.manifoldPng, gridSize(15), gridSize(15));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the DCGAN example trains both models through one trainStep (smoke size), writes a grid per epoch, and saves and loads through the GAN', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'neurite-dcgan-'));
  try {
    const r = await runDcgan({ smoke: true, outDir: dir, log: quiet });
    const h = r.history.history;
    // The trackers' logs only (a custom step logs no 'lr', as Keras 3).
    assert.deepEqual(Object.keys(h).sort(), ['d_loss', 'g_loss']);
    for (const k of ['d_loss', 'g_loss']) assert.ok(Number.isFinite(h[k][0]) && h[k][0] > 0, `${k} ${h[k][0]}`);
    assert.equal(r.images.length, 1);
    checkPng(r.images[0], gridSize(6), gridSize(6));

    // The example's models are seeded: fresh ones start equal to what the GAN started from,
    // so weights that differ now were changed by training (both players).
    const gan = r.gan;
    const fresh = (m: nt.Model): number[][] => m.getWeights().map((w) => Array.from(w.dataSync()));
    const changed = (m: nt.Model, start: number[][]): number => m.getWeights().filter((w, i) => w.dataSync().some((v, j) => Math.abs(v - start[i][j]) > 1e-6)).length;
    const g0 = fresh(buildGenerator(gan.latentDim, 1));
    const g0Again = fresh(buildGenerator(gan.latentDim, 1));
    assert.deepEqual(g0, g0Again, 'seeded generator starts the same');
    const d0 = fresh(buildDiscriminator(1));
    const gTrainable = gan.generator.trainableWeights.length;
    assert.ok(changed(gan.generator, g0) >= gTrainable, `generator: ${changed(gan.generator, g0)} of ${gan.generator.weights.length} weights changed`);
    assert.equal(changed(gan.discriminator, d0), gan.discriminator.weights.length, 'every discriminator weight changed');

    // The GAN's weights are its two models'; saveWeights/loadWeights go through it.
    assert.equal(gan.weights.length, gan.discriminator.weights.length + gan.generator.weights.length);
    const path = join(dir, 'gan.weights');
    await gan.saveWeights(path);
    const copy = new Gan(buildDiscriminator(5), buildGenerator(gan.latentDim, 5), gan.latentDim);
    await copy.loadWeights(path);
    const z = nt.randomNormal([4, gan.latentDim], { seed: 3 });
    const a = (gan.generator.predict(z) as nt.Tensor).dataSync();
    const b = (copy.generator.predict(z) as nt.Tensor).dataSync();
    a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-6, `restored generator output ${i}: ${v} vs ${b[i]}`));
    assert.throws(() => copy.compile({}), /dOptimizer and gOptimizer/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
