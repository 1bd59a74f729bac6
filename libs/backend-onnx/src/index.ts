export const BACKEND_NAME = 'onnx';
