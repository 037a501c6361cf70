/**
 * Child process for the resume tests (test/resume.test.ts):
 *   node resume-worker.js train <dir> <mode>   mode = straight | interrupted | resume
 *   node resume-worker.js save-loop <path>     saves checkpoints in a loop until killed
 */
import { join } from 'node:path';
import * as nt from '../../src/index.js';
import { mnistDir } from './shared.js';

async function data(): Promise<{ x: nt.Tensor; y: nt.Tensor }> {
  const img = await nt.readIdxFile(join(mnistDir(), 't10k-images-idx3-ubyte.gz'));
  const lab = await nt.readIdxFile(join(mnistDir(), 't10k-labels-idx1-ubyte.gz'));
  const n = 512;
  const x = Float32Array.from(img.data.subarray(0, n * 784), (v) => v / 255);
  return { x: nt.tensor(x, [n, 784]), y: nt.toCategorical(nt.tensor(Int32Array.from(lab.data.subarray(0, n))), 10) };
}

function model(): nt.Sequential {
  const m = new nt.Sequential([
    new nt.Dense({ units: 32, activation: 'relu', inputShape: [784], kernelInitializer: new nt.initializers.GlorotUniform({ seed: 1 }) }),
    new nt.Dropout({ rate: 0.3 }), // draws from the global generator
    new nt.Dense({ units: 16, activation: 'relu', kernelInitializer: new nt.initializers.GlorotUniform({ seed: 2 }) }),
    new nt.Dropout({ rate: 0.2, seed: 5 }), // its own generator
    new nt.Dense({ units: 10, activation: 'softmax', kernelInitializer: new nt.initializers.GlorotUniform({ seed: 3 }) }),
  ]);
  m.compile({ optimizer: new nt.Adam({ learningRate: 0.01 }), loss: 'categorical_crossentropy', metrics: ['accuracy'] });
  return m;
}

async function train(dir: string, mode: string): Promise<void> {
  nt.setSeed(123);
  const { x, y } = await data();
  const m = model();
  const backup = new nt.BackupAndRestore({ backupDir: join(dir, 'backup') });
  const kill = new nt.LambdaCallback({
    onEpochEnd: (epoch) => {
      if (mode === 'interrupted' && epoch === 1) process.kill(process.pid, 'SIGKILL');
    },
  });
  const callbacks = mode === 'straight' ? [] : [backup, kill];
  await m.fit(x, y, { epochs: 4, batchSize: 64, seed: 7, verbose: 0, callbacks });
  await m.saveWeights(join(dir, `${mode}.nw`));
  console.log(JSON.stringify({ resumedFrom: backup.resumedFrom }));
}

async function saveLoop(path: string): Promise<void> {
  const m = new nt.Sequential([new nt.Dense({ units: 1500, inputShape: [1500] })]);
  m.compile({ optimizer: 'adam', loss: 'mse' });
  await m.trainOnBatch(nt.ones([2, 1500]), nt.zeros([2, 1500]));
  for (let i = 1; ; i++) {
    m.layers[0].setWeights([nt.fill([1500, 1500], i), nt.fill([1500], i)]);
    await m.saveCheckpoint(path, { epoch: i });
    console.log(`saved ${i}`);
  }
}

const [cmd, a, b] = process.argv.slice(2);
(cmd === 'train' ? train(a, b) : saveLoop(a)).catch((e: unknown) => {
  console.error((e as Error).stack ?? e);
  process.exit(1);
});
