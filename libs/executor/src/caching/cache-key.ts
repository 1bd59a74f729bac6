import { createHash } from 'node:crypto';
import { JsonFloat, isLink } from '@easel/core';
import type { DynamicPrompt } from '../execution/dynamic-prompt.js';
import type { NodeRegistry } from '../registry/node-registry.js';

/**
 * Cache keys from what determines a node's output: its class, its constants, its IS_CHANGED
 * value, and (recursively) the keys of the nodes feeding it. Not its id, except for nodes
 * declared not idempotent or taking their own UNIQUE_ID. So an identical prompt re-runs nothing
 * and a node moved to another id still hits.
 *
 * ComfyUI puts every ancestor's signature into each key, which is quadratic in the depth of the
 * graph; here each key hashes its sources' keys (a Merkle tree), which is linear and distinguishes
 * the same things. `null` means "never cached" (an IS_CHANGED of NaN, a constant that is not plain
 * data, or a source without a key).
 */
export class CacheKeys {
  private readonly keys = new Map<string, string | null>();

  constructor(
    private readonly prompt: DynamicPrompt,
    private readonly registry: NodeRegistry,
    /** IS_CHANGED values per node id (absent: the class has none). */
    private readonly isChanged: (id: string) => unknown,
  ) {}

  key(id: string): string | null {
    const known = this.keys.get(id);
    if (known !== undefined) return known;
    // iterative post-order: sources first, whatever the depth of the graph
    const stack: { id: string; expanded: boolean }[] = [{ id, expanded: false }];
    const inProgress = new Set<string>();
    while (stack.length > 0) {
      const frame = stack[stack.length - 1];
      if (this.keys.has(frame.id)) {
        stack.pop();
        continue;
      }
      const node = this.prompt.get(frame.id);
      if (!node) {
        this.keys.set(frame.id, null);
        stack.pop();
        continue;
      }
      if (!frame.expanded) {
        frame.expanded = true;
        inProgress.add(frame.id);
        for (const value of Object.values(node.inputs)) {
          if (isLink(value) && !this.keys.has(value[0]) && !inProgress.has(value[0])) {
            stack.push({ id: value[0], expanded: false });
          }
        }
        continue;
      }
      stack.pop();
      inProgress.delete(frame.id);
      this.keys.set(frame.id, this.immediateKey(frame.id));
    }
    return this.keys.get(id) ?? null;
  }

  private immediateKey(id: string): string | null {
    const node = this.prompt.get(id);
    if (!node) return null;
    const registered = this.registry.get(node.class_type);
    const changed = this.isChanged(id);
    if (containsNaN(changed)) return null;
    const parts: unknown[] = [node.class_type, canonical(changed)];
    const schema = registered?.schema;
    if (
      schema &&
      (schema.notIdempotent || schema.inputs.some((i) => i.kind === 'hidden' && i.hidden === 'UNIQUE_ID'))
    ) {
      parts.push(['id', id]);
    }
    for (const name of Object.keys(node.inputs).sort()) {
      const value = node.inputs[name];
      if (isLink(value)) {
        const sourceKey = this.keys.get(value[0]);
        // a source still being computed means a cycle: never cached
        if (sourceKey === undefined || sourceKey === null) return null;
        parts.push([name, 'ANCESTOR', sourceKey, value[1]]);
      } else {
        if (!isPlainData(value)) return null;
        parts.push([name, canonical(value)]);
      }
    }
    return createHash('sha256').update(JSON.stringify(parts)).digest('base64url');
  }
}

/** Plain JSON-like data: only such constants can be compared between prompts. */
function isPlainData(value: unknown): boolean {
  if (value instanceof JsonFloat) return true;
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return true;
  if (Array.isArray(value)) return value.every(isPlainData);
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as unknown;
    return (proto === Object.prototype || proto === null) && Object.values(value).every(isPlainData);
  }
  return false;
}

/** Order-independent objects and Python equality for booleans (True == 1) in keys. */
function canonical(value: unknown): unknown {
  if (value instanceof JsonFloat) return canonical(value.value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.keys(value)
      .sort()
      .map((k) => [k, canonical((value as Record<string, unknown>)[k])]);
  }
  return value ?? null;
}

function containsNaN(value: unknown): boolean {
  if (typeof value === 'number') return Number.isNaN(value);
  if (Array.isArray(value)) return value.some(containsNaN);
  if (value !== null && typeof value === 'object') return Object.values(value).some(containsNaN);
  return false;
}
