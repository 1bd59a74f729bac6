export { OnnxBackend, type OnnxBackendOptions } from './onnx-backend.js';
export { KerasConversionError, convertKerasModel } from './keras-to-onnx.js';
