// tsyringe reads constructor parameter types through the Reflect metadata API
import 'reflect-metadata';

export * from './nodes/io-types.js';
export * from './nodes/node-metadata.js';
export * from './nodes/decorators.js';
export * from './nodes/node-class.js';
export * from './nodes/graph-builder.js';
export * from './nodes/json-float.js';
export * from './nodes/node-schema.js';
export * from './nodes/node-definition.js';
export * from './images/png-text.js';
export * from './services/logger.js';
export * from './services/directories.js';
export * from './services/image-output-options.js';
export * from './services/model-paths.js';
export * from './services/injection.js';
export * from './tensor/tensor.js';
export * from './tensor/tensor-backend.js';
export * from './tensor/resize.js';
export * from './tensor/model-format.js';
export * from './tensor/pillow-resize.js';
export * from './tensor/op-checks.js';
