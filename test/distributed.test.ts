/**
 * nt.distributed on real MPI (Debian's Open MPI, which scripts/setup.sh installs): jobs of 2
 * ranks started with mpirun (test/helpers/distributed-job.ts), against one process.
 *  - the collectives give the sums, averages, broadcasts and gathers computed by hand;
 *  - 2 ranks training with fit on batches of B/2 (DistributedOptimizer, rank 0's initial
 *    weights broadcast) end with the same weights as 1 process on batches of B, arrays or a
 *    Dataset; the epoch logs are averaged, and only rank 0 writes the CSV log;
 *  - a rank that dies ends the whole job within a bounded time, with its error and the
 *    launcher's; nothing hangs;
 *  - a job killed mid-run (SIGKILL of a rank) and started again resumes from its
 *    BackupAndRestore backup and ends with the weights and losses of the uninterrupted job
 *    (shuffled batches, Dropout drawing from each rank's own generator, Adam);
 *  - `neurite train --np 2 config.json` (mpirun started by the CLI) on batches of 4 saves the
 *    model 1 process trains on batches of 8, and prints once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unavailable } from './helpers/oracle.js';
import { describeRun, runCli } from './helpers/cli-run.js';
import * as nt from '../src/index.js';

const JOB = join(dirname(fileURLToPath(import.meta.url)), 'helpers', 'distributed-job.js');
const BINDING = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'native', 'mpi', 'build', 'Release', 'neurite_mpi.node');
const mpirun = spawnSync('mpirun', ['--version'], { encoding: 'utf8' });
const missing = mpirun.error || mpirun.status !== 0 ? 'mpirun (Debian: openmpi-bin libopenmpi-dev)' : !existsSync(BINDING) ? `the MPI binding ${BINDING} (node scripts/build-mpi.mjs)` : null;
const skip = unavailable(missing);

/** Runs the job on `ranks` processes with mpirun (0: one plain process); returns the exit, output and seconds. */
function run(ranks: number, args: string[], timeoutS = 60): { status: number | null; output: string; seconds: number } {
  const started = Date.now();
  const env = { ...process.env, OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1', OMPI_MCA_rmaps_base_oversubscribe: '1' };
  const r = ranks === 0
    ? spawnSync(process.execPath, [JOB, ...args], { encoding: 'utf8', timeout: timeoutS * 1000, env })
    : spawnSync('mpirun', ['--oversubscribe', '-np', String(ranks), process.execPath, JOB, ...args], { encoding: 'utf8', timeout: timeoutS * 1000, env });
  return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}`, seconds: (Date.now() - started) / 1000 };
}

const read = (path: string): Record<string, unknown> => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;

function maxDiff(a: readonly number[][], b: readonly number[][]): number {
  let worst = 0;
  a.forEach((w, i) => w.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - b[i][j])))));
  return worst;
}

test('collectives on 2 ranks: rank, size, allreduce (sum, average, fused), broadcast, allgather, barrier; one process without mpirun is rank 0 of 1', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'neurite-mpi-'));
  try {
    const r = run(2, ['collectives', join(dir, 'c')]);
    assert.equal(r.status, 0, r.output);
    for (const rank of [0, 1]) {
      const got = read(join(dir, `c.${rank}.json`));
      assert.equal(got.rank, rank);
      assert.equal(got.size, 2);
      assert.equal(got.localRank, rank, 'both ranks on this machine');
      assert.deepEqual(got.sum, [3, 30]); // (1 + 2), (10 + 20)
      assert.deepEqual(got.avg, [1.5, 15]);
      assert.deepEqual(got.second, { shape: [1, 2], values: [0.5, 1] }); // the second tensor of the fused call: mean of [0, 0] and [1, 2]
      assert.deepEqual(got.broadcast, [6, -1]); // rank 1's [rank + 5, −rank]
      assert.deepEqual(got.gather, { shape: [2, 2], values: [0, 0, 1, 2] });
      assert.match(String(got.version), /Open MPI/);
      // Horovod's warm-up from lr/size to lr: 0.4·(e·(2 − 1)/2 + 1)/2 over 2 epochs; the scaled rate is lr·size.
      (got.warmup as number[]).forEach((v, i) => assert.ok(Math.abs(v - [0.2, 0.25, 0.3, 0.4, 0.4][i]) < 1e-12, `warm-up ${i}: ${v}`));
      assert.equal(got.scaled, 0.2);
    }
    const alone = run(0, ['collectives', join(dir, 'one')]);
    assert.equal(alone.status, 0, alone.output);
    const one = read(join(dir, 'one.0.json'));
    assert.deepEqual([one.rank, one.size, one.sum, one.avg, one.broadcast, one.version], [0, 1, [1, 10], [1, 10], [5, 0], null]);
    assert.deepEqual(one.gather, { shape: [1, 2], values: [0, 0] });
    assert.deepEqual([one.warmup, one.scaled], [[0.4, 0.4, 0.4, 0.4, 0.4], 0.1], 'one process: no warm-up, no scaling');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('2 ranks on batches of 4 end with the weights of 1 process on batches of 8 (arrays, a Dataset, a Dataset sharded by the script); logs averaged; rank 0 alone writes', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'neurite-mpi-'));
  try {
    const one = run(0, ['train', join(dir, 'one'), '8']);
    assert.equal(one.status, 0, one.output);
    const two = run(2, ['train', join(dir, 'two'), '4']);
    assert.equal(two.status, 0, two.output);
    const data = run(2, ['train-dataset', join(dir, 'ds'), '4']);
    assert.equal(data.status, 0, data.output);
    const shard = run(2, ['train-shard', join(dir, 'shard'), '4']);
    assert.equal(shard.status, 0, shard.output);
    const base = read(join(dir, 'one.0.json'));
    const w = base.weights as number[][];
    for (const name of ['two', 'ds', 'shard']) {
      const r0 = read(join(dir, `${name}.0.json`));
      const r1 = read(join(dir, `${name}.1.json`));
      assert.equal(maxDiff(r0.weights as number[][], r1.weights as number[][]), 0, `${name}: both ranks hold the same weights`);
      assert.ok(maxDiff(r0.weights as number[][], w) < 1e-5, `${name}: 2 ranks vs 1 process differ by ${maxDiff(r0.weights as number[][], w)}`);
      (r0.loss as number[]).forEach((l, i) => assert.ok(Math.abs(l - (base.loss as number[])[i]) < 1e-5, `${name}: epoch ${i} loss ${l} vs ${(base.loss as number[])[i]}`));
      assert.deepEqual(r1.loss, r0.loss, `${name}: every rank reports the averaged loss`);
    }
    // The loss moved: training happened.
    assert.ok((base.loss as number[])[2] < (base.loss as number[])[0]);
    // CSVLogger runs on rank 0 only: one file, with the averaged epoch losses.
    const csv = readFileSync(join(dir, 'two.csv'), 'utf8').trim().split('\n');
    assert.equal(csv.length, 4, csv.join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a rank that dies ends the job within seconds with its error and the launcher\'s; the other rank does not hang', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'neurite-mpi-'));
  try {
    const r = run(2, ['die', join(dir, 'd')], 60);
    assert.notEqual(r.status, 0, r.output);
    assert.ok(r.seconds < 30, `the job took ${r.seconds} s to end`);
    assert.match(r.output, /rank 1: exiting on purpose/);
    assert.match(r.output, /mpirun detected that one or more processes exited with non-zero status/);
    assert.ok(!existsSync(join(dir, 'd.0.json')), 'rank 0 did not finish training alone');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a job killed mid-run (a rank SIGKILLed in epoch 3 of 4) resumes from its BackupAndRestore backup and ends as the uninterrupted job', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'neurite-mpi-'));
  try {
    const straight = run(2, ['resume', join(dir, 'straight'), '4', join(dir, 'backup-straight')]);
    assert.equal(straight.status, 0, straight.output);
    const killed = run(2, ['resume', join(dir, 'resumed'), '4:2', join(dir, 'backup')]);
    assert.notEqual(killed.status, 0, killed.output);
    assert.match(killed.output, /signal 9|Killed/, killed.output);
    assert.ok(!existsSync(join(dir, 'resumed.0.json')) && !existsSync(join(dir, 'resumed.1.json')), 'no rank finished');
    assert.ok(existsSync(join(dir, 'backup', 'checkpoint.nw')), 'rank 0 left its backup');
    assert.ok(!existsSync(join(dir, 'backup-straight', 'checkpoint.nw')), 'a finished job removes its backup');
    const again = run(2, ['resume', join(dir, 'resumed'), '4', join(dir, 'backup')]);
    assert.equal(again.status, 0, again.output);
    const base = [read(join(dir, 'straight.0.json')), read(join(dir, 'straight.1.json'))];
    for (const r of [0, 1]) {
      const got = read(join(dir, `resumed.${r}.json`));
      assert.equal(got.resumedFrom, 2, `rank ${r} resumed after the 2 epochs the backup holds`);
      assert.equal(base[r].resumedFrom, null);
      assert.equal(maxDiff(got.weights as number[][], base[r].weights as number[][]), 0, `rank ${r}: the resumed job's weights equal the uninterrupted job's`);
      assert.deepEqual(got.loss, (base[r].loss as number[]).slice(2), `rank ${r}: epochs 3 and 4 report the uninterrupted job's losses`);
    }
    assert.ok(!existsSync(join(dir, 'backup', 'checkpoint.nw')), 'the backup is removed once the job finishes');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('neurite train --np 2 config.json: a 2-process job on batches of 4 saves the model that 1 process trains on batches of 8; rank 0 alone prints and saves', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'neurite-mpi-'));
  try {
    const seeded = (seed: number): Record<string, unknown> => ({ class_name: 'GlorotUniform', config: { seed } });
    const config = (batch: number, output: string): Record<string, unknown> => ({
      model: {
        class_name: 'Sequential',
        config: {
          name: 'fashion_mlp',
          layers: [
            { class_name: 'InputLayer', config: { batch_input_shape: [null, 28, 28], name: 'pixels' } },
            { class_name: 'Flatten', config: {} },
            { class_name: 'Dense', config: { units: 16, activation: 'relu', kernel_initializer: seeded(1) } },
            { class_name: 'Dense', config: { units: 10, activation: 'softmax', kernel_initializer: seeded(2) } },
          ],
        },
      },
      data: { dataset: 'fashion_mnist', limit: 256 },
      compile: { optimizer: { class_name: 'SGD', config: { learning_rate: 0.05, momentum: 0.9 } }, loss: 'categorical_crossentropy', metrics: ['accuracy'] },
      fit: { epochs: 2, batch_size: batch, seed: 5, shuffle: true },
      output,
    });
    writeFileSync(join(dir, 'one.json'), JSON.stringify(config(8, 'one.nw')));
    writeFileSync(join(dir, 'two.json'), JSON.stringify(config(4, 'two.nw')));
    const one = await runCli(['train', join(dir, 'one.json'), '--json', '-q']);
    assert.equal(one.code, 0, describeRun(one));
    const two = await runCli(['train', join(dir, 'two.json'), '--np', '2', '--json']);
    assert.equal(two.code, 0, describeRun(two));
    assert.match(two.stderr, /mpirun .*-np 2 /, 'the launch line');
    assert.match(two.stderr, /in 2 processes \(batch 4 per process\)/);
    assert.equal((two.stderr.match(/Epoch 1\/2/g) ?? []).length, 1, `one progress bar:\n${two.stderr}`);
    const report = JSON.parse(two.stdout) as { output: string; final: Record<string, number> };
    assert.equal(report.output, join(dir, 'two.nw'), 'one JSON report, from rank 0');
    const a = await nt.loadModel(join(dir, 'one.nw'));
    const b = await nt.loadModel(join(dir, 'two.nw'));
    const wa = a.getWeights().map((w) => Array.from(w.dataSync()));
    const wb = b.getWeights().map((w) => Array.from(w.dataSync()));
    assert.ok(maxDiff(wa, wb) < 1e-5, `2 processes vs 1 differ by ${maxDiff(wa, wb)}`);
    const bad = await runCli(['train', join(dir, 'two.json'), '--mpirun-args=--hostfile x']);
    assert.equal(bad.code, 2, describeRun(bad));
    assert.match(bad.stderr, /--mpirun-args goes with --np/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
