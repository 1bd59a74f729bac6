export * from './registry/node-registry.js';
