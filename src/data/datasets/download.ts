/**
 * Plain HTTP(S) downloads to a file with node:http/https: redirects followed, an idle
 * timeout, and the length checked against Content-Length. Checksums and the atomic move
 * into the cache are the job of `getFile` (files.ts), which also removes the partial file.
 */
import { createWriteStream } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ProgressBar } from './progress.js';

/** Why a download failed: no connection, no answer in time, an HTTP error status, a response cut short, a checksum mismatch, a URL we cannot fetch. */
export type DownloadFailure = 'network' | 'timeout' | 'http' | 'truncated' | 'checksum' | 'url';

/** A failed download. `kind` says why; `url` is the address that was asked for. */
export class DownloadError extends Error {
  override readonly name = 'DownloadError';

  constructor(
    readonly kind: DownloadFailure,
    readonly url: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface DownloadOptions {
  /** Milliseconds without any data (connecting included) before giving up. Default 30000. */
  timeoutMs?: number;
  /** How many redirects to follow. Default 10. */
  maxRedirects?: number;
  /** Draw a progress bar on stderr. */
  progress?: boolean;
}

interface OpenResponse {
  response: http.IncomingMessage;
  /** The failure recorded by the timeout handler, if it fired. */
  failure(): DownloadError | undefined;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

function fail(kind: DownloadFailure, url: string, reason: string, cause?: unknown): DownloadError {
  return new DownloadError(kind, url, `getFile: downloading ${url} failed: ${reason}`, cause === undefined ? undefined : { cause });
}

function clientFor(url: URL, original: string): typeof http | typeof https {
  if (url.protocol === 'http:') return http;
  if (url.protocol === 'https:') return https;
  throw fail('url', original, `unsupported protocol '${url.protocol}' (only http: and https: are supported)`);
}

/** Sends a GET and resolves with the first 200 response, following redirects. */
function open(url: string, options: DownloadOptions, redirects: number): Promise<OpenResponse> {
  let parsed: URL;
  let client: typeof http | typeof https;
  try {
    parsed = new URL(url);
  } catch {
    return Promise.reject(fail('url', url, 'it is not a valid URL'));
  }
  try {
    client = clientFor(parsed, url);
  } catch (e) {
    return Promise.reject(e);
  }
  const timeoutMs = options.timeoutMs ?? 30000;
  let timedOut: DownloadError | undefined;
  return new Promise((resolve, reject) => {
    const request = client.get(parsed, { agent: false, headers: { 'user-agent': 'neurite', 'accept-encoding': 'identity' } }, (response) => {
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if (REDIRECTS.has(status) && location !== undefined) {
        response.resume();
        const max = options.maxRedirects ?? 10;
        if (redirects >= max) reject(fail('http', url, `more than ${max} redirects`));
        else resolve(open(new URL(location, parsed).href, options, redirects + 1));
        return;
      }
      if (status !== 200) {
        response.resume();
        reject(fail('http', url, `HTTP ${status} ${response.statusMessage ?? ''}`.trimEnd()));
        return;
      }
      resolve({ response, failure: () => timedOut });
    });
    request.setTimeout(timeoutMs, () => {
      timedOut = fail('timeout', url, `no data for ${timeoutMs / 1000} s (timed out)`);
      request.destroy(timedOut);
    });
    request.on('error', (e) => reject(e instanceof DownloadError ? e : fail('network', url, e.message, e)));
  });
}

/** Counts the bytes passing through and feeds the progress bar. */
class Counter extends Transform {
  bytes = 0;

  constructor(private readonly bar: ProgressBar | undefined) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    this.bar?.update(this.bytes);
    done(null, chunk);
  }
}

function truncated(url: string, got: number, total: number): DownloadError {
  return fail('truncated', url, `the connection closed after ${got} of ${total} bytes (truncated response)`);
}

/**
 * Downloads `url` into the file `dest` (created or overwritten) and resolves with the number
 * of bytes written. Rejects with a DownloadError; the caller removes `dest` on failure.
 */
export async function downloadToFile(url: string, dest: string, options: DownloadOptions = {}): Promise<number> {
  const { response, failure } = await open(url, options, 0);
  const header = response.headers['content-length'];
  const total = header !== undefined && /^\d+$/.test(header) ? Number(header) : undefined;
  const bar = options.progress ? new ProgressBar(url, total) : undefined;
  const counter = new Counter(bar);
  try {
    await pipeline(response, counter, createWriteStream(dest));
  } catch (e) {
    bar?.finish(counter.bytes, false);
    const timeout = failure();
    if (timeout) throw timeout;
    if (total !== undefined && counter.bytes < total) throw truncated(url, counter.bytes, total);
    throw e instanceof DownloadError ? e : fail('network', url, (e as Error).message, e);
  }
  if (total !== undefined && counter.bytes !== total) {
    bar?.finish(counter.bytes, false);
    throw truncated(url, counter.bytes, total);
  }
  bar?.finish(counter.bytes, true);
  return counter.bytes;
}
