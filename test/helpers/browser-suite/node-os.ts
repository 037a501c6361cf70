/** `node:os` for test pages: the temporary folder of the page's file system (./vfs.ts) and fixed facts. */

export const EOL = '\n';

export function tmpdir(): string {
  return '/tmp';
}

export function homedir(): string {
  return '/tmp';
}

export function platform(): string {
  return 'linux';
}

export function type(): string {
  return 'Linux';
}

export function arch(): string {
  return 'x64';
}

export function endianness(): 'LE' | 'BE' {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 'LE' : 'BE';
}

export function hostname(): string {
  return 'browser';
}

export function release(): string {
  return '';
}

export function cpus(): { model: string; speed: number }[] {
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
  return Array.from({ length: n }, () => ({ model: 'browser', speed: 0 }));
}

export function availableParallelism(): number {
  return cpus().length;
}

export function totalmem(): number {
  return 0;
}

export function freemem(): number {
  return 0;
}

export default { EOL, tmpdir, homedir, platform, type, arch, endianness, hostname, release, cpus, availableParallelism, totalmem, freemem };
