import { type ConfigDict, type ConfigValue, serialize } from '../../utils/serialization.js';
import { Layer } from '../layer.js';
import { CompositeLayer } from '../composite.js';

/**
 * Base of layers that wrap another layer (Keras Wrapper: TimeDistributed, Bidirectional):
 * a CompositeLayer whose config stores the wrapped layer's.
 */
export abstract class Wrapper extends CompositeLayer {
  /** The wrapped layer as given (its config is what the wrapper's config stores). */
  readonly layer: Layer;

  constructor(args: ConstructorParameters<typeof Layer>[0], layer: Layer) {
    super(args);
    if (!(layer instanceof Layer)) throw new TypeError(`${this.getClassName()}: layer must be a Layer instance; got ${layer === null ? 'null' : typeof layer}`);
    this.layer = layer;
  }

  /** The wrapper's declared arguments (if any) and the wrapped layer's config. */
  protected override layerConfig(): ConfigDict {
    return { ...super.layerConfig(), layer: serialize(this.layer) as unknown as ConfigValue };
  }
}
