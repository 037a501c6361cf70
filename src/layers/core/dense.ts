import { Tensor } from '../../tensor/tensor.js';
import type { Variable } from '../../tensor/variable.js';
import { add, dense, matmul } from '../../ops/index.js';
import { type ResolvedActivation, getActivation } from '../../activations/index.js';
import type { Regularizer } from '../../regularizers/index.js';
import { Layer, type CallOptions, type LayerArgs } from '../layer.js';
import type { WeightSpec } from '../weight-spec.js';
import { type ArgsIn, arg, declareArgs, specOf } from '../args.js';
import type { LayerShape } from '../symbolic.js';
import { registerLayer } from '../registry.js';

export type ActivationLike = Parameters<typeof getActivation>[0];

/** Dense's arguments, declared once (layers/args.ts): defaults, checks and config keys. */
const DENSE_ARGS = declareArgs('Dense', {
  /** Output size: the last axis of the output. */
  units: arg.int({ min: 1 }),
  /** Applied to x · kernel + bias (default linear). */
  activation: arg.activation(),
  useBias: arg.bool(true),
  ...arg.weights('kernel', 'glorot_uniform'),
  ...arg.weights('bias', 'zeros'),
  activityRegularizer: arg.regularizer(),
});

export type DenseArgs = LayerArgs & ArgsIn<typeof DENSE_ARGS>;

/** Densely connected layer: activation(x · kernel + bias) on the last axis. */
export class Dense extends Layer {
  static override readonly className = 'Dense';
  static override readonly args = DENSE_ARGS;
  override supportsMasking = true;
  readonly units: number;
  readonly useBias: boolean;
  private readonly activation: ResolvedActivation;
  private readonly kernelSpec: WeightSpec;
  private readonly biasSpec: WeightSpec;
  private readonly activityRegularizer: Regularizer | null;
  kernel: Variable | null = null;
  bias: Variable | null = null;

  constructor(args: DenseArgs) {
    super(args);
    const a = this.declared(DENSE_ARGS, args);
    this.units = a.units;
    this.useBias = a.useBias;
    this.activation = a.activation;
    this.kernelSpec = specOf(a, 'kernel');
    this.biasSpec = specOf(a, 'bias');
    this.activityRegularizer = a.activityRegularizer;
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

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return [...inputShape.slice(0, -1), this.units];
  }
}
registerLayer(Dense);
