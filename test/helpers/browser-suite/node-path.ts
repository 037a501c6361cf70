/**
 * `node:path` (POSIX) for the browser shims. Relative paths resolve against process.cwd()
 * of the page (the repository root, see ./process.ts).
 */

export const sep = '/';
export const delimiter = ':';

function cwd(): string {
  const p = (globalThis as { process?: { cwd?: () => string } }).process;
  return p?.cwd?.() ?? '/';
}

function check(p: unknown, name = 'path'): asserts p is string {
  if (typeof p !== 'string') throw new TypeError(`The "${name}" argument must be of type string. Received ${p === null ? 'null' : typeof p}`);
}

/** Collapses '.', '..' and repeated slashes of the part after the root. */
function collapse(parts: string[], absolute: boolean): string[] {
  const out: string[] = [];
  for (const part of parts) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!absolute) out.push('..');
    } else {
      out.push(part);
    }
  }
  return out;
}

export function normalize(p: string): string {
  check(p);
  if (p === '') return '.';
  const absolute = p.startsWith('/');
  const trailing = p.endsWith('/');
  let body = collapse(p.split('/'), absolute).join('/');
  if (body === '' && !absolute) body = '.';
  if (body !== '' && trailing) body += '/';
  return absolute ? `/${body}` : body;
}

export function isAbsolute(p: string): boolean {
  check(p);
  return p.startsWith('/');
}

export function join(...parts: string[]): string {
  parts.forEach((p) => check(p));
  const joined = parts.filter((p) => p !== '').join('/');
  return joined === '' ? '.' : normalize(joined);
}

export function resolve(...parts: string[]): string {
  parts.forEach((p) => check(p));
  let path = '';
  for (let i = parts.length - 1; i >= 0 && !path.startsWith('/'); i--) {
    if (parts[i] !== '') path = path === '' ? parts[i] : `${parts[i]}/${path}`;
  }
  if (!path.startsWith('/')) path = path === '' ? cwd() : `${cwd()}/${path}`;
  return `/${collapse(path.split('/'), true).join('/')}`;
}

export function dirname(p: string): string {
  check(p);
  if (p === '') return '.';
  const absolute = p.startsWith('/');
  let end = p.length;
  while (end > 1 && p[end - 1] === '/') end--;
  const i = p.lastIndexOf('/', end - 1);
  if (i < 0) return '.';
  if (i === 0) return absolute ? '/' : '.';
  return p.slice(0, i);
}

export function basename(p: string, ext?: string): string {
  check(p);
  if (ext !== undefined) check(ext, 'ext');
  let end = p.length;
  while (end > 0 && p[end - 1] === '/') end--;
  if (end === 0) return '';
  const base = p.slice(p.lastIndexOf('/', end - 1) + 1, end);
  if (ext !== undefined && ext !== base && base.endsWith(ext)) return base.slice(0, base.length - ext.length);
  return base;
}

export function extname(p: string): string {
  check(p);
  const base = basename(p);
  const dot = base.lastIndexOf('.');
  if (dot <= 0 || (dot === 1 && base === '..')) return '';
  return base.slice(dot);
}

export function relative(from: string, to: string): string {
  check(from, 'from');
  check(to, 'to');
  const a = resolve(from).split('/').filter(Boolean);
  const b = resolve(to).split('/').filter(Boolean);
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return [...a.slice(i).map(() => '..'), ...b.slice(i)].join('/');
}

export interface ParsedPath {
  root: string;
  dir: string;
  base: string;
  ext: string;
  name: string;
}

export function parse(p: string): ParsedPath {
  check(p);
  const root = p.startsWith('/') ? '/' : '';
  const base = basename(p);
  const ext = extname(p);
  let dir = dirname(p);
  if (!p.replace(/\/+$/, '').includes('/')) dir = p.startsWith('/') ? '/' : '';
  return { root, dir, base, ext, name: ext ? base.slice(0, base.length - ext.length) : base };
}

export function format(o: Partial<ParsedPath>): string {
  const dir = o.dir || o.root || '';
  const base = o.base || `${o.name ?? ''}${o.ext ? (o.ext.startsWith('.') ? o.ext : `.${o.ext}`) : ''}`;
  if (!dir) return base;
  return dir === o.root ? `${dir}${base}` : `${dir}/${base}`;
}

export function toNamespacedPath(p: string): string {
  return p;
}

const path = { sep, delimiter, normalize, isAbsolute, join, resolve, dirname, basename, extname, relative, parse, format, toNamespacedPath };
export const posix = path;
export default Object.assign(path, { posix });
