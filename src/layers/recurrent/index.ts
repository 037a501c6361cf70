export * from './rnn.js';
export * from './simple-rnn.js';
export * from './lstm.js';
export * from './gru.js';
export * from './wrapper.js';
export * from './time-distributed.js';
export * from './bidirectional.js';
export {
  RNNCell, SimpleRNNCell, LSTMCell, GRUCell, isRecurrentCell,
  type CellProtocol, type RecurrentCell, type DenseCellArgs, type GatedCellArgs, type LSTMCellArgs, type GRUCellArgs, type FusedCellRun,
} from './cells.js';
export { RNN, StackedRNNCells, type RNNLayerArgs, type StackedRNNCellsArgs } from './rnn-layer.js';
export { ConvLSTM2D, type ConvLSTM2DArgs } from './conv-lstm.js';
