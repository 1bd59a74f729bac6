import type { ComboChoices, ComboValue, HiddenKind } from './io-types.js';
import { HiddenKind as HiddenKinds } from './io-types.js';
import type { NodeClass } from './node-class.js';
import {
  readInputRecords,
  readNodeOptions,
  type InputRecord,
  type InputSection,
  type OutputDeclaration,
} from './node-metadata.js';

/** One input of a node, checked and normalised. */
export type InputSchema =
  | {
      readonly kind: 'value';
      readonly name: string;
      readonly section: 'required' | 'optional';
      readonly type: string;
      /** ComfyUI option keys in the author's order, Easel-only keys removed. */
      readonly options: Readonly<Record<string, unknown>>;
      /** `/object_info` shows the options object even when it is empty. */
      readonly showEmptyOptions: boolean;
    }
  | {
      readonly kind: 'combo';
      readonly name: string;
      readonly section: 'required' | 'optional';
      readonly type: 'COMBO';
      readonly choices: ComboChoices;
      readonly options: Readonly<Record<string, unknown>>;
    }
  | {
      readonly kind: 'hidden';
      readonly name: string;
      readonly section: 'hidden';
      readonly hidden: HiddenKind;
    };

export interface OutputSchema {
  readonly type: string | readonly ComboValue[];
  readonly name: string | readonly ComboValue[];
  readonly isList: boolean;
  readonly tooltip: string | null;
  readonly matchType: string | null;
}

/** Everything the server needs to know about a node type, read from its decorators. */
export interface NodeSchema {
  readonly classType: string;
  readonly displayName: string | null;
  readonly category: string;
  readonly description: string;
  readonly pythonModule: string;
  readonly style: 'v1' | 'v3';
  readonly outputNode: boolean;
  readonly inputIsList: boolean;
  readonly notIdempotent: boolean;
  readonly hasIntermediateOutput: boolean;
  readonly deprecated: boolean;
  readonly experimental: boolean;
  readonly devOnly: boolean;
  readonly apiNode: boolean | undefined;
  readonly searchAliases: readonly string[];
  readonly essentialsCategory: string | undefined;
  readonly inputs: readonly InputSchema[];
  readonly outputs: readonly OutputSchema[];
  /** What the executor needs to know about the class's hooks. */
  readonly hooks: {
    /** A static `validateInputs` exists; which inputs it takes, and whether it takes their types. */
    readonly validateInputs: {
      readonly inputs: readonly string[] | 'all';
      readonly inputTypes: boolean;
    } | null;
    /** A static `fingerprintInputs` (IS_CHANGED) exists. */
    readonly fingerprintInputs: boolean;
    /** An instance `checkLazyStatus` exists. */
    readonly checkLazyStatus: boolean;
    /** `@Node({ concurrent: true })`: the scheduler starts it first and runs other nodes while it waits. */
    readonly concurrent: boolean;
  };
}

/** A node class whose declarations are not valid; the message says which and why. */
export class NodeDeclarationError extends Error {
  constructor(
    readonly className: string,
    problem: string,
  ) {
    super(`Node class ${className}: ${problem}`);
    this.name = 'NodeDeclarationError';
  }
}

const HIDDEN_KINDS = new Set<string>(Object.values(HiddenKinds));
const BOOLEAN_FLAGS = [
  'outputNode',
  'inputIsList',
  'notIdempotent',
  'hasIntermediateOutput',
  'deprecated',
  'experimental',
  'devOnly',
  'apiNode',
  'validateInputTypes',
  'concurrent',
] as const;

/**
 * Reads a `@Node` class's declarations and checks them.
 * @param packName the npm name of the pack declaring it (gives the default `python_module`)
 */
