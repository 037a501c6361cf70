/**
 * What a `neurite` sub-command declares (its flags, arguments, help) and the argument parser
 * built on Node's `util.parseArgs`: unknown flags, missing values and wrong argument counts
 * become UsageErrors (exit code 2).
 */
import { parseArgs } from 'node:util';
import { UsageError } from './errors.js';

/** One flag of a command. */
export interface OptionSpec {
  /** 'boolean' for a switch, 'string' for a flag that takes a value. */
  readonly type: 'string' | 'boolean';
  /** One-letter alias (`-o`). */
  readonly short?: string;
  /** The value's placeholder in the help (`FILE`, `N`). */
  readonly value?: string;
  /** One line of help. */
  readonly help: string;
  /** The default, as shown in the help (applied by the command itself). */
  readonly default?: string;
}

/** The parsed command line of one command. */
export interface ParsedArgs {
  /** Arguments that are not flags, in order. */
  readonly positionals: readonly string[];
  /** Flag values by long name. */
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  /** Everything after a bare `--` (passed through, e.g. to a training script). */
  readonly rest: readonly string[];
}

/** A sub-command: its metadata, its flags and what it does. */
export interface Command {
  readonly name: string;
  /** One line for the tool's command list. */
  readonly summary: string;
  /** Usage lines without the leading `neurite <name>`, e.g. `<model> [options]`. */
  readonly usage: readonly string[];
  /** A paragraph or two of help. */
  readonly description: string;
  /** The command's flags by long name (`--help` is added for every command). */
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** How many positional arguments it takes. */
  readonly args: { readonly min: number; readonly max: number; readonly names: string };
  /** Example command lines (without the leading `neurite`). */
  readonly examples: readonly string[];
  /** Runs the command; resolves to the exit code (0 unless said otherwise). */
  run(args: ParsedArgs): Promise<number | void>;
}

const HELP: OptionSpec = { type: 'boolean', short: 'h', help: 'show this help and exit' };

/** Parses `argv` (the words after the command name) against `cmd`'s flags. */
export function parseCommandArgs(cmd: Command, argv: readonly string[]): ParsedArgs {
  const dash = argv.indexOf('--');
  const own = dash >= 0 ? argv.slice(0, dash) : [...argv];
  const rest = dash >= 0 ? argv.slice(dash + 1) : [];
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const [name, spec] of Object.entries({ ...cmd.options, help: HELP })) options[name] = spec.short ? { type: spec.type, short: spec.short } : { type: spec.type };
  let parsed;
  try {
    parsed = parseArgs({ args: own, options, allowPositionals: true, strict: true });
  } catch (e) {
    const err = e as Error & { code?: string };
    if (typeof err.code === 'string' && err.code.startsWith('ERR_PARSE_ARGS')) throw new UsageError(cleanParseMessage(err.message));
    throw e;
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help === true) return { positionals: parsed.positionals, values, rest };
  const n = parsed.positionals.length;
  if (n < cmd.args.min) throw new UsageError(`missing argument: ${cmd.args.names}`);
  if (n > cmd.args.max) throw new UsageError(`unexpected argument '${parsed.positionals[cmd.args.max]}' (takes ${cmd.args.names || 'no arguments'})`);
  return { positionals: parsed.positionals, values, rest };
}

function cleanParseMessage(message: string): string {
  // parseArgs' messages end with advice for script authors ("To specify a positional argument starting with a '-'...").
  return message.split('. To specify')[0].replace(/\s+$/, '');
}

/** The text of `neurite <cmd> --help`. */
export function commandHelp(cmd: Command): string {
  const lines = [`Usage: ${cmd.usage.map((u) => `neurite ${cmd.name} ${u}`).join('\n       ')}`, '', cmd.description, '', 'Options:'];
  const entries = Object.entries({ ...cmd.options, help: HELP }).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : '    '}--${name}${spec.type === 'string' ? ` ${spec.value ?? 'VALUE'}` : ''}`;
    return [flag, `${spec.help}${spec.default !== undefined ? ` (default: ${spec.default})` : ''}`] as const;
  });
  const width = Math.max(...entries.map(([f]) => f.length)) + 2;
  for (const [flag, text] of entries) lines.push(`  ${flag.padEnd(width)}${text}`);
  if (cmd.examples.length > 0) lines.push('', 'Examples:', ...cmd.examples.map((e) => `  neurite ${cmd.name} ${e}`));
  return `${lines.join('\n')}\n`;
}

/** Reads a flag that must be a string (undefined when absent). */
export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

/** Reads a boolean switch. */
export function boolFlag(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}

/** Reads a numeric flag: an integer ≥ `min` (or any finite number when `integer` is false). */
export function numberFlag(args: ParsedArgs, name: string, opts: { integer?: boolean; min?: number; max?: number } = {}): number | undefined {
  const text = stringFlag(args, name);
  if (text === undefined) return undefined;
  const v = Number(text);
  const integer = opts.integer ?? true;
  const ok = text.trim() !== '' && Number.isFinite(v) && (!integer || Number.isInteger(v)) && (opts.min === undefined || v >= opts.min) && (opts.max === undefined || v <= opts.max);
  if (!ok) {
    const range = opts.min !== undefined && opts.max !== undefined ? ` from ${opts.min} to ${opts.max}` : opts.min !== undefined ? ` ≥ ${opts.min}` : '';
    throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'}${range}; got '${text}'`);
  }
  return v;
}

/** Reads a flag whose value must be one of `allowed`. */
export function choiceFlag<T extends string>(args: ParsedArgs, name: string, allowed: readonly T[]): T | undefined {
  const text = stringFlag(args, name);
  if (text === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(text)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}; got '${text}'`);
  return text as T;
}
