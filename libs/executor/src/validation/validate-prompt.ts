import {
  isExecutionBlocker,
  type ComboContext,
  type ComboValue,
  type InputSchema,
  type NodeClassHooks,
  type NodeSchema,
} from '@easel/core';
import {
  jsonRecord,
  own,
  isPlainObject,
  type ApiPrompt,
  type NodeErrors,
  type PromptError,
  type PromptNode,
} from '../prompt/prompt.js';
import {
  PythonValueError,
  pythonBool,
  pythonEquals,
  pythonFloat,
  pythonInt,
  pythonRepr,
  pythonStr,
} from '../prompt/python-values.js';
import type { NodeRegistry, RegisteredNode } from '../registry/node-registry.js';
import { typesMatch } from './type-match.js';

/** Cycles longer than this are shown shortened in `dependency_cycle` errors. */
const MAX_CYCLE_SHOWN = 20;

export type ValidationOutcome =
  | { ok: true; outputs: string[]; nodeErrors: NodeErrors }
  | { ok: false; error: PromptError; nodeErrors: NodeErrors };

const error = (
  type: string,
  message: string,
  details: string,
  extraInfo: Record<string, unknown> = {},
): PromptError => ({
  type,
  message,
  details,
  extra_info: extraInfo,
});

/** An exception raised while validating a node, as ComfyUI reports it. */
interface ValidationException {
  message: string;
  exceptionType: string;
  traceback: string[];
}

interface Edge {
  input: string;
  inputConfig: unknown[];
  source: string;
  slot: number;
}

/** What validating one node on its own finds: its errors and the links to follow, or an exception. */
type OwnCheck = { errors: PromptError[]; edges: Edge[] } | { exception: ValidationException };

interface MemoEntry {
  ok: boolean;
  errors: PromptError[];
}

/**
 * ComfyUI's `validate_prompt`: checks every node's class, picks the output nodes (all, or those
 * in `partialTargets`), validates each output's upstream graph, and answers the good outputs with
 * the errors of the others, or the error that rejects the whole prompt. Converts constants in
 * place (INT/FLOAT/STRING/BOOLEAN, `{"__value__": ...}`), as ComfyUI does.
 *
 * The walk is iterative, so graphs of any depth validate without exhausting the stack.
 */
export async function validatePrompt(
  prompt: ApiPrompt,
  registry: NodeRegistry,
  services: ComboContext,
  partialTargets: readonly string[] | null = null,
): Promise<ValidationOutcome> {
  const outputs: string[] = [];
  for (const id of Object.keys(prompt)) {
    const node = own(prompt, id) as unknown;
    const title =
      isPlainObject(node) && isPlainObject(node._meta) && typeof node._meta.title === 'string'
        ? node._meta.title
        : null;
    if (!isPlainObject(node) || !('class_type' in node)) {
      return reject(
        error(
          'missing_node_type',
          `Node '${title ?? `ID #${id}`}' has no class_type. The workflow may be corrupted or a custom node is missing.`,
          `Node ID '#${id}'`,
          { node_id: id, class_type: null, node_title: title },
        ),
      );
    }
    const classType = node.class_type;
    const registered = typeof classType === 'string' ? registry.get(classType) : undefined;
    if (!registered) {
      return reject(
        error(
          'missing_node_type',
          `Node '${title ?? pythonStr(classType)}' not found. The custom node may not be installed.`,
          `Node ID '#${id}'`,
          { node_id: id, class_type: classType, node_title: title ?? classType },
        ),
      );
    }
    if (!isPlainObject(node.inputs)) node.inputs = {};
    if (registered.schema.outputNode && (partialTargets === null || partialTargets.includes(id)))
      outputs.push(id);
  }
  if (outputs.length === 0) return reject(error('prompt_no_outputs', 'Prompt has no outputs', ''));

  const validator = new GraphValidator(prompt, registry, services);
  await validator.checkReachable(outputs);

  const good: string[] = [];
  const failures: { output: string; reasons: PromptError[] }[] = [];
  const nodeErrors = new Map<
    string,
    { errors: PromptError[]; dependent_outputs: string[]; class_type: string }
  >();
  for (const output of outputs) {
    const result = validator.validateOutput(output);
    if (result.ok) {
      good.push(output);
      continue;
    }
    failures.push({ output, reasons: result.errors });
    for (const [id, entry] of validator.memo) {
      if (entry.ok || entry.errors.length === 0) continue;
      let report = nodeErrors.get(id);
      if (!report) {
        report = {
          errors: entry.errors,
          dependent_outputs: [],
          class_type: (own(prompt, id) as PromptNode).class_type,
        };
        nodeErrors.set(id, report);
      }
      report.dependent_outputs.push(output);
    }
  }
  const reported = jsonRecord(nodeErrors);
  if (good.length > 0) return { ok: true, outputs: good, nodeErrors: reported };
  const details = failures.flatMap((f) => f.reasons.map((r) => `${r.message}: ${r.details}`)).join('\n');
  return {
    ok: false,
    error: error('prompt_outputs_failed_validation', 'Prompt outputs failed validation', details),
    nodeErrors: reported,
  };
}

