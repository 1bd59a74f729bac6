export { OnnxBackend, type OnnxBackendOptions } from './onnx-backend.js';
export { KerasConversionError, convertKerasModel } from './keras-to-onnx.js';
export { buildModel, type GraphSpec, type GraphNode } from './onnx-graph.js';
