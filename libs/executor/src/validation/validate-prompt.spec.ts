import { readFileSync } from 'node:fs';
import { Hidden, Input, Node, type HiddenKind, type NodeClass } from '@easel/core';
import type { ApiPrompt } from '../prompt/prompt.js';
import { parseJsonKeepingFloats } from '../prompt/prompt-json.js';
import { NodeRegistry } from '../registry/node-registry.js';
import { validatePrompt } from './validate-prompt.js';

// Validation against ComfyUI 0.24's recorded answers: the nodes are declared from the recorded
// /object_info catalogue, the prompts and expected bodies come from prompt_errors.json.

const samples = new URL('../../../../tools/fixtures/comfyui-0.24-samples/', import.meta.url);
const read = (name: string) =>
  JSON.parse(readFileSync(new URL(name, samples), 'utf8')) as Record<string, any>;
const catalogue = read('object_info.json');
const recorded = read('prompt_errors.json') as Record<
  string,
  { prompt?: ApiPrompt; status: number; body: { error: unknown; node_errors: Record<string, unknown> } }
>;

/** A node class declared with the SDK from a recorded /object_info entry. */
function classFromCatalogue(name: string, hooks: object = {}): NodeClass {
  const entry = catalogue[name];
  class FromCatalogue {
    execute() {
      return [];
    }
  }
  Object.assign(FromCatalogue, hooks);
  for (const group of ['required', 'optional', 'hidden'] as const) {
    for (const [input, spec] of Object.entries((entry.input[group] ?? {}) as Record<string, any>)) {
      const [type, options = {}] = (typeof spec === 'string' ? [spec] : spec) as [
        unknown,
        Record<string, unknown>?,
      ];
      const opts = { ...options, ...(group === 'optional' && { optional: true }) };
      const decorate =
        group === 'hidden'
          ? Hidden(type as HiddenKind)
          : Array.isArray(type)
            ? Input.combo(type as string[], opts)
            : type === 'INT'
              ? Input.int(opts)
              : type === 'FLOAT'
                ? Input.float(opts)
                : type === 'STRING'
                  ? Input.string(opts)
                  : type === 'BOOLEAN'
                    ? Input.boolean(opts)
                    : Input(type as string, opts);
      decorate(FromCatalogue.prototype, input);
    }
  }
  Node({
    classType: name,
    outputNode: entry.output_node,
    outputs: (entry.output as string[]).map((type, i) => ({
      type,
      name: entry.output_name[i],
      isList: entry.output_is_list[i],
    })),
  })(FromCatalogue);
  return FromCatalogue;
}

class LoadImageHooks {
  static validateInputs({ image }: Record<string, unknown>) {
    return image === 'does_not_exist.png' ? `Invalid image file: ${String(image)}` : true;
  }
}

function registryOf(...classes: NodeClass[]): NodeRegistry {
  const registry = new NodeRegistry();
  registry.registerPack('test', classes);
  return registry;
}

const comfy = registryOf(
  classFromCatalogue('EmptyImage'),
  classFromCatalogue('ImageScale'),
  classFromCatalogue('SaveImage'),
  classFromCatalogue('EmptyLatentImage'),
  classFromCatalogue('LoadImage', { validateInputs: LoadImageHooks.validateInputs }),
);
const noServices = { resolve: () => undefined as never };

/** The body without what cannot match: tooltips (omitted in the fixtures) and Python tracebacks. */
function comparable(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (key, v: unknown) => {
      if (key === 'tooltip') return undefined;
      if (key === 'traceback') return 'traceback';
      return v;
    }),
  );
}

