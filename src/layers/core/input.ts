import { Tensor } from '../../tensor/tensor.js';
import type { DataType } from '../../tensor/dtype.js';
import type { ConfigDict, ConfigValue } from '../../utils/serialization.js';
import { Layer, baseArgs, type CallOptions } from '../layer.js';
import { type LayerShape, LayerNode, SymbolicTensor } from '../symbolic.js';
import { registerLayer } from '../registry.js';

export interface InputLayerArgs {
  /** Shape of one sample (without the batch axis). */
  readonly inputShape?: readonly (number | null)[];
  /** Full shape including the batch axis (null = any). */
  readonly batchInputShape?: LayerShape;
  readonly batchSize?: number;
  /** 'string' for text fed to TextVectorization, StringLookup or Hashing. */
  readonly dtype?: DataType | 'string';
  readonly name?: string;
}

/** The entry point of a functional model: produces the symbolic tensor `Input()` returns. */
export class InputLayer extends Layer {
  static override readonly className = 'InputLayer';
  readonly output: SymbolicTensor;
  /** The dtype of the data this input takes (the layer's own dtype stays numeric). */
  readonly inputDtype: DataType | 'string';

  constructor(args: InputLayerArgs) {
    const shape = args.batchInputShape ?? (args.inputShape ? [args.batchSize ?? null, ...args.inputShape] : null);
    if (shape === null) throw new RangeError('InputLayer: give inputShape (one sample, e.g. [784]) or batchInputShape (e.g. [null, 784])');
    for (const d of shape) {
      if (d !== null && (!Number.isInteger(d) || d < 0)) throw new RangeError(`InputLayer: shape entries must be non-negative integers or null; got [${shape.join(', ')}]`);
    }
    const dtype = args.dtype ?? 'float32';
    if (dtype !== 'float32' && dtype !== 'int32' && dtype !== 'string') throw new TypeError(`InputLayer: dtype must be 'float32', 'int32' or 'string'; got ${JSON.stringify(dtype)}`);
    super({ name: args.name, dtype: dtype === 'string' ? undefined : dtype, batchInputShape: shape });
    this.inputDtype = dtype;
    this.built = true;
    const node = new LayerNode(this, []);
    this.inboundNodes.push(node);
    this.output = new SymbolicTensor(shape, dtype, node, 0, this.name);
    node.outputs = [this.output];
  }

  call(inputs: Tensor | Tensor[], _options: CallOptions): Tensor | Tensor[] {
    return inputs;
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return inputShape;
  }

  override getConfig(): ConfigDict {
    return { batch_input_shape: [...(this.batchInputShape as LayerShape)] as ConfigValue[], dtype: this.inputDtype, sparse: false, ragged: false, name: this.name };
  }

  static fromConfig(config: ConfigDict): InputLayer {
    const args = baseArgs(config);
    return new InputLayer({ batchInputShape: args.batchInputShape, dtype: config.dtype === 'string' ? 'string' : args.dtype, name: args.name });
  }
}
registerLayer(InputLayer);

/**
 * A symbolic model input (Keras `Input(shape=...)`): `Input({ shape: [784] })`.
 */
export function Input(args: { shape?: readonly (number | null)[]; batchShape?: LayerShape; batchSize?: number; name?: string; dtype?: DataType | 'string' }): SymbolicTensor {
  return new InputLayer({ inputShape: args.shape, batchInputShape: args.batchShape, batchSize: args.batchSize, name: args.name, dtype: args.dtype }).output;
}
