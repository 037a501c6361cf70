import type { ConfigDict } from '../utils/serialization.js';
import { serialize } from '../utils/serialization.js';
import { type Initializer, getInitializer } from '../initializers/index.js';
import { type Regularizer, getRegularizer } from '../regularizers/index.js';
import { type Constraint, getConstraint } from '../constraints/index.js';

export type InitializerLike = Parameters<typeof getInitializer>[0];
export type RegularizerLike = Parameters<typeof getRegularizer>[0] | null | undefined;
export type ConstraintLike = Parameters<typeof getConstraint>[0] | null | undefined;

/** How one weight is created and kept in bounds: Keras' `<name>_initializer/_regularizer/_constraint`. */
export interface WeightSpec {
  readonly initializer: Initializer;
  readonly regularizer: Regularizer | null;
  readonly constraint: Constraint | null;
}

/** The `<prefix>Initializer`, `<prefix>Regularizer` and `<prefix>Constraint` arguments of a layer, resolved. */
export function weightSpec(args: object, prefix: string, defaultInitializer: InitializerLike): WeightSpec {
  const a = args as Readonly<Record<string, unknown>>;
  const reg = a[`${prefix}Regularizer`] as RegularizerLike;
  const con = a[`${prefix}Constraint`] as ConstraintLike;
  return {
    initializer: getInitializer((a[`${prefix}Initializer`] ?? defaultInitializer) as InitializerLike),
    regularizer: reg ? getRegularizer(reg) : null,
    constraint: con ? getConstraint(con) : null,
  };
}

/** Serialized form of an optional initializer/regularizer/constraint for configs. */
export function serializeOptional(v: { getClassName(): string; getConfig(): ConfigDict } | null): ConfigDict | null {
  return v ? (serialize(v) as unknown as ConfigDict) : null;
}

/** Keras config keys for a weight spec: `<prefix>_initializer`, `_regularizer`, `_constraint`. */
export function weightSpecConfig(prefix: string, spec: WeightSpec): ConfigDict {
  return {
    [`${prefix}_initializer`]: serializeOptional(spec.initializer),
    [`${prefix}_regularizer`]: serializeOptional(spec.regularizer),
    [`${prefix}_constraint`]: serializeOptional(spec.constraint),
  };
}

/** Constructor arguments for a weight spec read back from a camelCased Keras config. */
export function weightSpecArgs(config: ConfigDict, prefix: string): Record<string, InitializerLike | RegularizerLike | ConstraintLike> {
  const out: Record<string, InitializerLike | RegularizerLike | ConstraintLike> = {};
  for (const kind of ['Initializer', 'Regularizer', 'Constraint']) {
    const v = config[`${prefix}${kind}`];
    if (v !== null && v !== undefined) out[`${prefix}${kind}`] = v as InitializerLike;
  }
  return out;
}

/** The weight arguments of layers with a kernel and a bias (Dense, Conv*). */
export interface KernelBiasArgs {
  readonly useBias?: boolean;
  readonly kernelInitializer?: InitializerLike;
  readonly biasInitializer?: InitializerLike;
  readonly kernelRegularizer?: RegularizerLike;
  readonly biasRegularizer?: RegularizerLike;
  readonly activityRegularizer?: RegularizerLike;
  readonly kernelConstraint?: ConstraintLike;
  readonly biasConstraint?: ConstraintLike;
}

/**
 * The config keys of a layer with a kernel, a bias and an activity regularizer (Dense, the
 * conv layers, EinsumDense, MultiHeadAttention): `kernel_*`, `bias_*`, `activity_regularizer`.
 */
export function kernelBiasConfig(kernel: WeightSpec, bias: WeightSpec, activity: Regularizer | null): ConfigDict {
  return { ...weightSpecConfig('kernel', kernel), ...weightSpecConfig('bias', bias), activity_regularizer: serializeOptional(activity) };
}

/** kernelBiasConfig's keys read back (from a camelCased config) as constructor arguments. */
export function kernelBiasArgs(config: ConfigDict): Omit<KernelBiasArgs, 'useBias'> {
  return { ...weightSpecArgs(config, 'kernel'), ...weightSpecArgs(config, 'bias'), activityRegularizer: (config.activityRegularizer ?? undefined) as RegularizerLike };
}
