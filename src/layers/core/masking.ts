import type { Tensor } from '../../tensor/tensor.js';
import { max, mul, notEqual } from '../../ops/index.js';
import { Layer, type CallOptions, type LayerArgs, type MaskArg } from '../layer.js';
import type { LayerShape } from '../symbolic.js';
import { type ArgsIn, arg, declareArgs } from '../args.js';
import { registerLayer } from '../registry.js';

const MASKING_ARGS = declareArgs('Masking', { maskValue: arg.number({ default: 0 }) });

/**
 * Masks time steps whose features all equal `maskValue` (Keras Masking): such steps are
 * zeroed, and the layer outputs a mask (1 where any feature differs) for the layers after
 * it, e.g. an LSTM that then skips them.
 */
export class Masking extends Layer {
  static override readonly className = 'Masking';
  static override readonly args = MASKING_ARGS;
  readonly maskValue: number;

  constructor(args: LayerArgs & ArgsIn<typeof MASKING_ARGS> = {}) {
    super(args);
    this.maskValue = this.declared(MASKING_ARGS, args).maskValue;
    this.supportsMasking = true;
  }

  /** 1 where any feature on the last axis differs from maskValue, keepDims as asked. */
  private keep(x: Tensor, keepDims: boolean): Tensor {
    return max(notEqual(x, this.maskValue), -1, keepDims);
  }

  call(inputs: Tensor | Tensor[], _options: CallOptions): Tensor {
    const x = inputs as Tensor;
    return mul(x, this.keep(x, true));
  }

  override computeMask(inputs: Tensor | Tensor[], _mask?: MaskArg): MaskArg {
    return this.keep(inputs as Tensor, false);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return inputShape;
  }
}
registerLayer(Masking);
