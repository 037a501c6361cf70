/**
 * Models in the browser's own storage, addressed as TensorFlow.js does:
 *   indexeddb://name     IndexedDB (database 'neurite-models', store 'models'): the usual place
 *   localstorage://name  localStorage (model.json and the weights as base64; a few MB at most)
 *   downloads://name     a download of name.json and name.weights.bin (save only)
 * and models from files the user picks (`<input type="file" multiple>`: the model.json and
 * its weight files). What is stored is a TensorFlow.js layers model (io/tfjs.ts): the same
 * bytes a server would host, so tfjs reads a downloaded pair too.
 */
import type { TfjsModelJson, TfjsSaveOptions } from './tfjs.js';
import { encodeTfjs } from './tfjs.js';
import type { SavableModel } from './model-io.js';

export type BrowserScheme = 'indexeddb' | 'localstorage' | 'downloads';

const DB = 'neurite-models';
const STORE = 'models';
const LS_PREFIX = 'neurite-models/';

/** The scheme and name of a browser storage URL, or null. */
export function browserStorageUrl(url: string): { scheme: BrowserScheme; name: string } | null {
  const m = /^(indexeddb|localstorage|downloads):\/\/(.+)$/i.exec(url);
  return m === null ? null : { scheme: m[1].toLowerCase() as BrowserScheme, name: m[2] };
}

function requireGlobal<T>(value: T | undefined, what: string, url: string): T {
  if (value === undefined || value === null) throw new Error(`${url}: this runtime has no ${what} (browser storage works in a browser page)`);
  return value;
}

function openDb(url: string): Promise<IDBDatabase> {
  const idb = requireGlobal((globalThis as { indexedDB?: IDBFactory }).indexedDB, 'indexedDB', url);
  return new Promise((resolve, reject) => {
    const req = idb.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'name' });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(new Error(`${url}: IndexedDB could not be opened (${req.error?.message ?? 'unknown error'})`));
  });
}

function request<T>(req: IDBRequest<T>, url: string, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(new Error(`${url}: IndexedDB ${what} failed (${req.error?.message ?? 'unknown error'})`));
  });
}

