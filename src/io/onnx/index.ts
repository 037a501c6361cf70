export { exportOnnx, toOnnxBytes, toOnnxModel, onnxSupportedLayers, type OnnxExportOptions, MIN_OPSET as ONNX_MIN_OPSET, MAX_OPSET as ONNX_MAX_OPSET } from './export.js';
export { supportedActivations as onnxSupportedActivations } from './activations.js';
export { decodeModel as decodeOnnxModel, onnxProtoPath } from './proto.js';
