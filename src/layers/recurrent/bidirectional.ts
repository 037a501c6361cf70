import { Tensor } from '../../tensor/tensor.js';
import { add, concat, div, gather, mul } from '../../ops/index.js';
import { type ConfigDict, type ConfigValue, type Serialized, camelKeys, serialize } from '../../utils/serialization.js';
import { Layer, baseArgs, type CallOptions, type LayerArgs, type Mask, type MaskArg } from '../layer.js';
import type { LayerShape } from '../symbolic.js';
import { type ArgDecl, type ArgsIn, type DeclaredArgs, arg, declareArgs } from '../args.js';
import { RecurrentLayer } from './rnn.js';
import { Wrapper } from './wrapper.js';
import { deserializeLayer, registerLayer } from '../registry.js';
import { type Keras3Weight, attributeWeights } from '../keras3-paths.js';

export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave' | null;
const MERGE_MODES: readonly MergeMode[] = ['concat', 'sum', 'mul', 'ave', null];

/** Bidirectional's declared arguments (the layers are rebuilt by Bidirectional.fromConfig). */
const BIDIRECTIONAL_ARGS = declareArgs('Bidirectional', {
  /** How the two outputs combine: 'concat' (default), 'sum', 'mul', 'ave', or null for a list [forward, backward]. */
  mergeMode: arg.custom<MergeMode, MergeMode>({
    resolve: (v, where) => {
      const mode = v === undefined ? 'concat' : v;
      if (!MERGE_MODES.includes(mode)) throw new RangeError(`${where} must be one of 'concat', 'sum', 'mul', 'ave' or null; got '${String(mode)}'`);
      return mode;
    },
    toConfig: (v) => v,
    // null in a config is a mode of its own (a list of the two outputs), not "absent".
    fromConfig: (v) => (v === undefined ? undefined : (v as MergeMode)),
  }),
});

export type BidirectionalArgs = LayerArgs & ArgsIn<typeof BIDIRECTIONAL_ARGS> & {
  /** The recurrent layer; a forward and a backward copy are made from its config (Keras). */
  readonly layer: RecurrentLayer;
  /** A custom backward layer (goBackwards must differ from the layer's; used as given). */
  readonly backwardLayer?: RecurrentLayer;
};

/** A recurrent layer class: rebuilt from a camelCased config through its declared arguments, or its own fromConfig. */
interface RecurrentClass {
  new (args: LayerArgs): Layer;
  readonly args: DeclaredArgs<ArgDecl> | null;
  fromConfig?(config: ConfigDict): Layer;
}

function recreate(layer: RecurrentLayer, name: string, flip: boolean): RecurrentLayer {
  const config = camelKeys(layer.getConfig());
  config.name = name;
  if (flip) config.goBackwards = !layer.goBackwards;
  delete config.batchInputShape;
  const cls = layer.constructor as unknown as RecurrentClass;
  const copy = typeof cls.fromConfig === 'function' ? cls.fromConfig(config) : cls.args ? new cls({ ...baseArgs(config), ...(cls.args.fromConfig(config) as LayerArgs) }) : null;
  if (!(copy instanceof RecurrentLayer)) throw new TypeError(`Bidirectional: ${layer.getClassName()} could not be rebuilt from its config as a recurrent layer`);
  return copy;
}

/**
 * Runs a recurrent layer over the sequence forwards and a copy backwards, and merges the
 * two outputs (Keras Bidirectional). The backward output sequence is reversed back into
 * time order before merging. Weights: forward then backward, named
 * `bidirectional/forward_lstm/lstm_cell_1/kernel` etc. as tf.keras 2 does. With masks and
 * returnSequences both directions output zeros at masked steps (Keras forces
 * zero_output_for_mask there). Initial states come as a list input [x, ...forward states,
 * ...backward states].
 */