function reject(e: PromptError): ValidationOutcome {
  return { ok: false, error: e, nodeErrors: {} };
}

class GraphValidator {
  /** Validated nodes, in the order they were validated (ComfyUI's shared `validated` map). */
  readonly memo = new Map<string, MemoEntry>();
  private readonly checks = new Map<string, OwnCheck>();
  /** Errors recorded on the nodes of a detected cycle. */
  private readonly cycleErrors = new Map<string, PromptError>();

  constructor(
    private readonly prompt: ApiPrompt,
    private readonly registry: NodeRegistry,
    private readonly services: ComboContext,
  ) {}

  /** Validates, on its own, every node the outputs reach through valid links (async: combo lists, custom validators). */
  async checkReachable(outputs: readonly string[]): Promise<void> {
    const queue = [...outputs];
    while (queue.length > 0) {
      const id = queue.pop() as string;
      if (this.checks.has(id)) continue;
      const check = await this.checkNode(id);
      this.checks.set(id, check);
      if ('edges' in check)
        for (const edge of check.edges) if (!this.checks.has(edge.source)) queue.push(edge.source);
    }
  }

  /** Whether an output's graph is valid, filling the memo; the output's own errors (or its exception). */
  validateOutput(output: string): MemoEntry {
    const check = this.checks.get(output) as OwnCheck;
    if ('exception' in check) {
      const entry = {
        ok: false,
        errors: [
          error('exception_during_validation', 'Exception when validating node', check.exception.message, {
            exception_type: check.exception.exceptionType,
            traceback: check.exception.traceback,
          }),
        ],
      };
      // recorded like any validated node, so node_errors reports it
      this.memo.set(output, entry);
      return entry;
    }
    this.walk(output);
    return this.memo.get(output) as MemoEntry;
  }

