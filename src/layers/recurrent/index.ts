export * from './rnn.js';
export * from './simple-rnn.js';
export * from './lstm.js';
export * from './gru.js';
export * from './wrapper.js';
export * from './time-distributed.js';
export * from './bidirectional.js';