export function describeNode(nodeClass: NodeClass, packName: string): NodeSchema {
  const className = nodeClass.name || '(anonymous class)';
  const options = readNodeOptions(nodeClass);
  const fail = (problem: string): never => {
    throw new NodeDeclarationError(className, problem);
  };
  if (!options) return fail('has no @Node decorator');
  if (typeof options.classType !== 'string' || options.classType.trim() === '') {
    return fail('@Node needs a non-empty classType');
  }
  const prototype = nodeClass.prototype as { execute?: unknown; checkLazyStatus?: unknown };
  if (typeof prototype.execute !== 'function') return fail('needs an execute(inputs, context) method');
  const statics = nodeClass as unknown as { validateInputs?: unknown; fingerprintInputs?: unknown };
  const validated = options.validatedInputs ?? 'all';
  if (validated !== 'all' && !isStringArray(validated))
    fail("@Node option validatedInputs must be 'all' or an array of input names");
  for (const flag of BOOLEAN_FLAGS) {
    if (options[flag] !== undefined && typeof options[flag] !== 'boolean') {
      fail(`@Node option ${flag} must be a boolean`);
    }
  }
  if (options.schema !== undefined && options.schema !== 'v1' && options.schema !== 'v3') {
    fail(`@Node option schema must be 'v1' or 'v3', got ${JSON.stringify(options.schema)}`);
  }
  if (options.searchAliases !== undefined && !isStringArray(options.searchAliases)) {
    fail('@Node option searchAliases must be an array of strings');
  }

  return {
    classType: options.classType,
    // ComfyUI's V3 schema leaves an unset display name null; V1 falls back to the class name
    displayName: options.displayName ?? (options.schema === 'v3' ? null : options.classType),
    category: options.category ?? 'sd',
    description: options.description ?? '',
    pythonModule: options.pythonModule ?? `custom_nodes.${packName}`,
    style: options.schema ?? 'v1',
    outputNode: options.outputNode ?? false,
    inputIsList: options.inputIsList ?? false,
    notIdempotent: options.notIdempotent ?? false,
    hasIntermediateOutput: options.hasIntermediateOutput ?? false,
    deprecated: options.deprecated ?? false,
    experimental: options.experimental ?? false,
    devOnly: options.devOnly ?? false,
    apiNode: options.apiNode,
    searchAliases: options.searchAliases ?? [],
    essentialsCategory: options.essentialsCategory,
    inputs: readInputRecords(nodeClass).map((record) => describeInput(record, fail)),
    outputs: (options.outputs ?? []).map((output, index) => describeOutput(output, index, fail)),
    hooks: {
      validateInputs:
        typeof statics.validateInputs === 'function'
          ? { inputs: validated, inputTypes: options.validateInputTypes ?? false }
          : null,
      fingerprintInputs: typeof statics.fingerprintInputs === 'function',
      checkLazyStatus: typeof prototype.checkLazyStatus === 'function',
      concurrent: options.concurrent ?? false,
    },
  };
}

function describeInput(record: InputRecord, fail: (problem: string) => never): InputSchema {
  const name = record.property;
  if (record.kind === 'hidden') {
    if (!HIDDEN_KINDS.has(record.hidden)) {
      fail(`hidden input ${name} has unknown kind ${JSON.stringify(record.hidden)}`);
    }
    return { kind: 'hidden', name, section: 'hidden', hidden: record.hidden };
  }
  const { optional, ...rest } = record.options;
  if (optional !== undefined && typeof optional !== 'boolean')
    fail(`input ${name}: optional must be a boolean`);
  const section: InputSection = optional === true ? 'optional' : 'required';
  const options = comfyOptions(rest, name, fail);
  if (record.kind === 'combo') {
    const { choices } = record;
    if (typeof choices !== 'function' && !isComboList(choices)) {
      fail(`combo input ${name} needs an array of strings or numbers, or a function returning one`);
    }
    return { kind: 'combo', name, section, type: 'COMBO', choices, options };
  }
  if (typeof record.type !== 'string' || record.type === '') fail(`input ${name} needs a non-empty type`);
  // `Input('*', {})` shows `["*", {}]`; options holding only Easel keys (`optional`) do not count
  const showEmptyOptions = record.explicitOptions === true && Object.keys(record.options).length === 0;
  return { kind: 'value', name, section, type: record.type, options, showEmptyOptions };
}

/** Expands `extra` where it was written and drops undefined values; keeps the author's key order. */
function comfyOptions(
  options: Readonly<Record<string, unknown>>,
  input: string,
  fail: (problem: string) => never,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (key === 'extra') {
      if (value === undefined) continue;
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        fail(`input ${input}: extra must be an object of option keys`);
      }
      for (const [extraKey, extraValue] of Object.entries(value)) {
        if (extraValue !== undefined) out[extraKey] = extraValue;
      }
    } else if (value !== undefined) {
      out[key] = value;
    }
  }
  return out;
}

function describeOutput(
  output: OutputDeclaration,
  index: number,
  fail: (problem: string) => never,
): OutputSchema {
  const declaration = typeof output === 'string' ? { type: output } : output;
  const { type } = declaration;
  const typeOk = (typeof type === 'string' && type !== '') || isComboList(type);
  if (!typeOk) fail(`output ${index} needs a non-empty type`);
  return {
    type,
    name: declaration.name ?? type,
    isList: declaration.isList ?? false,
    tooltip: declaration.tooltip ?? null,
    matchType: declaration.matchType ?? null,
  };
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

function isComboList(value: unknown): value is ComboValue[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number');
}
