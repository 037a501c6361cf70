/**
 * The layer contract table (Keras' `run_layer_test`, keras/src/testing/test_case.py): one
 * entry per registered layer class, shared by test/layers-contract.test.ts (shapes, parameter
 * counts, config round trip, weight names, training vs inference), layers-contract-io.test.ts
 * (native, .h5 and ONNX round trips) and layers-contract-gradients.test.ts (finite
 * differences). A class the registry knows without an entry here fails the contract test.
 *
 * Each entry gives the constructor call (camelCase args), tiny input shapes (batch included)
 * and the parameter counts computed BY HAND from Keras' weight shapes, with the formula in a
 * comment (in = input features, C = channels, k = kernel size, f = filters, u = units). The
 * weight names are the part after `<layer name>/`, in Keras' `weights` order (trainable first).
 *
 * A check that fails because a layer is wrong (not the test) is recorded in `todo` with the
 * reason; node:test then reports it as a known failure instead of hiding it.
 */
import * as nt from '../../src/index.js';
import type { Layer, Shape, SymbolicTensor, Tensor } from '../../src/index.js';

/** How an input's values are drawn (all seeded). */
export type InputKind =
  /** Standard normal values times `scale` (default 1). */
  | { readonly kind: 'normal'; readonly scale?: number }
  /** int32 ids uniform in [0, below). */
  | { readonly kind: 'ints'; readonly below: number }
  /**
   * Distinct values on the lattice offset + 0.1·k (a seeded permutation, centred near 0): no
   * two elements within 0.1 of each other and, with offset 0.05, every value at least 0.05
   * from 0. For layers with kinks at 0 or ties (ReLU family, max pooling, Maximum): central
   * differences with h = 1e-2 never straddle a kink.
   */
  | { readonly kind: 'lattice'; readonly offset: number }
  /** Normal values with whole time steps (axis 1) set to 0, Masking's mask value. */
  | { readonly kind: 'masked' }
  /** Strings (a StringTensor, passed where a Tensor goes): seeded phrases of 1–4 words from a small lexicon, for the text layers. */
  | { readonly kind: 'words' };

export interface InputSpec {
  /** Shape with the batch axis. */
  readonly shape: Shape;
  /** Default { kind: 'normal' }. */
  readonly kind?: InputKind;
}

/** The checks the three files run; `todo` keys. */
export type Check = 'shape' | 'symbolic' | 'params' | 'config' | 'weights' | 'training' | 'gradients' | 'native' | 'h5' | 'onnx';

export interface GradientPlan {
  /** Why the entry has no finite-difference check (non-differentiable output, no float input and no weights). */
  readonly skip?: string;
  /** Whether to check the float inputs' gradients (default true). */
  readonly inputs?: boolean;
  /** Inputs for the gradient check when the entry's own inputs sit on a discontinuity (with the reason at the entry). */
  readonly inputSpecs?: readonly InputSpec[];
  /** Whether to check the trainable weights' gradients (default: when there are any). */
  readonly weights?: boolean;
  /**
   * Weights (name after `<layer>/`) whose gradient is exactly zero by the layer's math, with
   * the reason: checked to be zero instead of by finite differences (which would be vacuous).
   */
  readonly zeroWeights?: Readonly<Record<string, string>>;
  /** Tolerances passed to the checkers (defaults of gradcheck.ts otherwise), with the reason in a comment. */
  readonly rtol?: number;
  readonly roundoff?: number;
  readonly h?: number;
}

export interface ContractCase {
  /** The registered class name. */
  readonly className: string;
  /** Unique label of the entry (class name, plus a variant when a class has several). */
  readonly label: string;
  /** A fresh layer (the constructor with camelCase args). */
  readonly make: () => Layer;
  /** The inputs; several inputs (or `asList`) call the layer with a list. */
  readonly inputs: readonly InputSpec[];
  /** Call with a list even for one input (recurrent cells take [x, ...states]). */
  readonly asList?: boolean;
  /** Trainable parameters (Keras' formula in a comment at the entry). */
  readonly trainable: number;
  /** Non-trainable parameters. */
  readonly nonTrainable: number;
  /**
   * Weight names after `<layer name>/`, in `weights` order. `{n}` stands for the optional
   * `_<number>` Keras appends to make an auto-named inner layer unique (tf.keras 2 names the
   * cells of the second LSTM in a session 'lstm_1/lstm_cell_1/kernel').
   */
  readonly weights: readonly string[];
  /**
   * The weight names are the inner layers' own (`<inner layer>/<weight>`), not under this
   * layer's name: nested models, whose weights keep the paths of the layers that made them.
   */
  readonly weightsAbsolute?: boolean;
  /** The outputs' dtype when not float32 (Discretization's bucket indices). */
  readonly outputDtype?: 'int32';
  /** training: true must change the output (dropout, noise, batch statistics); otherwise it must not. */
  readonly trainingDiffers?: boolean;
  readonly gradients?: GradientPlan;
  /** Known layer defects, per check, with the reason (reported as node:test todo). */
  readonly todo?: Partial<Record<Check, string>>;
}

// ---- inputs ------------------------------------------------------------------------------

const sizeOf = (shape: Shape): number => shape.reduce((a, b) => a * b, 1);

