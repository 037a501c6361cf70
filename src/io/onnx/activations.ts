/**
 * Keras activation names (what layer configs store) as ONNX nodes, from the op table's
 * ONNX forms (backends/op-table.ts ACTIVATIONS): formulas follow Neurite's ops, which
 * follow Keras 2 (hard_sigmoid clip(0.2·x + 0.5, 0, 1), leaky_relu slope 0.2, gelu exact
 * (erf, decomposed: opset 13 has no Gelu), swish/silu x·sigmoid(x)).
 */
import { type GraphBuilder, float, int } from './builder.js';
import { ACTIVATIONS, ACTIVATION_ALIASES, type OnnxAttrs, type OnnxExpr } from '../../backends/op-table.js';

type Emit = (b: GraphBuilder, x: string, axis: number) => string;

/** Builds the nodes of an ONNX form on input x ('axis' attributes take the activation's axis). */
function build(b: GraphBuilder, e: OnnxExpr, x: string, axis: number): string {
  if (e === 'x') return x;
  if (typeof e === 'number') return b.scalar(e);
  const [op, ...rest] = e;
  const last = rest[rest.length - 1];
  const hasAttrs = typeof last === 'object' && last !== null && !Array.isArray(last);
  const args = (hasAttrs ? rest.slice(0, -1) : rest) as OnnxExpr[];
  const attrs = hasAttrs ? Object.fromEntries(Object.entries(last as OnnxAttrs).map(([k, v]) => [k, v === 'axis' ? int(axis) : float(v)])) : undefined;
  return b.node(op, args.map((a) => build(b, a, x, axis)), attrs);
}

const EMITTERS: ReadonlyMap<string, Emit> = new Map<string, Emit>([
  ...Object.entries(ACTIVATIONS).map(([name, def]): [string, Emit] => [name, (b: GraphBuilder, x: string, axis: number) => build(b, def.onnx as OnnxExpr, x, axis)]),
  // Keras 3's hard_sigmoid, relu6(x + 3) / 6 (activations/activations.ts): ONNX HardSigmoid with alpha 1/6.
  ['hard_sigmoid_keras3', (b: GraphBuilder, x: string) => b.node('HardSigmoid', [x], { alpha: float(1 / 6), beta: float(0.5) })],
]);

const ALIASES: ReadonlyMap<string, string> = new Map(Object.entries(ACTIVATION_ALIASES));

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
