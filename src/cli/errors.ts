/**
 * The `neurite` command's exit codes and the errors that carry them. Every failure the CLI
 * expects is one of these; anything else is a runtime failure (exit code 1).
 */
import { access, constants, stat } from 'node:fs/promises';

/** Exit codes: documented in docs/cli.md and in `neurite --help`. */
export const EXIT = {
  /** The command did what was asked. */
  OK: 0,
  /** A runtime failure: training diverged, a model could not be converted, a server failed… */
  FAILURE: 1,
  /** A usage error: unknown command or flag, a missing or extra argument, a bad flag value. */
  USAGE: 2,
  /** An input file or folder does not exist or cannot be read. */
  INPUT_MISSING: 3,
  /** An input exists but its content is invalid: a config with a bad field, a file that is not a model, data whose shape does not fit the model. */
  INPUT_INVALID: 4,
} as const;

/** An error the CLI reports as one line on stderr and exits with `code`. */
export class CliError extends Error {
  /** The process exit code. */
  readonly code: number;

  constructor(message: string, code: number) {
    super(message);
    this.name = 'CliError';
    this.code = code;
  }
}

/** Bad usage (exit code 2); the command's usage line is printed after the message. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.USAGE);
    this.name = 'UsageError';
  }
}

/** A missing or unreadable input (exit code 3). */
export class InputMissingError extends CliError {
  constructor(message: string) {
    super(message, EXIT.INPUT_MISSING);
    this.name = 'InputMissingError';
  }
}

/** An input with invalid content (exit code 4). */
export class InputInvalidError extends CliError {
  constructor(message: string) {
    super(message, EXIT.INPUT_INVALID);
    this.name = 'InputInvalidError';
  }
}

/**
 * Checks that `path` exists and is readable (a file, or a folder when `kind` allows it);
 * throws InputMissingError naming `what` otherwise.
 */
export async function requireReadable(path: string, what: string, kind: 'file' | 'dir' | 'any' = 'file'): Promise<void> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new InputMissingError(`${what} '${path}' does not exist`);
  }
  if (kind === 'file' && info.isDirectory()) throw new InputMissingError(`${what} '${path}' is a folder, not a file`);
  if (kind === 'dir' && !info.isDirectory()) throw new InputMissingError(`${what} '${path}' is not a folder`);
  try {
    await access(path, constants.R_OK);
  } catch {
    throw new InputMissingError(`${what} '${path}' cannot be read (permission denied)`);
  }
}
