#!/usr/bin/env node
/**
 * The `neurite` command: train, inspect, convert, export, evaluate and serve models from the
 * shell. `neurite --help` lists the commands, `neurite <command> --help` explains one;
 * docs/cli.md has everything. Results go to stdout, progress and messages to stderr. Exit
 * codes: 0 ok, 1 runtime failure, 2 usage error, 3 input missing or unreadable, 4 input invalid.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { realpathSync } from 'node:fs';
import { commandHelp, parseCommandArgs, type Command } from './command.js';
import { CliError, EXIT, UsageError } from './errors.js';
import { ScriptError } from './script.js';
import { messageOf } from './util.js';
import { trainCommand } from './commands/train.js';
import { summaryCommand } from './commands/summary.js';
import { plotCommand } from './commands/plot.js';
import { predictCommand } from './commands/predict.js';
import { evaluateCommand } from './commands/evaluate.js';
import { exportCommand } from './commands/export.js';
import { convertCommand } from './commands/convert.js';
import { boardCommand } from './commands/board.js';
import { benchCommand } from './commands/bench.js';

/** Every command, in the order the help lists them. */
export const COMMANDS: readonly Command[] = [trainCommand, summaryCommand, plotCommand, predictCommand, evaluateCommand, exportCommand, convertCommand, boardCommand, benchCommand];

/** The package version (from package.json). */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** The text of `neurite --help`. */
export function toolHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    'Usage: neurite <command> [options]',
    '',
    'Neurite: Keras-style deep learning for TypeScript, from the shell.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Options:',
    '  -h, --help     show this help (or `neurite <command> --help` for one command)',
    '  -v, --version  print the version',
    '',
    'Results go to stdout, progress and messages to stderr. NEURITE_BACKEND=js|wasm|native picks',
    'the kernels; NEURITE_DEBUG=1 prints stack traces of failures.',
    '',
    'Exit codes:',
    `  ${EXIT.OK}  success`,
    `  ${EXIT.FAILURE}  runtime failure (training, conversion or a script failed)`,
    `  ${EXIT.USAGE}  usage error: unknown command or flag, missing or extra argument, bad flag value`,
    `  ${EXIT.INPUT_MISSING}  an input file or folder does not exist or cannot be read`,
    `  ${EXIT.INPUT_INVALID}  an input is invalid: bad config field, not a model, data that does not fit the model`,
    '',
    'Docs: docs/cli.md',
    '',
  ].join('\n');
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length][b.length];
}

function unknownCommand(name: string): UsageError {
  const close = COMMANDS.filter((c) => editDistance(c.name, name) <= 2).map((c) => c.name);
  return new UsageError(`unknown command '${name}'${close.length > 0 ? ` (did you mean ${close.join(' or ')}?)` : ''}; run 'neurite --help' for the list`);
}

/** Prints an error on stderr and returns its exit code. */
function report(e: unknown, cmd: Command | null): number {
  const prefix = cmd ? `neurite ${cmd.name}` : 'neurite';
  const debug = Boolean(process.env.NEURITE_DEBUG);
  if (e instanceof UsageError) {
    const usage = cmd ? `\nUsage: ${cmd.usage.map((u) => `neurite ${cmd.name} ${u}`).join('\n       ')}\nRun 'neurite ${cmd.name} --help' for details.` : '';
    process.stderr.write(`${prefix}: ${e.message}${usage}\n`);
    return e.code;
  }
  if (e instanceof CliError) {
    process.stderr.write(`${prefix}: error: ${e.message}\n`);
    return e.code;
  }
  if (e instanceof ScriptError) {
    const original = e.original;
    process.stderr.write(`${prefix}: the script ${e.script} failed:\n${original instanceof Error ? (original.stack ?? original.message) : String(original)}\n`);
    return EXIT.FAILURE;
  }
  process.stderr.write(`${prefix}: error: ${messageOf(e)}\n${debug && e instanceof Error && e.stack ? `${e.stack}\n` : ''}`);
  return EXIT.FAILURE;
}

/** Runs the command line `argv` (without node and the script); resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    process.stderr.write(toolHelp());
    return EXIT.USAGE;
  }
  if (first === '-h' || first === '--help' || first === 'help') {
    const about = first === 'help' ? rest[0] : undefined;
    const cmd = about === undefined ? undefined : COMMANDS.find((c) => c.name === about);
    if (about !== undefined && cmd === undefined) return report(unknownCommand(about), null);
    process.stdout.write(cmd ? commandHelp(cmd) : toolHelp());
    return EXIT.OK;
  }
  if (first === '-v' || first === '--version') {
    process.stdout.write(`${version()}\n`);
    return EXIT.OK;
  }
  if (first.startsWith('-')) return report(new UsageError(`unknown option '${first}' (options go after the command); run 'neurite --help'`), null);
  const cmd = COMMANDS.find((c) => c.name === first);
  if (cmd === undefined) return report(unknownCommand(first), null);
  try {
    const args = parseCommandArgs(cmd, rest);
    if (args.values.help === true) {
      process.stdout.write(commandHelp(cmd));
      return EXIT.OK;
    }
    return (await cmd.run(args)) ?? EXIT.OK;
  } catch (e) {
    return report(e, cmd);
  }
}

function isEntry(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntry()) {
  // `neurite summary m.h5 | head -3`: a reader that stops early is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(EXIT.OK);
    throw e;
  });
  const argv = process.argv.slice(2);
  const runsScript = argv[0] === 'train' && argv.slice(1).some((a) => /\.(m?ts|m?js)$/i.test(a));
  const code = await main(argv);
  // A training script may still have work scheduled: let it finish. Every other command is
  // done, and nothing it left behind (a worker, a timer) may keep the process alive.
  if (runsScript) process.exitCode = code;
  else process.exit(code);
}
