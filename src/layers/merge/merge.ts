import { Tensor } from '../../tensor/tensor.js';
import { broadcastShapes } from '../../tensor/shape.js';
import { add, concat, div, matmul, maximum, minimum, mul, reshape, sqrt, sub, sum, transpose, maximum as maxOp, square } from '../../ops/index.js';
import { Layer, type LayerArgs, type MaskArg } from '../layer.js';
import { type ArgsIn, arg, declareArgs } from '../args.js';
import { mergedMask } from './merge-mask.js';
import { type LayerShape, formatLayerShape } from '../symbolic.js';
import { registerLayer } from '../registry.js';

/** Broadcast of two Keras shapes (null = unknown) for elementwise merges. */
function mergeShapes(a: LayerShape, b: LayerShape, layer: string): LayerShape {
  const rank = Math.max(a.length, b.length);
  const out: (number | null)[] = [];
  for (let i = 0; i < rank; i++) {
    const da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
    const db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
    if (da === null || db === null) out.push(da === 1 ? db : db === 1 ? da : da ?? db);
    else if (da === db || da === 1 || db === 1) out.push(da === 1 ? db : da);
    else throw new RangeError(`Layer ${layer}: inputs with shapes ${formatLayerShape(a)} and ${formatLayerShape(b)} cannot be merged elementwise`);
  }
  return out;
}

const MERGE_ARGS = declareArgs('Merge', {});
const CONCATENATE_ARGS = declareArgs('Concatenate', { axis: arg.int({ default: -1 }) });
const DOT_ARGS = declareArgs('Dot', {
  /** The contracted axis of each input (batch axis 0), or one for both. */
  axes: arg.json<[number, number]>((v, where) => {
    const pair = typeof v === 'number' ? [v, v] : v;
    if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((d) => Number.isInteger(d))) throw new RangeError(`${where} must be an axis or a pair of axes; got ${JSON.stringify(v)}`);
    return [pair[0] as number, pair[1] as number];
  }),
  /** L2-normalize along the axes first (cosine proximity). */
  normalize: arg.bool(false),
});

/** Elementwise merges of a list of same-shaped (broadcastable) inputs. */
abstract class ElementwiseMerge extends Layer {
  static override readonly args = MERGE_ARGS;
  protected abstract combine(a: Tensor, b: Tensor): Tensor;
  protected readonly exactlyTwo: boolean = false;

  constructor(args: LayerArgs = {}) {
    super(args);
    this.declared(MERGE_ARGS, args);
  }

  override build(inputShape: readonly LayerShape[]): void {
    if (!Array.isArray(inputShape[0])) throw new TypeError(`Layer ${this.name} (${this.getClassName()}): call it on a list of inputs`);
    if (inputShape.length < 2) throw new RangeError(`Layer ${this.name} (${this.getClassName()}): needs at least 2 inputs; got ${inputShape.length}`);
    if (this.exactlyTwo && inputShape.length !== 2) throw new RangeError(`Layer ${this.name} (${this.getClassName()}): needs exactly 2 inputs; got ${inputShape.length}`);
    inputShape.reduce((acc, s) => mergeShapes(acc, s, this.name));
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const list = inputs as Tensor[];
    let out = list[0];
    for (let i = 1; i < list.length; i++) {
      broadcastShapes(out.shape, list[i].shape, `Layer ${this.name} (${this.getClassName()})`);
      out = this.combine(out, list[i]);
    }
    return this.finish(out, list.length);
  }

  protected finish(out: Tensor, _n: number): Tensor {
    return out;
  }

  /** The AND of the inputs' masks (Keras _Merge). */
  override computeMask(inputs: Tensor | Tensor[], mask?: MaskArg): MaskArg {
    return mergedMask(inputs as Tensor[], mask);
  }

  override computeOutputShape(inputShape: readonly LayerShape[]): LayerShape {
    return inputShape.reduce((acc, s) => mergeShapes(acc, s, this.name));
  }
}

export class Add extends ElementwiseMerge {
  static override readonly className = 'Add';
  protected combine(a: Tensor, b: Tensor): Tensor {
    return add(a, b);
  }
}
registerLayer(Add);

/** inputs[0] − inputs[1] (exactly two inputs). */
export class Subtract extends ElementwiseMerge {
  static override readonly className = 'Subtract';
  protected override readonly exactlyTwo = true;
  protected combine(a: Tensor, b: Tensor): Tensor {
    return sub(a, b);
  }
}
registerLayer(Subtract);

export class Multiply extends ElementwiseMerge {
  static override readonly className = 'Multiply';
  protected combine(a: Tensor, b: Tensor): Tensor {
    return mul(a, b);
  }
}
registerLayer(Multiply);

export class Average extends ElementwiseMerge {
  static override readonly className = 'Average';
  protected combine(a: Tensor, b: Tensor): Tensor {
    return add(a, b);
  }
  protected override finish(out: Tensor, n: number): Tensor {
    return div(out, n);
  }
}
registerLayer(Average);

export class Maximum extends ElementwiseMerge {
  static override readonly className = 'Maximum';
  protected combine(a: Tensor, b: Tensor): Tensor {
    return maximum(a, b);
  }
}
registerLayer(Maximum);

export class Minimum extends ElementwiseMerge {
  static override readonly className = 'Minimum';
  protected combine(a: Tensor, b: Tensor): Tensor {
    return minimum(a, b);
  }
}
registerLayer(Minimum);

/** Joins inputs along an axis (default the last). */
export class Concatenate extends Layer {
  static override readonly className = 'Concatenate';
  static override readonly args = CONCATENATE_ARGS;
  readonly axis: number;

