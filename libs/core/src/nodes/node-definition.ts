import type { ComboContext, ComboValue } from './io-types.js';
import type { InputSchema, NodeSchema } from './node-schema.js';

/** One input as `/object_info` shows it: `[type]` or `[type, options]`; a legacy combo's type is its list. */
export type InputSpec = [string | ComboValue[]] | [string | ComboValue[], Record<string, unknown>];

/** A node type as ComfyUI's `GET /object_info` describes it. Key order is part of the contract. */
export interface NodeDefinition {
  input: {
    required: Record<string, InputSpec>;
    optional?: Record<string, InputSpec>;
    hidden?: Record<string, string | [string]>;
  };
  input_order: { required: string[]; optional?: string[]; hidden?: string[] };
  is_input_list: boolean;
  output: (string | ComboValue[])[];
  output_is_list: boolean[];
  output_name: (string | ComboValue[])[];
  output_tooltips?: (string | null)[];
  output_matchtypes?: (string | null)[] | null;
  name: string;
  display_name: string | null;
  description: string;
  python_module: string;
  category: string;
  output_node: boolean;
  has_intermediate_output: boolean;
  deprecated?: boolean;
  experimental?: boolean;
  dev_only?: boolean;
  api_node?: boolean;
  price_badge?: null;
  search_aliases: string[] | null;
  essentials_category?: string | null;
}

/**
 * Builds the `/object_info` entry of a node in ComfyUI's exact shape: the classic (V1) shape,
 * which leaves out unset optional keys, or the V3 shape, which has every key (`null` when unset).
 * Computed combo lists are evaluated now, so call this per request.
 */
export async function buildNodeDefinition(
  schema: NodeSchema,
  context: ComboContext,
): Promise<NodeDefinition> {
  const v3 = schema.style === 'v3';
  const input: NodeDefinition['input'] = { required: {} };
  const order: NodeDefinition['input_order'] = { required: [] };
  for (const section of ['required', 'optional', 'hidden'] as const) {
    const inputs = schema.inputs.filter((i) => i.section === section);
    if (section !== 'required' && inputs.length === 0) continue;
    const specs: Record<string, InputSpec | string | [string]> = {};
    for (const i of inputs) specs[i.name] = await inputSpec(i, v3, context);
    (input as Record<string, unknown>)[section] = specs;
    order[section] = inputs.map((i) => i.name);
  }

  const outputs = schema.outputs;
  const head = {
    input,
    input_order: order,
    is_input_list: schema.inputIsList,
    output: outputs.map((o) => copy(o.type)),
    output_is_list: outputs.map((o) => o.isList),
    output_name: outputs.map((o) => copy(o.name)),
  };
  const naming = {
    name: schema.classType,
    display_name: schema.displayName,
    description: schema.description,
    python_module: schema.pythonModule,
    category: schema.category,
    output_node: schema.outputNode,
  };

  if (v3) {
    const matchTypes = outputs.some((o) => o.matchType !== null) ? outputs.map((o) => o.matchType) : null;
    return {
      ...head,
      output_tooltips: outputs.map((o) => o.tooltip),
      output_matchtypes: matchTypes,
      ...naming,
      deprecated: schema.deprecated,
      experimental: schema.experimental,
      dev_only: schema.devOnly,
      api_node: schema.apiNode ?? false,
      price_badge: null,
      search_aliases: schema.searchAliases.length > 0 ? [...schema.searchAliases] : null,
      essentials_category: schema.essentialsCategory ?? null,
      has_intermediate_output: schema.hasIntermediateOutput,
    };
  }

  // V1 emits these keys only when set, in this order
  return {
    ...head,
    ...naming,
    has_intermediate_output: schema.hasIntermediateOutput,
    ...(outputs.some((o) => o.tooltip !== null) && { output_tooltips: outputs.map((o) => o.tooltip ?? '') }),
    ...(schema.deprecated && { deprecated: true }),
    ...(schema.experimental && { experimental: true }),
    ...(schema.devOnly && { dev_only: true }),
    ...(schema.apiNode !== undefined && { api_node: schema.apiNode }),
    search_aliases: [...schema.searchAliases],
    ...(schema.essentialsCategory !== undefined && { essentials_category: schema.essentialsCategory }),
  };
}

async function inputSpec(
  input: InputSchema,
  v3: boolean,
  context: ComboContext,
): Promise<InputSpec | string | [string]> {
  if (input.kind === 'hidden') return v3 ? [input.hidden] : input.hidden;
  const options = { ...input.options };
  if (input.kind === 'value') {
    return v3 || input.showEmptyOptions || Object.keys(options).length > 0
      ? [input.type, options]
      : [input.type];
  }
  const choices = [...(typeof input.choices === 'function' ? await input.choices(context) : input.choices)];
  if (v3) {
    // V3 combos always say whether they are multi-select, then list their options last
    if (!('multiselect' in options)) options.multiselect = false;
    return ['COMBO', { ...options, options: choices }];
  }
  return Object.keys(options).length > 0 ? [choices, options] : [choices];
}

function copy<T>(value: T | readonly ComboValue[]): T | ComboValue[] {
  return Array.isArray(value) ? [...(value as ComboValue[])] : (value as T);
}