describe('validatePrompt against ComfyUI 0.24', () => {
  const cases = Object.entries(recorded).filter(([, sample]) => sample.prompt !== undefined);

  it('has the recorded cases', () => {
    expect(cases.map(([name]) => name)).toEqual(
      expect.arrayContaining(['missing_required_input', 'bad_combo_value', 'link_to_nonexistent_node']),
    );
  });

  it.each(cases)('%s gives the recorded answer', async (_name, sample) => {
    const prompt = structuredClone(sample.prompt) as ApiPrompt;
    const outcome = await validatePrompt(prompt, comfy, noServices);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(sample.status).toBe(400);
    expect(comparable({ error: outcome.error, node_errors: outcome.nodeErrors })).toEqual(
      comparable(sample.body),
    );
  });

  it('accepts a valid prompt, converts constants in place and names the outputs', async () => {
    const prompt = parseJsonKeepingFloats(
      '{"1": {"class_type": "EmptyImage", "inputs": {"width": "64", "height": 64.7, "batch_size": 1, "color": 0}},' +
        ' "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": 5}}}',
    ) as ApiPrompt;
    const outcome = await validatePrompt(prompt, comfy, noServices);
    expect(outcome).toEqual({ ok: true, outputs: ['2'], nodeErrors: {} });
    expect(prompt['1'].inputs).toEqual({ width: 64, height: 64, batch_size: 1, color: 0 });
    expect(prompt['2'].inputs.filename_prefix).toBe('5');
  });

  it('runs the good outputs and reports the bad ones (200 with node_errors)', async () => {
    const prompt: ApiPrompt = {
      '1': { class_type: 'EmptyImage', inputs: { width: 0, height: 64, batch_size: 1, color: 0 } },
      '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'bad' } },
      '3': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0 } },
      '4': { class_type: 'SaveImage', inputs: { images: ['3', 0], filename_prefix: 'good' } },
    };
    const outcome = await validatePrompt(prompt, comfy, noServices);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.outputs).toEqual(['4']);
    expect(Object.keys(outcome.nodeErrors)).toEqual(['1']);
    expect(outcome.nodeErrors['1'].dependent_outputs).toEqual(['2']);
  });

  it('validates only partial_execution_targets, and rejects an empty list', async () => {
    const prompt: ApiPrompt = {
      '1': { class_type: 'EmptyImage', inputs: { width: 0, height: 64, batch_size: 1, color: 0 } },
      '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'bad' } },
      '3': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0 } },
      '4': { class_type: 'SaveImage', inputs: { images: ['3', 0], filename_prefix: 'good' } },
    };
    expect(await validatePrompt(structuredClone(prompt), comfy, noServices, ['4'])).toEqual({
      ok: true,
      outputs: ['4'],
      nodeErrors: {},
    });
    const none = await validatePrompt(structuredClone(prompt), comfy, noServices, []);
    expect(none.ok === false && none.error.type).toBe('prompt_no_outputs');
  });
});

// ---- ported from ComfyUI's tests/execution/test_validation.py

@Node({ classType: 'DeepValidationSource', outputs: ['INT'] })
class DeepValidationSource {
  execute() {
    return [1];
  }
}

@Node({ classType: 'DeepValidationLink', outputs: ['INT'] })
class DeepValidationLink {
  @Input('INT') value!: number;
  execute({ value }: { value: number }) {
    return [value];
  }
}

@Node({ classType: 'DeepValidationOutput', outputs: [], outputNode: true })
class DeepValidationOutput {
  @Input('INT') value!: number;
  execute() {
    return [];
  }
}

@Node({ classType: 'CycleValidationLink', outputs: ['INT'], outputNode: true })
class CycleValidationLink {
  @Input('INT') value!: number;
  execute({ value }: { value: number }) {
    return [value];
  }
}

@Node({ classType: 'AsyncValidationValue', outputs: [], outputNode: true })
class AsyncValidationValue {
  @Input.int() value!: number;
  static async validateInputs({ value }: Record<string, unknown>) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    return value === 7;
  }
  execute() {
    return [];
  }
}

@Node({ classType: 'ExceptionValidationLink', outputs: ['INT'] })
class ExceptionValidationLink {
  @Input('INT') value!: number;
  static validateInputs(): never {
    throw new Error('validation failed');
  }
  execute({ value }: { value: number }) {
    return [value];
  }
}

const python = registryOf(
  DeepValidationSource,
  DeepValidationLink,
  DeepValidationOutput,
  CycleValidationLink,
  AsyncValidationValue,
  ExceptionValidationLink,
);

