/** `neurite bench [ops|models|recurrent|augment]`: runs the repository's benchmark scripts. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command, ParsedArgs } from '../command.js';
import { boolFlag, numberFlag, stringFlag } from '../command.js';
import { CliError, EXIT, UsageError } from '../errors.js';
import { note } from '../util.js';

/** The benchmarks, in the order `neurite bench` runs them. */
export const BENCHMARKS = ['ops', 'models', 'recurrent', 'augment'] as const;

function runScript(path: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [path], { stdio: 'inherit', env });
    child.on('error', fail);
    child.on('exit', (code, signal) => done(code ?? (signal ? 1 : 0)));
  });
}

async function run(args: ParsedArgs): Promise<number> {
  const which = args.positionals[0];
  if (which !== undefined && !(BENCHMARKS as readonly string[]).includes(which)) throw new UsageError(`unknown benchmark '${which}'; known: ${BENCHMARKS.join(', ')}`);
  const budget = numberFlag(args, 'budget', { integer: false, min: 0.1 });
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (budget !== undefined) env.BENCH_BUDGET_S = String(budget);
  const workloads = stringFlag(args, 'workloads');
  if (workloads !== undefined) env.BENCH_WORKLOADS = workloads;
  if (boolFlag(args, 'skip-js')) env.BENCH_SKIP_JS = '1';
  const names = which === undefined ? BENCHMARKS : [which];
  for (const name of names) {
    const path = fileURLToPath(new URL(`../../../bench/${name}.js`, import.meta.url));
    if (!existsSync(path)) throw new CliError(`benchmark script ${path} not found: the benchmarks ship with the repository, not the npm package (build a checkout with 'npm run build')`, EXIT.INPUT_MISSING);
    note(`== bench ${name} ==`);
    const code = await runScript(path, env);
    if (code !== 0) {
      note(`bench ${name} failed with exit code ${code}`);
      return EXIT.FAILURE;
    }
  }
  return 0;
}

/** The `bench` command. */
export const benchCommand: Command = {
  name: 'bench',
  summary: 'run the benchmarks (ops, models, recurrent, augment) and print their tables',
  usage: ['[ops|models|recurrent|augment] [--budget S] [--workloads LIST] [--skip-js]'],
  description:
    "Runs the repository's benchmark scripts (build/bench/*.js, the same as `npm run bench:<name>`);\n" +
    'without a name all four, one after the other. Their tables go to stdout. The optional PyTorch\n' +
    'comparisons run when python3 with torch is installed. Needs a built checkout: the benchmarks are\n' +
    'not part of the npm package.',
  options: {
    budget: { type: 'string', value: 'S', help: 'seconds of timing per measurement (BENCH_BUDGET_S)', default: "each script's own (1 to 4)" },
    workloads: { type: 'string', value: 'LIST', help: 'comma-separated workloads of models (w1,w2,w3) or recurrent (r1,…,r4) (BENCH_WORKLOADS)' },
    'skip-js': { type: 'boolean', help: 'ops: skip the slow js reference backend (BENCH_SKIP_JS=1)' },
  },
  args: { min: 0, max: 1, names: '[benchmark]' },
  examples: ['ops --skip-js', 'models --workloads w1 --budget 2', 'recurrent'],
  run,
};
