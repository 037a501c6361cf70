/**
 * keras_hub's PositionEmbedding and TokenAndPositionEmbedding: rows of the learned table
 * by position (and startIndex), the sum with the token embedding, weight names and
 * shapes, the token mask reaching MultiHeadAttention, gradients and configs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nt from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { checkGradients, randn } from './helpers/gradcheck.js';
import { checkWeightGradients } from './helpers/layer-gradcheck.js';

test('PositionEmbedding returns rows startIndex… of its table, broadcast to the input', async () => {
  const layer = new nt.PositionEmbedding({ sequenceLength: 10 });
  const x = randn([2, 4, 3], 1);
  const y = layer.apply(x);
  assert.deepEqual(y.shape, [2, 4, 3]);
  const table = await (layer.embeddings as nt.Variable).data();
  assert.deepEqual(layer.weights.map((w) => [w.name.split('/').pop(), w.shape]), [['embeddings', [10, 3]]]);
  const yd = await y.data();
  for (let b = 0; b < 2; b++) for (let t = 0; t < 4; t++) for (let f = 0; f < 3; f++) assert.equal(yd[(b * 4 + t) * 3 + f], table[t * 3 + f]);
  const later = await layer.apply(x, { startIndex: 6 } as nt.PositionEmbeddingCallOptions).data();
  assert.equal(later[0], table[6 * 3]);
  assert.throws(() => layer.apply(x, { startIndex: 7 } as nt.PositionEmbeddingCallOptions), /positions 7…10 are outside the table's 10 rows/);
  assert.throws(() => new nt.PositionEmbedding({ sequenceLength: 0 }), /sequenceLength must be a positive integer/);
});

test('TokenAndPositionEmbedding = token embedding + position embedding; keras_hub weight names; the token mask flows to attention', async () => {
  const layer = new nt.TokenAndPositionEmbedding({ vocabularySize: 20, sequenceLength: 8, embeddingDim: 4, maskZero: true, name: 'tpe' });
  const ids = nt.tensor([[3, 7, 1, 0, 0], [5, 2, 9, 4, 0]]);
  const y = await layer.apply(ids).data();
  assert.deepEqual(layer.weights.map((w) => [w.name, w.shape]), [['tpe/token_embedding/embeddings', [20, 4]], ['tpe/position_embedding/embeddings', [8, 4]]]);
  const [tokens, positions] = await Promise.all(layer.weights.map((w) => w.data()));
  const idd = await ids.data();
  for (let b = 0; b < 2; b++) for (let t = 0; t < 5; t++) for (let f = 0; f < 4; f++) {
    const expected = Math.fround(tokens[idd[b * 5 + t] * 4 + f] + positions[t * 4 + f]);
    assert.equal(y[(b * 5 + t) * 4 + f], expected);
  }
  const mask = await (layer.computeMask(ids) as Tensor).data();
  assert.deepEqual(Array.from(mask), [1, 1, 1, 0, 0, 1, 1, 1, 1, 0]);
  // In a model, the mask reaches MultiHeadAttention: outputs of real tokens ignore padded keys.
  const inp = nt.Input({ shape: [5] });
  const emb = new nt.TokenAndPositionEmbedding({ vocabularySize: 20, sequenceLength: 8, embeddingDim: 4, maskZero: true });
  const e = emb.apply(inp);
  const model = new nt.Model({ inputs: inp, outputs: new nt.MultiHeadAttention({ numHeads: 2, keyDim: 2 }).apply([e, e]) as nt.SymbolicTensor });
  // Changing the padding id's embedding changes nothing for the real tokens' outputs (their keys exclude the padded positions).
  const table = emb.weights[0];
  const before = await (model.predict(nt.tensor([[3, 7, 1, 0, 0]])) as Tensor).data();
  const t = (await table.data()).slice();
  for (let f = 0; f < 4; f++) t[f] += 5; // the embedding of id 0 (padding)
  table.assign(t);
  const after = await (model.predict(nt.tensor([[3, 7, 1, 0, 0]])) as Tensor).data();
  for (let i = 0; i < 3 * 4; i++) assert.ok(Math.abs(before[i] - after[i]) < 1e-6, `real token output ${i} changed with the padding's embedding`);
});

test('position embeddings: gradients reach both tables; configs round-trip (keras_hub class names too)', async () => {
  const layer = new nt.TokenAndPositionEmbedding({ vocabularySize: 6, sequenceLength: 4, embeddingDim: 3 });
  const ids = nt.tensor([[1, 2, 3], [4, 5, 1]]);
  layer.apply(ids);
  await checkWeightGradients(() => layer.apply(ids), layer.trainableWeights, { name: 'TokenAndPositionEmbedding weights', seed: 7 });
  const pos = new nt.PositionEmbedding({ sequenceLength: 5 });
  const x = randn([2, 3, 2], 8);
  await checkGradients((v: Tensor) => nt.add(v, pos.apply(v)), [x], { name: 'x + PositionEmbedding(x)' });
  const config = JSON.parse(JSON.stringify(nt.serialize(layer))) as nt.Serialized;
  assert.equal((config.config as Record<string, unknown>).vocabulary_size, 6);
  const back = nt.deserializeLayer({ ...config, class_name: 'keras_hub>TokenAndPositionEmbedding' }) as nt.TokenAndPositionEmbedding;
  assert.deepEqual([back.vocabularySize, back.sequenceLength, back.embeddingDim, back.maskZero], [6, 4, 3, false]);
  const p2 = nt.deserializeLayer(JSON.parse(JSON.stringify(nt.serialize(pos)))) as nt.PositionEmbedding;
  assert.equal(p2.sequenceLength, 5);
});
