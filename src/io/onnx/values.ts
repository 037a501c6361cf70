/**
 * Layouts: a Neurite tensor (NHWC, Keras' logical layout) may live in the ONNX graph in
 * several physical layouts at once. A layout is a permutation `perm` of the logical axes:
 * physical axis i holds logical axis perm[i] (the identity is Neurite's own layout;
 * [0, r−1, 1, …, r−2] is channels-first, what ONNX Conv and pooling want). Converters ask
 * for the layout they need; a Transpose is emitted only when that layout does not exist yet,
 * so a chain conv → relu → pool → conv stays in NCHW with transposes only at its ends.
 */
import type { LayerShape } from '../../layers/symbolic.js';

export type Perm = readonly number[];

export function identityPerm(rank: number): number[] {
  return Array.from({ length: rank }, (_, i) => i);
}

/** NHWC → NCHW (channels last to axis 1) for a tensor of this rank. */
export function channelsFirstPerm(rank: number): number[] {
  if (rank < 3) return identityPerm(rank);
  return [0, rank - 1, ...Array.from({ length: rank - 2 }, (_, i) => i + 1)];
}

export function isIdentity(perm: Perm): boolean {
  return perm.every((p, i) => p === i);
}

export function permKey(perm: Perm): string {
  return perm.join(',');
}

/** The Transpose perm that takes layout `from` to layout `to` (both relative to the logical axes). */
export function transposeBetween(from: Perm, to: Perm): number[] {
  return to.map((axis) => from.indexOf(axis));
}

/**
 * One Neurite tensor in the ONNX graph: its Keras shape (batch null) and the ONNX tensor
 * names holding it, one per layout. The first layout recorded is its primary one.
 */
export class OnnxValue {
  private readonly forms = new Map<string, { perm: number[]; name: string }>();

  constructor(readonly shape: LayerShape) {}

  get rank(): number {
    return this.shape.length;
  }

  /** Records that the ONNX tensor `name` holds this value in layout `perm`. */
  set(perm: Perm, name: string): this {
    if (perm.length !== this.rank) throw new Error(`ONNX export: internal error: layout [${perm.join(', ')}] for a tensor of rank ${this.rank}`);
    const key = permKey(perm);
    if (!this.forms.has(key)) this.forms.set(key, { perm: [...perm], name });
    return this;
  }

  /** The name in layout `perm`, if it exists. */
  find(perm: Perm): string | undefined {
    return this.forms.get(permKey(perm))?.name;
  }

  /** The layout converters of elementwise ops work in (the first one recorded). */
  get primary(): { perm: number[]; name: string } {
    const first = this.forms.values().next();
    if (first.done) throw new Error('ONNX export: internal error: a value with no ONNX tensor');
    return first.value;
  }

  get layouts(): { perm: number[]; name: string }[] {
    return [...this.forms.values()];
  }
}

/** Permutes a row-major array of this shape: out = transpose(data, perm). */
export function transposeData(data: Float32Array, shape: readonly number[], perm: Perm): Float32Array {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]);
  const inStrides = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) inStrides[i] = inStrides[i + 1] * shape[i + 1];
  const stepOf = perm.map((p) => inStrides[p]);
  const out = new Float32Array(data.length);
  const index = new Array<number>(rank).fill(0);
  let src = 0;
  for (let o = 0; o < out.length; o++) {
    out[o] = data[src];
    for (let ax = rank - 1; ax >= 0; ax--) {
      index[ax]++;
      src += stepOf[ax];
      if (index[ax] < outShape[ax]) break;
      src -= stepOf[ax] * outShape[ax];
      index[ax] = 0;
    }
  }
  return out;
}
