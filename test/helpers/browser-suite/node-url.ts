/**
 * `node:url` for the browser shims: file URLs <-> POSIX paths (the bundler rewrites each
 * module's import.meta.url to its file:// URL in Node's file system, see ./bundle.ts).
 */
import { resolve } from './node-path.js';

const URL_ = globalThis.URL;
const URLSearchParams_ = globalThis.URLSearchParams;
export { URL_ as URL, URLSearchParams_ as URLSearchParams };

export function fileURLToPath(url: string | URL): string {
  const u = typeof url === 'string' ? new URL(url) : url;
  if (!(u instanceof URL)) throw new TypeError(`The "path" argument must be of type string or an instance of URL. Received ${typeof url}`);
  if (u.protocol !== 'file:') throw Object.assign(new TypeError('The URL must be of scheme file'), { code: 'ERR_INVALID_URL_SCHEME' });
  if (u.hostname !== '' && u.hostname !== 'localhost') throw Object.assign(new TypeError(`File URL host must be "localhost" or empty on linux`), { code: 'ERR_INVALID_FILE_URL_HOST' });
  if (/%2f/i.test(u.pathname)) throw Object.assign(new TypeError('File URL path must not include encoded / characters'), { code: 'ERR_INVALID_FILE_URL_PATH' });
  return decodeURIComponent(u.pathname);
}

export function pathToFileURL(path: string): URL {
  let p = resolve(path);
  if (path.endsWith('/') && !p.endsWith('/')) p += '/';
  const u = new URL('file:///');
  u.pathname = p.replace(/%/g, '%25').replace(/\\/g, '%5C').replace(/\n/g, '%0A').replace(/\r/g, '%0D').replace(/\t/g, '%09');
  return u;
}

export default { URL: URL_, URLSearchParams: URLSearchParams_, fileURLToPath, pathToFileURL };
