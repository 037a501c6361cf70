import { type Tensor, fetchValues } from '../tensor/tensor.js';
import type { Variable } from '../tensor/variable.js';
import type { ConfigDict } from '../utils/serialization.js';
import { decodeWeights, encodeWeights, readFileBytes, writeFileAtomic } from './weights-format.js';

/** What saving needs from a model. */
export interface SavableModel {
  readonly name: string;
  readonly weights: Variable[];
  getClassName(): string;
  getConfig(): ConfigDict;
}

/** Saves the weights (by name, in `weights` order) to one native-format file, atomically. */
export async function saveWeightsFile(model: SavableModel, path: string): Promise<void> {
  await fetchValues(model.weights as Tensor[]);
  const named = model.weights.map((w) => ({ name: w.name, tensor: w as Tensor }));
  await writeFileAtomic(path, encodeWeights(named, { model: model.name }));
}

/** Loads weights saved by saveWeightsFile: matched in order, shapes checked, names reported on mismatch. */
export async function loadWeightsFile(model: SavableModel, path: string): Promise<void> {
  const { header, tensors } = decodeWeights(await readFileBytes(path), path);
  const ws = model.weights;
  if (header.weights.length !== ws.length) {
    throw new Error(`loadWeights: ${path} holds ${header.weights.length} arrays but model ${model.name} has ${ws.length} weights`);
  }
  header.weights.forEach((e, i) => {
    const t = tensors.get(e.name) as Tensor;
    if (t.shape.join(',') !== ws[i].shape.join(',')) {
      throw new Error(`loadWeights: array ${i} ('${e.name}') has shape [${t.shape.join(', ')}] but weight '${ws[i].name}' has shape [${ws[i].shape.join(', ')}]`);
    }
  });
  header.weights.forEach((e, i) => ws[i].assign(tensors.get(e.name) as Tensor));
}

/** Saves config + weights in one native file (Keras' model.save until the .h5 format exists). */
export async function saveModelFile(model: SavableModel, path: string): Promise<void> {
  await fetchValues(model.weights as Tensor[]);
  const named = model.weights.map((w) => ({ name: w.name, tensor: w as Tensor }));
  await writeFileAtomic(path, encodeWeights(named, { model_config: { class_name: model.getClassName(), config: model.getConfig() } }));
}
