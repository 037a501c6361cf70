/**
 * Converters of the merge layers: Add, Subtract, Multiply, Average, Maximum, Minimum (the
 * same pairwise order as Neurite, so results agree to the last bit where ORT does the same
 * float ops) and Concatenate (its axis mapped into the layout the inputs share).
 */
import { Add, Average, Concatenate, Maximum, Minimum, Multiply, Subtract } from '../../layers/merge/index.js';
import { int } from './builder.js';
import { type ConvertArgs, type Converter, type LayerClass, normalizeAxis } from './context.js';
import { OnnxValue, identityPerm } from './values.js';

/**
 * The layout to merge in: one all inputs already have, else the first input's primary
 * layout (the others are transposed into it). Inputs of different ranks broadcast in
 * Neurite's own layout.
 */
function mergeLayout(inputs: readonly OnnxValue[]): number[] | null {
  const rank = inputs[0].rank;
  if (inputs.some((v) => v.rank !== rank)) return null;
  const shared = inputs[0].layouts.find((l) => inputs.every((v) => v.find(l.perm) !== undefined));
  return shared ? shared.perm : inputs[0].primary.perm;
}

function mergeInputs(a: ConvertArgs): { names: string[]; perm: number[] } {
  const perm = mergeLayout(a.inputs);
  if (perm === null) return { names: a.inputs.map((v) => a.b.get(v, identityPerm(v.rank))), perm: identityPerm(a.outShapes[0].length) };
  return { names: a.inputs.map((v) => a.b.get(v, perm)), perm };
}

/** A left fold with a binary ONNX op (Neurite combines inputs pairwise, left to right). */
function fold(op: string, finish?: (a: ConvertArgs, y: string) => string): Converter {
  return (a) => {
    const { names, perm } = mergeInputs(a);
    let y = names[0];
    for (const n of names.slice(1)) y = a.b.node(op, [y, n]);
    if (finish) y = finish(a, y);
    return new OnnxValue(a.outShapes[0]).set(perm, y);
  };
}

function convertConcatenate(a: ConvertArgs): OnnxValue {
  const layer = a.layer as Concatenate;
  const rank = a.inputs[0].rank;
  const axis = normalizeAxis(layer.axis, rank, layer);
  const { names, perm } = mergeInputs(a);
  const y = a.b.node('Concat', names, { axis: int(perm.indexOf(axis)) });
  return new OnnxValue(a.outShapes[0]).set(perm, y);
}

export const MERGE_CONVERTERS: ReadonlyArray<readonly [LayerClass, Converter]> = [
  [Add, fold('Add')],
  [Subtract, fold('Sub')],
  [Multiply, fold('Mul')],
  [Average, fold('Add', (a, y) => a.b.node('Div', [y, a.b.scalar(a.inputs.length)]))],
  [Maximum, fold('Max')],
  [Minimum, fold('Min')],
  [Concatenate, convertConcatenate],
];
