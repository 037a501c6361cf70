import type { Backend, BackendName } from './interface.js';
import { jsBackend } from './js/index.js';

export type { BackendName } from './interface.js';

const PREFERENCE: readonly BackendName[] = ['native', 'wasm', 'js'];
/** Every name setBackend and NEURITE_BACKEND accept. */
const NAMES: readonly BackendName[] = ['native', 'wasm', 'js', 'webgpu'];

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

/**
 * Backends that start asynchronously (webgpu: an adapter and a device are requested
 * with promises). `start` begins (or joins) the start and resolves to the backend.
 */
const asyncLoaders = new Map<BackendName, () => Promise<Backend>>();

/** Makes a backend that starts asynchronously available under a name (never picked unless asked for). */
export function registerAsyncBackend(name: BackendName, start: () => Promise<Backend>, loaded: () => Backend | null): void {
  asyncLoaders.set(name, start);
  loaders.set(name, loaded);
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
    if (!NAMES.includes(forced as BackendName)) {
      throw new Error(`NEURITE_BACKEND=${forced} is not a backend; use one of ${NAMES.join(', ')}`);
    }
    const b = tryLoad(forced as BackendName);
    if (b) return b;
    // An asynchronous backend that could not start (its loader said why on stderr when it
    // tried): the usual order.
    if (!asyncLoaders.has(forced as BackendName)) throw new Error(`NEURITE_BACKEND=${forced}: that backend is not available in this build or on this machine`);
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

/** The name of the running backend: 'native', 'wasm', 'js' or 'webgpu'. */
export function getBackendName(): string {
  return backend().name;
}

/**
 * Switches backends at run time. Existing tensors stay where they are and move to the new
 * backend's memory, once, when an op there first uses them (js and native share host
 * memory, so nothing moves between those two; a tensor in GPU memory moves back only
 * after `await tensor.data()`-style reads, see docs/backends.md).
 *
 * native, wasm and js switch at once (the returned promise is already resolved, so
 * existing code may call it without await); an unknown or unavailable one throws.
 * webgpu starts asynchronously: `await nt.setBackend('webgpu')` resolves to true once it
 * runs, or, where WebGPU has no adapter, prints why and resolves to false, leaving the
 * running backend as it was (as tfjs' setBackend does).
 */
export function setBackend(name: BackendName): Promise<boolean> {
  if (!NAMES.includes(name)) throw new Error(`setBackend: '${String(name)}' is not a backend; use one of ${NAMES.join(', ')}`);
  const start = asyncLoaders.get(name);
  const loaded = tryLoad(name);
  if (loaded === null && start !== undefined) {
    return start().then(
      (b) => {
        use(b);
        return true;
      },
      (e: unknown) => {
        failures.set(name, (e as Error).message);
        console.warn(`neurite: the ${name} backend is unavailable (${(e as Error).message}); staying on '${backend().name}'.`);
        return false;
      },
    );
  }
  if (!loaded) throw new Error(`setBackend: backend '${name}' is not available${failures.has(name) ? ` (${failures.get(name)})` : ''}; available: ${availableBackends().join(', ')}`);
  use(loaded);
  return Promise.resolve(true);
}

function use(b: Backend): void {
  if (b !== current) {
    current = b;
    for (const l of switchListeners) l(b);
  }
}

/** Records why an asynchronous backend could not start (its loader calls this). */
export function recordBackendFailure(name: BackendName, reason: string): void {
  failures.set(name, reason);
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

/** Names of the backends that load here (webgpu once it has started). */
export function availableBackends(): BackendName[] {
  return NAMES.filter((n) => tryLoad(n) !== null);
}