export class Bidirectional extends Wrapper {
  /** Keras 3 keeps the two directions under `forward_layer/` and `backward_layer/`. */
  override keras3Weights(): Keras3Weight[] {
    return [...attributeWeights('forward_layer', this.forwardLayer), ...attributeWeights('backward_layer', this.backwardLayer)];
  }

  static override readonly className = 'Bidirectional';
  static override readonly args = BIDIRECTIONAL_ARGS;
  readonly forwardLayer: RecurrentLayer;
  readonly backwardLayer: RecurrentLayer;
  readonly mergeMode: MergeMode;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly stateful: boolean;
  private readonly backwardConfig: Serialized | null;

  constructor(args: BidirectionalArgs) {
    const declared = args.batchInputShape ?? (args.inputShape ? undefined : args.layer?.batchInputShape ?? undefined);
    super({ ...args, batchInputShape: declared }, args.layer);
    if (!(args.layer instanceof RecurrentLayer)) throw new TypeError(`Bidirectional: layer must be a recurrent layer (SimpleRNN, LSTM, GRU); got ${String((args.layer as unknown as { constructor?: { name?: string } })?.constructor?.name ?? args.layer)}`);
    this.mergeMode = this.declared(BIDIRECTIONAL_ARGS, args).mergeMode;
    this.forwardLayer = recreate(args.layer, `forward_${args.layer.name}`, false);
    if (args.backwardLayer !== undefined) {
      if (!(args.backwardLayer instanceof RecurrentLayer)) throw new TypeError('Bidirectional: backwardLayer must be a recurrent layer');
      this.backwardConfig = serialize(args.backwardLayer);
      (args.backwardLayer as { name: string }).name = `backward_${args.backwardLayer.name}`;
      this.backwardLayer = args.backwardLayer;
    } else {
      this.backwardConfig = null;
      this.backwardLayer = recreate(args.layer, `backward_${args.layer.name}`, true);
    }
    this.verify();
    for (const l of [this.forwardLayer, this.backwardLayer]) l.zeroOutputForMask = l.returnSequences;
    this.returnSequences = args.layer.returnSequences;
    this.returnState = args.layer.returnState;
    this.stateful = args.layer.stateful;
    this.supportsMasking = true;
    this.inputSpec = { ndim: 3 };
  }

  private verify(): void {
    const [f, b] = [this.forwardLayer, this.backwardLayer];
    if (f.goBackwards === b.goBackwards) throw new RangeError('Bidirectional: the forward and backward layers must have different goBackwards values');
    for (const key of ['stateful', 'returnSequences', 'returnState'] as const) {
      if (f[key] !== b[key]) throw new RangeError(`Bidirectional: the forward and backward layers must have the same ${key}; got ${f[key]} and ${b[key]}`);
    }
  }

  protected innerLayers(): Layer[] {
    return [this.forwardLayer, this.backwardLayer];
  }

  protected override checkInputs(shapes: readonly LayerShape[]): void {
    super.checkInputs(shapes.slice(0, 1));
  }

  override build(inputShape: LayerShape | readonly LayerShape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as LayerShape;
    this.buildInner(this.forwardLayer, shape, `${this.name}/${this.forwardLayer.name}`);
    this.buildInner(this.backwardLayer, shape, `${this.name}/${this.backwardLayer.name}`);
  }

