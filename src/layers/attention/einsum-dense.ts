import type { Tensor } from '../../tensor/tensor.js';
import type { Variable } from '../../tensor/variable.js';
import { add, einsum } from '../../ops/index.js';
import type { ResolvedActivation } from '../../activations/index.js';
import type { Regularizer } from '../../regularizers/index.js';
import { Layer, type CallOptions, type LayerArgs } from '../layer.js';
import type { WeightSpec } from '../weight-spec.js';
import type { LayerShape } from '../symbolic.js';
import { type ArgsIn, arg, declareArgs, specOf } from '../args.js';
import { registerLayer } from '../registry.js';

const EINSUM_DENSE_ARGS = declareArgs('EinsumDense', {
  /** 'ab,bc->ac' style: input, kernel, output (Keras: the input and output include the batch axis; '...' allowed). */
  equation: arg.string(),
  /** The output shape without the batch axis (and without the axes '...' stands for); null where the input gives it. */
  outputShape: arg.custom<number | readonly (number | null)[], (number | null)[], true>({
    required: true,
    resolve: (v, where) => {
      const list = typeof v === 'number' ? [v] : Array.isArray(v) ? [...(v as readonly (number | null)[])] : null;
      if (list === null || !list.every((d) => d === null || (Number.isInteger(d) && d > 0))) throw new RangeError(`${where} must be a size or a list of sizes (null where the input gives it); got ${JSON.stringify(v)}`);
      return list;
    },
    // Keras writes one known size as an integer.
    toConfig: (v) => (v.length === 1 && v[0] !== null ? v[0] : [...v]),
    fromConfig: (v) => (v === null || v === undefined ? undefined : (v as number | (number | null)[])),
  }),
  activation: arg.activation(),
  /** Output labels that get a bias ('de'); null: no bias. */
  biasAxes: arg.string({ default: null, nullable: true }),
  ...arg.weights('kernel', 'glorot_uniform'),
  ...arg.weights('bias', 'zeros'),
  activityRegularizer: arg.regularizer(),
});

export type EinsumDenseArgs = LayerArgs & ArgsIn<typeof EINSUM_DENSE_ARGS>;

/** The shapes of EinsumDense's weights and output for an input shape (Keras' _analyze_einsum_string). */
export function analyzeEinsumDense(equation: string, biasAxes: string | null, inputShape: LayerShape, outputShape: readonly (number | null)[], who: string): { kernel: number[]; bias: number[] | null; output: LayerShape } {
  const dot = /^([a-zA-Z.]+),([a-zA-Z]+)->([a-zA-Z.]+)$/.exec(equation.replace(/\s+/g, ''));
  if (dot === null) throw new SyntaxError(`${who}: equation '${equation}' must look like 'ab,bc->ac' (input, kernel, output; '...' allowed in input and output)`);
  let [, inSpec, kernelSpec, outSpec] = dot;
  const leftElided = inSpec.startsWith('...');
  const elidedIn = inSpec.includes('...');
  if (elidedIn !== outSpec.includes('...')) throw new SyntaxError(`${who}: equation '${equation}': '...' must be in both the input and the output`);
  if (elidedIn && !(leftElided ? outSpec.startsWith('...') : inSpec.endsWith('...') && outSpec.endsWith('...'))) {
    throw new SyntaxError(`${who}: equation '${equation}': '...' must lead (or end) both the input and the output`);
  }
  inSpec = inSpec.replace('...', '');
  outSpec = outSpec.replace('...', '');
  const elided = inputShape.length - inSpec.length;
  if (elidedIn ? elided < 0 : elided !== 0) throw new RangeError(`${who}: equation '${equation}' needs an input of rank ${inSpec.length}${elidedIn ? ' or more' : ''}; got ${JSON.stringify(inputShape)}`);
  // The input's own axes that the letters name (leading ones elided when '...' leads).
  const named = leftElided ? inputShape.slice(elided) : inputShape.slice(0, inSpec.length);
  // The output shape the letters name: the batch axis first unless '...' covers it.
  const outNamed: (number | null)[] = [...outputShape];
  if (!elidedIn) outNamed.unshift(inputShape[0]);
  if (outNamed.length !== outSpec.length) {
    throw new RangeError(`${who}: outputShape ${JSON.stringify(outputShape)} does not fit the output '${outSpec}' of '${equation}'${elidedIn ? '' : ' (the batch axis is added to outputShape)'}`);
  }
  for (const [i, l] of [...inSpec].entries()) {
    const o = outSpec.indexOf(l);
    if (o < 0) continue;
    const given = outNamed[o];
    if (given !== null && named[i] !== null && given !== named[i]) {
      throw new RangeError(`${who}: output axis '${l}' has size ${given} in outputShape but ${named[i]} in the input`);
    }
    outNamed[o] = named[i];
  }
  for (const l of outSpec) if (!inSpec.includes(l) && !kernelSpec.includes(l)) throw new RangeError(`${who}: output label '${l}' of '${equation}' is in neither the input nor the kernel`);
  const kernel = [...kernelSpec].map((l) => {
    const i = inSpec.indexOf(l);
    const d = i >= 0 ? named[i] : outNamed[outSpec.indexOf(l)];
    if (d === null || d === undefined) throw new RangeError(`${who}: the size of kernel axis '${l}' is unknown (give it in outputShape)`);
    return d;
  });
  let bias: number[] | null = null;
  if (biasAxes) {
    for (const l of biasAxes) if (!outSpec.includes(l)) throw new RangeError(`${who}: bias axis '${l}' is not an output label of '${equation}'`);
    const first = Math.min(...[...biasAxes].map((l) => outSpec.indexOf(l)));
    bias = [...outSpec.slice(first)].map((l) => {
      if (!biasAxes.includes(l)) return 1;
      const d = outNamed[outSpec.indexOf(l)];
      if (d === null) throw new RangeError(`${who}: the size of bias axis '${l}' is unknown`);
      return d;
    });
    if (!leftElided && elidedIn) for (let k = 0; k < elided; k++) bias.push(1);
  }
  const output = elidedIn ? (leftElided ? [...inputShape.slice(0, elided), ...outNamed] : [...outNamed, ...inputShape.slice(inSpec.length)]) : outNamed;
  return { kernel, bias, output };
}