  constructor(args: LayerArgs & ArgsIn<typeof CONCATENATE_ARGS> = {}) {
    super(args);
    this.axis = this.declared(CONCATENATE_ARGS, args).axis;
  }

  private check(shapes: readonly LayerShape[]): number {
    if (!Array.isArray(shapes[0]) || shapes.length < 2) throw new RangeError(`Layer ${this.name} (Concatenate): needs a list of at least 2 inputs`);
    const rank = shapes[0].length;
    const ax = this.axis < 0 ? this.axis + rank : this.axis;
    if (ax < 0 || ax >= rank) throw new RangeError(`Layer ${this.name} (Concatenate): axis ${this.axis} is out of range for inputs of rank ${rank}`);
    for (const s of shapes) {
      const bad = s.length !== rank || s.some((d, i) => i !== ax && d !== null && shapes[0][i] !== null && d !== shapes[0][i]);
      if (bad) throw new RangeError(`Layer ${this.name} (Concatenate): inputs must match except along axis ${this.axis}; got ${shapes.map((x) => formatLayerShape(x)).join(' and ')}`);
    }
    return ax;
  }

  override build(inputShape: readonly LayerShape[]): void {
    this.check(inputShape);
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const list = inputs as Tensor[];
    return concat(list, this.check(list.map((t) => t.shape)));
  }

  /** The inputs' masks: joined along the axis when the masks have it, else their AND (Keras). */
  override computeMask(inputs: Tensor | Tensor[], mask?: MaskArg): MaskArg {
    const list = inputs as Tensor[];
    return mergedMask(list, mask, this.check(list.map((t) => t.shape)));
  }

  override computeOutputShape(inputShape: readonly LayerShape[]): LayerShape {
    const ax = this.check(inputShape);
    return inputShape[0].map((d, i) => (i === ax ? (inputShape.some((s) => s[ax] === null) ? null : inputShape.reduce((t, s) => t + (s[ax] as number), 0)) : d));
  }
}
registerLayer(Concatenate);

/**
 * Batched dot product of two inputs along `axes` (one axis each, counted with the batch
 * axis at 0); `normalize` makes it the cosine proximity. Output drops the contracted axes;
 * two vectors give [batch, 1] as in Keras.
 */
export class Dot extends Layer {
  static override readonly className = 'Dot';
  static override readonly args = DOT_ARGS;
  readonly axes: [number, number];
  readonly normalize: boolean;

  constructor(args: LayerArgs & Omit<ArgsIn<typeof DOT_ARGS>, 'axes'> & { readonly axes: number | readonly [number, number] }) {
    super(args);
    ({ axes: this.axes, normalize: this.normalize } = this.declared(DOT_ARGS, args));
  }

  private resolve(shapes: readonly LayerShape[]): [number, number] {
    if (!Array.isArray(shapes[0]) || shapes.length !== 2) throw new RangeError(`Layer ${this.name} (Dot): needs exactly 2 inputs`);
    const ax = this.axes.map((a, i) => (a < 0 ? a + shapes[i].length : a)) as [number, number];
    ax.forEach((a, i) => {
      if (a < 1 || a >= shapes[i].length) throw new RangeError(`Layer ${this.name} (Dot): axis ${this.axes[i]} is not a non-batch axis of input ${i} ${formatLayerShape(shapes[i])}`);
    });
    const [da, db] = [shapes[0][ax[0]], shapes[1][ax[1]]];
    if (da !== null && db !== null && da !== db) throw new RangeError(`Layer ${this.name} (Dot): dimension ${da} of input 0 (axis ${ax[0]}) ≠ dimension ${db} of input 1 (axis ${ax[1]}); shapes ${formatLayerShape(shapes[0])} and ${formatLayerShape(shapes[1])}`);
    return ax;
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    let [a, b] = inputs as Tensor[];
    const [axA, axB] = this.resolve([a.shape, b.shape]);
    if (this.normalize) {
      const l2 = (t: Tensor, ax: number): Tensor => div(t, sqrt(maxOp(sum(square(t), ax, true), 1e-12)));
      a = l2(a, axA);
      b = l2(b, axB);
    }
    // a → [batch, P, k], b → [batch, k, Q]; batch matmul; back to [batch, ...restA, ...restB].
    const moveLast = (t: Tensor, ax: number): Tensor => transpose(t, [...t.shape.map((_, i) => i).filter((i) => i !== ax), ax]);
    const moveFirst = (t: Tensor, ax: number): Tensor => transpose(t, [0, ax, ...t.shape.map((_, i) => i).filter((i) => i !== ax && i !== 0)]);
    const at = moveLast(a, axA);
    const bt = moveFirst(b, axB);
    const batch = a.shape[0];
    const k = a.shape[axA];
    const restA = at.shape.slice(1, -1);
    const restB = bt.shape.slice(2);
    const p = restA.reduce((s, d) => s * d, 1);
    const q = restB.reduce((s, d) => s * d, 1);
    const y = matmul(reshape(at, [batch, p, k]), reshape(bt, [batch, k, q]));
    const outRest = [...restA, ...restB];
    return reshape(y, [batch, ...(outRest.length === 0 ? [1] : outRest)]);
  }

  override computeOutputShape(inputShape: readonly LayerShape[]): LayerShape {
    const [axA, axB] = this.resolve(inputShape);
    const restA = inputShape[0].filter((_, i) => i !== 0 && i !== axA);
    const restB = inputShape[1].filter((_, i) => i !== 0 && i !== axB);
    const rest = [...restA, ...restB];
    return [inputShape[0][0], ...(rest.length === 0 ? [1] : rest)];
  }
}
registerLayer(Dot);