/** The seeded values of one input. */
export function makeInput(spec: InputSpec, seed: number): Tensor {
  const kind = spec.kind ?? { kind: 'normal' };
  const n = sizeOf(spec.shape);
  const rng = new nt.Rng(seed * 7727 + 11);
  if (kind.kind === 'ints') return nt.tensor(Int32Array.from({ length: n }, () => rng.int(kind.below)), spec.shape, 'int32');
  if (kind.kind === 'words') {
    const lexicon = ['the', 'cat', 'sat', 'on', 'a', 'mat', 'dog', 'ran'];
    const phrase = (): string => Array.from({ length: 1 + rng.int(4) }, () => lexicon[rng.int(lexicon.length)]).join(' ');
    return nt.stringTensor(Array.from({ length: n }, phrase), spec.shape) as unknown as Tensor;
  }
  const out = new Float32Array(n);
  if (kind.kind === 'lattice') {
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    const half = Math.floor(n / 2);
    for (let i = 0; i < n; i++) out[i] = kind.offset + 0.1 * (order[i] - half);
  } else {
    const scale = kind.kind === 'normal' ? kind.scale ?? 1 : 1;
    for (let i = 0; i < n; i++) out[i] = scale * rng.normal();
    if (kind.kind === 'masked') {
      const [b, t] = spec.shape;
      const step = n / (b * t);
      for (let i = 0; i < b; i++) for (let j = 0; j < t; j++) if ((i + j) % 3 === 1) out.fill(0, (i * t + j) * step, (i * t + j + 1) * step);
    }
  }
  return nt.tensor(out, spec.shape);
}

/** All of an entry's inputs, seeded. */
export function makeInputs(c: ContractCase, seed = 1, specs: readonly InputSpec[] = c.inputs): Tensor[] {
  return specs.map((s, i) => makeInput(s, seed * 31 + i));
}

/** The argument a layer is called with: one tensor, or a list. */
export function callArg<T extends Tensor | SymbolicTensor>(c: ContractCase, xs: readonly T[]): T | T[] {
  return xs.length > 1 || c.asList ? [...xs] : xs[0];
}

/** Calls the layer on real tensors and returns its outputs as a list. */
export function run(c: ContractCase, layer: Layer, xs: readonly Tensor[], training: boolean): Tensor[] {
  const out = layer.apply(callArg(c, xs), { training });
  return Array.isArray(out) ? (out as Tensor[]) : [out as Tensor];
}

/** Symbolic inputs of the entry's shapes; `batch` null gives an unknown batch axis. */
export function symbolicInputs(c: ContractCase, batch: 'keep' | 'null'): SymbolicTensor[] {
  return c.inputs.map((s) =>
    nt.Input({ batchShape: batch === 'keep' ? [...s.shape] : [null, ...s.shape.slice(1)], dtype: s.kind?.kind === 'ints' ? 'int32' : s.kind?.kind === 'words' ? 'string' : 'float32' }),
  );
}

/** A functional model around a fresh layer of the entry (one Input per input). */
export function wrapInModel(c: ContractCase): { model: nt.Model; layer: Layer } {
  const layer = c.make();
  const inputs = symbolicInputs(c, 'null');
  const out = layer.apply(callArg(c, inputs));
  const outputs = Array.isArray(out) ? (out as SymbolicTensor[]) : [out as SymbolicTensor];
  return { model: new nt.Model({ inputs, outputs, name: `contract_${c.label.replace(/[^A-Za-z0-9]+/g, '_').toLowerCase()}` }), layer };
}

/** Whether input i is differentiable (float). */
export const isFloatInput = (s: InputSpec): boolean => s.kind?.kind !== 'ints' && s.kind?.kind !== 'words';

// ---- the table ---------------------------------------------------------------------------

/** A function for the Lambda entry (a Lambda saves the registered name, never code). */
nt.registerLambda('contract_square_plus_x', (x) => nt.add(nt.square(x as Tensor), x as Tensor));

const N = (shape: Shape, scale?: number): InputSpec => ({ shape, kind: { kind: 'normal', scale } });
const L = (shape: Shape, offset = 0.05): InputSpec => ({ shape, kind: { kind: 'lattice', offset } });
const I = (shape: Shape, below: number): InputSpec => ({ shape, kind: { kind: 'ints', below } });

/** No weights: 0 parameters, no weight names. */
const none = { trainable: 0, nonTrainable: 0, weights: [] as string[] };

/** Layers computing a function of the input alone with no weights (shape-preserving where noted). */
const stateless: ContractCase[] = [
  { className: 'Activation', label: 'Activation', make: () => new nt.Activation({ activation: 'tanh' }), inputs: [N([2, 5])], ...none },
  // Identity and ActivityRegularization pass the input through (the latter adds a loss).
  { className: 'Identity', label: 'Identity', make: () => new nt.Identity(), inputs: [N([2, 5])], ...none },
  { className: 'ActivityRegularization', label: 'ActivityRegularization', make: () => new nt.ActivityRegularization({ l1: 0.01, l2: 0.02 }), inputs: [N([2, 5])], ...none },
  { className: 'Flatten', label: 'Flatten', make: () => new nt.Flatten(), inputs: [N([2, 3, 2, 2])], ...none },
  { className: 'Reshape', label: 'Reshape', make: () => new nt.Reshape({ targetShape: [3, -1] }), inputs: [N([2, 6, 2])], ...none },
  { className: 'Permute', label: 'Permute', make: () => new nt.Permute({ dims: [2, 1] }), inputs: [N([2, 3, 4])], ...none },
  { className: 'RepeatVector', label: 'RepeatVector', make: () => new nt.RepeatVector({ n: 3 }), inputs: [N([2, 4])], ...none },
  // The gradient check uses steps without masking: a masked step sits on the mask's
  // discontinuity (perturbing one of its zeros unmasks it), so differences there measure the jump.
  {
    className: 'Masking', label: 'Masking', make: () => new nt.Masking({ maskValue: 0 }), inputs: [{ shape: [2, 4, 3], kind: { kind: 'masked' } }], ...none,
    gradients: { inputSpecs: [N([2, 4, 3])] },
  },
  { className: 'Lambda', label: 'Lambda', make: () => new nt.Lambda({ function: 'contract_square_plus_x' }), inputs: [N([2, 5])], ...none },
  // Advanced activations: piecewise ones get lattice inputs (…, 0.75, 0.85, …), 0.05 away from their kinks.
  { className: 'ReLU', label: 'ReLU', make: () => new nt.ReLU({ maxValue: 0.8, negativeSlope: 0.1, threshold: 0 }), inputs: [L([2, 10])], ...none },
  { className: 'LeakyReLU', label: 'LeakyReLU', make: () => new nt.LeakyReLU({ negativeSlope: 0.2 }), inputs: [L([2, 10])], ...none },
  { className: 'ELU', label: 'ELU', make: () => new nt.ELU({ alpha: 0.7 }), inputs: [L([2, 10])], ...none },
  { className: 'Softmax', label: 'Softmax', make: () => new nt.Softmax({ axis: -1 }), inputs: [N([2, 3, 4])], ...none },
  // theta = 0.5 = a lattice point offset by 0.05 from the inputs.
  { className: 'ThresholdedReLU', label: 'ThresholdedReLU', make: () => new nt.ThresholdedReLU({ theta: 0.5 }), inputs: [L([2, 10])], ...none },
  { className: 'UnitNormalization', label: 'UnitNormalization', make: () => new nt.UnitNormalization({ axis: -1 }), inputs: [N([2, 3, 4])], ...none },
];

