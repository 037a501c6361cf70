/**
 * Real text for the text examples: the fortune-cookie files of the Debian packages
 * `fortunes-min` (fortunes, literature, riddles) and `fortunes` (computers, science, love,
 * …), under /usr/share/games/fortunes. BSD licence (University of California, 1991): see
 * /usr/share/doc/fortunes/copyright. A file holds cookies separated by lines of '%'.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

export const FORTUNE_DIR = '/usr/share/games/fortunes';

/** The path of a fortune file: a name under `dir` (e.g. 'computers'), or a path as given. */
export function fortunePath(name: string, dir: string = FORTUNE_DIR): string {
  return isAbsolute(name) || name.includes('/') ? name : join(dir, name);
}

/** The raw text of a fortune file; a clear error when its package is not installed. */
export function readFortuneFile(name: string, dir: string = FORTUNE_DIR): string {
  const path = fortunePath(name, dir);
  if (!existsSync(path)) {
    const pkg = ['fortunes', 'literature', 'riddles'].includes(name) ? 'fortunes-min' : 'fortunes';
    throw new Error(`text data: ${path} not found; install the Debian package ${pkg} (apt-get install -y ${pkg})`);
  }
  return readFileSync(path, 'utf8');
}

/** The cookies of a fortune file, trimmed, in file order (empty ones dropped). */
export function readFortunes(name: string, dir: string = FORTUNE_DIR): string[] {
  return readFortuneFile(name, dir)
    .split(/^%\s*$/m)
    .map((c) => c.trim())
    .filter((c) => c.length > 0);
}
