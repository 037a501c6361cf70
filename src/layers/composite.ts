import type { Tensor } from '../tensor/tensor.js';
import type { Variable } from '../tensor/variable.js';
import { Layer } from './layer.js';
import type { LayerShape } from './symbolic.js';

/**
 * Base of layers made of other layers (wrappers such as TimeDistributed and Bidirectional,
 * MultiHeadAttention's projections). The weights are the inner layers' (in their order), so
 * training, saving and summary see them through the outer layer; trainable, losses and
 * constraints reach the inner layers.
 */
export abstract class CompositeLayer extends Layer {
  /** The layers that compute (and own the weights), in weight order. */
  protected abstract innerLayers(): Layer[];

  /** Builds an inner layer with its weights named under `scope` (Keras' name_scope). */
  protected buildInner(layer: Layer, inputShape: LayerShape, scope: string): void {
    if (layer.built) return;
    layer.weightScope = scope;
    layer.build(inputShape);
    layer.built = true;
  }

  override get trainableWeights(): Variable[] {
    return this.trainable ? this.innerLayers().flatMap((l) => l.trainableWeights) : [];
  }

  override get nonTrainableWeights(): Variable[] {
    const inner = this.innerLayers();
    return this.trainable ? inner.flatMap((l) => l.nonTrainableWeights) : inner.flatMap((l) => l.weights);
  }

  override get trainable(): boolean {
    return super.trainable;
  }

  override set trainable(value: boolean) {
    super.trainable = value;
    for (const l of this.innerLayers()) l.trainable = value;
  }

  override get losses(): Tensor[] {
    return [...super.losses, ...this.innerLayers().flatMap((l) => l.losses)];
  }

  override applyConstraints(): void {
    for (const l of this.innerLayers()) l.applyConstraints();
  }
}
