/**
 * GraphBuilder: collects ONNX nodes and initializers with unique names, materializes
 * tensors in the layouts converters ask for (see values.ts), and holds the export options
 * every converter needs (the opset).
 */
import { AttributeType, DataType, type AttributeMsg, type NodeMsg, type TensorMsg } from './proto.js';
import { type OnnxValue, type Perm, isIdentity, transposeBetween } from './values.js';

/** A typed attribute value: ONNX distinguishes ints from floats. */
export type Attr =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'ints'; readonly value: readonly number[] }
  | { readonly kind: 'floats'; readonly value: readonly number[] }
  | { readonly kind: 'strings'; readonly value: readonly string[] };

export const int = (value: number): Attr => ({ kind: 'int', value });
export const float = (value: number): Attr => ({ kind: 'float', value });
export const str = (value: string): Attr => ({ kind: 'string', value });
export const ints = (value: readonly number[]): Attr => ({ kind: 'ints', value });
export const floats = (value: readonly number[]): Attr => ({ kind: 'floats', value });
export const strs = (value: readonly string[]): Attr => ({ kind: 'strings', value });

function attribute(name: string, a: Attr): AttributeMsg {
  switch (a.kind) {
    case 'int':
      return { name, type: AttributeType.INT, i: a.value };
    case 'float':
      return { name, type: AttributeType.FLOAT, f: a.value };
    case 'string':
      return { name, type: AttributeType.STRING, s: new TextEncoder().encode(a.value) };
    case 'ints':
      return { name, type: AttributeType.INTS, ints: [...a.value] };
    case 'floats':
      return { name, type: AttributeType.FLOATS, floats: [...a.value] };
    case 'strings':
      return { name, type: AttributeType.STRINGS, strings: a.value.map((s) => new TextEncoder().encode(s)) };
  }
}

/** float32 values as little-endian bytes (TensorProto.raw_data). */
export function float32Bytes(data: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(data.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
  return out;
}

/** int64 values as little-endian bytes. */
export function int64Bytes(data: readonly number[]): Uint8Array {
  const out = new Uint8Array(data.length * 8);
  const view = new DataView(out.buffer);
  data.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return out;
}

export class GraphBuilder {
  readonly nodes: NodeMsg[] = [];
  readonly initializers: TensorMsg[] = [];
  private readonly used = new Set<string>();
  private readonly scalars = new Map<string, string>();
  private readonly weights = new WeakMap<object, Map<string, string>>();
  /** The layer being converted: node and tensor names start with it. */
  scope = '';

  constructor(readonly opset: number) {}

  /** A fresh tensor/node name starting with `base`. */
  unique(base: string): string {
    let name = base;
    for (let k = 1; this.used.has(name); k++) name = `${base}_${k}`;
    this.used.add(name);
    return name;
  }

  /** Reserves a name that must stay exactly as given (graph inputs). */
  reserve(name: string): void {
    if (this.used.has(name)) throw new Error(`ONNX export: the tensor name '${name}' is used twice`);
    this.used.add(name);
  }

  isUsed(name: string): boolean {
    return this.used.has(name);
  }

  private scoped(what: string): string {
    return this.scope ? `${this.scope}/${what}` : what;
  }

  /** Adds a node; returns its output names (one unless `outputs` says more). */
  nodeN(opType: string, inputs: readonly string[], attrs: Readonly<Record<string, Attr>> = {}, outputs = 1): string[] {
    const name = this.unique(this.scoped(opType));
    const outs = Array.from({ length: outputs }, (_, i) => this.unique(outputs === 1 ? `${name}:0` : `${name}:${i}`));
    this.nodes.push({
      input: [...inputs],
      output: outs,
      name,
      opType,
      domain: '',
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return outs;
  }

  /** An Identity node writing `to` (a name reserved by the caller). */
  identity(from: string, to: string): void {
    this.nodes.push({ input: [from], output: [to], name: this.unique(`${to}/Identity`), opType: 'Identity', domain: '', attribute: [] });
  }

  /** Adds a single-output node and returns its output name. */
  node(opType: string, inputs: readonly string[], attrs: Readonly<Record<string, Attr>> = {}): string {
    return this.nodeN(opType, inputs, attrs)[0];
  }

  /** A float32 initializer (the data is copied). */
  floatInit(what: string, data: ArrayLike<number>, dims: readonly number[]): string {
    const size = dims.reduce((a, b) => a * b, 1);
    if (size !== data.length) throw new Error(`ONNX export: internal error: initializer ${what} has ${data.length} values for dims [${dims.join(', ')}]`);
    const name = this.unique(this.scoped(what));
    this.initializers.push({ name, dims: [...dims], dataType: DataType.FLOAT, rawData: float32Bytes(data) });
    return name;
  }

  /**
   * A float32 initializer made from a layer weight (`source`), converted once per `tag`:
   * a layer applied several times (shared layers) shares its initializers.
   */
  weight(source: object, tag: string, make: () => { data: ArrayLike<number>; dims: readonly number[] }): string {
    let byTag = this.weights.get(source);
    if (byTag === undefined) {
      byTag = new Map();
      this.weights.set(source, byTag);
    }
    const found = byTag.get(tag);
    if (found !== undefined) return found;
    const { data, dims } = make();
    const name = this.floatInit(tag, data, dims);
    byTag.set(tag, name);
    return name;
  }

  /** A 1-D int64 initializer (shapes, pads, axes, starts/ends). */
  int64Init(what: string, values: readonly number[]): string {
    const name = this.unique(this.scoped(what));
    this.initializers.push({ name, dims: [values.length], dataType: DataType.INT64, rawData: int64Bytes(values) });
    return name;
  }

  /** A float32 scalar constant, shared by every node that needs the same value. */
  scalar(value: number): string {
    const key = String(Math.fround(value));
    const found = this.scalars.get(key);
    if (found !== undefined) return found;
    const name = this.unique(`const_${key}`);
    this.initializers.push({ name, dims: [], dataType: DataType.FLOAT, rawData: float32Bytes([value]) });
    this.scalars.set(key, name);
    return name;
  }

  /** The ONNX tensor holding `value` in layout `perm`, adding a Transpose when needed. */
  get(value: OnnxValue, perm: Perm): string {
    const found = value.find(perm);
    if (found !== undefined) return found;
    // Transpose from Neurite's own layout when it exists, else from the primary one.
    const from = value.layouts.find((l) => isIdentity(l.perm)) ?? value.primary;
    const name = this.node('Transpose', [from.name], { perm: ints(transposeBetween(from.perm, perm)) });
    value.set(perm, name);
    return name;
  }

  /** Renames a tensor produced by a node (used to give graph outputs their names). */
  rename(from: string, to: string): void {
    for (const n of this.nodes) {
      n.input = n.input.map((x) => (x === from ? to : x));
      n.output = n.output.map((x) => (x === from ? to : x));
    }
  }

  /** Whether a tensor is produced by one of the nodes (not a graph input or initializer). */
  isNodeOutput(name: string): boolean {
    return this.nodes.some((n) => n.output.includes(name));
  }

  /** ReduceMean/ReduceMax over `axes`: the axes are an attribute up to opset 17, an input from 18. */
  reduce(op: 'ReduceMean' | 'ReduceMax', x: string, axes: readonly number[], keepdims: boolean): string {
    if (this.opset >= 18) return this.node(op, [x, this.int64Init('axes', axes)], { keepdims: int(keepdims ? 1 : 0) });
    return this.node(op, [x], { axes: ints(axes), keepdims: int(keepdims ? 1 : 0) });
  }
}
