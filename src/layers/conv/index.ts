export * from './conv.js';
export * from './depthwise.js';
export * from './utils.js';
export * from './conv-nd.js';
export * from './conv3d.js';
export * from './conv1d-more.js';
