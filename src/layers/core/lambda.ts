import type { Tensor } from '../../tensor/tensor.js';
import { zeros } from '../../tensor/create.js';
import type { ConfigDict, ConfigValue } from '../../utils/serialization.js';
import { noGrad } from '../../autograd/tape.js';
import { Layer, baseArgs, type CallOptions, type LayerArgs } from '../layer.js';
import type { LayerShape } from '../symbolic.js';
import { registerLayer } from '../registry.js';

/** What a Lambda computes: a function of its input (or inputs) made of Neurite ops. */
export type LambdaFunction = (inputs: Tensor | Tensor[], args: Readonly<Record<string, ConfigValue>>) => Tensor;

const functions = new Map<string, LambdaFunction>();

/**
 * Registers a TypeScript function under a name, for Lambda layers: a Lambda saves that name,
 * and loading a model finds the function again by it. A file is never turned into code: a
 * Keras file's Lambda (Python bytecode) loads only when a function was registered under the
 * layer's name (or the name in its config).
 */
export function registerLambda(name: string, fn: LambdaFunction): void {
  if (typeof name !== 'string' || name.length === 0) throw new TypeError('registerLambda: name must be a non-empty string');
  if (typeof fn !== 'function') throw new TypeError(`registerLambda: the function for '${name}' must be a function`);
  functions.set(name, fn);
}

/** The names registered with registerLambda. */
export function registeredLambdas(): string[] {
  return [...functions.keys()].sort();
}

export interface LambdaArgs extends LayerArgs {
  /** The function, or the name it was registered under. */
  readonly function: LambdaFunction | string;
  /** The name saved in the config (default: the name `function` was registered under, when it was). */
  readonly functionName?: string;
  /** The output shape without the batch axis; default: found by calling the function on zeros. */
  readonly outputShape?: readonly (number | null)[] | null;
  /** Extra keyword arguments passed to the function (Keras' `arguments`; JSON values). */
  readonly arguments?: Readonly<Record<string, ConfigValue>>;
}

/**
 * Keras' Lambda: any function of ops as a layer. Its gradient is that of the ops it calls.
 * Saving needs a name (registerLambda); loading needs the same registration.
 */
export class Lambda extends Layer {
  static override readonly className = 'Lambda';
  readonly fn: LambdaFunction;
  readonly functionName: string | null;
  readonly outputShape: readonly (number | null)[] | null;
  readonly arguments: Readonly<Record<string, ConfigValue>>;

  constructor(args: LambdaArgs) {
    super(args);
    const f = args.function;
    if (typeof f === 'string') {
      const found = functions.get(f);
      if (!found) throw new RangeError(`Lambda: no function is registered as '${f}'; register one with nt.registerLambda('${f}', fn) (registered: ${registeredLambdas().join(', ') || 'none'})`);
      this.fn = found;
      this.functionName = f;
    } else if (typeof f === 'function') {
      this.fn = f;
      this.functionName = args.functionName ?? [...functions.entries()].find(([, g]) => g === f)?.[0] ?? null;
    } else {
      throw new TypeError('Lambda: function must be a function of tensors or the name of a registered one');
    }
    this.outputShape = args.outputShape ? [...args.outputShape] : null;
    this.arguments = args.arguments ?? {};
  }

  call(inputs: Tensor | Tensor[], _options: CallOptions): Tensor {
    return this.fn(inputs, this.arguments);
  }

  override computeOutputShape(inputShape: LayerShape | readonly LayerShape[]): LayerShape {
    const list = Array.isArray(inputShape[0]) ? (inputShape as readonly LayerShape[]) : null;
    const batch = list ? list[0][0] : (inputShape as LayerShape)[0];
    if (this.outputShape) return [batch, ...this.outputShape];
    // Call the function once on zeros of the input shape (batch 1 where unknown).
    const concrete = (s: LayerShape): Tensor => zeros(s.map((d) => d ?? 1));
    const out = noGrad(() => this.fn(list ? list.map(concrete) : concrete(inputShape as LayerShape), this.arguments));
    return [batch, ...out.shape.slice(1)];
  }

  protected override layerConfig(): ConfigDict {
    if (this.functionName === null) {
      throw new Error(`Layer ${this.name} (Lambda): its function has no registered name, so it cannot be saved; register it with nt.registerLambda(name, fn) first`);
    }
    return { function: this.functionName, function_type: 'registered', output_shape: this.outputShape ? [...this.outputShape] : null, arguments: { ...this.arguments } };
  }

  static fromConfig(config: ConfigDict): Lambda {
    const name = typeof config.name === 'string' ? config.name : undefined;
    const saved = typeof config.function === 'string' ? config.function : null;
    const key = saved !== null && functions.has(saved) ? saved : name !== undefined && functions.has(name) ? name : null;
    if (key === null) {
      const kind = config.functionType === 'lambda' || Array.isArray(config.function) ? 'Python code (a lambda), which Neurite never runs' : `the function '${saved}'`;
      throw new RangeError(
        `Lambda layer '${name ?? 'lambda'}' holds ${kind}; register a TypeScript function with nt.registerLambda('${saved !== null && config.functionType !== 'lambda' ? saved : name ?? 'lambda'}', fn) before loading the model`,
      );
    }
    const outputShape = Array.isArray(config.outputShape) ? (config.outputShape as (number | null)[]) : null;
    return new Lambda({ ...baseArgs(config), function: key, outputShape, arguments: (config.arguments ?? {}) as Record<string, ConfigValue> });
  }
}
registerLayer(Lambda);