const merges: ContractCase[] = [
  { className: 'Add', label: 'Add', make: () => new nt.Add(), inputs: [N([2, 4]), N([2, 4])], ...none },
  { className: 'Subtract', label: 'Subtract', make: () => new nt.Subtract(), inputs: [N([2, 4]), N([2, 4])], ...none },
  { className: 'Multiply', label: 'Multiply', make: () => new nt.Multiply(), inputs: [N([2, 4]), N([2, 4]), N([2, 4])], ...none },
  { className: 'Average', label: 'Average', make: () => new nt.Average(), inputs: [N([2, 4]), N([2, 4])], ...none },
  // Two lattices offset by 0.05: no ties between the inputs.
  { className: 'Maximum', label: 'Maximum', make: () => new nt.Maximum(), inputs: [L([2, 4], 0.05), L([2, 4], 0)], ...none },
  { className: 'Minimum', label: 'Minimum', make: () => new nt.Minimum(), inputs: [L([2, 4], 0.05), L([2, 4], 0)], ...none },
  { className: 'Concatenate', label: 'Concatenate', make: () => new nt.Concatenate({ axis: -1 }), inputs: [N([2, 3, 2]), N([2, 3, 4])], ...none },
  { className: 'Dot', label: 'Dot', make: () => new nt.Dot({ axes: [2, 2], normalize: false }), inputs: [N([2, 3, 4]), N([2, 5, 4])], ...none },
];

const core: ContractCase[] = [
  // Dense: in·u + u = 4·3 + 3.
  { className: 'Dense', label: 'Dense', make: () => new nt.Dense({ units: 3, activation: 'tanh' }), inputs: [N([2, 4])], trainable: 15, nonTrainable: 0, weights: ['kernel', 'bias'] },
  // Dense on a rank-3 input: the kernel acts on the last axis, in·u + u = 4·3 + 3.
  { className: 'Dense', label: 'Dense (rank 3)', make: () => new nt.Dense({ units: 3 }), inputs: [N([2, 2, 4])], trainable: 15, nonTrainable: 0, weights: ['kernel', 'bias'] },
  // PReLU: alpha has the input's shape without batch, shared axes set to 1: 3·4; shared_axes [1]: 1·4.
  { className: 'PReLU', label: 'PReLU', make: () => new nt.PReLU({ alphaInitializer: { class_name: 'Constant', config: { value: 0.25 } } }), inputs: [L([2, 3, 4])], trainable: 12, nonTrainable: 0, weights: ['alpha'] },
  { className: 'PReLU', label: 'PReLU (shared axes)', make: () => new nt.PReLU({ sharedAxes: [1], alphaInitializer: { class_name: 'Constant', config: { value: 0.25 } } }), inputs: [L([2, 3, 4])], trainable: 4, nonTrainable: 0, weights: ['alpha'] },
  // EinsumDense 'ab,bc->ac': kernel b·c = 4·3, bias on 'c' = 3.
  { className: 'EinsumDense', label: 'EinsumDense', make: () => new nt.EinsumDense({ equation: 'ab,bc->ac', outputShape: 3, biasAxes: 'c' }), inputs: [N([2, 4])], trainable: 15, nonTrainable: 0, weights: ['kernel', 'bias'] },
  // EinsumDense 'abc,cde->abde': kernel c·d·e = 4·2·3, bias on 'de' = 2·3.
  { className: 'EinsumDense', label: 'EinsumDense (rank 3)', make: () => new nt.EinsumDense({ equation: 'abc,cde->abde', outputShape: [null, 2, 3], biasAxes: 'de' }), inputs: [N([2, 3, 4])], trainable: 30, nonTrainable: 0, weights: ['kernel', 'bias'] },
];

