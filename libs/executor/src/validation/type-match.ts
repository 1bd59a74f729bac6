import type { ComboValue } from '@easel/core';

/** The V3 "match type" marker, which matches anything. */
const MATCH_TYPE = 'COMFY_MATCHTYPE_V3';

/**
 * Whether an output of type `received` may feed an input of type `expected` (ComfyUI's
 * `validate_node_input`, non-strict): `*` on either side matches anything (ComfyUI's `IO.ANY`, the
 * way custom nodes declare "any"), as does the match-type marker; a legacy combo output (a list of
 * values) feeds COMBO inputs; otherwise the comma-separated type sets must share a type.
 */
export function typesMatch(
  received: string | readonly ComboValue[],
  expected: string | readonly ComboValue[],
): boolean {
  if (Array.isArray(received)) return expected === 'COMBO' || Array.isArray(expected) || expected === '*';
  if (Array.isArray(expected)) return received === 'COMBO' || received === '*';
  const r = received as string;
  const e = expected as string;
  if (r === e) return true;
  if (r === MATCH_TYPE || e === MATCH_TYPE) return true;
  const receivedSet = new Set(r.split(',').map((t) => t.trim()));
  const expectedSet = new Set(e.split(',').map((t) => t.trim()));
  if (receivedSet.has('*') || expectedSet.has('*')) return true;
  for (const t of receivedSet) if (expectedSet.has(t)) return true;
  return false;
}
