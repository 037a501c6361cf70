/**
 * `neurite train <config.json|script.ts|script.js>`: trains from a JSON config, or runs a
 * training script; with `--np N`, as a data-parallel job of N processes started by mpirun
 * (nt.distributed).
 */
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Command, ParsedArgs } from '../command.js';
import { boolFlag, numberFlag, stringFlag } from '../command.js';
import { InputInvalidError, UsageError } from '../errors.js';
import { runScript } from '../script.js';
import { buildModel, compileFromPlan, fitArgs, loadPlanData, makeCallbacks, readTrainConfig, type DataSpec } from '../train-config.js';
import { CLASS_NAMES, datasetKey } from '../data.js';
import { loadNeurite, messageOf, note, out, outJson, stderrProgress } from '../util.js';

/** Keras' class names of a named data set (for TrainingMonitor samples). */
function classNamesOf(spec: DataSpec): readonly string[] | undefined {
  const key = spec.kind === 'dataset' ? datasetKey(spec.name) : null;
  return key === null ? undefined : CLASS_NAMES[key];
}

/** The flags that start the job, which its ranks do not get again. */
const LAUNCH_FLAGS = ['np', 'mpirun-args'];

/**
 * `--np N`: runs this same command in N processes under the MPI launcher (`mpirun`, or
 * NEURITE_MPIRUN), with `--mpirun-args` before the program, and returns its exit code.
 * As root, Open MPI wants --allow-run-as-root; with more ranks than cores, --oversubscribe.
 */
async function launch(args: ParsedArgs, np: number): Promise<number> {
  const nt = await loadNeurite();
  if (nt.distributed.launchedByMpi()) throw new UsageError('--np starts a job; this process is already a rank of one (leave --np out of commands a launcher runs)');
  const launcher = process.env.NEURITE_MPIRUN || 'mpirun';
  const extra = (stringFlag(args, 'mpirun-args') ?? '').split(/\s+/).filter((a) => a !== '');
  const own: string[] = ['train', ...args.positionals];
  for (const [name, value] of Object.entries(args.values)) {
    if (LAUNCH_FLAGS.includes(name) || value === undefined || value === false) continue;
    own.push(`--${name}`, ...(value === true ? [] : [value]));
  }
  if (args.rest.length > 0) own.push('--', ...args.rest);
  const { availableParallelism, constants: osConstants } = await import('node:os');
  const asRoot = process.getuid?.() === 0 ? ['--allow-run-as-root'] : [];
  const oversubscribe = np > availableParallelism() && !extra.some((a) => /hostfile|--host\b|-H\b/.test(a)) ? ['--oversubscribe'] : [];
  const argv = [...asRoot, ...oversubscribe, ...extra, '-np', String(np), process.execPath, ...process.execArgv, process.argv[1], ...own];
  note(`${launcher} ${argv.join(' ')}`);
  return new Promise((done, fail) => {
    const child = spawn(launcher, argv, { stdio: 'inherit' });
    child.on('error', (e) => fail(new UsageError(`--np needs an MPI launcher: '${launcher}' could not start (${messageOf(e)}); install Open MPI (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev) or set NEURITE_MPIRUN`)));
    // A launcher killed by a signal exits as a shell reports it: 128 + the signal's number.
    child.on('close', (code, signal) => done(code ?? (signal ? 128 + (osConstants.signals[signal] ?? 15) : 1)));
  });
}

async function trainFromConfig(file: string, args: ParsedArgs): Promise<number> {
  const epochs = numberFlag(args, 'epochs', { min: 1 });
  // Started by a launcher (neurite train --np N, mpirun, srun): a rank of a data-parallel job.
  const nt = await loadNeurite();
  const job = nt.distributed.launchedByMpi() ? await nt.distributed.init() : null;
  const lead = job === null || job.rank === 0;
  const plan = await readTrainConfig(file, stringFlag(args, 'output'));
  if (plan.output === null && !boolFlag(args, 'check')) throw new InputInvalidError(`${file}: "output" is missing (or pass -o FILE)`);
  const model = await buildModel(plan.model, file);
  const loss = await compileFromPlan(model, plan.compile, file);
  // Gradients averaged across the ranks at each step (the same optimizer object, patched).
  if (job !== null) nt.distributed.DistributedOptimizer(model.optimizer);
  if (boolFlag(args, 'check')) {
    await makeCallbacks(plan.callbacks, file, null);
    note(`${file}: OK (model ${model.name}, ${model.countParams()} parameters)`);
    return 0;
  }
  const data = await loadPlanData(plan.data, model, loss);
  const validation = plan.validationData === null ? null : await loadPlanData(plan.validationData, model, loss);
  const callbacks = await makeCallbacks(plan.callbacks, file, { ...(validation ?? data), classNames: classNamesOf(plan.validationData ?? plan.data) });
  const fit = fitArgs(plan, epochs);
  const verbose = boolFlag(args, 'quiet') ? 0 : fit.verbose === 0 || fit.verbose === 2 ? fit.verbose : 1;
  // In a job, rank 0 alone prints (fit runs the callbacks that write on rank 0 alone).
  const progress = lead ? await stderrProgress(verbose) : [];
  if (lead) note(`training ${model.name} (${model.countParams()} parameters) on ${data.x.shape[0]} samples for ${fit.epochs} epoch${fit.epochs === 1 ? '' : 's'}${job !== null && job.size > 1 ? ` in ${job.size} processes (batch ${fit.batchSize ?? 32} per process)` : ''}`);
  let history;
  try {
    history = await model.fit(data.x, data.y, { ...fit, verbose: 0, callbacks: [...progress, ...callbacks], ...(validation ? { validationData: [validation.x, validation.y] as const } : {}) });
  } catch (e) {
    if (/shape|samples/i.test(messageOf(e))) throw new InputInvalidError(`fit: ${messageOf(e)}`);
    throw e;
  }
  if (!lead) {
    nt.distributed.finalize();
    return 0;
  }
  const output = plan.output as string;
  await mkdir(dirname(output), { recursive: true });
  await model.save(output);
  if (job !== null) nt.distributed.finalize();
  const last = Object.fromEntries(Object.entries(history.history).map(([k, v]) => [k, v[v.length - 1]]));
  if (boolFlag(args, 'json')) {
    outJson({ output, epochs: history.epoch.length, history: history.history, final: last });
  } else {
    for (const [k, v] of Object.entries(last)) out(`${k}: ${typeof v === 'number' ? v.toFixed(4) : String(v)}`);
    out(`saved: ${output}`);
  }
  return 0;
}

