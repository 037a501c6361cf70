import { Tensor } from '../../tensor/tensor.js';
import type { Variable } from '../../tensor/variable.js';
import { elu, leakyRelu, mul, neg, relu, softmax, sub, thresholdedRelu, where, greaterEqual, minimum } from '../../ops/index.js';
import type { ConfigDict, ConfigValue } from '../../utils/serialization.js';
import { Layer, baseArgs, type ConstraintLike, type InitializerLike, type LayerArgs, type RegularizerLike } from '../layer.js';
import type { LayerShape } from '../symbolic.js';
import { type WeightSpec, weightSpec, weightSpecArgs, weightSpecConfig } from '../weight-spec.js';

abstract class ElementwiseActivation extends Layer {
  override supportsMasking = true;
  computeOutputShape(inputShape: LayerShape): LayerShape {
    return inputShape;
  }
}

/**
 * Keras ReLU: maxValue where x ≥ maxValue, x where threshold ≤ x < maxValue,
 * negativeSlope·(x − threshold) below the threshold.
 */
export class ReLU extends ElementwiseActivation {
  static override readonly className = 'ReLU';
  readonly maxValue: number | null;
  readonly negativeSlope: number;
  readonly threshold: number;

  constructor(args: LayerArgs & { maxValue?: number | null; negativeSlope?: number; threshold?: number } = {}) {
    super(args);
    this.maxValue = args.maxValue ?? null;
    this.negativeSlope = args.negativeSlope ?? 0;
    this.threshold = args.threshold ?? 0;
    if (this.maxValue !== null && this.maxValue < 0) throw new RangeError(`ReLU: maxValue must be ≥ 0; got ${this.maxValue}`);
    if (this.negativeSlope < 0) throw new RangeError(`ReLU: negativeSlope must be ≥ 0; got ${this.negativeSlope}`);
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    let y: Tensor;
    if (this.negativeSlope === 0 && this.threshold === 0) y = relu(x);
    else y = where(greaterEqual(x, this.threshold), x, mul(sub(x, this.threshold), this.negativeSlope));
    return this.maxValue === null ? y : minimum(y, this.maxValue);
  }

  protected override layerConfig(): ConfigDict {
    return { max_value: this.maxValue, negative_slope: this.negativeSlope, threshold: this.threshold };
  }

  static fromConfig(c: ConfigDict): ReLU {
    return new ReLU({ ...baseArgs(c), maxValue: c.maxValue as number | null, negativeSlope: c.negativeSlope as number, threshold: c.threshold as number });
  }
}

/** x for x > 0, alpha·x otherwise (Keras default alpha 0.3). */
export class LeakyReLU extends ElementwiseActivation {
  static override readonly className = 'LeakyReLU';
  readonly alpha: number;

  constructor(args: LayerArgs & { alpha?: number; negativeSlope?: number } = {}) {
    super(args);
    this.alpha = args.alpha ?? args.negativeSlope ?? 0.3;
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    return leakyRelu(inputs as Tensor, this.alpha);
  }

  protected override layerConfig(): ConfigDict {
    return { alpha: this.alpha };
  }

  static fromConfig(c: ConfigDict): LeakyReLU {
    return new LeakyReLU({ ...baseArgs(c), alpha: (c.alpha ?? c.negativeSlope) as number | undefined });
  }
}

/** Parametric ReLU: relu(x) − alpha·relu(−x) with a learned alpha per position (sharedAxes share it). */
export class PReLU extends ElementwiseActivation {
  static override readonly className = 'PReLU';
  readonly sharedAxes: number[] | null;
  private readonly alphaSpec: WeightSpec;
  alpha: Variable | null = null;

  constructor(args: LayerArgs & { alphaInitializer?: InitializerLike; alphaRegularizer?: RegularizerLike; alphaConstraint?: ConstraintLike; sharedAxes?: number | readonly number[] | null } = {}) {
    super(args);
    this.alphaSpec = weightSpec(args, 'alpha', 'zeros');
    const sa = args.sharedAxes;
    this.sharedAxes = sa === undefined || sa === null ? null : typeof sa === 'number' ? [sa] : [...sa];
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

  protected override layerConfig(): ConfigDict {
    return {
      ...weightSpecConfig('alpha', this.alphaSpec),
      shared_axes: this.sharedAxes ? ([...this.sharedAxes] as ConfigValue[]) : null,
    };
  }

  static fromConfig(c: ConfigDict): PReLU {
    return new PReLU({
      ...baseArgs(c),
      ...weightSpecArgs(c, 'alpha'),
      sharedAxes: c.sharedAxes as number[] | null,
    });
  }
}

/** x for x > 0, alpha·(eˣ − 1) otherwise. */
export class ELU extends ElementwiseActivation {
  static override readonly className = 'ELU';
  readonly alpha: number;

  constructor(args: LayerArgs & { alpha?: number } = {}) {
    super(args);
    this.alpha = args.alpha ?? 1;
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    return elu(inputs as Tensor, this.alpha);
  }

  protected override layerConfig(): ConfigDict {
    return { alpha: this.alpha };
  }

  static fromConfig(c: ConfigDict): ELU {
    return new ELU({ ...baseArgs(c), alpha: c.alpha as number });
  }
}

/** Softmax along an axis (default the last). */
export class Softmax extends ElementwiseActivation {
  static override readonly className = 'Softmax';
  readonly axis: number;

  constructor(args: LayerArgs & { axis?: number } = {}) {
    super(args);
    this.axis = args.axis ?? -1;
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    return softmax(inputs as Tensor, this.axis);
  }

  protected override layerConfig(): ConfigDict {
    return { axis: this.axis };
  }

  static fromConfig(c: ConfigDict): Softmax {
    return new Softmax({ ...baseArgs(c), axis: Array.isArray(c.axis) ? (c.axis[0] as number) : (c.axis as number) });
  }
}

/** x where x > theta, 0 elsewhere (Keras default theta 1.0). */
export class ThresholdedReLU extends ElementwiseActivation {
  static override readonly className = 'ThresholdedReLU';
  readonly theta: number;

  constructor(args: LayerArgs & { theta?: number } = {}) {
    super(args);
    this.theta = args.theta ?? 1;
    if (this.theta < 0) throw new RangeError(`ThresholdedReLU: theta must be ≥ 0; got ${this.theta}`);
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    return thresholdedRelu(inputs as Tensor, this.theta);
  }

  protected override layerConfig(): ConfigDict {
    return { theta: this.theta };
  }

  static fromConfig(c: ConfigDict): ThresholdedReLU {
    return new ThresholdedReLU({ ...baseArgs(c), theta: c.theta as number });
  }
}

