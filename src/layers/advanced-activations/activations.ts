import { Tensor } from '../../tensor/tensor.js';
import type { Variable } from '../../tensor/variable.js';
import { elu, leakyRelu, mul, neg, relu, softmax, sub, thresholdedRelu, where, greaterEqual, minimum } from '../../ops/index.js';
import { Layer, type LayerArgs } from '../layer.js';
import type { LayerShape } from '../symbolic.js';
import type { WeightSpec } from '../weight-spec.js';
import { type ArgsIn, arg, declareArgs, specOf } from '../args.js';
import { registerLayer } from '../registry.js';

const RELU_ARGS = declareArgs('ReLU', {
  /** Upper bound of the output (null: none). */
  maxValue: arg.optionalNumber({ min: 0 }),
  /** Slope below the threshold. */
  negativeSlope: arg.number({ default: 0, min: 0 }),
  threshold: arg.number({ default: 0 }),
});
// Keras 2 and tfjs write `alpha`; Keras 3 `negative_slope`.
const LEAKY_ARGS = declareArgs('LeakyReLU', { alpha: arg.aliased(arg.number({ default: 0.3 }), 'negative_slope') });
const PRELU_ARGS = declareArgs('PReLU', {
  ...arg.weights('alpha', 'zeros'),
  /** Axes (1-based, batch excluded) along which alpha is shared, e.g. [1, 2] for one alpha per channel of an image. */
  sharedAxes: arg.json<number[] | null, { default: null }>((v, where) => {
    if (v === null || v === undefined) return null;
    const list = typeof v === 'number' ? [v] : v;
    if (!Array.isArray(list) || !list.every((d) => Number.isInteger(d) && d >= 1)) throw new RangeError(`${where} must be an axis ≥ 1, a list of them, or null; got ${JSON.stringify(v)}`);
    return [...(list as number[])];
  }, { default: null }),
});
const ELU_ARGS = declareArgs('ELU', { alpha: arg.number({ default: 1 }) });
const SOFTMAX_ARGS = declareArgs('Softmax', { axis: arg.axes(-1) });
const THRESHOLDED_ARGS = declareArgs('ThresholdedReLU', { theta: arg.number({ default: 1, min: 0 }) });

abstract class ElementwiseActivation extends Layer {
  override supportsMasking = true;
  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return inputShape;
  }
}

/**
 * Keras ReLU: maxValue where x ≥ maxValue, x where threshold ≤ x < maxValue,
 * negativeSlope·(x − threshold) below the threshold.
 */
export class ReLU extends ElementwiseActivation {
  static override readonly className = 'ReLU';
  static override readonly args = RELU_ARGS;
  readonly maxValue: number | null;
  readonly negativeSlope: number;
  readonly threshold: number;

  constructor(args: LayerArgs & ArgsIn<typeof RELU_ARGS> = {}) {
    super(args);
    ({ maxValue: this.maxValue, negativeSlope: this.negativeSlope, threshold: this.threshold } = this.declared(RELU_ARGS, args));
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    let y: Tensor;
    if (this.negativeSlope === 0 && this.threshold === 0) y = relu(x);
    else y = where(greaterEqual(x, this.threshold), x, mul(sub(x, this.threshold), this.negativeSlope));
    return this.maxValue === null ? y : minimum(y, this.maxValue);
  }
}
registerLayer(ReLU);

/** x for x > 0, alpha·x otherwise (Keras default alpha 0.3). */
export class LeakyReLU extends ElementwiseActivation {
  static override readonly className = 'LeakyReLU';
  static override readonly args = LEAKY_ARGS;
  readonly alpha: number;

  /** `negativeSlope` is Keras 3's name for alpha. */
  constructor(args: LayerArgs & ArgsIn<typeof LEAKY_ARGS> & { readonly negativeSlope?: number } = {}) {
    super(args);
    this.alpha = this.declared(LEAKY_ARGS, { ...args, alpha: args.alpha ?? args.negativeSlope }).alpha;
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    return leakyRelu(inputs as Tensor, this.alpha);
  }
}
registerLayer(LeakyReLU);

/** Parametric ReLU: relu(x) − alpha·relu(−x) with a learned alpha per position (sharedAxes share it). */
export class PReLU extends ElementwiseActivation {
  static override readonly className = 'PReLU';
  static override readonly args = PRELU_ARGS;
  readonly sharedAxes: number[] | null;
  private readonly alphaSpec: WeightSpec;
  alpha: Variable | null = null;

  constructor(args: LayerArgs & Omit<ArgsIn<typeof PRELU_ARGS>, 'sharedAxes'> & { readonly sharedAxes?: number | readonly number[] | null } = {}) {
    super(args);
    const a = this.declared(PRELU_ARGS, args);
    this.alphaSpec = specOf(a, 'alpha');
    this.sharedAxes = a.sharedAxes;
  }

  override build(inputShape: LayerShape): void {
    const shape = inputShape.slice(1).map((d, i) => (this.sharedAxes?.includes(i + 1) ? 1 : d));
    if (shape.some((d) => d === null)) throw new RangeError(`Layer ${this.name} (PReLU): non-batch axes must be known or shared; got ${JSON.stringify(inputShape)}`);
    this.alpha = this.addWeight('alpha', shape as number[], this.alphaSpec);
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    return sub(relu(x), mul(this.alpha as Variable, relu(neg(x))));
  }
}
registerLayer(PReLU);

/** x for x > 0, alpha·(eˣ − 1) otherwise. */
export class ELU extends ElementwiseActivation {
  static override readonly className = 'ELU';
  static override readonly args = ELU_ARGS;
  readonly alpha: number;

  constructor(args: LayerArgs & ArgsIn<typeof ELU_ARGS> = {}) {
    super(args);
    this.alpha = this.declared(ELU_ARGS, args).alpha;
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    return elu(inputs as Tensor, this.alpha);
  }
}
registerLayer(ELU);

/** Softmax along an axis (default the last). */
export class Softmax extends ElementwiseActivation {
  static override readonly className = 'Softmax';
  static override readonly args = SOFTMAX_ARGS;
  readonly axis: number;

  constructor(args: LayerArgs & ArgsIn<typeof SOFTMAX_ARGS> = {}) {
    super(args);
    const axes = this.declared(SOFTMAX_ARGS, args).axis;
    if (axes.length !== 1) throw new RangeError(`Softmax: one axis is supported; got [${axes.join(', ')}]`);
    this.axis = axes[0];
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    return softmax(inputs as Tensor, this.axis);
  }
}
registerLayer(Softmax);

/** x where x > theta, 0 elsewhere (Keras default theta 1.0). */
export class ThresholdedReLU extends ElementwiseActivation {
  static override readonly className = 'ThresholdedReLU';
  static override readonly args = THRESHOLDED_ARGS;
  readonly theta: number;

  constructor(args: LayerArgs & ArgsIn<typeof THRESHOLDED_ARGS> = {}) {
    super(args);
    this.theta = this.declared(THRESHOLDED_ARGS, args).theta;
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    return thresholdedRelu(inputs as Tensor, this.theta);
  }
}
registerLayer(ThresholdedReLU);