async function run(args: ParsedArgs): Promise<number> {
  const target = args.positionals[0];
  const np = numberFlag(args, 'np', { min: 1 });
  if (np === undefined && stringFlag(args, 'mpirun-args') !== undefined) throw new UsageError('--mpirun-args goes with --np');
  if (np !== undefined) return launch(args, np);
  if (/\.json$/i.test(target)) {
    if (args.rest.length > 0) throw new UsageError('arguments after -- are passed to scripts, not to config files');
    return trainFromConfig(target, args);
  }
  if (!/\.(m?ts|m?js)$/i.test(target)) throw new UsageError(`'${target}' is neither a config (.json) nor a script (.ts, .mts, .js, .mjs)`);
  for (const flag of ['output', 'epochs', 'json', 'check', 'quiet']) {
    if (args.values[flag] !== undefined) throw new UsageError(`--${flag} applies to config files; pass a script's own arguments after --`);
  }
  await runScript(target, args.rest);
  return Number(process.exitCode ?? 0);
}

/** The `train` command. */
export const trainCommand: Command = {
  name: 'train',
  summary: 'train a model from a JSON config, or run a TypeScript/JavaScript training script',
  usage: ['<config.json> [-o model.h5] [--epochs N] [--json] [--check] [--np N]', '<script.ts|script.js> [--np N] [-- script args…]'],
  description:
    'With a .json config: builds or loads the model it names, loads the data, compiles, fits with a\n' +
    'progress bar on stderr, saves the trained model to "output" (-o overrides; the format follows\n' +
    'the extension, as in `convert`) and prints the final epoch\'s metrics on stdout. The config\n' +
    'is checked first: a bad field is an error that names it (exit code 4). Its format is in\n' +
    'docs/cli.md: { model, data, validationData?, compile, fit?, callbacks?, output }.\n' +
    "With a script: runs it in this process; `import * as nt from 'neurite'` gives this package,\n" +
    'TypeScript is transpiled by esbuild (types are not checked). Arguments after -- go to the\n' +
    "script's process.argv. An error thrown by the script exits with 1.\n" +
    'With --np N: the same command runs as a data-parallel job of N processes started by mpirun\n' +
    '(docs/distributed.md): each process trains on its shard of every batch ("batchSize" is per\n' +
    'process), the gradients are averaged across them at each step, and process 0 alone prints\n' +
    'and saves. A script calls nt.distributed.init() and uses nt.distributed itself.',
  options: {
    output: { type: 'string', short: 'o', value: 'FILE', help: 'where to save the trained model (config only)', default: 'the config\'s "output"' },
    epochs: { type: 'string', value: 'N', help: 'override fit.epochs (config only)' },
    check: { type: 'boolean', help: 'only check the config and build the model, do not train' },
    quiet: { type: 'boolean', short: 'q', help: 'no progress output' },
    json: { type: 'boolean', help: 'print the history and the output path as JSON' },
    np: { type: 'string', value: 'N', help: 'run as a data-parallel job of N processes under mpirun (NEURITE_MPIRUN overrides the launcher)' },
    'mpirun-args': { type: 'string', value: 'ARGS', help: "the launcher's own arguments (with --np), e.g. --mpirun-args='--hostfile hosts'" },
  },
  args: { min: 1, max: 1, names: '<config.json|script>' },
  examples: ['train.json', 'train.json --epochs 1 -o quick.h5 --json', 'my-training.ts -- --epochs 3', 'train.json --np 4', "train.json --np 8 --mpirun-args='--hostfile hosts.txt'"],
  run,
};
