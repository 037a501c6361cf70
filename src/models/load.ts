import { readModelArtifacts, type ModelSource } from '../io/model-json.js';
import { deserializeLayer } from '../layers/registry.js';
import type { Serialized } from '../utils/serialization.js';
import { Model } from './model.js';

function describe(source: ModelSource): string {
  if (typeof source === 'string' || source instanceof URL) return source.toString();
  if (source instanceof ArrayBuffer || source instanceof Uint8Array) return `model bytes (${source.byteLength} bytes)`;
  return 'model.json + weights';
}

/**
 * Loads a model saved by `model.save(...)`: from a path or URL (a `.json` model with its
 * weights file beside it, or a single-file `.nw` model), from the bytes of a single-file model
 * (ArrayBuffer/Uint8Array), or from `{ modelJson, weights }`. The architecture comes from the
 * Keras config (classes must be registered; nothing is executed), then the weights.
 */
export async function loadModel(source: ModelSource): Promise<Model> {
  const name = describe(source);
  const bytes = source instanceof ArrayBuffer ? new Uint8Array(source) : source;
  const { modelConfig, weights } = await readModelArtifacts(bytes, name);
  const layer = deserializeLayer(modelConfig as Serialized);
  if (!(layer instanceof Model)) throw new Error(`loadModel: ${name} describes a ${modelConfig.class_name}, not a model`);
  layer.setWeights(weights);
  return layer;
}
