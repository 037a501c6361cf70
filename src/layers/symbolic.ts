import type { DataType } from '../tensor/dtype.js';
import type { Layer } from './layer.js';

/** A Keras shape: the batch (and any unknown) dimension is null. */
export type LayerShape = readonly (number | null)[];

let nextSymbolic = 1;

/**
 * A placeholder flowing through the functional API (Keras' KerasTensor): it has a shape
 * and remembers which layer application (node) produced it, so a Model can be traced
 * from its outputs back to its inputs.
 */
export class SymbolicTensor {
  readonly id = nextSymbolic++;

  constructor(
    readonly shape: LayerShape,
    /** 'string' for a string input (Input({ dtype: 'string' })), which only text layers take. */
    readonly dtype: DataType | 'string',
    /** The node that produced it (for Input: the InputLayer's own node). */
    readonly node: LayerNode,
    /** Which output of that node it is. */
    readonly index: number,
    readonly name: string,
  ) {}

  get rank(): number {
    return this.shape.length;
  }

  toString(): string {
    return `SymbolicTensor(shape=[${this.shape.map((d) => (d === null ? 'null' : d)).join(', ')}], name=${this.name})`;
  }
}

/** One application of a layer to inputs: the edges of the layer graph. */
export class LayerNode {
  outputs: SymbolicTensor[] = [];

  constructor(
    readonly layer: Layer,
    readonly inputs: readonly SymbolicTensor[],
    /** Extra call arguments that must be replayed (e.g. `training`). */
    readonly callArgs: Readonly<Record<string, boolean | number | string>> = {},
    /** Whether the layer was called on one tensor (not a list of tensors). */
    readonly single = true,
    /**
     * Call options given as tensors (MultiHeadAttention's attentionMask), by option name: the
     * last `tensorOptions.length` entries of `inputs`, in this order.
     */
    readonly tensorOptions: readonly string[] = [],
  ) {}

  /** The tensors the layer was called on (`inputs` without the tensor call options). */
  get layerInputs(): readonly SymbolicTensor[] {
    return this.tensorOptions.length === 0 ? this.inputs : this.inputs.slice(0, this.inputs.length - this.tensorOptions.length);
  }

  /** Index of this node among the layer's inbound nodes. */
  get index(): number {
    return this.layer.inboundNodes.indexOf(this);
  }
}

export function formatLayerShape(shape: LayerShape | readonly LayerShape[]): string {
  const one = (s: LayerShape): string => `(${s.map((d) => (d === null ? 'None' : String(d))).join(', ')}${s.length === 1 ? ',' : ''})`;
  if (shape.length > 0 && Array.isArray(shape[0])) return `[${(shape as readonly LayerShape[]).map(one).join(', ')}]`;
  return one(shape as LayerShape);
}