  /** Depth-first over the links, children before parents, with an explicit stack. */
  private walk(root: string): void {
    interface Frame {
      id: string;
      edges: Edge[];
      next: number;
      failedDependency: boolean;
    }
    const stack: Frame[] = [];
    const onStack = new Map<string, number>();
    const push = (id: string) => {
      const check = this.checks.get(id) as { errors: PromptError[]; edges: Edge[] };
      onStack.set(id, stack.length);
      stack.push({ id, edges: check.edges, next: 0, failedDependency: false });
    };
    if (this.memo.has(root)) return;
    push(root);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1];
      if (frame.next < frame.edges.length) {
        const edge = frame.edges[frame.next++];
        const source = edge.source;
        const position = onStack.get(source);
        if (position !== undefined) {
          this.recordCycle(stack.slice(position).map((f) => f.id));
          frame.failedDependency = true;
          continue;
        }
        const done = this.memo.get(source);
        if (done) {
          if (!done.ok) frame.failedDependency = true;
          continue;
        }
        const check = this.checks.get(source) as OwnCheck;
        if ('exception' in check) {
          // an exception inside a source is recorded on the source, against the consumer's input
          this.memo.set(source, {
            ok: false,
            errors: [
              error(
                'exception_during_inner_validation',
                'Exception when validating inner node',
                check.exception.message,
                {
                  input_name: edge.input,
                  input_config: edge.inputConfig,
                  exception_message: check.exception.message,
                  exception_type: check.exception.exceptionType,
                  traceback: check.exception.traceback,
                  linked_node: [source, edge.slot],
                },
              ),
            ],
          });
          frame.failedDependency = true;
          continue;
        }
        push(source);
        continue;
      }
      stack.pop();
      onStack.delete(frame.id);
      const own = (this.checks.get(frame.id) as { errors: PromptError[] }).errors;
      const cycle = this.cycleErrors.get(frame.id);
      const errors = cycle ? [...own, cycle] : own;
      const ok = errors.length === 0 && !frame.failedDependency;
      this.memo.set(frame.id, { ok, errors });
      if (!ok && stack.length > 0) stack[stack.length - 1].failedDependency = true;
    }
  }

  private recordCycle(ids: string[]): void {
    const label = (id: string) => `${id} (${(own(this.prompt, id) as PromptNode).class_type})`;
    // every node of the cycle carries the path: a long cycle is shortened, or the answer would
    // grow with the square of its length
    const shown =
      ids.length <= MAX_CYCLE_SHOWN
        ? [...ids, ids[0]].map(label)
        : [
            ...ids.slice(0, MAX_CYCLE_SHOWN / 2).map(label),
            `... (${ids.length - MAX_CYCLE_SHOWN} more) ...`,
            ...ids.slice(-MAX_CYCLE_SHOWN / 2).map(label),
            label(ids[0]),
          ];
    const details = shown.join(' -> ');
    const cycleNodes = ids.length <= MAX_CYCLE_SHOWN ? ids : ids.slice(0, MAX_CYCLE_SHOWN);
    for (const id of ids) {
      if (this.cycleErrors.has(id)) continue;
      this.cycleErrors.set(
        id,
        error('dependency_cycle', 'Dependency cycle detected', details, {
          node_id: id,
          cycle_nodes: cycleNodes,
        }),
      );
    }
  }

  /** ComfyUI's `validate_inputs` for one node, without recursing into its sources. */
  private async checkNode(id: string): Promise<OwnCheck> {
    try {
      return await this.checkNodeInputs(id);
    } catch (caught) {
      return { exception: toException(caught) };
    }
  }

  private async checkNodeInputs(id: string): Promise<OwnCheck> {
    const node = own(this.prompt, id) as PromptNode;
    const registered = this.registry.get(node.class_type) as RegisteredNode;
    const { schema } = registered;
    const validator = schema.hooks.validateInputs;
    const selfValidated = (name: string) =>
      validator !== null && (validator.inputs === 'all' || validator.inputs.includes(name));
    const inputs = node.inputs;
    const errors: PromptError[] = [];
    const edges: Edge[] = [];
    const receivedTypes: Record<string, string> = {};

    for (const input of schema.inputs) {
      if (input.kind === 'hidden') continue;
      const name = input.name;
      const config = await inputConfig(input, schema, this.services);
      if (!Object.prototype.hasOwnProperty.call(inputs, name)) {
        if (input.section === 'required') {
          errors.push(
            error('required_input_missing', 'Required input is missing', name, { input_name: name }),
          );
        }
        continue;
      }
      let value = inputs[name];
      if (Array.isArray(value)) {
        if (value.length !== 2) {
          errors.push(
            error(
              'bad_linked_input',
              'Bad linked input, must be a length-2 list of [node_id, slot_index]',
              name,
              {
                input_name: name,
                input_config: config,
                received_value: value,
              },
            ),
          );
          continue;
        }
        const [sourceId, slot] = value as [unknown, unknown];
        const source = typeof sourceId === 'string' ? own(this.prompt, sourceId) : undefined;
        if (source === undefined) throw new ValidationFailure(pythonRepr(sourceId), 'KeyError');
        if (typeof slot !== 'number' || !Number.isInteger(slot)) {
          throw new ValidationFailure(
            `tuple indices must be integers or slices, not ${pythonTypeOf(slot)}`,
            'TypeError',
          );
        }
        const sourceNode = this.registry.get(source.class_type);
        if (!sourceNode) throw new ValidationFailure(pythonRepr(source.class_type), 'KeyError');
        const types = sourceNode.schema.outputs;
        const index = slot < 0 ? types.length + slot : slot;
        if (index < 0 || index >= types.length)
          throw new ValidationFailure('tuple index out of range', 'IndexError');
        const received = types[index].type;
        receivedTypes[name] = Array.isArray(received) ? 'COMBO' : (received as string);
        const expected = input.kind === 'combo' ? (config[0] as string | ComboValue[]) : input.type;
        if (!validator?.inputTypes && !typesMatch(received, expected)) {
          const show = (t: unknown) => (Array.isArray(t) ? pythonRepr(t) : String(t));
          errors.push(
            error(
              'return_type_mismatch',
              'Return type mismatch between linked nodes',
              `${name}, received_type(${show(received)}) mismatch input_type(${show(expected)})`,
              { input_name: name, input_config: config, received_type: received, linked_node: value },
            ),
          );
          continue;
        }
        edges.push({ input: name, inputConfig: config, source: sourceId as string, slot });
        continue;
      }

      if (isPlainObject(value) && '__value__' in value) {
        value = value.__value__;
        inputs[name] = value;
      }
      const type = input.kind === 'value' ? input.type : 'COMBO';
      try {
        value = coerce(type, value);
        inputs[name] = value;
      } catch (caught) {
        if (!(caught instanceof PythonValueError)) throw caught;
        errors.push(
          error(
            'invalid_input_type',
            `Failed to convert an input value to a ${type} value`,
            `${name}, ${pythonStr(value)}, ${caught.message}`,
            {
              input_name: name,
              input_config: config,
              received_value: value,
              exception_message: caught.message,
            },
          ),
        );
        continue;
      }
      if (selfValidated(name)) continue;
      const asFloat = type === 'FLOAT';
      const options = input.options;
      const min = options.min;
      const max = options.max;
      if (typeof min === 'number' && typeof value === 'number' && value < min) {
        errors.push(
          error(
            'value_smaller_than_min',
            `Value ${pythonStr(value, asFloat)} smaller than min of ${pythonStr(min, asFloat)}`,
            name,
            {
              input_name: name,
              input_config: config,
              received_value: value,
            },
          ),
        );
      }
      if (typeof max === 'number' && typeof value === 'number' && value > max) {
        errors.push(
          error(
            'value_bigger_than_max',
            `Value ${pythonStr(value, asFloat)} bigger than max of ${pythonStr(max, asFloat)}`,
            name,
            {
              input_name: name,
              input_config: config,
              received_value: value,
            },
          ),
        );
      }
      if (input.kind === 'combo') {
        const choices = comboChoicesOf(config);
        const multiselect = input.options.multiselect === true && Array.isArray(value);
        const candidates = multiselect ? (value as unknown[]) : [value];
        const bad = candidates.filter((v) => !choices.some((c) => pythonEquals(c, v)));
        if (bad.length > 0) {
          const long = choices.length > 20;
          const shown = long ? `(list of length ${choices.length})` : pythonStr(choices);
          errors.push(
            error(
              'value_not_in_list',
              'Value not in list',
              `${name}: ${bad.map((v) => pythonRepr(v)).join(', ')} not in ${shown}`,
              {
                input_name: name,
                input_config: long ? null : config,
                received_value: value,
              },
            ),
          );
        }
      }
    }

    if (validator) {
      const args = this.validatorArguments(id, node, schema, validator.inputs);
      const names = Object.keys(args);
      const hook = (registered.nodeClass as unknown as Required<NodeClassHooks>).validateInputs;
      if (names.length > 0 || validator.inputTypes) {
        const result: unknown = await (validator.inputTypes
          ? hook.call(registered.nodeClass, args, this.services, receivedTypes)
          : hook.call(registered.nodeClass, args, this.services));
        if (result !== true && !isExecutionBlocker(result)) {
          const passed = validator.inputTypes ? [...names, 'input_types'] : names;
          for (const arg of passed) {
            const details = result === false ? arg : `${arg} - ${pythonStr(result)}`;
            errors.push(
              error('custom_validation_failed', 'Custom validation failed for node', details, {
                input_name: arg,
              }),
            );
          }
        }
      }
    }
    return { errors, edges };
  }

  /** The validator's arguments: inputs present in the prompt (links as null), hidden values, filtered to its inputs. */
  private validatorArguments(
    id: string,
    node: PromptNode,
    schema: NodeSchema,
    accepted: readonly string[] | 'all',
  ): Record<string, unknown> {
    const args = new Map<string, unknown>();
    for (const input of schema.inputs) {
      if (input.kind === 'hidden') {
        const hidden = { PROMPT: {}, DYNPROMPT: null, EXTRA_PNGINFO: null, UNIQUE_ID: id } as Record<
          string,
          unknown
        >;
        if (input.hidden in hidden) args.set(input.name, hidden[input.hidden]);
        continue;
      }
      if (!Object.prototype.hasOwnProperty.call(node.inputs, input.name)) continue;
      const value = node.inputs[input.name];
      args.set(input.name, Array.isArray(value) ? null : value);
    }
    const entries = [...args].filter(([name]) => accepted === 'all' || accepted.includes(name));
    return jsonRecord(entries);
  }
}

