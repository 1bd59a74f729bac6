export { OnnxBackend, type OnnxBackendOptions } from './onnx-backend.js';
