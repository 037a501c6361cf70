import { Tensor } from '../../tensor/tensor.js';
import { formatShape } from '../../tensor/shape.js';
import { max, reshape } from '../../ops/index.js';
import type { ConfigDict, Serialized } from '../../utils/serialization.js';
import { Layer, baseArgs, type CallOptions, type LayerArgs, type Mask, type MaskArg } from '../layer.js';
import { type LayerShape, formatLayerShape } from '../symbolic.js';
import { Wrapper } from './wrapper.js';
import { deserializeLayer, registerLayer } from '../registry.js';
import { type Keras3Weight, attributeWeights } from '../keras3-paths.js';

export interface TimeDistributedArgs extends LayerArgs {
  /** The layer applied to every time step (axis 1) independently. */
  readonly layer: Layer;
}

function single(mask: MaskArg | undefined): Mask {
  return Array.isArray(mask) ? ((mask as readonly Mask[])[0] ?? null) : ((mask as Mask | undefined) ?? null);
}

/**
 * Applies a layer to every temporal slice of an input [batch, time, ...] (Keras
 * TimeDistributed): batch and time are folded into one axis, the layer runs once, and the
 * result is unfolded. The weights are the inner layer's, named `time_distributed/kernel`
 * as tf.keras 2 does.
 */
export class TimeDistributed extends Wrapper {
  /** Keras 3 keeps the wrapped layer under `layer/`. */
  override keras3Weights(): Keras3Weight[] {
    return attributeWeights('layer', this.layer);
  }

  static override readonly className = 'TimeDistributed';

  constructor(args: TimeDistributedArgs) {
    super(args, args.layer);
    this.supportsMasking = true;
    this.inputSpec = { minNdim: 3 };
  }

  protected innerLayers(): Layer[] {
    return [this.layer];
  }

  override build(inputShape: LayerShape): void {
    if (inputShape.length < 3) {
      throw new RangeError(`Layer ${this.name} (TimeDistributed): expected an input of rank ≥ 3 (batch, time, ...); got ${formatLayerShape(inputShape)}`);
    }
    this.buildInner(this.layer, [inputShape[0], ...inputShape.slice(2)], this.name);
  }

  private fold(x: Tensor): Tensor {
    return reshape(x, [x.shape[0] * x.shape[1], ...x.shape.slice(2)]);
  }

  call(inputs: Tensor | Tensor[], options: CallOptions): Tensor {
    const x = inputs as Tensor;
    const [batch, time] = x.shape;
    const mask = single(options.mask);
    const y = this.layer.apply(this.fold(x), { training: options.training, mask: mask ? this.fold(mask) : undefined });
    if (!(y instanceof Tensor)) throw new TypeError(`Layer ${this.name} (TimeDistributed): the inner layer ${this.layer.name} must return one tensor`);
    return reshape(y, [batch, time, ...y.shape.slice(1)]);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    const child = this.layer.computeOutputShape([inputShape[0], ...inputShape.slice(2)]);
    if (child.length > 0 && Array.isArray(child[0])) throw new TypeError(`Layer ${this.name} (TimeDistributed): the inner layer ${this.layer.name} must have one output`);
    const out = child as LayerShape;
    return [out[0], inputShape[1], ...out.slice(1)];
  }

  /** The inner layer's mask per step, unfolded; else the input mask reduced to (batch, time). */
  override computeMask(inputs: Tensor | Tensor[], mask?: MaskArg): MaskArg {
    const x = inputs as Tensor;
    const m = single(mask);
    const inner = single(this.layer.computeMask(this.fold(x), m ? this.fold(m) : null));
    if (inner === null) {
      if (m === null) return null;
      return m.rank > 2 ? max(m, Array.from({ length: m.rank - 2 }, (_, i) => i + 2)) : m;
    }
    if (inner.shape[0] !== x.shape[0] * x.shape[1]) {
      throw new RangeError(`Layer ${this.name} (TimeDistributed): the inner mask has shape ${formatShape(inner.shape)}; expected ${x.shape[0] * x.shape[1]} rows`);
    }
    return reshape(inner, [x.shape[0], x.shape[1], ...inner.shape.slice(1)]);
  }

  static fromConfig(config: ConfigDict, deserialize: (s: Serialized) => Layer): TimeDistributed {
    return new TimeDistributed({ ...baseArgs(config), layer: deserialize(config.layer as unknown as Serialized) });
  }
}
registerLayer({ className: TimeDistributed.className, fromConfig: (config) => TimeDistributed.fromConfig(config, deserializeLayer) });
