import { Tensor } from '../tensor/tensor.js';
import { StringTensor } from '../tensor/string-tensor.js';
import { Layer } from '../layers/layer.js';
import { InputLayer } from '../layers/core/input.js';
import { SymbolicTensor, type LayerShape } from '../layers/symbolic.js';
import { deserializeLayer } from '../layers/registry.js';
import { type ConfigDict, type ConfigValue, type Serialized, serialize } from '../utils/serialization.js';
import { Model } from './model.js';

/**
 * A linear stack of layers (Keras Sequential). With an input shape on the first layer
 * (`inputShape`, or an InputLayer first) the graph is built as layers are added;
 * otherwise on the first call or fit, from the data's shape.
 */
export class Sequential extends Model {
  static override readonly className: string = 'Sequential';
  private readonly stack: Layer[] = [];
  private inputLayer: InputLayer | null = null;

  constructor(layersOrArgs: readonly Layer[] | { layers?: readonly Layer[]; name?: string } = []) {
    const args = Array.isArray(layersOrArgs) ? { layers: layersOrArgs as readonly Layer[] } : (layersOrArgs as { layers?: readonly Layer[]; name?: string });
    super({ name: args.name });
    for (const l of args.layers ?? []) this.add(l);
  }

  /** The stacked layers (without the implicit InputLayer, as in Keras). */
  /** A Sequential model is a graph of its stack, never a subclassed model. */
  override get isSubclassed(): boolean {
    return false;
  }

  override get layers(): Layer[] {
    return [...this.stack];
  }

  add(layer: Layer): void {
    if (!(layer instanceof Layer)) throw new TypeError(`Sequential.add: expected a layer; got ${layer === null ? 'null' : typeof layer}`);
    if (layer instanceof InputLayer) {
      if (this.stack.length > 0 || this.inputLayer) throw new Error(`Sequential ${this.name}: an InputLayer can only come first`);
      this.inputLayer = layer;
      return;
    }
    if (this.stack.some((l) => l === layer)) throw new Error(`Sequential ${this.name}: layer ${layer.name} is already in the model`);
    this.stack.push(layer);
    if (this.stack.length === 1 && !this.inputLayer && layer.batchInputShape) {
      this.inputLayer = new InputLayer({ batchInputShape: layer.batchInputShape, name: `${layer.name}_input` });
    } else if (this.stack.length === 1 && !this.inputLayer && layer instanceof Model && layer.isGraphBuilt) {
      this.inputLayer = new InputLayer({ batchInputShape: layer.inputShapes[0], name: `${layer.name}_input` });
    }
    if (this.inputLayer) this.rebuild(this.inputLayer.output);
  }

  /** Removes the last layer. */
  pop(): Layer {
    const l = this.stack.pop();
    if (!l) throw new Error(`Sequential ${this.name}: there is no layer to pop`);
    if (this.inputLayer && this.stack.length > 0) this.rebuild(this.inputLayer.output);
    return l;
  }

  private rebuild(input: SymbolicTensor): void {
    let x: SymbolicTensor = input;
    for (const l of this.stack) {
      const out = l.apply(x);
      if (Array.isArray(out)) throw new Error(`Sequential ${this.name}: layer ${l.name} has several outputs; use the functional API`);
      x = out as SymbolicTensor;
    }
    this.setGraph(input, x);
  }

  /** Builds the graph from the first data when no input shape was declared. */
  override ensureGraph(xs: readonly Tensor[]): void {
    if (this.isGraphBuilt) return;
    if (this.stack.length === 0) throw new Error(`Sequential ${this.name}: the model has no layers`);
    if (xs.length !== 1) throw new RangeError(`Sequential ${this.name}: takes one input; got ${xs.length}`);
    this.inputLayer = new InputLayer({ batchInputShape: [null, ...xs[0].shape.slice(1)], ...((xs[0] as unknown) instanceof StringTensor ? { dtype: 'string' as const } : {}), name: `${this.stack[0].name}_input` });
    this.rebuild(this.inputLayer.output);
  }

  /** The output shape for an input shape; an unbuilt model builds from it first (Keras). */
  override computeOutputShape(inputShape: LayerShape | readonly LayerShape[]): LayerShape | LayerShape[] {
    if (!this.isGraphBuilt) {
      const shape = (inputShape.length > 0 && Array.isArray(inputShape[0]) ? (inputShape as readonly LayerShape[])[0] : inputShape) as LayerShape;
      this.build([null, ...shape.slice(1)]);
    }
    return super.computeOutputShape(inputShape);
  }

  /** Declares the input shape ([null, ...sample]) and builds the graph (Keras model.build). */
  override build(inputShape: LayerShape): void {
    if (this.isGraphBuilt) return;
    this.inputLayer = new InputLayer({ batchInputShape: inputShape, name: `${this.stack[0]?.name ?? this.name}_input` });
    this.rebuild(this.inputLayer.output);
  }

  override summary(options: Parameters<Model['summary']>[0] = {}): string {
    if (!this.isGraphBuilt) throw new Error(`Sequential ${this.name}: the model has not been built yet; give the first layer an inputShape, call build([null, ...]) or fit/call it on data first`);
    return super.summary(options);
  }

  override getConfig(): ConfigDict {
    const layers: ConfigValue[] = [];
    if (this.inputLayer) layers.push(serialize(this.inputLayer) as unknown as ConfigValue);
    for (const l of this.stack) layers.push(serialize(l) as unknown as ConfigValue);
    return { name: this.name, layers };
  }

  static override fromConfig(config: ConfigDict): Sequential {
    const model = new Sequential({ name: config.name as string | undefined });
    const list = (Array.isArray(config) ? config : config.layers) as unknown as Serialized[];
    for (const spec of list) model.add(deserializeLayer(spec));
    return model;
  }
}