const noise: ContractCase[] = [
  { className: 'Dropout', label: 'Dropout', make: () => new nt.Dropout({ rate: 0.5, seed: 3 }), inputs: [N([2, 8])], ...none, trainingDiffers: true },
  { className: 'SpatialDropout1D', label: 'SpatialDropout1D', make: () => new nt.SpatialDropout1D({ rate: 0.5, seed: 3 }), inputs: [N([2, 3, 8])], ...none, trainingDiffers: true },
  { className: 'SpatialDropout2D', label: 'SpatialDropout2D', make: () => new nt.SpatialDropout2D({ rate: 0.5, seed: 3 }), inputs: [N([2, 2, 2, 8])], ...none, trainingDiffers: true },
  { className: 'SpatialDropout3D', label: 'SpatialDropout3D', make: () => new nt.SpatialDropout3D({ rate: 0.5, seed: 3 }), inputs: [N([2, 2, 2, 1, 8])], ...none, trainingDiffers: true },
  { className: 'GaussianDropout', label: 'GaussianDropout', make: () => new nt.GaussianDropout({ rate: 0.3, seed: 3 }), inputs: [N([2, 8])], ...none, trainingDiffers: true },
  { className: 'GaussianNoise', label: 'GaussianNoise', make: () => new nt.GaussianNoise({ stddev: 0.3, seed: 3 }), inputs: [N([2, 8])], ...none, trainingDiffers: true },
  { className: 'AlphaDropout', label: 'AlphaDropout', make: () => new nt.AlphaDropout({ rate: 0.5, seed: 3 }), inputs: [N([2, 8])], ...none, trainingDiffers: true },
];

const conv: ContractCase[] = [
  // Conv1D: k·C·f + f = 2·2·3 + 3.
  { className: 'Conv1D', label: 'Conv1D', make: () => new nt.Conv1D({ filters: 3, kernelSize: 2 }), inputs: [N([2, 5, 2])], trainable: 15, nonTrainable: 0, weights: ['kernel', 'bias'] },
  // Conv2D: kh·kw·C·f + f = 2·2·2·3 + 3.
  { className: 'Conv2D', label: 'Conv2D', make: () => new nt.Conv2D({ filters: 3, kernelSize: 2, padding: 'same' }), inputs: [N([2, 3, 3, 2])], trainable: 27, nonTrainable: 0, weights: ['kernel', 'bias'] },
  // Conv3D: kd·kh·kw·C·f + f = 2·2·2·2·2 + 2.
  { className: 'Conv3D', label: 'Conv3D', make: () => new nt.Conv3D({ filters: 2, kernelSize: 2 }), inputs: [N([1, 3, 3, 3, 2])], trainable: 34, nonTrainable: 0, weights: ['kernel', 'bias'] },
  // Conv1DTranspose: kernel (k, f, C): 2·3·2 + 3.
  { className: 'Conv1DTranspose', label: 'Conv1DTranspose', make: () => new nt.Conv1DTranspose({ filters: 3, kernelSize: 2, strides: 2 }), inputs: [N([2, 3, 2])], trainable: 15, nonTrainable: 0, weights: ['kernel', 'bias'] },
  // Conv2DTranspose: kernel (kh, kw, f, C): 2·2·3·2 + 3.
  { className: 'Conv2DTranspose', label: 'Conv2DTranspose', make: () => new nt.Conv2DTranspose({ filters: 3, kernelSize: 2, strides: 2 }), inputs: [N([2, 2, 2, 2])], trainable: 27, nonTrainable: 0, weights: ['kernel', 'bias'] },
  // Conv3DTranspose: kernel (kd, kh, kw, f, C): 2·2·2·2·2 + 2.
  { className: 'Conv3DTranspose', label: 'Conv3DTranspose', make: () => new nt.Conv3DTranspose({ filters: 2, kernelSize: 2, strides: 1 }), inputs: [N([1, 2, 2, 2, 2])], trainable: 34, nonTrainable: 0, weights: ['kernel', 'bias'] },
  // DepthwiseConv1D: depthwise (k, C, m) + bias C·m = 2·2·2 + 4.
  { className: 'DepthwiseConv1D', label: 'DepthwiseConv1D', make: () => new nt.DepthwiseConv1D({ kernelSize: 2, depthMultiplier: 2 }), inputs: [N([2, 4, 2])], trainable: 12, nonTrainable: 0, weights: ['depthwise_kernel', 'bias'] },
  // DepthwiseConv2D: depthwise (kh, kw, C, m) + bias C·m = 2·2·2·2 + 4.
  { className: 'DepthwiseConv2D', label: 'DepthwiseConv2D', make: () => new nt.DepthwiseConv2D({ kernelSize: 2, depthMultiplier: 2 }), inputs: [N([2, 3, 3, 2])], trainable: 20, nonTrainable: 0, weights: ['depthwise_kernel', 'bias'] },
  // SeparableConv1D: depthwise (k, C, m) + pointwise (1, C·m, f) + f = 2·2·1 + 1·2·3 + 3.
  { className: 'SeparableConv1D', label: 'SeparableConv1D', make: () => new nt.SeparableConv1D({ filters: 3, kernelSize: 2 }), inputs: [N([2, 4, 2])], trainable: 13, nonTrainable: 0, weights: ['depthwise_kernel', 'pointwise_kernel', 'bias'] },
  // SeparableConv2D: depthwise (kh, kw, C, m) + pointwise (1, 1, C·m, f) + f = 2·2·2·1 + 2·3 + 3.
  { className: 'SeparableConv2D', label: 'SeparableConv2D', make: () => new nt.SeparableConv2D({ filters: 3, kernelSize: 2 }), inputs: [N([2, 3, 3, 2])], trainable: 17, nonTrainable: 0, weights: ['depthwise_kernel', 'pointwise_kernel', 'bias'] },
];

