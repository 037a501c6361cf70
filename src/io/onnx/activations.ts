/**
 * Keras activation names (what layer configs store) as ONNX nodes. Formulas follow
 * Neurite's ops (src/ops/activations.ts), which follow Keras 2: hard_sigmoid is
 * clip(0.2·x + 0.5, 0, 1) (ONNX HardSigmoid's defaults are 0.2/0.5 too, written out),
 * leaky_relu's default slope 0.2, gelu exact (erf), swish/silu x·sigmoid(x).
 */
import { type GraphBuilder, float, int } from './builder.js';

/** SELU's constants, as Neurite's kernels use them. */
const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

type Emit = (b: GraphBuilder, x: string, axis: number) => string;

const EMITTERS: ReadonlyMap<string, Emit> = new Map<string, Emit>([
  ['linear', (_b, x) => x],
  ['relu', (b, x) => b.node('Relu', [x])],
  ['relu6', (b, x) => b.node('Clip', [x, b.scalar(0), b.scalar(6)])],
  ['sigmoid', (b, x) => b.node('Sigmoid', [x])],
  ['hard_sigmoid', (b, x) => b.node('HardSigmoid', [x], { alpha: float(0.2), beta: float(0.5) })],
  ['tanh', (b, x) => b.node('Tanh', [x])],
  ['softmax', (b, x, axis) => b.node('Softmax', [x], { axis: int(axis) })],
  ['log_softmax', (b, x, axis) => b.node('LogSoftmax', [x], { axis: int(axis) })],
  ['softplus', (b, x) => b.node('Softplus', [x])],
  ['softsign', (b, x) => b.node('Softsign', [x])],
  ['elu', (b, x) => b.node('Elu', [x], { alpha: float(1) })],
  ['selu', (b, x) => b.node('Selu', [x], { alpha: float(SELU_ALPHA), gamma: float(SELU_SCALE) })],
  ['swish', (b, x) => b.node('Mul', [x, b.node('Sigmoid', [x])])],
  ['gelu', emitGelu],
  ['exponential', (b, x) => b.node('Exp', [x])],
  ['leaky_relu', (b, x) => b.node('LeakyRelu', [x], { alpha: float(0.2) })],
]);

const ALIASES: ReadonlyMap<string, string> = new Map([
  ['silu', 'swish'],
  ['hardSigmoid', 'hard_sigmoid'],
  ['logSoftmax', 'log_softmax'],
  ['leakyRelu', 'leaky_relu'],
]);

/** gelu(x) = 0.5·x·(1 + erf(x/√2)), decomposed (opset 13 has no Gelu). */
function emitGelu(b: GraphBuilder, x: string): string {
  const scaled = b.node('Mul', [x, b.scalar(Math.SQRT1_2)]);
  const erf = b.node('Erf', [scaled]);
  const onePlus = b.node('Add', [erf, b.scalar(1)]);
  return b.node('Mul', [b.node('Mul', [x, onePlus]), b.scalar(0.5)]);
}

/** The activation names exportable to ONNX. */
export function supportedActivations(): string[] {
  return [...EMITTERS.keys(), ...ALIASES.keys()].sort();
}

/**
 * Emits activation `name` on tensor `x`; `axis` is the physical axis softmax and
 * log_softmax run along (Keras: the logical last axis). Returns the output name (`x` itself
 * for linear). Unknown or custom activations throw, naming the layer.
 */
export function emitActivation(b: GraphBuilder, name: string, x: string, axis: number, who: string): string {
  const emit = EMITTERS.get(ALIASES.get(name) ?? name);
  if (emit === undefined) {
    throw new Error(`ONNX export: ${who} uses the activation '${name}', which cannot be exported (a custom function has no ONNX form). Exportable activations: ${supportedActivations().join(', ')}`);
  }
  return emit(b, x, axis);
}
