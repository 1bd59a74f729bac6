export { TfjsBackend, type TfjsBackendOptions } from './tfjs-backend.js';
export type { TfjsRuntime } from './tfjs-runtime.js';
