/**
 * Keras 3's naming of saved state (keras/src/saving/saving_lib.py): sublayers in a list
 * (a model's layers, StackedRNNCells' cells) are named by their class in snake case,
 * numbered from the second of a class on (`dense`, `dense_1`, ...); a sublayer held in an
 * attribute is named by the attribute.
 */
import type { Variable } from '../tensor/variable.js';
import type { Layer } from './layer.js';

export type Keras3Weight = { readonly variable: Variable; readonly path: string };

/** Keras' naming.to_snake_case. */
export function kerasSnakeCase(name: string): string {
  return name
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/** The weights of `layers` held in a list attribute `attribute` (Keras' _save_container_state). */
export function containerWeights(attribute: string, layers: readonly Layer[]): Keras3Weight[] {
  const keys = containerKeys(layers);
  return layers.flatMap((layer, i) => layer.keras3Weights().map((w) => ({ variable: w.variable, path: `${attribute}/${keys[i]}/${w.path}` })));
}

/** The names Keras 3 gives the layers of a list in saved state: `dense`, `dense_1`, ... */
export function containerKeys(layers: readonly Layer[]): string[] {
  const used = new Map<string, number>();
  return layers.map((layer) => {
    const base = kerasSnakeCase(layer.getClassName());
    const n = used.get(base);
    used.set(base, n === undefined ? 0 : n + 1);
    return n === undefined ? base : `${base}_${n + 1}`;
  });
}

/** The weights of a sublayer held in attribute `attribute`. */
export function attributeWeights(attribute: string, layer: Layer): Keras3Weight[] {
  return layer.keras3Weights().map((w) => ({ variable: w.variable, path: `${attribute}/${w.path}` }));
}
