import { Input, Node, type NodeInputs, type NodeReturn } from '@easel/core';

// ComfyUI's comfy_extras/nodes_string.py
const STRING_NODE = { category: 'text', pythonModule: 'comfy_extras.nodes_string', schema: 'v3' } as const;

@Node({
  ...STRING_NODE,
  classType: 'StringConcatenate',
  displayName: 'Concatenate Text',
  outputs: ['STRING'],
  searchAliases: [
    'concatenate',
    'text concat',
    'join text',
    'merge text',
    'combine strings',
    'string concat',
    'append text',
    'combine text',
  ],
})
export class StringConcatenate {
  @Input.string({ multiline: true }) string_a!: string;
  @Input.string({ multiline: true }) string_b!: string;
  @Input.string({ default: '', multiline: false }) delimiter!: string;

  execute({ string_a, string_b, delimiter }: NodeInputs<StringConcatenate>): NodeReturn {
    return [string_a + delimiter + string_b];
  }
}
