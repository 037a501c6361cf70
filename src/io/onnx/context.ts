/**
 * What a layer converter receives and the helpers they share: reading a layer's config and
 * weights, naming it in errors, and elementwise ops that run in whatever layout their input
 * already has.
 */
import type { Layer } from '../../layers/layer.js';
import type { LayerShape } from '../../layers/symbolic.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { ConfigValue } from '../../utils/serialization.js';
import type { GraphBuilder } from './builder.js';
import { OnnxValue, type Perm } from './values.js';

export interface ConvertArgs {
  readonly b: GraphBuilder;
  readonly layer: Layer;
  /** One value per input of the layer call. */
  readonly inputs: readonly OnnxValue[];
  /** Keras shapes (batch null) of the inputs and outputs of this call. */
  readonly inShapes: readonly LayerShape[];
  readonly outShapes: readonly LayerShape[];
  /** The node's kept call arguments (use_causal_mask, return_attention_scores). */
  readonly callArgs: Readonly<Record<string, boolean | number | string>>;
  /** Call options given as tensors: the last inputs, by option name (MultiHeadAttention's attentionMask). */
  readonly tensorOptions: readonly string[];
}

/** A concrete layer class (converters are looked up by the exact class of a layer). */
export type LayerClass = abstract new (...args: never[]) => Layer;

/** Converts one layer call to ONNX nodes: one value per output of the call. */
export type Converter = (a: ConvertArgs) => OnnxValue | OnnxValue[];

/** "layer 'conv2d_1' (Conv2D)", for error messages. */
export function who(layer: Layer): string {
  return `layer '${layer.name}' (${layer.getClassName()})`;
}

/** A config entry of the layer (Keras snake_case keys). */
export function configValue(layer: Layer, key: string): ConfigValue | undefined {
  return layer.getConfig()[key];
}

/** The layer's activation name (Dense, conv layers, Activation). */
export function activationOf(layer: Layer): string {
  const act = configValue(layer, 'activation');
  return typeof act === 'string' ? act : 'linear';
}

/** A built weight's values and shape, with a clear error when the layer has not been built. */
export function weightOf(layer: Layer, w: Tensor | null, what: string): { data: Float32Array; dims: number[] } {
  if (w === null) throw new Error(`ONNX export: ${who(layer)} has no ${what} weight (it has not been built)`);
  if (w.dtype !== 'float32') throw new Error(`ONNX export: ${who(layer)}: weight ${what} is ${w.dtype}; only float32 weights are exported`);
  return { data: w.dataSync() as Float32Array, dims: [...w.shape] };
}

/** A logical axis (possibly negative) of a tensor of this rank, normalized. */
export function normalizeAxis(axis: number, rank: number, layer: Layer): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new Error(`ONNX export: ${who(layer)}: axis ${axis} is out of range for a tensor of rank ${rank}`);
  return a;
}

/** The layer's spatial data format ('channels_last' unless the config says otherwise). */
export function dataFormatOf(layer: Layer): 'channels_last' | 'channels_first' {
  return configValue(layer, 'data_format') === 'channels_first' ? 'channels_first' : 'channels_last';
}

/**
 * Applies an elementwise op in the input's primary layout; `f` gets the ONNX tensor and
 * its layout and returns the output tensor, which has the same layout.
 */
export function elementwise(a: ConvertArgs, f: (x: string, perm: Perm) => string): OnnxValue {
  const { perm, name } = a.inputs[0].primary;
  return new OnnxValue(a.outShapes[0]).set(perm, f(name, perm));
}