const pooling: ContractCase[] = [
  // Max pooling: distinct inputs (no ties within a window).
  { className: 'MaxPooling1D', label: 'MaxPooling1D', make: () => new nt.MaxPooling1D({ poolSize: 2 }), inputs: [L([2, 4, 3])], ...none },
  { className: 'MaxPooling2D', label: 'MaxPooling2D', make: () => new nt.MaxPooling2D({ poolSize: 2, padding: 'same' }), inputs: [L([2, 3, 3, 2])], ...none },
  { className: 'MaxPooling3D', label: 'MaxPooling3D', make: () => new nt.MaxPooling3D({ poolSize: 2 }), inputs: [L([1, 2, 4, 2, 2])], ...none },
  { className: 'AveragePooling1D', label: 'AveragePooling1D', make: () => new nt.AveragePooling1D({ poolSize: 2 }), inputs: [N([2, 4, 3])], ...none },
  { className: 'AveragePooling2D', label: 'AveragePooling2D', make: () => new nt.AveragePooling2D({ poolSize: 2, strides: 1 }), inputs: [N([2, 3, 3, 2])], ...none },
  { className: 'AveragePooling3D', label: 'AveragePooling3D', make: () => new nt.AveragePooling3D({ poolSize: 2 }), inputs: [N([1, 2, 4, 2, 2])], ...none },
  { className: 'GlobalMaxPooling1D', label: 'GlobalMaxPooling1D', make: () => new nt.GlobalMaxPooling1D(), inputs: [L([2, 4, 3])], ...none },
  { className: 'GlobalMaxPooling2D', label: 'GlobalMaxPooling2D', make: () => new nt.GlobalMaxPooling2D(), inputs: [L([2, 2, 3, 3])], ...none },
  { className: 'GlobalMaxPooling3D', label: 'GlobalMaxPooling3D', make: () => new nt.GlobalMaxPooling3D({ keepdims: true }), inputs: [L([1, 2, 2, 2, 3])], ...none },
  { className: 'GlobalAveragePooling1D', label: 'GlobalAveragePooling1D', make: () => new nt.GlobalAveragePooling1D(), inputs: [N([2, 4, 3])], ...none },
  { className: 'GlobalAveragePooling2D', label: 'GlobalAveragePooling2D', make: () => new nt.GlobalAveragePooling2D({ keepdims: true }), inputs: [N([2, 2, 3, 3])], ...none },
  { className: 'GlobalAveragePooling3D', label: 'GlobalAveragePooling3D', make: () => new nt.GlobalAveragePooling3D(), inputs: [N([1, 2, 2, 2, 3])], ...none },
];

const reshaping: ContractCase[] = [
  { className: 'Cropping1D', label: 'Cropping1D', make: () => new nt.Cropping1D({ cropping: [1, 2] }), inputs: [N([2, 5, 2])], ...none },
  { className: 'Cropping2D', label: 'Cropping2D', make: () => new nt.Cropping2D({ cropping: [[1, 0], [0, 1]] }), inputs: [N([2, 3, 3, 2])], ...none },
  { className: 'Cropping3D', label: 'Cropping3D', make: () => new nt.Cropping3D({ cropping: [[1, 0], [0, 1], [1, 1]] }), inputs: [N([1, 3, 3, 4, 2])], ...none },
  { className: 'ZeroPadding1D', label: 'ZeroPadding1D', make: () => new nt.ZeroPadding1D({ padding: [1, 2] }), inputs: [N([2, 3, 2])], ...none },
  { className: 'ZeroPadding2D', label: 'ZeroPadding2D', make: () => new nt.ZeroPadding2D({ padding: [[1, 0], [0, 1]] }), inputs: [N([2, 2, 2, 2])], ...none },
  { className: 'ZeroPadding3D', label: 'ZeroPadding3D', make: () => new nt.ZeroPadding3D({ padding: 1 }), inputs: [N([1, 2, 1, 2, 2])], ...none },
  { className: 'UpSampling1D', label: 'UpSampling1D', make: () => new nt.UpSampling1D({ size: 2 }), inputs: [N([2, 3, 2])], ...none },
  { className: 'UpSampling2D', label: 'UpSampling2D', make: () => new nt.UpSampling2D({ size: [2, 1] }), inputs: [N([2, 2, 2, 2])], ...none },
  { className: 'UpSampling2D', label: 'UpSampling2D (bilinear)', make: () => new nt.UpSampling2D({ size: 2, interpolation: 'bilinear' }), inputs: [N([1, 2, 3, 2])], ...none },
  { className: 'UpSampling3D', label: 'UpSampling3D', make: () => new nt.UpSampling3D({ size: [1, 2, 2] }), inputs: [N([1, 2, 2, 1, 2])], ...none },
];

const normalization: ContractCase[] = [
  // BatchNormalization: gamma, beta trainable (2·C); moving mean and variance not (2·C); C = 3.
  { className: 'BatchNormalization', label: 'BatchNormalization', make: () => new nt.BatchNormalization(), inputs: [N([4, 2, 3], 2)], trainable: 6, nonTrainable: 6, weights: ['gamma', 'beta', 'moving_mean', 'moving_variance'], trainingDiffers: true },
  // LayerNormalization: gamma, beta over the last axis: 2·C = 2·3.
  { className: 'LayerNormalization', label: 'LayerNormalization', make: () => new nt.LayerNormalization(), inputs: [N([2, 2, 3])], trainable: 6, nonTrainable: 0, weights: ['gamma', 'beta'] },
  // GroupNormalization: gamma, beta per channel: 2·C = 2·4.
  { className: 'GroupNormalization', label: 'GroupNormalization', make: () => new nt.GroupNormalization({ groups: 2 }), inputs: [N([2, 3, 4])], trainable: 8, nonTrainable: 0, weights: ['gamma', 'beta'] },
  // RMSNormalization: scale over the last axis: C = 3.
  { className: 'RMSNormalization', label: 'RMSNormalization', make: () => new nt.RMSNormalization(), inputs: [N([2, 2, 3])], trainable: 3, nonTrainable: 0, weights: ['scale'] },
];

