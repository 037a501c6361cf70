import { ClassRegistry, type ConfigDict, type Serialized, camelKeys } from '../utils/serialization.js';
import { type Layer, type LayerArgs, baseArgs } from './layer.js';
import type { ArgDecl, DeclaredArgs } from './args.js';

/** A layer class that can be rebuilt from its Keras config: by its own fromConfig, or through its declared arguments (layers/args.ts). */
export interface LayerClass {
  readonly className: string;
  fromConfig?(config: ConfigDict): Layer;
  readonly args?: DeclaredArgs<ArgDecl> | null;
}

/** A class whose arguments are declared: built from a config with `new cls({ ...baseArgs(config), ...cls.args.fromConfig(config) })`. */
interface Constructible {
  new (args: LayerArgs): Layer;
}

const layers = new ClassRegistry<Layer>('layer');

/** How a registered class is built from a camelCased config. */
function factoryOf(cls: LayerClass): (config: ConfigDict) => Layer {
  const declared = cls.args;
  if (typeof cls.fromConfig === 'function') return (config) => (cls.fromConfig as (c: ConfigDict) => Layer).call(cls, config);
  if (declared && typeof cls === 'function') return (config) => new (cls as unknown as Constructible)({ ...baseArgs(config), ...(declared.fromConfig(config) as LayerArgs) });
  throw new TypeError(`registerLayer: class ${cls.className} has neither declared arguments (static args) nor a static fromConfig`);
}

/**
 * Registers a layer class for deserialization (custom layers must be registered
 * explicitly: loading a config never executes code).
 */
export function registerLayer(cls: LayerClass, aliases: readonly string[] = []): void {
  layers.register(cls.className, factoryOf(cls), aliases);
  canonicalNames.add(cls.className);
}

/** Class names registered with registerLayer (no aliases). */
const canonicalNames = new Set<string>();

/**
 * The canonical class names of the registered layers (built-in and custom, without Keras'
 * alternative names such as 'Convolution2D'), sorted.
 */
export function registeredLayerNames(): string[] {
  return [...canonicalNames].sort();
}

// Each layer registers itself beside its class (`registerLayer(Dense)` after `class Dense`):
// this module imports no layer, so a layer module can import it. Loading src/layers/index.ts
// (as the package's entry does) registers them all; models/config.ts imports it for that.

/** JavaScript's own messages for a value of the wrong type reaching code that did not check it. */
const INTERNAL = /Cannot read propert|Cannot set propert|is not a function|is not iterable|is not a constructor|Cannot convert undefined or null|Invalid (typed )?array length|Array buffer allocation failed|Maximum call stack size/;

function excerpt(v: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(v) ?? String(v);
  } catch {
    text = String(v);
  }
  return text.length > 160 ? `${text.slice(0, 160)}…` : text;
}

/**
 * Builds a layer from Keras' `{ class_name, config }` (snake_case keys accepted). A config
 * that is not an object, or whose fields have types the layer's code did not expect (a
 * damaged or hand-edited file), gives an Error naming the layer and class, never a bare
 * JavaScript TypeError from inside; the original error is its `cause`.
 */
export function deserializeLayer(serialized: Serialized): Layer {
  if (serialized === null || typeof serialized !== 'object' || Array.isArray(serialized)) throw new Error(`Layer config: expected { class_name, config }; got ${excerpt(serialized)}`);
  const cls = serialized.class_name;
  if (typeof cls !== 'string') throw new Error(`Layer config: class_name must be a string; got ${excerpt(cls)}`);
  if (!layers.has(cls)) {
    throw new Error(`Unknown layer class '${cls}'. Known layers: ${layers.names().join(', ')}. Custom layers must be registered with registerLayer().`);
  }
  const config = serialized.config ?? {};
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new Error(`Layer config of class ${cls}: config must be an object; got ${excerpt(config)}`);
  try {
    return layers.create(cls, camelKeys(config));
  } catch (e) {
    if (!(e instanceof Error)) throw e;
    const who = typeof config.name === 'string' ? `layer '${config.name}' (${cls})` : `a ${cls} layer`;
    // A declared argument's check names the class ('Conv2D: kernelSize must be …'): add which layer of the file.
    const prefix = `${layers.resolve(cls)}: `;
    if (!INTERNAL.test(e.message) && e.message.startsWith(prefix) && (e instanceof RangeError || e instanceof TypeError)) {
      const Ctor = e.constructor as new (message: string, options?: { cause?: unknown }) => Error;
      throw new Ctor(`Config of ${who}: ${e.message.slice(prefix.length)}`, { cause: e });
    }
    if (!INTERNAL.test(e.message)) throw e;
    throw new Error(`Config of ${who}: a field is missing or has the wrong type (${excerpt(config)})`, { cause: e });
  }
}

export function knownLayers(): string[] {
  return layers.names();
}
