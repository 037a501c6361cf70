export { getActivation, serializeActivation, activationNames, linear, hardSigmoidKeras3, withKerasVersion, kerasMajorVersion, type ResolvedActivation, type ActivationFn } from './activations.js';