const embedding: ContractCase[] = [
  // Embedding: inputDim·outputDim = 5·3.
  {
    className: 'Embedding', label: 'Embedding', make: () => new nt.Embedding({ inputDim: 5, outputDim: 3 }), inputs: [I([2, 4], 5)], trainable: 15, nonTrainable: 0, weights: ['embeddings'],
  },
  // PositionEmbedding: sequenceLength·features = 4·3.
  // Its output is the table broadcast to the input's shape (keras_hub): the input's values do not matter.
  {
    className: 'PositionEmbedding', label: 'PositionEmbedding', make: () => new nt.PositionEmbedding({ sequenceLength: 4 }), inputs: [N([2, 4, 3])], trainable: 12, nonTrainable: 0, weights: ['embeddings'],
    gradients: { inputs: false },
  },
  // TokenAndPositionEmbedding: vocabulary·dim + sequenceLength·dim = 5·3 + 4·3.
  {
    className: 'TokenAndPositionEmbedding', label: 'TokenAndPositionEmbedding', make: () => new nt.TokenAndPositionEmbedding({ vocabularySize: 5, sequenceLength: 4, embeddingDim: 3 }),
    inputs: [I([2, 4], 5)], trainable: 27, nonTrainable: 0, weights: ['token_embedding/embeddings', 'position_embedding/embeddings'],
  },
];

const attention: ContractCase[] = [
  // Attention (use_scale False, score_mode 'dot'): no weights. Inputs [query, value].
  { className: 'Attention', label: 'Attention', make: () => new nt.Attention(), inputs: [N([2, 3, 4]), N([2, 5, 4])], ...none },
  // Attention with use_scale and score_mode 'concat': scale and concat_score_weight, scalars: 1 + 1.
  { className: 'Attention', label: 'Attention (scale, concat)', make: () => new nt.Attention({ useScale: true, scoreMode: 'concat' }), inputs: [N([2, 3, 4]), N([2, 5, 4])], trainable: 2, nonTrainable: 0, weights: ['scale', 'concat_score_weight'] },
  // AdditiveAttention (use_scale True): scale of the feature size d = 4.
  { className: 'AdditiveAttention', label: 'AdditiveAttention', make: () => new nt.AdditiveAttention(), inputs: [N([2, 3, 4]), N([2, 5, 4])], trainable: 4, nonTrainable: 0, weights: ['scale'] },
  // MultiHeadAttention(heads h = 2, key_dim = value_dim = 2), query dim 4, value dim 4:
  // query/key/value kernels (4, h, 2) + biases (h, 2): 3·(16 + 4); output kernel (h, 2, 4) + bias 4: 16 + 4. Total 80.
  {
    className: 'MultiHeadAttention', label: 'MultiHeadAttention', make: () => new nt.MultiHeadAttention({ numHeads: 2, keyDim: 2 }),
    inputs: [N([2, 3, 4]), N([2, 5, 4])], trainable: 80, nonTrainable: 0,
    weights: ['query/kernel', 'query/bias', 'key/kernel', 'key/bias', 'value/kernel', 'value/bias', 'attention_output/kernel', 'attention_output/bias'],
    gradients: { zeroWeights: { 'key/bias': 'it adds the same q·b to every score of a row, which the softmax removes (in Keras too)' } },
  },
];