/** `[type, options]` as ComfyUI shows the declared input in errors (`input_config`). */
async function inputConfig(
  input: InputSchema,
  schema: NodeSchema,
  services: ComboContext,
): Promise<unknown[]> {
  if (input.kind === 'hidden') return [input.hidden, {}];
  if (input.kind === 'value') return [input.type, { ...input.options }];
  const choices = [...(typeof input.choices === 'function' ? await input.choices(services) : input.choices)];
  if (schema.style === 'v3')
    return ['COMBO', { ...input.options, multiselect: input.options.multiselect ?? false, options: choices }];
  return [choices, { ...input.options }];
}

function comboChoicesOf(config: unknown[]): ComboValue[] {
  return (
    Array.isArray(config[0]) ? config[0] : (config[1] as { options: ComboValue[] }).options
  ) as ComboValue[];
}

/** INT, FLOAT, STRING and BOOLEAN constants are converted with Python's rules; other types are not. */
function coerce(type: string, value: unknown): unknown {
  switch (type) {
    case 'INT':
      return pythonInt(value);
    case 'FLOAT':
      return pythonFloat(value);
    case 'STRING':
      return pythonStr(value);
    case 'BOOLEAN':
      return pythonBool(value);
    default:
      return value;
  }
}

class ValidationFailure extends Error {
  constructor(
    message: string,
    readonly exceptionType: string,
  ) {
    super(message);
  }
}

function toException(caught: unknown): ValidationException {
  if (caught instanceof ValidationFailure)
    return { message: caught.message, exceptionType: caught.exceptionType, traceback: stackLines(caught) };
  if (caught instanceof Error)
    return { message: caught.message, exceptionType: caught.name, traceback: stackLines(caught) };
  return { message: String(caught), exceptionType: 'Error', traceback: [] };
}

function stackLines(e: Error): string[] {
  return (e.stack ?? '')
    .split('\n')
    .slice(1)
    .map((l) => `${l.trim()}\n`);
}

function pythonTypeOf(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  if (typeof value === 'string') return 'str';
  if (typeof value === 'number') return 'float';
  if (typeof value === 'boolean') return 'bool';
  return Array.isArray(value) ? 'list' : 'dict';
}
