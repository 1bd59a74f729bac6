import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Directories,
  buildNodeDefinition,
  describeNode,
  type NodeClass,
  type NodeContext,
  type NodeInstance,
} from '@easel/core';
import * as pack from './index.js';

const catalogue = JSON.parse(
  readFileSync(
    new URL('../../../tools/fixtures/comfyui-0.24-samples/object_info.json', import.meta.url),
    'utf8',
  ),
) as Record<string, unknown>;

// the recording's input folder held ComfyUI's example.png, which LoadImage's combo lists
const inputFolder = mkdtempSync(join(tmpdir(), 'easel-core-nodes-input-'));
writeFileSync(join(inputFolder, 'example.png'), '');
const noServices = {
  resolve: <T>(token: unknown) => (token === Directories ? { input: inputFolder } : undefined) as T,
};
afterAll(() => rmSync(inputFolder, { recursive: true, force: true }));

/** The recorded catalogue replaces descriptions and tooltips with "(text omitted)": ours are masked alike. */
function maskTexts(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) {
    return key === 'output_tooltips'
      ? value.map((t: unknown) => (t === null ? null : '(text omitted)'))
      : value.map((v) => maskTexts(v));
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskTexts(v, k)]));
  }
  if ((key === 'tooltip' || key === 'description') && value !== '') return '(text omitted)';
  return value;
}

const context = {} as NodeContext;

function run(nodeClass: NodeClass, inputs: Record<string, unknown>) {
  const node = new (nodeClass as unknown as new () => NodeInstance)();
  return node.execute(inputs, context);
}

describe('@easel/core-nodes', () => {
  const nodes = Object.values(pack) as NodeClass[];

  it.each(nodes.map((n) => [n.name, n] as const))(
    "%s has ComfyUI's exact /object_info entry",
    async (name, nodeClass) => {
      const definition = await buildNodeDefinition(describeNode(nodeClass, '@easel/core-nodes'), noServices);
      expect(definition.name).toBe(name);
      expect(JSON.stringify(maskTexts(definition))).toBe(JSON.stringify(catalogue[name]));
    },
  );

  it('primitives pass their value through', () => {
    expect(run(pack.PrimitiveInt, { value: -3 })).toEqual([-3]);
    expect(run(pack.PrimitiveFloat, { value: 0.25 })).toEqual([0.25]);
    expect(run(pack.PrimitiveBoolean, { value: false })).toEqual([false]);
    expect(run(pack.PrimitiveString, { value: 'a cat' })).toEqual(['a cat']);
    expect(run(pack.PrimitiveStringMultiline, { value: 'a\nb' })).toEqual(['a\nb']);
  });

  it('StringConcatenate joins a and b with the delimiter', () => {
    expect(run(pack.StringConcatenate, { string_a: 'red', string_b: 'fox', delimiter: ', ' })).toEqual([
      'red, fox',
    ]);
    expect(run(pack.StringConcatenate, { string_a: 'a', string_b: 'b', delimiter: '' })).toEqual(['ab']);
  });
});