// Recurrent layers: in = 2 features, u = 3 units.
// SimpleRNN: in·u + u·u + u = 6 + 9 + 3 = 18. LSTM: 4·(in·u + u·u + u) = 72.
// GRU (reset_after, Keras' default; bias of shape (2, 3u)): 3·(in·u + u·u) + 2·3u = 45 + 18 = 63.
// Weights `<layer>/<cell>/<weight>`: tf.keras 2 names the cell of the k-th LSTM 'lstm_cell_k'.
const rnnWeights = (cell: string): string[] => [`${cell}/kernel`, `${cell}/recurrent_kernel`, `${cell}/bias`];
const recurrent: ContractCase[] = [
  { className: 'SimpleRNN', label: 'SimpleRNN', make: () => new nt.SimpleRNN({ units: 3 }), inputs: [N([2, 4, 2])], trainable: 18, nonTrainable: 0, weights: rnnWeights('simple_rnn_cell{n}') },
  { className: 'LSTM', label: 'LSTM', make: () => new nt.LSTM({ units: 3, returnSequences: true }), inputs: [N([2, 4, 2])], trainable: 72, nonTrainable: 0, weights: rnnWeights('lstm_cell{n}') },
  { className: 'GRU', label: 'GRU', make: () => new nt.GRU({ units: 3 }), inputs: [N([2, 4, 2])], trainable: 63, nonTrainable: 0, weights: rnnWeights('gru_cell{n}') },
  // With dropout the training call must differ (the input mask is drawn).
  { className: 'GRU', label: 'GRU (dropout)', make: () => new nt.GRU({ units: 3, dropout: 0.5 }), inputs: [N([2, 4, 2])], trainable: 63, nonTrainable: 0, weights: rnnWeights('gru_cell{n}'), trainingDiffers: true },
  // One step of a cell: call([x, ...states]) → [output, ...states]; states default to zeros.
  { className: 'SimpleRNNCell', label: 'SimpleRNNCell', make: () => new nt.SimpleRNNCell({ units: 3 }), inputs: [N([2, 2]), N([2, 3])], trainable: 18, nonTrainable: 0, weights: ['kernel', 'recurrent_kernel', 'bias'] },
  { className: 'LSTMCell', label: 'LSTMCell', make: () => new nt.LSTMCell({ units: 3 }), inputs: [N([2, 2]), N([2, 3]), N([2, 3])], trainable: 72, nonTrainable: 0, weights: ['kernel', 'recurrent_kernel', 'bias'] },
  { className: 'GRUCell', label: 'GRUCell', make: () => new nt.GRUCell({ units: 3 }), inputs: [N([2, 2]), N([2, 3])], trainable: 63, nonTrainable: 0, weights: ['kernel', 'recurrent_kernel', 'bias'] },
  // StackedRNNCells [SimpleRNNCell(3), SimpleRNNCell(2)], in 2: 18 + (3·2 + 2·2 + 2) = 30. Called on [x, s1, s2].
  {
    className: 'StackedRNNCells', label: 'StackedRNNCells', make: () => new nt.StackedRNNCells({ cells: [new nt.SimpleRNNCell({ units: 3, name: 'contract_cell_a' }), new nt.SimpleRNNCell({ units: 2, name: 'contract_cell_b' })] }),
    inputs: [N([2, 2]), N([2, 3]), N([2, 2])], trainable: 30, nonTrainable: 0,
    weights: ['contract_cell_a/kernel', 'contract_cell_a/recurrent_kernel', 'contract_cell_a/bias', 'contract_cell_b/kernel', 'contract_cell_b/recurrent_kernel', 'contract_cell_b/bias'],
  },
  // RNN(LSTMCell(3)): the cell's 72.
  { className: 'RNN', label: 'RNN', make: () => new nt.RNN({ cell: new nt.LSTMCell({ units: 3, name: 'contract_rnn_cell' }) }), inputs: [N([2, 4, 2])], trainable: 72, nonTrainable: 0, weights: rnnWeights('contract_rnn_cell') },
  // ConvLSTM2D(f = 2, k = 2), C = 2: kernel k·k·C·4f = 64, recurrent kernel k·k·f·4f = 64, bias 4f = 8.
  // Keras (2.6+ and 3) names its cell 'conv_lstm_cell' explicitly.
  {
    className: 'ConvLSTM2D', label: 'ConvLSTM2D', make: () => new nt.ConvLSTM2D({ filters: 2, kernelSize: 2, padding: 'same' }), inputs: [N([1, 2, 3, 3, 2])], trainable: 136, nonTrainable: 0,
    weights: ['conv_lstm_cell/kernel', 'conv_lstm_cell/recurrent_kernel', 'conv_lstm_cell/bias'],
  },
  // TimeDistributed(Dense(3)) on [B, T, 4]: the inner Dense, 4·3 + 3, named time_distributed/kernel as tf.keras.
  { className: 'TimeDistributed', label: 'TimeDistributed', make: () => new nt.TimeDistributed({ layer: new nt.Dense({ units: 3 }) }), inputs: [N([2, 3, 4])], trainable: 15, nonTrainable: 0, weights: ['kernel', 'bias'] },
  // Bidirectional(LSTM(3)) in 2: two LSTMs, 2·72.
  {
    className: 'Bidirectional', label: 'Bidirectional', make: () => new nt.Bidirectional({ layer: new nt.LSTM({ units: 3, name: 'contract_bi_lstm' }), mergeMode: 'concat' }), inputs: [N([2, 4, 2])], trainable: 144, nonTrainable: 0,
    weights: [...rnnWeights('forward_contract_bi_lstm/lstm_cell{n}'), ...rnnWeights('backward_contract_bi_lstm/lstm_cell{n}')],
  },
];

/**
 * Nested models used as layers (Keras registers Functional and Sequential as layer classes):
 * their weights keep the inner layers' names (Keras 3 paths are made when the inner layer
 * creates its variables, not under the model's name).
 */
const models: ContractCase[] = [
  // A functional model around Dense(3) on 4 features: 4·3 + 3.
  {
    className: 'Functional', label: 'Functional (nested model)',
    make: () => {
      const i = nt.Input({ shape: [4] });
      return new nt.Model({ inputs: i, outputs: new nt.Dense({ units: 3, name: 'contract_functional_dense' }).apply(i) });
    },
    inputs: [N([2, 4])], trainable: 15, nonTrainable: 0, weights: ['contract_functional_dense/kernel', 'contract_functional_dense/bias'], weightsAbsolute: true,
  },
  // A Sequential [Dense(3), Dropout(0.5)] on 4 features: 4·3 + 3; the Dropout makes training differ.
  {
    className: 'Sequential', label: 'Sequential (nested model)',
    make: () => new nt.Sequential([new nt.Dense({ units: 3, name: 'contract_sequential_dense' }), new nt.Dropout({ rate: 0.5, seed: 2 })]),
    inputs: [N([2, 4])], trainable: 15, nonTrainable: 0, weights: ['contract_sequential_dense/kernel', 'contract_sequential_dense/bias'], weightsAbsolute: true, trainingDiffers: true,
  },
];

/**
 * Every entry but InputLayer's. InputLayer is not applied to tensors in Keras: it is the
 * source node of a graph, made by Input(), with no call of its own, no weights and a config
 * (batch_input_shape, dtype, sparse, name) of a different form; the contract test checks it
 * by itself (config round trip, the symbolic tensor it makes, a model from input to output).
 */
