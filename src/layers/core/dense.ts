import { Tensor } from '../../tensor/tensor.js';
import type { Variable } from '../../tensor/variable.js';
import { add, dense, matmul } from '../../ops/index.js';
import type { ConfigDict } from '../../utils/serialization.js';
import { getActivation } from '../../activations/index.js';
import { type Regularizer, getRegularizer } from '../../regularizers/index.js';
import { Layer, baseArgs, type CallOptions, type LayerArgs } from '../layer.js';
import { type KernelBiasArgs, type WeightSpec, kernelBiasArgs, kernelBiasConfig, weightSpec } from '../weight-spec.js';
import type { LayerShape } from '../symbolic.js';

export type ActivationLike = Parameters<typeof getActivation>[0];

export interface DenseArgs extends LayerArgs, KernelBiasArgs {
  readonly units: number;
  readonly activation?: ActivationLike;
}


/** Densely connected layer: activation(x · kernel + bias) on the last axis. */
export class Dense extends Layer {
  static override readonly className = 'Dense';
  override supportsMasking = true;
  readonly units: number;
  readonly useBias: boolean;
  private readonly activation: ReturnType<typeof getActivation>;
  private readonly kernelSpec: WeightSpec;
  private readonly biasSpec: WeightSpec;
  private readonly activityRegularizer: Regularizer | null;
  kernel: Variable | null = null;
  bias: Variable | null = null;

  constructor(args: DenseArgs) {
    super(args);
    if (!Number.isInteger(args.units) || args.units <= 0) throw new RangeError(`Dense: units must be a positive integer; got ${args.units}`);
    this.units = args.units;
    this.useBias = args.useBias ?? true;
    this.activation = getActivation(args.activation);
    this.kernelSpec = weightSpec(args, 'kernel', 'glorot_uniform');
    this.biasSpec = weightSpec(args, 'bias', 'zeros');
    this.activityRegularizer = args.activityRegularizer ? getRegularizer(args.activityRegularizer) : null;
    this.inputSpec = { minNdim: 2 };
  }

  override build(inputShape: LayerShape): void {
    const inDim = inputShape[inputShape.length - 1];
    if (inDim === null) throw new RangeError(`Layer ${this.name} (Dense): the last dimension of the input must be known; got ${JSON.stringify(inputShape)}`);
    this.kernel = this.addWeight('kernel', [inDim, this.units], this.kernelSpec);
    if (this.useBias) this.bias = this.addWeight('bias', [this.units], this.biasSpec);
    this.inputSpec = { minNdim: 2, axes: { [-1]: inDim } };
  }

  call(inputs: Tensor | Tensor[], _options: CallOptions): Tensor {
    const x = inputs as Tensor;
    const act = this.activation.name;
    let y: Tensor;
    if (act === 'linear' || act === 'relu') {
      y = dense(x, this.kernel as Variable, this.bias, act); // bias and ReLU fused into the product
    } else {
      y = matmul(x, this.kernel as Variable);
      if (this.bias) y = add(y, this.bias);
      y = this.activation.fn(y);
    }
    if (this.activityRegularizer) this.addActivityLoss(this.activityRegularizer, y);
    return y;
  }

  computeOutputShape(inputShape: LayerShape): LayerShape {
    return [...inputShape.slice(0, -1), this.units];
  }

  protected override layerConfig(): ConfigDict {
    return {
      units: this.units,
      activation: this.activation.name,
      use_bias: this.useBias,
      ...kernelBiasConfig(this.kernelSpec, this.biasSpec, this.activityRegularizer),
    };
  }

  static fromConfig(config: ConfigDict): Dense {
    return new Dense({
      ...baseArgs(config),
      units: config.units as number,
      activation: (config.activation as string | null) ?? undefined,
      useBias: config.useBias as boolean | undefined,
      ...kernelBiasArgs(config),
    });
  }
}
