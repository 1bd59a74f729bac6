import { Input, Node, type NodeReturn } from '@easel/core';

// ComfyUI's comfy_extras/nodes_preview_any.py

/** Shows any value as text: strings as they are, numbers and booleans printed, the rest as JSON. */
@Node({
  classType: 'PreviewAny',
  displayName: 'Preview as Text',
  category: 'utilities',
  pythonModule: 'comfy_extras.nodes_preview_any',
  outputNode: true,
  outputs: ['STRING'],
  searchAliases: ['show output', 'inspect', 'debug', 'print value', 'show text'],
})
export class PreviewAny {
  @Input('*', {}) source!: unknown;

  execute({ source }: { source: unknown }): NodeReturn {
    const text = previewText(source);
    return { ui: { text: [text] }, result: [text] };
  }
}

/**
 * ComfyUI: the string itself, str() of numbers and booleans, JSON with 4-space indents for the
 * rest. Tensors show their shape and dtype (ComfyUI prints their values).
 */
function previewText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'object' && 'shape' in value && 'dtype' in value) {
    const tensor = value as { shape: number[]; dtype: string };
    return `Tensor(shape=[${tensor.shape.join(', ')}], dtype=${tensor.dtype})`;
  }
  try {
    return JSON.stringify(value, null, 4) ?? 'None';
  } catch {
    // ComfyUI's last resort when the value cannot be serialized
    return 'source exists, but could not be serialized.';
  }
}
