import type { Backend, BackendName } from './interface.js';
import { jsBackend } from './js/index.js';

export type { BackendName } from './interface.js';

const PREFERENCE: readonly BackendName[] = ['native', 'wasm', 'js'];

const loaders = new Map<BackendName, () => Backend | null>([['js', () => jsBackend]]);
let current: Backend | null = null;

/**
 * Makes a backend available under a name. `load` returns null (or throws) when the backend
 * cannot run here, and selection moves on to the next one.
 */
export function registerBackend(name: BackendName, load: () => Backend | null): void {
  loaders.set(name, load);
  if (current !== null && PREFERENCE.indexOf(name) < PREFERENCE.indexOf(current.name as BackendName) && !forcedName()) {
    current = null; // re-pick lazily: a better backend appeared
  }
}

function forcedName(): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const v = env?.NEURITE_BACKEND;
  return v === undefined || v === '' ? undefined : v;
}

const failures = new Map<BackendName, string>();
let warned = false;

function tryLoad(name: BackendName): Backend | null {
  const load = loaders.get(name);
  if (!load) return null;
  try {
    return load();
  } catch (e) {
    failures.set(name, (e as Error).message);
    return null;
  }
}

/** One line on stderr (Node only) when the native backend could not load. */
function warnSlow(chosen: Backend): void {
  const reason = failures.get('native');
  if (warned || chosen.name === 'native' || reason === undefined || reason === 'not running in Node.js') return;
  warned = true;
  console.warn(
    `neurite: the native backend is unavailable (${reason}); running on the slower '${chosen.name}' backend. ` +
      "To fix: install OpenBLAS and a C++ toolchain (Debian/Ubuntu: apt-get install libopenblas-dev g++ make python3), then run 'npm rebuild neurite'.",
  );
}

function pick(): Backend {
  const forced = forcedName();
  if (forced !== undefined) {
    if (!PREFERENCE.includes(forced as BackendName)) {
      throw new Error(`NEURITE_BACKEND=${forced} is not a backend; use one of ${PREFERENCE.join(', ')}`);
    }
    const b = tryLoad(forced as BackendName);
    if (!b) throw new Error(`NEURITE_BACKEND=${forced}: that backend is not available in this build or on this machine`);
    return b;
  }
  for (const name of PREFERENCE) {
    const b = tryLoad(name);
    if (b) {
      warnSlow(b);
      return b;
    }
  }
  return jsBackend;
}

/** The backend that runs kernels now (chosen on first use). */
export function backend(): Backend {
  if (current === null) current = pick();
  return current;
}

/** The name of the running backend: 'native', 'wasm' or 'js'. */
export function getBackendName(): string {
  return backend().name;
}

/**
 * Switches backends at run time. Existing tensors stay where they are and move to the new
 * backend's memory, once, when an op there first uses them (js and native share host
 * memory, so nothing moves between those two).
 */
export function setBackend(name: BackendName): void {
  if (!PREFERENCE.includes(name)) throw new Error(`setBackend: '${String(name)}' is not a backend; use one of ${PREFERENCE.join(', ')}`);
  const b = tryLoad(name);
  if (!b) throw new Error(`setBackend: backend '${name}' is not available${failures.has(name) ? ` (${failures.get(name)})` : ''}; available: ${availableBackends().join(', ')}`);
  if (b !== current) {
    current = b;
    for (const l of switchListeners) l(b);
  }
}

const switchListeners: ((b: Backend) => void)[] = [];

/** Calls `listener` whenever setBackend changes the running backend (plans are rebuilt then). */
export function onBackendSwitch(listener: (b: Backend) => void): void {
  switchListeners.push(listener);
}

/** Why a backend could not load (undefined if it loaded or was never tried). */
export function backendFailure(name: BackendName): string | undefined {
  return failures.get(name);
}

/** Names of the backends that load here. */
export function availableBackends(): BackendName[] {
  return PREFERENCE.filter((n) => tryLoad(n) !== null);
}
