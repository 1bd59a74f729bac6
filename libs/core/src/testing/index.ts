// @easel/core/testing: what backend and pack authors test against.
export * from './backend-contract.js';
export * from './reference-ops.js';
export * from './resize-goldens.js';
