import type { Tensor } from '../../tensor/tensor.js';
import type { Variable } from '../../tensor/variable.js';
import { type ConfigDict, type ConfigValue, serialize } from '../../utils/serialization.js';
import { Layer } from '../layer.js';
import type { LayerShape } from '../symbolic.js';

/**
 * Base of layers that wrap other layers (Keras Wrapper: TimeDistributed, Bidirectional).
 * The weights are the inner layers' (in their order), so training, saving and summary see
 * them through the wrapper; trainable, losses and constraints reach the inner layers.
 */
export abstract class Wrapper extends Layer {
  /** The wrapped layer as given (its config is what the wrapper's config stores). */
  readonly layer: Layer;

  constructor(args: ConstructorParameters<typeof Layer>[0], layer: Layer) {
    super(args);
    if (!(layer instanceof Layer)) throw new TypeError(`${this.getClassName()}: layer must be a Layer instance; got ${layer === null ? 'null' : typeof layer}`);
    this.layer = layer;
  }

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

  protected override layerConfig(): ConfigDict {
    return { layer: serialize(this.layer) as unknown as ConfigValue };
  }
}
