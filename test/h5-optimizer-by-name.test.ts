/**
 * Optimizer state of tf.keras 2.11+ `.h5` files: the new optimizers (the default from tf.keras
 * 2.11) save [iteration, then m and v of each variable in turn] named `Adam/m/<variable>:0`,
 * where the legacy ones (and Neurite) save [iterations, every m, every v] named
 * `Adam/<variable>/m:0`. A file is rewritten with h5py into the new layout; loading restores
 * every slot by name, without the warning that positions gave before ("weight 2
 * (Adam/lstm/lstm_cell/kernel/m) must have shape [32, 400]; got [5000, 32]").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nt from '../src/index.js';
import { unavailable } from './helpers/oracle.js';

const PYTHON = '/usr/bin/python3';
const h5pyMissing = ((): string | null => {
  if (!existsSync(PYTHON)) return `${PYTHON} is missing`;
  const r = spawnSync(PYTHON, ['-c', 'import h5py'], { encoding: 'utf8' });
  return r.status === 0 ? null : 'python3-h5py is not installed (Debian python3-h5py)';
})();

/** Rewrites optimizer_weights as tf.keras 2.11+ writes it (interleaved slots, slot-first names) and marks the file 2.15.0. */
const REWRITE = `
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r+")
g = f["optimizer_weights"]
names = [n.decode() if isinstance(n, bytes) else n for n in g.attrs["weight_names"]]
arrays = {n: np.array(g[n]) for n in names}
slots = [n for n in names[1:]]
half = len(slots) // 2
ms, vs = slots[:half], slots[half:]
def new_name(n, kind):
    var = n[len("Adam/"):-len("/" + kind + ":0")]
    return "Adam/" + kind + "/" + var + ":0"
order = [("Adam/iteration:0", arrays[names[0]])]
for m, v in zip(ms, vs):
    order.append((new_name(m, "m"), arrays[m]))
    order.append((new_name(v, "v"), arrays[v]))
del f["optimizer_weights"]
g = f.create_group("optimizer_weights")
for n, a in order:
    g.create_dataset(n, data=a)
g.attrs["weight_names"] = [n.encode() for n, _ in order]
f.attrs["keras_version"] = "2.15.0"
f.close()
print(len(order))
`;

test('tf.keras 2.11+ optimizer state (interleaved, slot-first names) of an Embedding + LSTM model is restored by name', { skip: unavailable(h5pyMissing) }, async () => {
  nt.setSeed(5);
  const model = new nt.Sequential([new nt.Embedding({ inputShape: [6], inputDim: 50, outputDim: 8 }), new nt.LSTM({ units: 5 }), new nt.Dense({ units: 1 })]);
  model.compile({ optimizer: new nt.Adam({ learningRate: 0.01 }), loss: 'mse' });
  const x = nt.tensor(Array.from({ length: 24 }, (_, i) => (i * 7) % 50), [4, 6], 'int32');
  await model.fit(x, nt.randomNormal([4, 1], { seed: 6 }), { epochs: 2, verbose: 0 });
  const dir = mkdtempSync(join(tmpdir(), 'neurite-opt-names-'));
  try {
    const file = join(dir, 'm.h5');
    await model.save(file);
    const r = spawnSync(PYTHON, ['-c', REWRITE, file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(Number(r.stdout.trim()), 1 + model.optimizer.variables().length);
    const warnings: string[] = [];
    const loaded = await nt.loadModel(file, { onWarning: (m) => warnings.push(m) });
    assert.deepEqual(warnings, []);
    const want = model.optimizer.getWeights();
    const got = loaded.optimizer.getWeights();
    assert.equal(got.length, want.length);
    for (const [i, w] of want.entries()) assert.deepEqual(Array.from(await got[i].data()), Array.from(await w.data()), `optimizer weight ${i}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
