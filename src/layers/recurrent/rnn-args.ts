/**
 * The argument groups the recurrent layers and cells share, declared once (layers/args.ts):
 * Keras' RNN options (RNN, SimpleRNN, LSTM, GRU, ConvLSTM2D), the cell arguments (the
 * cells, the layers around them and ConvLSTM2D) and the gated cells' extras. Each class's
 * declaration spreads the groups it has, so a default, a check or a config key is written
 * in one place for all of them.
 */
import type { Initializer } from '../../initializers/index.js';
import type { Regularizer } from '../../regularizers/index.js';
import type { Constraint } from '../../constraints/index.js';
import { type Arg, type ArgsOut, arg } from '../args.js';
import type { WeightSpec } from '../weight-spec.js';

/** A positive integer (units, filters), required; the error says "must be a positive integer". */
export function positiveInt(): Arg<number, number, true> {
  return arg.json<number>((v, where) => {
    if (!(typeof v === 'number' && Number.isInteger(v) && v > 0)) throw new RangeError(`${where} must be a positive integer; got ${String(v)}`);
    return v;
  });
}

/** A dropout fraction in [0, 1], default 0. */
export function rate(): Arg<number, number, false> {
  return arg.json<number, { default: number }>((v, where) => {
    if (!(typeof v === 'number' && v >= 0 && v <= 1)) throw new RangeError(`${where} must be in [0, 1]; got ${String(v)}`);
    return v;
  }, { default: 0 });
}

/** Keras' time_major: only false ([batch, time, features] inputs) is supported; the config holds false. */
export function timeMajor(): Arg<boolean, false, false> {
  return arg.custom<boolean, false>({
    resolve: (v, where) => {
      if (v) throw new RangeError(`${where} must be false (inputs [batch, time, features]); timeMajor=true is not supported`);
      return false;
    },
    toConfig: (v) => v,
  }) as Arg<boolean, false, false>;
}

/** Keras' RNN options: how the sequence runs and what the layer returns. */
export function rnnArgs() {
  return {
    /** Return the whole output sequence [batch, time, units] (default: the last output). */
    returnSequences: arg.bool(false),
    /** Also return the final states: [output, ...states]. */
    returnState: arg.bool(false),
    /** Process the sequence backwards (the returned sequence is in reversed order, as Keras). */
    goBackwards: arg.bool(false),
    /** Carry the final states of a batch over as the initial states of the next (until resetStates()). */
    stateful: arg.bool(false),
    /** Accepted for Keras compatibility; the loop is the same either way. */
    unroll: arg.bool(false),
    /** Masked steps output zeros instead of repeating the previous output (Bidirectional sets it). */
    zeroOutputForMask: arg.bool(false),
  };
}

/** The arguments of every recurrent cell (and of the layers around one), units or filters aside. */
export function cellArgs() {
  return {
    /** The output activation (default 'tanh'). */
    activation: arg.activation('tanh'),
    /** Learn a bias. */
    useBias: arg.bool(true),
    /** The input kernel (default 'glorot_uniform'). */
    ...arg.weights('kernel', 'glorot_uniform'),
    /** The recurrent kernel (default 'orthogonal'). */
    ...arg.weights('recurrent', 'orthogonal'),
    /** The bias (default 'zeros'). */
    ...arg.weights('bias', 'zeros'),
    /** Fraction of the inputs dropped (training only; masks drawn once per call, as Keras). */
    dropout: rate(),
    /** Fraction of the recurrent state dropped (training only). */
    recurrentDropout: rate(),
  };
}

/** The gates' activation of the gated cells (LSTM, GRU, ConvLSTM2D). */
export function recurrentActivation(): ReturnType<typeof arg.activation> {
  return arg.activation('sigmoid');
}

/** Keras' implementation 1 or 2 (LSTM, GRU and their cells; 0 in files of Keras 2.0): accepted and stored; both compute the same. */
export function implementation(): Arg<number, number, false> {
  return arg.int({ default: 2, min: 0, max: 2 });
}

/** The arguments SimpleRNN, LSTM and GRU share: Keras' RNN options, time_major, the cell's and the activity regularizer. */
export function recurrentLayerArgs() {
  return {
    ...rnnArgs(),
    /** Only false ([batch, time, features] inputs) is supported; written to the config as tf.keras 2 does. */
    timeMajor: timeMajor(),
    /** The size of the output and of each state. */
    units: positiveInt(),
    ...cellArgs(),
    /** Applied to the layer's output. */
    activityRegularizer: arg.regularizer(),
  };
}

/** The resolved weight arguments of a cell (cellArgs). */
type CellWeights = ArgsOut<ReturnType<typeof cellArgs>>;

/** The kernel's, recurrent kernel's and bias' initializer, regularizer and constraint. */
export function cellSpecs(a: CellWeights): { kernel: WeightSpec; recurrent: WeightSpec; bias: WeightSpec } {
  const spec = (initializer: Initializer, regularizer: Regularizer | null, constraint: Constraint | null): WeightSpec => ({ initializer, regularizer, constraint });
  return {
    kernel: spec(a.kernelInitializer, a.kernelRegularizer, a.kernelConstraint),
    recurrent: spec(a.recurrentInitializer, a.recurrentRegularizer, a.recurrentConstraint),
    bias: spec(a.biasInitializer, a.biasRegularizer, a.biasConstraint),
  };
}
