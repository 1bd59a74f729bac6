export * from './primitive.js';
export * from './string.js';
