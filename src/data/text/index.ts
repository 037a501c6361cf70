export { Tokenizer, tokenizerFromJson, type TokenizerArgs, type TokenizerConfig, type TextInput, type TextMatrixMode } from './tokenizer.js';
export { textToWordSequence, DEFAULT_FILTERS, type TextToWordSequenceArgs } from './text.js';
export { padSequences, type PadSequencesArgs, type SequenceLike } from './sequence.js';