interface StoredModel {
  readonly name: string;
  readonly modelJson: TfjsModelJson;
  readonly weights: ArrayBuffer;
  readonly dateSaved: string;
}

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(text: string): Uint8Array {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** The model as one model.json and one weights buffer (all shards together). */
async function encodeOne(model: SavableModel, options: TfjsSaveOptions, weightsPath: string): Promise<{ modelJson: TfjsModelJson; weights: Uint8Array }> {
  const { modelJson, shards } = await encodeTfjs(model, { ...options, shardSizeBytes: Number.MAX_SAFE_INTEGER });
  const weights = shards[0]?.bytes ?? new Uint8Array(0);
  return { modelJson: { ...modelJson, weightsManifest: modelJson.weightsManifest.map((g) => ({ ...g, paths: [weightsPath] })) }, weights };
}

/** Saves to indexeddb://, localstorage:// or downloads://. */
export async function saveToBrowser(model: SavableModel, url: string, options: TfjsSaveOptions = {}): Promise<void> {
  const target = browserStorageUrl(url);
  if (target === null) throw new Error(`${url}: not a browser storage URL (indexeddb://, localstorage:// or downloads://)`);
  const { scheme, name } = target;
  if (scheme === 'downloads') {
    const doc = requireGlobal((globalThis as { document?: Document }).document, 'document', url);
    const { modelJson, weights } = await encodeOne(model, options, `${name}.weights.bin`);
    const click = (blob: Blob, file: string): void => {
      const a = doc.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = file;
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
    };
    click(new Blob([JSON.stringify(modelJson)], { type: 'application/json' }), `${name}.json`);
    click(new Blob([weights.slice().buffer as ArrayBuffer], { type: 'application/octet-stream' }), `${name}.weights.bin`);
    return;
  }
  const { modelJson, weights } = await encodeOne(model, options, 'weights.bin');
  if (scheme === 'localstorage') {
    const ls = requireGlobal((globalThis as { localStorage?: Storage }).localStorage, 'localStorage', url);
    try {
      ls.setItem(`${LS_PREFIX}${name}/weights`, toBase64(weights));
      ls.setItem(`${LS_PREFIX}${name}/model.json`, JSON.stringify(modelJson));
    } catch (e) {
      ls.removeItem(`${LS_PREFIX}${name}/weights`);
      throw new Error(`${url}: localStorage refused the model (${(e as Error).message}); its ${weights.length} bytes of weights (${Math.ceil((weights.length * 4) / 3)} as base64) may exceed the quota, a few MB: use indexeddb://`);
    }
    return;
  }
  const db = await openDb(url);
  try {
    const record: StoredModel = { name, modelJson, weights: weights.slice().buffer as ArrayBuffer, dateSaved: new Date().toISOString() };
    await request(db.transaction(STORE, 'readwrite').objectStore(STORE).put(record), url, 'write');
  } finally {
    db.close();
  }
}

/** A stored model's model.json and weights, from indexeddb:// or localstorage://. */
export async function loadFromBrowser(url: string): Promise<{ modelJson: TfjsModelJson; weights: Uint8Array }> {
  const target = browserStorageUrl(url);
  if (target === null) throw new Error(`${url}: not a browser storage URL`);
  const { scheme, name } = target;
  if (scheme === 'downloads') throw new Error(`${url}: downloads:// can only be saved to; load the downloaded files with loadModel(files) from an <input type="file">`);
  if (scheme === 'localstorage') {
    const ls = requireGlobal((globalThis as { localStorage?: Storage }).localStorage, 'localStorage', url);
    const json = ls.getItem(`${LS_PREFIX}${name}/model.json`);
    const weights = ls.getItem(`${LS_PREFIX}${name}/weights`);
    if (json === null || weights === null) throw new Error(`${url}: no model '${name}' in localStorage`);
    return { modelJson: JSON.parse(json) as TfjsModelJson, weights: fromBase64(weights) };
  }
  const db = await openDb(url);
  try {
    const record = (await request(db.transaction(STORE, 'readonly').objectStore(STORE).get(name), url, 'read')) as StoredModel | undefined;
    if (record === undefined) throw new Error(`${url}: no model '${name}' in IndexedDB`);
    return { modelJson: record.modelJson, weights: new Uint8Array(record.weights) };
  } finally {
    db.close();
  }
}

/** The names of the models in IndexedDB and localStorage, as URLs. */
export async function listBrowserModels(): Promise<string[]> {
  const out: string[] = [];
  if ((globalThis as { indexedDB?: IDBFactory }).indexedDB) {
    const db = await openDb('indexeddb://');
    try {
      const keys = await request(db.transaction(STORE, 'readonly').objectStore(STORE).getAllKeys(), 'indexeddb://', 'listing');
      out.push(...keys.map((k) => `indexeddb://${String(k)}`));
    } finally {
      db.close();
    }
  }
  const ls = (globalThis as { localStorage?: Storage }).localStorage;
  if (ls) {
    for (let i = 0; i < ls.length; i++) {
      const m = new RegExp(`^${LS_PREFIX}(.+)/model\\.json$`).exec(ls.key(i) ?? '');
      if (m) out.push(`localstorage://${m[1]}`);
    }
  }
  return out.sort();
}

/** Removes a stored model (true if there was one). */
export async function removeBrowserModel(url: string): Promise<boolean> {
  const target = browserStorageUrl(url);
  if (target === null || target.scheme === 'downloads') throw new Error(`${url}: not an indexeddb:// or localstorage:// URL`);
  if (target.scheme === 'localstorage') {
    const ls = requireGlobal((globalThis as { localStorage?: Storage }).localStorage, 'localStorage', url);
    const had = ls.getItem(`${LS_PREFIX}${target.name}/model.json`) !== null;
    ls.removeItem(`${LS_PREFIX}${target.name}/model.json`);
    ls.removeItem(`${LS_PREFIX}${target.name}/weights`);
    return had;
  }
  const db = await openDb(url);
  try {
    const store = db.transaction(STORE, 'readwrite').objectStore(STORE);
    const had = (await request(store.count(target.name), url, 'read')) > 0;
    await request(store.delete(target.name), url, 'delete');
    return had;
  } finally {
    db.close();
  }
}

/** What a user-picked file offers (File and Blob both do). */
export interface PickedFile {
  readonly name: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/**
 * A model from files the user picked: one `.json` (Neurite's or TensorFlow.js' model.json)
 * and the weight files its manifest names (matched by file name, folders aside), or one
 * single-file model (.keras, .h5 bytes, a native file). Returns what `loadModel` reads.
 */
export async function readPickedFiles(files: readonly PickedFile[]): Promise<{ modelJson: string; weights: Uint8Array[] } | Uint8Array> {
  if (files.length === 0) throw new Error('loadModel: no files were picked');
  const jsons = files.filter((f) => /\.json$/i.test(f.name));
  if (jsons.length === 0) {
    if (files.length === 1) return new Uint8Array(await files[0].arrayBuffer());
    throw new Error(`loadModel: among the picked files (${files.map((f) => f.name).join(', ')}) there is no model.json`);
  }
  if (jsons.length > 1) throw new Error(`loadModel: several .json files were picked (${jsons.map((f) => f.name).join(', ')}); pick one model.json and its weights`);
  const text = new TextDecoder().decode(await jsons[0].arrayBuffer());
  const json = JSON.parse(text) as { weightsManifest?: { paths: string[] }[]; weights_manifest?: { path: string } };
  const wanted = json.weightsManifest?.flatMap((g) => g.paths) ?? (json.weights_manifest ? [json.weights_manifest.path] : []);
  const base = (p: string): string => p.replace(/\\/g, '/').split('/').pop() as string;
  const byName = new Map(files.map((f) => [base(f.name), f]));
  const missing = wanted.filter((p) => !byName.has(base(p)));
  if (missing.length > 0) throw new Error(`loadModel: ${jsons[0].name} names weight files that were not picked: ${missing.join(', ')}`);
  const weights = await Promise.all(wanted.map(async (p) => new Uint8Array(await (byName.get(base(p)) as PickedFile).arrayBuffer())));
  return { modelJson: text, weights };
}