const preprocessing: ContractCase[] = [
  { className: 'Rescaling', label: 'Rescaling', make: () => new nt.Rescaling({ scale: 1 / 255, offset: -0.5 }), inputs: [N([2, 3, 3, 2])], ...none },
  { className: 'CenterCrop', label: 'CenterCrop', make: () => new nt.CenterCrop({ height: 2, width: 3 }), inputs: [N([2, 5, 4, 2])], ...none },
  // Identity at inference; flips in training.
  { className: 'RandomFlip', label: 'RandomFlip', make: () => new nt.RandomFlip({ seed: 5 }), inputs: [N([3, 3, 4, 2])], ...none, trainingDiffers: true },
  // Identity at inference; each image rotated, zoomed or shifted by its own draw in training (src/layers/preprocessing/geometric.ts).
  { className: 'RandomRotation', label: 'RandomRotation', make: () => new nt.RandomRotation({ factor: 0.2, seed: 5 }), inputs: [N([2, 4, 5, 2])], ...none, trainingDiffers: true },
  { className: 'RandomZoom', label: 'RandomZoom', make: () => new nt.RandomZoom({ heightFactor: 0.3, widthFactor: [-0.2, 0.4], fillMode: 'constant', seed: 5 }), inputs: [N([2, 4, 5, 2])], ...none, trainingDiffers: true },
  { className: 'RandomTranslation', label: 'RandomTranslation', make: () => new nt.RandomTranslation({ heightFactor: 0.3, widthFactor: 0.3, interpolation: 'nearest', seed: 5 }), inputs: [N([2, 4, 5, 2])], ...none, trainingDiffers: true },
  // Normalization (adapt): mean and variance per feature of the last axis, non-trainable: 2·C = 2·4.
  { className: 'Normalization', label: 'Normalization (adaptable)', make: () => new nt.Normalization(), inputs: [N([2, 3, 4])], trainable: 0, nonTrainable: 8, weights: ['mean', 'variance'] },
  { className: 'Normalization', label: 'Normalization (given, inverted)', make: () => new nt.Normalization({ mean: [1, 2], variance: [4, 0.25], invert: true }), inputs: [N([2, 2])], ...none },
  {
    className: 'Discretization', label: 'Discretization', make: () => new nt.Discretization({ binBoundaries: [-0.5, 0, 0.5] }), inputs: [N([2, 5])], ...none, outputDtype: 'int32',
    gradients: { skip: 'bucket indices: piecewise constant integers' },
  },
  { className: 'Resizing', label: 'Resizing', make: () => new nt.Resizing({ height: 3, width: 5 }), inputs: [N([2, 4, 4, 2])], ...none },
  { className: 'Resizing', label: 'Resizing (nearest, crop to aspect ratio)', make: () => new nt.Resizing({ height: 2, width: 4, interpolation: 'nearest', cropToAspectRatio: true }), inputs: [N([1, 4, 4, 2])], ...none },
  // The central window at inference, a random one in training.
  { className: 'RandomCrop', label: 'RandomCrop', make: () => new nt.RandomCrop({ height: 2, width: 2, seed: 4 }), inputs: [N([2, 4, 4, 1], 100)], ...none, trainingDiffers: true },
  // Identity at inference; contrast and brightness changes (clipped to [0, 255]) in training.
  { className: 'RandomContrast', label: 'RandomContrast', make: () => new nt.RandomContrast({ factor: 0.5, seed: 4 }), inputs: [{ shape: [2, 3, 3, 2], kind: { kind: 'lattice', offset: 100 } }], ...none, trainingDiffers: true },
  { className: 'RandomBrightness', label: 'RandomBrightness', make: () => new nt.RandomBrightness({ factor: 0.2, seed: 4 }), inputs: [{ shape: [2, 3, 3, 2], kind: { kind: 'lattice', offset: 100 } }], ...none, trainingDiffers: true },
  {
    className: 'CategoryEncoding', label: 'CategoryEncoding', make: () => new nt.CategoryEncoding({ numTokens: 4, outputMode: 'count' }), inputs: [I([2, 3], 4)], ...none,
    gradients: { skip: 'counts of integer tokens' },
  },
  // The text and category layers (src/layers/preprocessing/text.ts): no weights (the vocabulary is config), integer or count outputs.
  {
    className: 'StringLookup', label: 'StringLookup', make: () => new nt.StringLookup({ vocabulary: ['the', 'cat', 'sat', 'on a'] }), inputs: [{ shape: [2, 3], kind: { kind: 'words' } }], ...none, outputDtype: 'int32',
    gradients: { skip: 'indices of strings' },
  },
  {
    className: 'IntegerLookup', label: 'IntegerLookup (multi_hot)', make: () => new nt.IntegerLookup({ vocabulary: [1, 2, 3], outputMode: 'multi_hot' }), inputs: [I([2, 3], 5)], ...none,
    gradients: { skip: 'indicators of integer tokens' },
  },
  {
    className: 'TextVectorization', label: 'TextVectorization', make: () => new nt.TextVectorization({ vocabulary: ['the', 'cat', 'sat', 'dog'], outputSequenceLength: 5 }), inputs: [{ shape: [3], kind: { kind: 'words' } }], ...none, outputDtype: 'int32',
    gradients: { skip: 'indices of strings' },
  },
  {
    className: 'Hashing', label: 'Hashing', make: () => new nt.Hashing({ numBins: 4, salt: 7 }), inputs: [I([2, 3], 100)], ...none, outputDtype: 'int32',
    gradients: { skip: 'hash buckets' },
  },
];

export const CASES: readonly ContractCase[] = [...stateless, ...merges, ...core, ...noise, ...conv, ...pooling, ...reshaping, ...normalization, ...embedding, ...attention, ...recurrent, ...preprocessing, ...models];

/** Classes checked outside the table, with the reason (see CASES). */
export const SPECIAL: Readonly<Record<string, string>> = {
  InputLayer: 'the source node of a graph (made by Input()), not applied to tensors: checked by its own test',
};
