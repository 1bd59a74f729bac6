/** One node of an API-format prompt (`workflow_api.json`). */
export interface PromptNode {
  class_type: string;
  inputs: Record<string, unknown>;
  _meta?: { title?: string };
  /** IS_CHANGED value, written by the executor (ComfyUI does the same). */
  is_changed?: unknown;
  [key: string]: unknown;
}

/** An API-format prompt: node id -> node. Ids are arbitrary strings (`"12:5"` inside subgraphs). */
export type ApiPrompt = Record<string, PromptNode>;

/** ComfyUI's error object, in `error` and in `node_errors[*].errors`. */
export interface PromptError {
  type: string;
  message: string;
  details: string;
  extra_info: Record<string, unknown>;
}

export interface NodeErrorEntry {
  errors: PromptError[];
  dependent_outputs: string[];
  class_type: string;
}

export type NodeErrors = Record<string, NodeErrorEntry>;

/** A plain object for JSON output whose keys may be anything (`__proto__` included). */
export function jsonRecord<T>(entries: Iterable<readonly [string, T]>): Record<string, T> {
  return Object.fromEntries(entries);
}

/** Own-property lookup that ignores the prototype (a node id of "constructor" is just an id). */
export function own<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep copy of JSON data; `JsonFloat`s become plain numbers (they serialize as such). */
export function copyJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