  call(inputs: Tensor | Tensor[], options: CallOptions): Tensor | Tensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const states = list.slice(1);
    if (states.length % 2 !== 0) throw new RangeError(`Layer ${this.name} (Bidirectional): initial states must come in two halves (forward, backward); got ${states.length}`);
    const half = states.length / 2;
    const mask = Array.isArray(options.mask) ? ((options.mask as readonly Mask[])[0] ?? null) : options.mask;
    const opts = { training: options.training, mask: mask ?? undefined };
    const fwd = this.forwardLayer.apply(half ? [list[0], ...states.slice(0, half)] : list[0], opts) as Tensor | Tensor[];
    const bwd = this.backwardLayer.apply(half ? [list[0], ...states.slice(half)] : list[0], opts) as Tensor | Tensor[];
    let y = Array.isArray(fwd) ? fwd[0] : fwd;
    let yRev = Array.isArray(bwd) ? bwd[0] : bwd;
    const outStates = this.returnState ? [...(fwd as Tensor[]).slice(1), ...(bwd as Tensor[]).slice(1)] : [];
    if (this.returnSequences) {
      const time = yRev.shape[1];
      yRev = gather(yRev, Array.from({ length: time }, (_, i) => time - 1 - i), 1);
    }
    const merged = this.merge(y, yRev);
    y = merged[0];
    return this.returnState ? [...merged, ...outStates] : this.mergeMode === null ? merged : y;
  }

  private merge(y: Tensor, yRev: Tensor): Tensor[] {
    switch (this.mergeMode) {
      case 'concat':
        return [concat([y, yRev], -1)];
      case 'sum':
        return [add(y, yRev)];
      case 'ave':
        return [div(add(y, yRev), 2)];
      case 'mul':
        return [mul(y, yRev)];
      default:
        return [y, yRev];
    }
  }

  override computeOutputShape(inputShape: LayerShape | readonly LayerShape[]): LayerShape | LayerShape[] {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as LayerShape;
    const inner = this.forwardLayer.computeOutputShape(shape);
    const list = (this.returnState ? inner : [inner]) as LayerShape[];
    let out: LayerShape[] = [list[0]];
    if (this.mergeMode === 'concat') out = [[...list[0].slice(0, -1), list[0][list[0].length - 1] === null ? null : (list[0][list[0].length - 1] as number) * 2]];
    else if (this.mergeMode === null) out = [list[0], [...list[0]]];
    if (!this.returnState) return out.length === 1 ? out[0] : out;
    const states = list.slice(1);
    return [...out, ...states, ...states.map((s) => [...s])];
  }

  /** Keras: the input mask for sequence outputs (each of the two with mergeMode null), none for states. */
  override computeMask(_inputs: Tensor | Tensor[], mask?: MaskArg): MaskArg {
    const m = Array.isArray(mask) ? ((mask as readonly Mask[])[0] ?? null) : ((mask as Mask | undefined) ?? null);
    const seq = this.returnSequences ? m : null;
    const outs: Mask[] = this.mergeMode === null ? [seq, seq] : [seq];
    if (!this.returnState) return outs.length === 1 ? outs[0] : outs;
    const n = this.forwardLayer.stateSize;
    return [...outs, ...new Array<Mask>(2 * n).fill(null)];
  }

  /** Resets the carried states of both directions (stateful layers). */
  resetStates(): void {
    this.forwardLayer.resetStates();
    this.backwardLayer.resetStates();
  }

  protected override layerConfig(): ConfigDict {
    const config: ConfigDict = super.layerConfig();
    if (this.backwardConfig) config.backward_layer = this.backwardConfig as unknown as ConfigValue;
    return config;
  }

  static fromConfig(config: ConfigDict, deserialize: (s: Serialized) => Layer): Bidirectional {
    const layer = deserialize(config.layer as unknown as Serialized);
    const back = config.backwardLayer ? deserialize(config.backwardLayer as unknown as Serialized) : undefined;
    if (!(layer instanceof RecurrentLayer) || (back !== undefined && !(back instanceof RecurrentLayer))) {
      throw new TypeError(`Bidirectional: the config's layer must be a recurrent layer; got ${layer.getClassName()}`);
    }
    return new Bidirectional({ ...baseArgs(config), ...BIDIRECTIONAL_ARGS.fromConfig(config), layer, backwardLayer: back as RecurrentLayer | undefined });
  }
}
registerLayer({ className: Bidirectional.className, fromConfig: (config) => Bidirectional.fromConfig(config, deserializeLayer) });
