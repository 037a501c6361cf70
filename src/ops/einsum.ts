/**
 * `einsum(equation, ...operands)`: Einstein summation over one or two tensors, NumPy's and
 * Keras' notation ('bqhd,bkhd->bhqk', 'abc,cde->abde', '...b,bc->...c'). It is composed
 * of differentiable ops — transposes and reshapes into one batched matrix product, with
 * sums over the labels only one operand carries — so its gradient comes from theirs.
 *
 * Supported: one or two operands; an explicit output ('->') or NumPy's implicit one (the
 * labels that occur once, in alphabetical order); '...' for leading axes (right-aligned,
 * size-1 axes broadcast). Refused with an error: more than two operands, a label repeated
 * within one operand (diagonals), output labels missing from the inputs, sizes that differ.
 */
import type { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { matmul } from './matmul.js';
import { broadcastTo, reshape, transpose } from './shape.js';
import { sum } from './reduce.js';
import { checkTensor, requireFloat } from './util.js';

/** An operand's axes as labels; '...' axes get the labels '0', '1', ... (right-aligned across operands). */
interface Parsed {
  readonly inputs: string[][];
  readonly output: string[];
}

const LETTER = /^[a-zA-Z]$/;

function parse(equation: string, ranks: readonly number[]): Parsed {
  const eq = equation.replace(/\s+/g, '');
  const arrow = eq.indexOf('->');
  if (arrow !== eq.lastIndexOf('->')) throw new SyntaxError(`einsum: '${equation}' has more than one '->'`);
  const lhs = arrow < 0 ? eq : eq.slice(0, arrow);
  const terms = lhs.split(',');
  if (terms.length !== ranks.length) throw new RangeError(`einsum: '${equation}' names ${terms.length} operand(s); ${ranks.length} given`);
  // Ellipsis axes: as many as the largest rank left over, right-aligned.
  let ellipsis = 0;
  const split = terms.map((t, i) => {
    const at = t.indexOf('...');
    if (at !== t.lastIndexOf('...')) throw new SyntaxError(`einsum: operand ${i} of '${equation}' has more than one '...'`);
    const letters = (at < 0 ? t : t.replace('...', '')).split('');
    for (const l of letters) if (!LETTER.test(l)) throw new SyntaxError(`einsum: '${l}' in '${equation}' is not a letter`);
    const extra = ranks[i] - letters.length;
    if (at < 0 ? extra !== 0 : extra < 0) {
      throw new RangeError(`einsum: operand ${i} has rank ${ranks[i]}, but '${t}' names ${letters.length} ax${letters.length === 1 ? 'is' : 'es'}${at < 0 ? '' : ' besides ...'}`);
    }
    if (at >= 0) ellipsis = Math.max(ellipsis, extra);
    return { at, letters, extra };
  });
  const dots = (n: number): string[] => Array.from({ length: n }, (_, k) => String(ellipsis - n + k));
  const inputs = split.map(({ at, letters, extra }, i) => {
    const labels = at < 0 ? letters : [...terms[i].slice(0, at).split(''), ...dots(extra), ...terms[i].slice(at + 3).split('')];
    const seen = new Set<string>();
    for (const l of labels) {
      if (seen.has(l)) throw new RangeError(`einsum: label '${l}' repeats in operand ${i} of '${equation}' (diagonals are not supported)`);
      seen.add(l);
    }
    return labels;
  });
  let output: string[];
  if (arrow < 0) {
    const counts = new Map<string, number>();
    for (const labels of inputs) for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
    const once = [...counts.entries()].filter(([l, n]) => n === 1 && LETTER.test(l)).map(([l]) => l).sort();
    output = [...dots(ellipsis), ...once];
  } else {
    const rhs = eq.slice(arrow + 2);
    const at = rhs.indexOf('...');
    const letters = (at < 0 ? rhs : rhs.replace('...', '')).split('');
    for (const l of letters) if (!LETTER.test(l)) throw new SyntaxError(`einsum: '${l}' in the output of '${equation}' is not a letter`);
    if (at < 0 && ellipsis > 0) throw new RangeError(`einsum: '${equation}': the inputs have '...' axes the output does not keep; write '...' in the output`);
    output = at < 0 ? letters : [...rhs.slice(0, at).split(''), ...dots(ellipsis), ...rhs.slice(at + 3).split('')];
    const seen = new Set<string>();
    for (const l of output) {
      if (seen.has(l)) throw new RangeError(`einsum: label '${l}' repeats in the output of '${equation}'`);
      if (!inputs.some((labels) => labels.includes(l))) throw new RangeError(`einsum: output label '${l}' of '${equation}' is in no input`);
      seen.add(l);
    }
  }
  return { inputs, output };
}

/** Sums x over the axes whose labels `keep` rejects; returns the rest of the labels. */
function sumOut(x: Tensor, labels: readonly string[], keep: (l: string) => boolean): { x: Tensor; labels: string[] } {
  const axes = labels.map((l, i) => (keep(l) ? -1 : i)).filter((i) => i >= 0);
  if (axes.length === 0) return { x, labels: [...labels] };
  return { x: sum(x, axes), labels: labels.filter((l) => keep(l)) };
}

/** x with its axes put in the order of `want` (a permutation of `labels`). */
function ordered(x: Tensor, labels: readonly string[], want: readonly string[]): Tensor {
  const perm = want.map((l) => labels.indexOf(l));
  return perm.every((p, i) => p === i) ? x : transpose(x, perm);
}

/**
 * Einstein summation, as NumPy's `einsum` and Keras' `ops.einsum`: `einsum('ij,jk->ik', a, b)`
 * is a matrix product, `einsum('bqhd,bkhd->bhqk', q, k)` attention scores, `einsum('ij->j', x)`
 * a column sum. Differentiable in every operand.
 */
export function einsum(equation: string, ...operands: Tensor[]): Tensor {
  if (operands.length < 1 || operands.length > 2) throw new RangeError(`einsum: one or two operands are supported; got ${operands.length}`);
  operands.forEach((t, i) => {
    checkTensor(t, 'einsum', `operand ${i}`);
    requireFloat(t, 'einsum', `operand ${i}`);
  });
  const { inputs, output } = parse(equation, operands.map((t) => t.rank));
  // The size of every label; size-1 '...' axes broadcast against larger ones.
  const size = new Map<string, number>();
  inputs.forEach((labels, i) =>
    labels.forEach((l, ax) => {
      const d = operands[i].shape[ax];
      const had = size.get(l);
      if (had === undefined || had === 1) size.set(l, d);
      else if (d !== had && !(d === 1 && /^\d+$/.test(l))) {
        throw new RangeError(`einsum: '${equation}': label '${l}' has size ${had} in one operand and ${d} in operand ${i} (shapes ${operands.map((t) => formatShape(t.shape)).join(', ')})`);
      }
    }),
  );
  const inOutput = (l: string): boolean => output.includes(l);
  if (operands.length === 1) {
    const r = sumOut(operands[0], inputs[0], inOutput);
    return ordered(r.x, r.labels, output);
  }
  // Labels only one operand has and the output lacks are summed out first.
  const [la0, lb0] = inputs;
  const a1 = sumOut(operands[0], la0, (l) => inOutput(l) || lb0.includes(l));
  const b1 = sumOut(operands[1], lb0, (l) => inOutput(l) || la0.includes(l));
  const la = a1.labels;
  const lb = b1.labels;
  let a = a1.x;
  let b = b1.x;
  // Size-1 ellipsis axes of one operand broadcast to the other's size.
  const grown = (t: Tensor, labels: readonly string[]): Tensor => {
    const full = labels.map((l, ax) => (t.shape[ax] === 1 ? (size.get(l) as number) : t.shape[ax]));
    return full.every((d, ax) => d === t.shape[ax]) ? t : broadcastTo(t, full);
  };
  a = grown(a, la);
  b = grown(b, lb);
  const batch = output.filter((l) => la.includes(l) && lb.includes(l));
  const contracted = la.filter((l) => lb.includes(l) && !inOutput(l));
  const freeA = la.filter((l) => !lb.includes(l));
  const freeB = lb.filter((l) => !la.includes(l));
  const prod = (ls: readonly string[]): number => ls.reduce((p, l) => p * (size.get(l) as number), 1);
  // [batch, M, K] · [batch, K, N] → [batch, M, N]
  a = reshape(ordered(a, la, [...batch, ...freeA, ...contracted]), [prod(batch), prod(freeA), prod(contracted)]);
  b = reshape(ordered(b, lb, [...batch, ...contracted, ...freeB]), [prod(batch), prod(contracted), prod(freeB)]);
  const labels = [...batch, ...freeA, ...freeB];
  const y = reshape(matmul(a, b), labels.map((l) => size.get(l) as number));
  return ordered(y, labels, output);
}
