/** Command-line helpers shared by the examples. */

/** The value after `--name`, or undefined. */
export function stringArg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** The number after `--name`, or undefined. */
export function numberArg(name: string): number | undefined {
  const v = stringArg(name);
  return v === undefined ? undefined : Number(v);
}