/**
 * Keras' EinsumDense: y = activation(einsum(equation, x, kernel) + bias), the kernel's shape
 * read from the equation, the input shape and `outputShape`. MultiHeadAttention builds its
 * projections from it ('abc,cde->abde': features → heads × head size).
 */
export class EinsumDense extends Layer {
  static override readonly className = 'EinsumDense';
  static override readonly args = EINSUM_DENSE_ARGS;
  readonly equation: string;
  readonly partialOutputShape: readonly (number | null)[];
  readonly biasAxes: string | null;
  private readonly activation: ResolvedActivation;
  private readonly kernelSpec: WeightSpec;
  private readonly biasSpec: WeightSpec;
  private readonly activityRegularizer: Regularizer | null;
  kernel: Variable | null = null;
  bias: Variable | null = null;

  constructor(args: EinsumDenseArgs) {
    super(args);
    const a = this.declared(EINSUM_DENSE_ARGS, args);
    this.equation = a.equation;
    this.partialOutputShape = a.outputShape;
    this.biasAxes = a.biasAxes;
    this.activation = a.activation;
    this.kernelSpec = specOf(a, 'kernel');
    this.biasSpec = specOf(a, 'bias');
    this.activityRegularizer = a.activityRegularizer;
  }

  override build(inputShape: LayerShape): void {
    const a = analyzeEinsumDense(this.equation, this.biasAxes, inputShape, this.partialOutputShape, `Layer ${this.name} (EinsumDense)`);
    this.kernel = this.addWeight('kernel', a.kernel, this.kernelSpec);
    if (a.bias) this.bias = this.addWeight('bias', a.bias, this.biasSpec);
  }

  call(inputs: Tensor | Tensor[], _options: CallOptions): Tensor {
    let y = einsum(this.equation, inputs as Tensor, this.kernel as Variable);
    if (this.bias) y = add(y, this.bias);
    y = this.activation.fn(y);
    if (this.activityRegularizer) this.addActivityLoss(this.activityRegularizer, y);
    return y;
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return analyzeEinsumDense(this.equation, this.biasAxes, inputShape, this.partialOutputShape, `Layer ${this.name} (EinsumDense)`).output;
  }
}
registerLayer(EinsumDense);