describe('validatePrompt (ported from test_validation.py)', () => {
  it('test_validate_inputs_deep_acyclic_chain: any depth, no recursion limit', async () => {
    const prompt: ApiPrompt = { '0': { class_type: 'DeepValidationSource', inputs: {} } };
    const depth = 20_000;
    for (let i = 1; i < depth; i++)
      prompt[String(i)] = { class_type: 'DeepValidationLink', inputs: { value: [String(i - 1), 0] } };
    prompt.out = { class_type: 'DeepValidationOutput', inputs: { value: [String(depth - 1), 0] } };
    expect(await validatePrompt(prompt, python, noServices)).toEqual({
      ok: true,
      outputs: ['out'],
      nodeErrors: {},
    });
  });

  it('test_validate_inputs_reports_dependency_cycles', async () => {
    const prompt: ApiPrompt = {
      '0': { class_type: 'CycleValidationLink', inputs: { value: ['1', 0] } },
      '1': { class_type: 'CycleValidationLink', inputs: { value: ['0', 0] } },
    };
    const outcome = await validatePrompt(prompt, python, noServices);
    expect(outcome.ok).toBe(false);
    const errors = outcome.nodeErrors['0'].errors;
    expect(errors[0].type).toBe('dependency_cycle');
    expect(errors[0].details).toBe(
      '0 (CycleValidationLink) -> 1 (CycleValidationLink) -> 0 (CycleValidationLink)',
    );
    expect(Object.keys(outcome.nodeErrors).sort()).toEqual(['0', '1']);
  });

  it('test_validate_inputs_awaits_custom_validator', async () => {
    const ok = await validatePrompt(
      { '0': { class_type: 'AsyncValidationValue', inputs: { value: 7 } } },
      python,
      noServices,
    );
    expect(ok).toEqual({ ok: true, outputs: ['0'], nodeErrors: {} });
    const bad = await validatePrompt(
      { '0': { class_type: 'AsyncValidationValue', inputs: { value: 8 } } },
      python,
      noServices,
    );
    expect(bad.ok === false && bad.nodeErrors['0'].errors[0].type).toBe('custom_validation_failed');
  });

  it('test_validate_inputs_reports_dependency_validation_exception', async () => {
    const outcome = await validatePrompt(
      {
        '0': { class_type: 'DeepValidationSource', inputs: {} },
        '1': { class_type: 'ExceptionValidationLink', inputs: { value: ['0', 0] } },
        '2': { class_type: 'DeepValidationOutput', inputs: { value: ['1', 0] } },
      },
      python,
      noServices,
    );
    expect(outcome.ok).toBe(false);
    const [inner] = outcome.nodeErrors['1'].errors;
    expect(inner.type).toBe('exception_during_inner_validation');
    expect(inner.extra_info.exception_message).toBe('validation failed');
    expect(outcome.nodeErrors['0']).toBeUndefined();
  });
});

describe('validatePrompt with hostile ids and names', () => {
  it('treats __proto__ and constructor as ordinary ids and input names, polluting nothing', async () => {
    const prompt = JSON.parse(
      '{"__proto__": {"class_type": "DeepValidationSource", "inputs": {}},' +
        ' "constructor": {"class_type": "DeepValidationLink", "inputs": {"value": ["__proto__", 0], "__proto__": 1, "constructor": 2}},' +
        ' "toString": {"class_type": "DeepValidationOutput", "inputs": {"value": ["constructor", 0]}}}',
    ) as ApiPrompt;
    const outcome = await validatePrompt(prompt, python, noServices);
    expect(outcome).toEqual({ ok: true, outputs: ['toString'], nodeErrors: {} });
    expect(({} as Record<string, unknown>).class_type).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'inputs')).toBe(false);
  });

  it('reports a link to a node id that only exists on Object.prototype as missing', async () => {
    const outcome = await validatePrompt(
      { out: { class_type: 'DeepValidationOutput', inputs: { value: ['hasOwnProperty', 0] } } },
      python,
      noServices,
    );
    expect(outcome.ok === false && outcome.nodeErrors.out.errors[0].type).toBe('exception_during_validation');
  });

  it('reports an unknown class named like a prototype member', async () => {
    const outcome = await validatePrompt(
      { '1': { class_type: 'constructor', inputs: {} } },
      python,
      noServices,
    );
    expect(outcome.ok === false && outcome.error.type).toBe('missing_node_type');
  });
});
