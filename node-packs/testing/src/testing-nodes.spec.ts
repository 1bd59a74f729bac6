import {
  ExecutionBlocker,
  JsonFloat,
  buildNodeDefinition,
  describeNode,
  runInNodeCall,
  type ComboContext,
  type Expansion,
  type NodeClass,
  type NodeContext,
  type NodeResult,
  type Tensor,
  type TensorBackend,
} from '@easel/core';
import { OnnxBackend } from '@easel/backend-onnx';
import * as pack from './index.js';
import { compare, pythonRegexMatch, stringCondition } from './conditions.js';
import type { DynamicPromptNode } from './flow-control.js';
import { checkBounds, checkChoice, checkStringLength } from './stubs.js';
import { checkVariantTypes, pyFloat, pyTruthy, pyType, smartTypeAccepts, uniformNoise } from './tools.js';
import { intMath } from './util.js';

const PACK = '@easel/testing-nodes';
const noServices: ComboContext = { resolve: () => undefined as never };

/** Every node of ComfyUI's testing pack: display name and category. */
const EXPECTED: Record<string, [string, string]> = {
  TestLazyMixImages: ['Lazy Mix Images', 'Testing/Nodes'],
  TestVariadicAverage: ['Variadic Average', 'Testing/Nodes'],
  TestCustomIsChanged: ['Custom IsChanged', 'Testing/Nodes'],
  TestIsChangedWithConstants: ['IsChanged With Constants', 'Testing/Nodes'],
  TestCustomValidation1: ['Custom Validation 1', 'Testing/Nodes'],
  TestCustomValidation2: ['Custom Validation 2', 'Testing/Nodes'],
  TestCustomValidation3: ['Custom Validation 3', 'Testing/Nodes'],
  TestCustomValidation4: ['Custom Validation 4', 'Testing/Nodes'],
  TestCustomValidation5: ['Custom Validation 5', 'Testing/Nodes'],
  TestDynamicDependencyCycle: ['Dynamic Dependency Cycle', 'Testing/Nodes'],
  TestMixedExpansionReturns: ['Mixed Expansion Returns', 'Testing/Nodes'],
  TestSamplingInExpansion: ['Sampling In Expansion', 'Testing/Nodes'],
  TestSleep: ['Test Sleep', '_for_testing'],
  TestParallelSleep: ['Test Parallel Sleep', '_for_testing'],
  TestOutputNodeWithSocketOutput: ['Test Output Node With Socket Output', '_for_testing'],
  TestWhileLoopOpen: ['While Loop Open', 'Testing/Flow'],
  TestWhileLoopClose: ['While Loop Close', 'Testing/Flow'],
  TestExecutionBlocker: ['Execution Blocker', 'Testing/Flow'],
  TestAccumulateNode: ['Accumulate', 'Testing/Lists'],
  TestAccumulationHeadNode: ['Accumulation Head', 'Testing/Lists'],
  TestAccumulationTailNode: ['Accumulation Tail', 'Testing/Lists'],
  TestAccumulationToListNode: ['Accumulation to List', 'Testing/Lists'],
  TestListToAccumulationNode: ['List to Accumulation', 'Testing/Lists'],
  TestAccumulationGetLengthNode: ['Accumulation Get Length', 'Testing/Lists'],
  TestAccumulationGetItemNode: ['Accumulation Get Item', 'Testing/Lists'],
  TestAccumulationSetItemNode: ['Accumulation Set Item', 'Testing/Lists'],
  TestForLoopOpen: ['For Loop Open', 'Testing/Flow'],
  TestForLoopClose: ['For Loop Close', 'Testing/Flow'],
  TestIntMathOperation: ['Int Math Operation', 'Testing/Logic'],
  TestMakeListNode: ['Make List', 'Testing/Lists'],
  TestIntConditions: ['Int Condition', 'Testing/Logic'],
  TestFloatConditions: ['Float Condition', 'Testing/Logic'],
  TestStringConditions: ['String Condition', 'Testing/Logic'],
  TestToBoolNode: ['To Bool', 'Testing/Logic'],
  TestBoolOperationNode: ['Bool Operation', 'Testing/Logic'],
  StubImage: ['Stub Image', 'Testing/Stub Nodes'],
  StubConstantImage: ['Stub Constant Image', 'Testing/Stub Nodes'],
  StubMask: ['Stub Mask', 'Testing/Stub Nodes'],
  StubInt: ['Stub Int', 'Testing/Stub Nodes'],
  StubFloat: ['Stub Float', 'Testing/Stub Nodes'],
  StubStringOutput: ['Stub String Output', 'Testing/Stub Nodes'],
  StubStringWithLength: ['Stub String With Length', 'Testing/Stub Nodes'],
  StubStringWithLengthNoFlag: ['Stub String With Length (No Flag)', 'Testing/Stub Nodes'],
  StubIntWithBounds: ['Stub Int With Bounds', 'Testing/Stub Nodes'],
  StubComboWithOptions: ['Stub Combo With Options', 'Testing/Stub Nodes'],
  TestAsyncValidation: ['Test Async Validation', 'experimental/async'],
  TestAsyncError: ['Test Async Error', 'experimental/async'],
  TestAsyncValidationError: ['Test Async Validation Error', 'experimental/async'],
  TestAsyncTimeout: ['Test Async Timeout', 'experimental/async'],
  TestSyncError: ['Test Sync Error', 'experimental/async'],
  TestAsyncLazyCheck: ['Test Async Lazy Check', 'experimental/async'],
  TestDynamicAsyncGeneration: ['Test Dynamic Async Generation', 'experimental/async'],
  TestAsyncResourceUser: ['Test Async Resource User', 'experimental/async'],
  TestAsyncBatchProcessing: ['Test Async Batch Processing', 'experimental/async'],
  TestAsyncConcurrentLimit: ['Test Async Concurrent Limit', 'experimental/async'],
  TestAsyncProgressUpdate: ['Async Progress Update Test Node', 'experimental/async'],
  TestSyncProgressUpdate: ['Sync Progress Update Test Node', 'experimental/async'],
  TestCacheProviderRecord: ['Test Cache Provider Record', 'Testing/Nodes'],
};

const VARIANT_NODES = [
  'TestCustomValidation3',
  'TestWhileLoopOpen',
  'TestWhileLoopClose',
  'TestExecutionBlocker',
  'TestAccumulateNode',
  'TestAccumulationHeadNode',
  'TestAccumulationToListNode',
  'TestListToAccumulationNode',
  'TestAccumulationGetLengthNode',
  'TestAccumulationGetItemNode',
  'TestAccumulationSetItemNode',
  'TestForLoopOpen',
  'TestForLoopClose',
  'TestMakeListNode',
];

const nodeClasses = Object.values(pack) as NodeClass[];
const schemas = nodeClasses.map((c) => describeNode(c, PACK));
const schemaOf = (classType: string) => schemas.find((s) => s.classType === classType)!;
const definitionOf = (nodeClass: NodeClass) => buildNodeDefinition(describeNode(nodeClass, PACK), noServices);

type Executable = {
  execute(inputs: Record<string, unknown>, context: NodeContext): unknown;
  checkLazyStatus?(inputs: Record<string, unknown>, context: NodeContext): unknown;
};
type Hooks = {
  validateInputs(
    inputs: Record<string, unknown>,
    services: ComboContext,
    types?: Record<string, string>,
  ): unknown;
  fingerprintInputs(inputs: Record<string, unknown>, services: ComboContext): unknown;
};

function instance(nodeClass: NodeClass): Executable {
  return new (nodeClass as unknown as new () => Executable)();
}

const hooks = (nodeClass: NodeClass) => nodeClass as unknown as Hooks;

function makeContext(
  backend: TensorBackend = {} as TensorBackend,
  options: { progress?: [number, number][]; signal?: AbortSignal; nodeId?: string } = {},
): NodeContext {
  const quiet = () => undefined;
  return {
    nodeId: options.nodeId ?? '1',
    promptId: 'p',
    signal: options.signal ?? new AbortController().signal,
    backend,
    progress: { update: (value, max) => options.progress?.push([value, max]), text: () => undefined },
    logger: { debug: quiet, info: quiet, warn: quiet, error: quiet },
  };
}

async function run(nodeClass: NodeClass, inputs: Record<string, unknown>, context = makeContext()) {
  return (await instance(nodeClass).execute(inputs, context)) as unknown[] & NodeResult;
}

describe('@easel/testing-nodes', () => {
  describe('declarations', () => {
    it('declares all 58 nodes of ComfyUI testing-pack, each describable', () => {
      expect(nodeClasses).toHaveLength(58);
      expect(schemas.map((s) => s.classType).sort()).toEqual(Object.keys(EXPECTED).sort());
    });

    it.each(Object.entries(EXPECTED))(
      '%s has ComfyUI display name and category',
      async (classType, expected) => {
        const nodeClass = nodeClasses.find((c) => describeNode(c, PACK).classType === classType)!;
        const definition = await definitionOf(nodeClass);
        expect([definition.display_name, definition.category]).toEqual(expected);
        expect(definition.python_module).toBe('custom_nodes.testing-pack');
      },
    );

    it('TestLazyMixImages: lazy images and a mask', async () => {
      const definition = await definitionOf(pack.TestLazyMixImages);
      expect(definition.input).toEqual({
        required: { image1: ['IMAGE', { lazy: true }], image2: ['IMAGE', { lazy: true }], mask: ['MASK'] },
      });
      expect(definition.output).toEqual(['IMAGE']);
      expect(definition.output_name).toEqual(['IMAGE']);
      expect(schemaOf('TestLazyMixImages').hooks.checkLazyStatus).toBe(true);
      expect(schemaOf('TestLazyMixImages').hooks.concurrent).toBe(false);
    });

    it('TestIntMathOperation: 64-bit bounds and the operation list', async () => {
      const definition = await definitionOf(pack.TestIntMathOperation);
      const bounds = { default: 0, min: -(2 ** 64 - 1), max: 2 ** 64 - 1, step: 1 };
      expect(definition.input.required).toEqual({
        a: ['INT', bounds],
        b: ['INT', bounds],
        operation: [['add', 'subtract', 'multiply', 'divide', 'modulo', 'power']],
      });
      expect(definition.input_order).toEqual({ required: ['a', 'b', 'operation'] });
    });

    it('TestWhileLoopOpen / Close: names, optional values, raw link and hidden inputs', async () => {
      const open = await definitionOf(pack.TestWhileLoopOpen);
      expect(open.input.required).toEqual({ condition: ['BOOLEAN', { default: true }] });
      expect(open.input_order.optional).toEqual([0, 1, 2, 3, 4].map((i) => `initial_value${i}`));
      expect(open.output).toEqual(['FLOW_CONTROL', '*', '*', '*', '*', '*']);
      expect(open.output_name).toEqual(['FLOW_CONTROL', 'value0', 'value1', 'value2', 'value3', 'value4']);

      const close = await definitionOf(pack.TestWhileLoopClose);
      expect(close.input.required).toEqual({
        flow_control: ['FLOW_CONTROL', { rawLink: true }],
        condition: ['BOOLEAN', { forceInput: true }],
      });
      expect(close.input.hidden).toEqual({ dynprompt: 'DYNPROMPT', unique_id: 'UNIQUE_ID' });
      expect(close.output_name).toEqual(['value0', 'value1', 'value2', 'value3', 'value4']);
    });

    it('TestSleep: wildcard value, seconds with tooltip, hidden id; an async node', async () => {
      const definition = await definitionOf(pack.TestSleep);
      expect(definition.input.required.seconds).toEqual([
        'FLOAT',
        { default: 1.0, min: 0.0, max: 9999.0, step: 0.01, tooltip: 'The amount of seconds to sleep.' },
      ]);
      expect(definition.input.hidden).toEqual({ unique_id: 'UNIQUE_ID' });
      // ComfyUI declares it ("*", {}): the empty options object is shown
      expect(definition.input.required.value).toEqual(['*', {}]);
      expect(definition.output).toEqual(['*']);
      expect(schemaOf('TestSleep').hooks.concurrent).toBe(true);
      expect(schemaOf('TestParallelSleep').outputNode).toBe(true);
    });

    it('stubs: string length bounds, BOOL option, list flags, an output node without outputs', async () => {
      expect((await definitionOf(pack.StubStringWithLength)).input.required.text).toEqual([
        'STRING',
        { default: 'hello', minLength: 3, maxLength: 10 },
      ]);
      expect((await definitionOf(pack.TestCustomIsChanged)).input.optional).toEqual({
        should_change: ['BOOL', { default: false }],
      });
      expect((await definitionOf(pack.StubImage)).input.required.width).toEqual([
        'INT',
        { default: 512, min: 1, max: 4096 ** 3, step: 1 },
      ]);
      expect((await definitionOf(pack.TestAccumulationToListNode)).output_is_list).toEqual([true]);
      expect((await definitionOf(pack.TestMakeListNode)).output_is_list).toEqual([true]);
      expect((await definitionOf(pack.TestListToAccumulationNode)).is_input_list).toBe(true);
      const record = await definitionOf(pack.TestCacheProviderRecord);
      expect([record.output, record.output_node, record.input]).toEqual([[], true, { required: {} }]);
    });

    it('custom validators take the inputs ComfyUI signatures name', () => {
      const validator = (classType: string) => schemaOf(classType).hooks.validateInputs;
      for (const classType of VARIANT_NODES)
        expect(validator(classType)).toEqual({ inputs: [], inputTypes: true });
      expect(validator('TestCustomValidation1')).toEqual({ inputs: ['input1', 'input2'], inputTypes: false });
      expect(validator('TestCustomValidation2')).toEqual({ inputs: ['input1', 'input2'], inputTypes: true });
      expect(validator('TestCustomValidation4')).toEqual({ inputs: ['input1', 'input2'], inputTypes: false });
      expect(validator('TestCustomValidation5')).toEqual({ inputs: 'all', inputTypes: false });
      expect(validator('StubComboWithOptions')).toEqual({ inputs: [], inputTypes: true });
      expect(validator('TestAsyncValidation')).toEqual({ inputs: ['value', 'threshold'], inputTypes: false });
      expect(validator('TestAccumulationTailNode')).toBeNull();
      // ComfyUI's `async def` functions are the concurrent nodes
      expect(schemas.filter((s) => s.hooks.concurrent).map((s) => s.classType)).toEqual(
        expect.arrayContaining([
          'TestSleep',
          'TestAsyncError',
          'TestAsyncTimeout',
          'TestAsyncResourceUser',
          'TestAsyncBatchProcessing',
          'TestAsyncConcurrentLimit',
          'TestAsyncProgressUpdate',
        ]),
      );
      expect(schemas.filter((s) => s.hooks.concurrent)).toHaveLength(7);
      expect(validator('TestIntMathOperation')).toBeNull();
    });
  });

  describe('Python helpers', () => {
    it('formats floats and types as Python prints them', () => {
      expect([pyFloat(5), pyFloat(0.1), pyFloat(15), pyFloat(1e38), pyFloat(-2.5e-7)]).toEqual([
        '5.0',
        '0.1',
        '15.0',
        '1e+38',
        '-2.5e-07',
      ]);
      expect([pyType(5), pyType(new JsonFloat(5)), pyType('x'), pyType(true), pyType(null)]).toEqual([
        "<class 'int'>",
        "<class 'float'>",
        "<class 'str'>",
        "<class 'bool'>",
        "<class 'NoneType'>",
      ]);
      expect([pyTruthy(NaN), pyTruthy({}), pyTruthy({ accum: [] }), pyTruthy([]), pyTruthy('')]).toEqual([
        true,
        false,
        true,
        false,
        false,
      ]);
    });

    it('noise is uniform in [0, 1) and fixed by its seed', () => {
      const a = uniformNoise(1000, 42);
      expect(uniformNoise(1000, 42)).toEqual(a);
      expect(uniformNoise(1000, 43)).not.toEqual(a);
      expect(Math.min(...a)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...a)).toBeLessThan(1);
      const mean = a.reduce((s, v) => s + v, 0) / a.length;
      expect(mean).toBeGreaterThan(0.45);
      expect(mean).toBeLessThan(0.55);
    });
  });

  describe('TestIntMathOperation', () => {
    it.each([
      ['add', 7, 3, 10],
      ['subtract', 7, 10, -3],
      ['multiply', -4, 3, -12],
      ['divide', 7, 2, 3],
      ['divide', -7, 2, -4],
      ['divide', 7, -2, -4],
      ['modulo', 7, 3, 1],
      ['modulo', -7, 3, 2],
      ['modulo', 7, -3, -2],
      ['power', 2, 10, 1024],
      ['power', 2, -2, 0.25],
      ['power', 3, 0, 1],
    ])('%s(%d, %d) = %d', async (operation, a, b, expected) => {
      expect(await run(pack.TestIntMathOperation, { a, b, operation })).toEqual([expected]);
    });

    it('is exact for large integers and raises ZeroDivisionError', () => {
      expect(intMath('add', 2 ** 53, 2)).toBe(2 ** 53 + 2);
      expect(intMath('multiply', 2 ** 40, 2 ** 20)).toBe(2 ** 60);
      expect(() => intMath('divide', 1, 0)).toThrow(
        expect.objectContaining({ name: 'ZeroDivisionError', message: 'integer division or modulo by zero' }),
      );
      expect(() => intMath('modulo', 1, 0)).toThrow('integer modulo by zero');
      expect(intMath('unknown', 1, 2)).toBeNull();
    });
  });

  describe('conditions', () => {
    it('compare ints and floats', async () => {
      const cases: [string, number, number, boolean][] = [
        ['==', 2, 2, true],
        ['!=', 2, 2, false],
        ['<', 1, 2, true],
        ['>', 1, 2, false],
        ['<=', 2, 2, true],
        ['>=', 1, 2, false],
      ];
      for (const [operation, a, b, expected] of cases) {
        expect(await run(pack.TestIntConditions, { a, b, operation })).toEqual([expected]);
        expect(await run(pack.TestFloatConditions, { a: a + 0.5, b: b + 0.5, operation })).toEqual([
          expected,
        ]);
      }
      expect(compare('~', 1, 1)).toBeNull();
    });

    it('compare strings, with and without case', async () => {
      const check = async (a: string, b: string, operation: string, case_sensitive = true) =>
        ((await run(pack.TestStringConditions, { a, b, operation, case_sensitive })) as unknown[])[0];
      expect(await check('abc', 'abc', 'a == b')).toBe(true);
      expect(await check('abc', 'ABC', 'a == b')).toBe(false);
      expect(await check('abc', 'ABC', 'a == b', false)).toBe(true);
      expect(await check('abc', 'abd', 'a != b')).toBe(true);
      expect(await check('bc', 'abcd', 'a IN b')).toBe(true);
      expect(await check('abcd', 'ab', 'a BEGINSWITH b')).toBe(true);
      expect(await check('abcd', 'cd', 'a ENDSWITH b')).toBe(true);
      expect(await check('Hello world', 'hel+o', 'a MATCH REGEX(b)')).toBe(false);
      expect(await check('Hello world', 'hel+o', 'a MATCH REGEX(b)', false)).toBe(true);
      // re.match anchors at the start only
      expect(await check('say hello', 'hello', 'a MATCH REGEX(b)')).toBe(false);
      expect(await check('hello there', 'hello', 'a MATCH REGEX(b)')).toBe(true);
      expect(pythonRegexMatch('(?P<x>a)(?P=x)', 'aab')).toBe(true);
      expect(pythonRegexMatch('([', 'anything')).toBe(false);
      expect(stringCondition('??', 'a', 'b', true)).toBeNull();
    });

    it('TestToBoolNode uses Python truthiness, optionally inverted', async () => {
      const toBool = async (value: unknown, invert?: boolean) =>
        (
          (await run(pack.TestToBoolNode, invert === undefined ? { value } : { value, invert })) as unknown[]
        )[0];
      expect(await toBool(0)).toBe(false);
      expect(await toBool(3)).toBe(true);
      expect(await toBool('')).toBe(false);
      expect(await toBool('x')).toBe(true);
      expect(await toBool(null)).toBe(false);
      expect(await toBool([])).toBe(false);
      expect(await toBool({ accum: [] })).toBe(true);
      expect(await toBool(0, true)).toBe(true);
    });

    it('TestBoolOperationNode', async () => {
      const op = async (a: boolean, b: boolean, operation: string) =>
        ((await run(pack.TestBoolOperationNode, { a, b, op: operation })) as unknown[])[0];
      expect(await op(true, false, 'a AND b')).toBe(false);
      expect(await op(true, true, 'a AND b')).toBe(true);
      expect(await op(false, true, 'a OR b')).toBe(true);
      expect(await op(true, true, 'a XOR b')).toBe(false);
      expect(await op(true, false, 'a XOR b')).toBe(true);
      expect(await op(true, true, 'NOT a')).toBe(false);
    });
  });

  describe('accumulations and lists', () => {
    it('accumulate, head, tail, length, get and set', async () => {
      const [first] = await run(pack.TestAccumulateNode, { to_add: 'a' });
      expect(first).toEqual({ accum: ['a'] });
      const [second] = await run(pack.TestAccumulateNode, { to_add: 'b', accumulation: first });
      expect(second).toEqual({ accum: ['a', 'b'] });
      expect(first).toEqual({ accum: ['a'] }); // not mutated
      const [three] = await run(pack.TestAccumulateNode, { to_add: 'c', accumulation: second });

      expect(await run(pack.TestAccumulationHeadNode, { accumulation: three })).toEqual([
        { accum: ['b', 'c'] },
        'a',
      ]);
      expect(await run(pack.TestAccumulationTailNode, { accumulation: three })).toEqual([
        { accum: ['a', 'b'] },
        'c',
      ]);
      const empty = { accum: [] };
      expect(await run(pack.TestAccumulationHeadNode, { accumulation: empty })).toEqual([empty, null]);
      // ComfyUI's quirk: the tail of an empty accumulation swaps its outputs
      expect(await run(pack.TestAccumulationTailNode, { accumulation: empty })).toEqual([null, empty]);

      expect(await run(pack.TestAccumulationGetLengthNode, { accumulation: three })).toEqual([3]);
      expect(await run(pack.TestAccumulationGetItemNode, { accumulation: three, index: 1 })).toEqual(['b']);
      expect(await run(pack.TestAccumulationGetItemNode, { accumulation: three, index: -1 })).toEqual(['c']);
      await expect(run(pack.TestAccumulationGetItemNode, { accumulation: three, index: 3 })).rejects.toThrow(
        expect.objectContaining({ name: 'IndexError', message: 'list index out of range' }),
      );
      expect(
        await run(pack.TestAccumulationSetItemNode, { accumulation: three, index: -3, value: 'z' }),
      ).toEqual([{ accum: ['z', 'b', 'c'] }]);
      expect(three).toEqual({ accum: ['a', 'b', 'c'] });
      await expect(
        run(pack.TestAccumulationSetItemNode, { accumulation: three, index: 5, value: 'z' }),
      ).rejects.toThrow('list assignment index out of range');
    });

    it('converts between accumulations and lists', async () => {
      expect(await run(pack.TestAccumulationToListNode, { accumulation: { accum: [1, 2] } })).toEqual([
        [1, 2],
      ]);
      expect(await run(pack.TestListToAccumulationNode, { list: [1, 2, 3] })).toEqual([{ accum: [1, 2, 3] }]);
    });

    it('TestMakeListNode collects the value0..value9 present, in order', async () => {
      expect(
        await run(pack.TestMakeListNode, { value3: 'c', value1: 'a', value0: 'z', value2: null }),
      ).toEqual([['z', 'a', null, 'c']]);
    });
  });

  describe('custom validation', () => {
    const validate = (
      nodeClass: NodeClass,
      inputs: Record<string, unknown>,
      types?: Record<string, string>,
    ) => hooks(nodeClass).validateInputs(inputs, noServices, types);

    it('TestCustomValidation1 accepts floats and links, rejects ints and strings', () => {
      expect(validate(pack.TestCustomValidation1, { input1: new JsonFloat(5), input2: 0.5 })).toBe(true);
      expect(validate(pack.TestCustomValidation1, { input1: null, input2: null })).toBe(true);
      expect(validate(pack.TestCustomValidation1, { input1: 5, input2: new JsonFloat(1) })).toBe(
        "Invalid type of input1: <class 'int'>",
      );
      expect(validate(pack.TestCustomValidation1, { input1: 0.5, input2: 'foo' })).toBe(
        "Invalid type of input2: <class 'str'>",
      );
    });

    it('TestCustomValidation2 also checks the linked types', () => {
      expect(validate(pack.TestCustomValidation2, { input1: null, input2: 0.5 }, { input1: 'FLOAT' })).toBe(
        true,
      );
      expect(validate(pack.TestCustomValidation2, { input1: null, input2: 0.5 }, { input1: 'INT' })).toBe(
        'Invalid type of input1: INT',
      );
      expect(validate(pack.TestCustomValidation2, { input1: 5, input2: null }, { input2: 'INT' })).toBe(
        "Invalid type of input1: <class 'int'>",
      );
    });

    it('VariantSupport (TestCustomValidation3 and the flow nodes) checks linked types as subsets', () => {
      expect(validate(pack.TestCustomValidation3, {}, { input1: 'INT' })).toBe(
        'Invalid type of input1: INT (expected IMAGE,FLOAT)',
      );
      expect(validate(pack.TestCustomValidation3, {}, { input1: 'FLOAT', input2: 'IMAGE' })).toBe(true);
      expect(validate(pack.TestCustomValidation3, {}, { input1: '*' })).toBe(true);
      expect(validate(pack.TestAccumulateNode, {}, { to_add: 'INT', accumulation: 'IMAGE' })).toBe(
        'Invalid type of accumulation: IMAGE (expected ACCUMULATION)',
      );
      expect(
        checkVariantTypes(pack.TestWhileLoopClose, { flow_control: 'FLOW_CONTROL', initial_value3: 'X' }),
      ).toBe(true);
      expect(smartTypeAccepts('IMAGE,FLOAT', 'FLOAT')).toBe(false);
      expect(smartTypeAccepts('FLOAT', 'IMAGE,FLOAT')).toBe(true);
    });

    it('TestCustomValidation4 and 5', () => {
      expect(validate(pack.TestCustomValidation4, { input1: 5, input2: null })).toBe(true);
      expect(validate(pack.TestCustomValidation4, { input1: 'x', input2: 1 })).toBe(
        "Invalid type of input1: <class 'str'>",
      );
      expect(validate(pack.TestCustomValidation5, { input1: 0, input2: 5 })).toBe(true);
      expect(validate(pack.TestCustomValidation5, { input1: 0, input2: 7 })).toBe(
        "7s are not allowed. I've never liked 7s.",
      );
    });

    it('async validators answer after a pause; a linked (None) value makes them raise', async () => {
      await expect(validate(pack.TestAsyncValidation, { value: 5, threshold: 10 })).resolves.toBe(true);
      await expect(validate(pack.TestAsyncValidation, { value: 15, threshold: 10 })).resolves.toBe(
        'Value 15.0 exceeds threshold 10.0',
      );
      await expect(validate(pack.TestAsyncValidation, { value: null, threshold: 10 })).rejects.toThrow(
        "'>' not supported between instances of 'NoneType' and 'float'",
      );
      await expect(validate(pack.TestAsyncValidationError, { value: 15, max_value: 10 })).resolves.toBe(
        'Async validation failed: 15.0 > 10.0',
      );
      expect(validate(pack.StubComboWithOptions, {}, { choice: 'STRING' })).toBe(true);
    });

    it('IS_CHANGED hooks', () => {
      const fingerprint = (nodeClass: NodeClass, inputs: Record<string, unknown>) =>
        hooks(nodeClass).fingerprintInputs(inputs, noServices);
      expect(fingerprint(pack.TestCustomIsChanged, { image: null, should_change: true })).toBeNaN();
      expect(fingerprint(pack.TestCustomIsChanged, { image: null })).toBe(false);
      expect(fingerprint(pack.TestIsChangedWithConstants, { image: null, value: 0.5 })).toBe(0.5);
      expect(fingerprint(pack.TestCacheProviderRecord, {})).toBeNaN();
    });

    it('runtime input validation of the opted-in stubs', () => {
      expect(() => checkStringLength('text', 'hi', 3, 10)).toThrow(
        "Input 'text': value length 2 is shorter than minimum length of 3",
      );
      expect(() => checkStringLength('text', 'a'.repeat(11), 3, 10)).toThrow(
        "Input 'text': value length 11 is longer than maximum length of 10",
      );
      expect(() => checkStringLength('text', 'hello', 3, 10)).not.toThrow();
      expect(() => checkBounds('value', 11, 1, 10)).toThrow('bigger than max of 10');
      expect(() => checkBounds('value', 0, 1, 10)).toThrow('smaller than min of 1');
      expect(() => checkChoice('choice', 'PURPLE', ['RED', 'GREEN', 'BLUE'])).toThrow(
        "Input 'choice': value 'PURPLE' not in ['RED', 'GREEN', 'BLUE']",
      );
    });
  });

  describe('flow control and expansions', () => {
    it('TestExecutionBlocker blocks, with a message only when verbose', async () => {
      expect(await run(pack.TestExecutionBlockerNode, { input: 'x', block: false, verbose: false })).toEqual([
        'x',
      ]);
      const [silent] = await run(pack.TestExecutionBlockerNode, { input: 'x', block: true, verbose: false });
      expect(silent).toBeInstanceOf(ExecutionBlocker);
      expect((silent as ExecutionBlocker).message).toBeNull();
      const [loud] = await run(pack.TestExecutionBlockerNode, { input: 'x', block: true, verbose: true });
      expect((loud as ExecutionBlocker).message).toBe('Blocked Execution');
    });

    it('TestWhileLoopOpen passes its values through', async () => {
      expect(
        await run(pack.TestWhileLoopOpen, { condition: true, initial_value0: 1, initial_value2: 'x' }),
      ).toEqual(['stub', 1, null, 'x', null, null]);
    });

    it('TestWhileLoopClose ends the loop, or clones the loop body with the current values', async () => {
      const prompt: Record<string, DynamicPromptNode> = {
        '1': { class_type: 'StubInt', inputs: { value: 3 } },
        '2': { class_type: 'TestWhileLoopOpen', inputs: { condition: true, initial_value0: ['1', 0] } },
        '3': {
          class_type: 'TestIntMathOperation',
          inputs: { a: ['2', 1], b: ['1', 0], operation: 'subtract' },
        },
        '4': { class_type: 'TestToBoolNode', inputs: { value: ['3', 0] } },
        '5': {
          class_type: 'TestWhileLoopClose',
          inputs: { flow_control: ['2', 0], condition: ['4', 0], initial_value0: ['3', 0] },
        },
      };
      const dynprompt = { get: (id: string) => prompt[id] };
      const done = await run(pack.TestWhileLoopClose, {
        flow_control: ['2', 0],
        condition: false,
        initial_value0: 0,
        dynprompt,
        unique_id: '5',
      });
      expect(done).toEqual([0, null, null, null, null]);

      const again = (await runInNodeCall('5', 0, () =>
        instance(pack.TestWhileLoopClose).execute(
          { flow_control: ['2', 0], condition: true, initial_value0: 2, dynprompt, unique_id: '5' },
          makeContext(),
        ),
      )) as NodeResult;
      expect(again.result).toEqual([0, 1, 2, 3, 4].map((i) => ['5.0.0.Recurse', i]));
      expect(again.expand).toEqual({
        '5.0.0.3': {
          class_type: 'TestIntMathOperation',
          // links into the loop body point at the clones, links to nodes outside it stay
          inputs: { a: ['5.0.0.2', 1], b: ['1', 0], operation: 'subtract' },
          override_display_id: '3',
        },
        '5.0.0.4': {
          class_type: 'TestToBoolNode',
          inputs: { value: ['5.0.0.3', 0] },
          override_display_id: '4',
        },
        '5.0.0.Recurse': {
          class_type: 'TestWhileLoopClose',
          inputs: { flow_control: ['5.0.0.2', 0], condition: ['5.0.0.4', 0], initial_value0: ['5.0.0.3', 0] },
          override_display_id: '5',
        },
        // the open node keeps its constants and gets the current loop values
        '5.0.0.2': {
          class_type: 'TestWhileLoopOpen',
          inputs: { condition: true, initial_value0: 2 },
          override_display_id: '2',
        },
      } satisfies Expansion);
      await expect(
        run(pack.TestWhileLoopClose, {
          flow_control: ['2', 0],
          condition: true,
          dynprompt: null,
          unique_id: '5',
        }),
      ).rejects.toThrow(expect.objectContaining({ name: 'AssertionError' }));
    });

    it('TestForLoopOpen / Close expand into the while loop', async () => {
      const open = (await runInNodeCall('7', 0, () =>
        instance(pack.TestForLoopOpen).execute({ remaining: 3, initial_value1: 'a' }, makeContext()),
      )) as NodeResult;
      expect(open.result).toEqual(['stub', 3, 'a', null, null, null]);
      expect(open.expand).toEqual({
        '7.0.0.1': {
          class_type: 'TestWhileLoopOpen',
          inputs: {
            condition: 3,
            initial_value0: 3,
            initial_value1: 'a',
            initial_value2: null,
            initial_value3: null,
            initial_value4: null,
          },
        },
      });
      // the next iteration sets initial_value0, which replaces remaining
      const next = (await instance(pack.TestForLoopOpen).execute(
        { remaining: 3, initial_value0: 1 },
        makeContext(),
      )) as NodeResult;
      expect(next.result?.[1]).toBe(1);

      const close = (await runInNodeCall('9', 0, () =>
        instance(pack.TestForLoopClose).execute(
          { flow_control: ['7', 0], initial_value1: ['8', 0] },
          makeContext(),
        ),
      )) as NodeResult;
      expect(close.result).toEqual([1, 2, 3, 4].map((i) => ['9.0.0.3', i]));
      expect(close.expand).toEqual({
        '9.0.0.1': {
          class_type: 'TestIntMathOperation',
          inputs: { operation: 'subtract', a: ['7', 1], b: 1 },
        },
        '9.0.0.2': { class_type: 'TestToBoolNode', inputs: { value: ['9.0.0.1', 0] } },
        '9.0.0.3': {
          class_type: 'TestWhileLoopClose',
          inputs: {
            flow_control: ['7', 0],
            condition: ['9.0.0.2', 0],
            initial_value0: ['9.0.0.1', 0],
            initial_value1: ['8', 0],
            initial_value2: null,
            initial_value3: null,
            initial_value4: null,
          },
        },
      });
    });

    it('TestDynamicDependencyCycle builds a cycle; TestDynamicAsyncGeneration averages sleeps', async () => {
      const cycle = (await runInNodeCall('4', 0, () =>
        instance(pack.TestDynamicDependencyCycle).execute({ input1: 'i1', input2: 'i2' }, makeContext()),
      )) as NodeResult;
      expect(cycle.result).toEqual([['4.0.0.3', 0]]);
      expect(cycle.expand?.['4.0.0.2'].inputs).toEqual({
        image1: 'i1',
        mask: ['4.0.0.1', 0],
        image2: ['4.0.0.3', 0],
      });

      const generated = (await runInNodeCall('6', 0, () =>
        instance(pack.TestDynamicAsyncGeneration).execute(
          { image1: 'a', image2: 'b', num_async_nodes: 3, sleep_duration: 0.2 },
          makeContext(),
        ),
      )) as NodeResult;
      expect(generated.result).toEqual([['6.0.0.4', 0]]);
      expect(Object.values(generated.expand ?? {}).map((n) => n.inputs.value ?? n.class_type)).toEqual([
        'a',
        'b',
        'a',
        'TestVariadicAverage',
      ]);
      const single = (await runInNodeCall('6', 0, () =>
        instance(pack.TestDynamicAsyncGeneration).execute(
          { image1: 'a', image2: 'b', num_async_nodes: 1, sleep_duration: 0.2 },
          makeContext(),
        ),
      )) as NodeResult;
      expect(single.result).toEqual([['6.0.0.1', 0]]);
    });

    it('TestParallelSleep and TestSamplingInExpansion wire their subgraphs', async () => {
      const parallel = (await runInNodeCall('5', 0, () =>
        instance(pack.TestParallelSleep).execute(
          { image1: 'a', image2: 'b', image3: 'c', sleep1: 0.1, sleep2: 0.2, sleep3: 0.3 },
          makeContext(),
        ),
      )) as NodeResult;
      expect(parallel.expand?.['5.0.0.4']).toEqual({
        class_type: 'TestVariadicAverage',
        inputs: { input1: ['5.0.0.1', 0], input2: ['5.0.0.2', 0], input3: ['5.0.0.3', 0] },
      });
      const sampling = (await instance(pack.TestSamplingInExpansion).execute(
        { model: 'm', clip: 'c', vae: 'v', seed: 1, steps: 2, cfg: 3, prompt: 'p', negative_prompt: 'n' },
        makeContext(),
      )) as NodeResult;
      expect(Object.values(sampling.expand ?? {}).map((n) => n.class_type)).toEqual([
        'CLIPTextEncode',
        'CLIPTextEncode',
        'EmptyLatentImage',
        'KSampler',
        'VAEDecode',
      ]);
      expect(sampling.expand?.['4'].inputs).toMatchObject({
        sampler_name: 'euler_ancestral',
        scheduler: 'normal',
      });
    });

    it('TestCacheProviderRecord reports the recorded class types', async () => {
      expect(await run(pack.TestCacheProviderRecord, {})).toEqual({ ui: { stored_class_types: [] } });
    });

    it('errors carry Python exception names', async () => {
      await expect(run(pack.TestSyncError, { value: 1 })).rejects.toThrow(
        expect.objectContaining({
          name: 'RuntimeError',
          message: 'Intentional sync execution error for testing',
        }),
      );
      await expect(run(pack.TestAsyncError, { value: 1, error_after: 0 })).rejects.toThrow(
        'Intentional async execution error for testing',
      );
    });
  });

  describe('on the onnx backend', () => {
    let backend: TensorBackend;
    let context: NodeContext;
    beforeAll(() => {
      backend = new OnnxBackend();
      context = makeContext(backend);
    });

    const image = (value: number, size = 4, batch = 1) => backend.full([batch, size, size, 3], value);
    const pixels = async (t: Tensor) => Array.from(await backend.read(t), (v) => Math.floor(v * 255));
    const mask = (values: number[]) => backend.fromHost(Float32Array.from(values), [1, 2, 2]);

    it('TestLazyMixImages asks only for the images the mask needs', async () => {
      const node = instance(pack.TestLazyMixImages);
      const lazy = (m: Tensor, image1: Tensor | null = null, image2: Tensor | null = null) =>
        node.checkLazyStatus!({ image1, image2, mask: m }, context);
      expect(await lazy(mask([0, 0, 0, 0]))).toEqual(['image1']);
      expect(await lazy(mask([1, 1, 1, 1]))).toEqual(['image2']);
      expect(await lazy(mask([0, 1, 0.5, 0]))).toEqual(['image1', 'image2']);
      expect(await lazy(mask([0, 1, 0.5, 0]), image(0, 2))).toEqual(['image2']);
      expect(await lazy(mask([0.5, 0.5, 0.5, 0.5]), image(0, 2), image(1, 2))).toEqual([]);
    });

    it('TestLazyMixImages mixes by the mask, or passes one image through', async () => {
      const black = image(0, 2);
      const white = image(1, 2);
      const [only1] = await run(
        pack.TestLazyMixImages,
        { image1: black, image2: null, mask: mask([0, 0, 0, 0]) },
        context,
      );
      expect(only1).toBe(black);
      const [mixed] = await run(
        pack.TestLazyMixImages,
        { image1: black, image2: white, mask: mask([0, 0.5, 1, 0]) },
        context,
      );
      expect((mixed as Tensor).shape).toEqual([1, 2, 2, 3]);
      expect(await pixels(mixed as Tensor)).toEqual([0, 0, 0, 127, 127, 127, 255, 255, 255, 0, 0, 0]);
    });

    it('stubs make constant images and masks of the requested shape', async () => {
      const [white] = await run(
        pack.StubImage,
        { content: 'WHITE', height: 2, width: 3, batch_size: 2 },
        context,
      );
      expect((white as Tensor).shape).toEqual([2, 2, 3, 3]);
      expect(new Set(await pixels(white as Tensor))).toEqual(new Set([255]));
      const [black] = await run(
        pack.StubImage,
        { content: 'BLACK', height: 2, width: 2, batch_size: 1 },
        context,
      );
      expect(new Set(await pixels(black as Tensor))).toEqual(new Set([0]));
      const [noise] = await run(
        pack.StubImage,
        { content: 'NOISE', height: 8, width: 8, batch_size: 1 },
        context,
      );
      expect(new Set(await pixels(noise as Tensor)).size).toBeGreaterThan(10);
      const [constant] = await run(
        pack.StubConstantImage,
        { value: 0.5, height: 2, width: 2, batch_size: 1 },
        context,
      );
      expect(new Set(await pixels(constant as Tensor))).toEqual(new Set([127]));
      const [m] = await run(pack.StubMask, { value: 0.25, height: 2, width: 5, batch_size: 3 }, context);
      expect((m as Tensor).shape).toEqual([3, 2, 5]);
      expect(new Set(await pixels(m as Tensor))).toEqual(new Set([63]));
      const [blank] = await run(pack.StubIntWithBounds, { value: 5 }, context);
      expect((blank as Tensor).shape).toEqual([1, 64, 64, 3]);
      await expect(run(pack.StubIntWithBounds, { value: 11 }, context)).rejects.toThrow(
        'bigger than max of 10',
      );
      await expect(run(pack.StubStringWithLength, { text: 'no' }, context)).rejects.toThrow('shorter');
      expect(await run(pack.StubStringWithLengthNoFlag, { text: 'no' }, context)).toHaveLength(1);
    });

    it('TestVariadicAverage averages the inputs up to the first gap', async () => {
      const [mean] = await run(
        pack.TestVariadicAverage,
        {
          input1: image(1, 2),
          input2: image(0, 2),
          input3: image(0, 2),
          input4: image(0, 2),
          input6: image(1, 2),
        },
        context,
      );
      expect(new Set(await pixels(mean as Tensor))).toEqual(new Set([63]));
      await expect(
        run(pack.TestVariadicAverage, { input1: image(1, 2), input2: image(1, 3) }, context),
      ).rejects.toThrow('stack expects each tensor to be equal size');
    });

    it('scaling, validation and mixed-expansion nodes compute ComfyUI values', async () => {
      const [scaled] = await run(
        pack.TestIsChangedWithConstants,
        { image: image(0.5, 2), value: 0.5 },
        context,
      );
      expect(new Set(await pixels(scaled as Tensor))).toEqual(new Set([63]));
      const [product] = await run(pack.TestCustomValidation1, { input1: 0.5, input2: 0.5 }, context);
      expect((product as Tensor).shape).toEqual([1, 512, 512, 3]);
      const [tensorProduct] = await run(
        pack.TestCustomValidation2,
        { input1: image(0.5, 2), input2: 0.5 },
        context,
      );
      expect(new Set(await pixels(tensorProduct as Tensor))).toEqual(new Set([63]));

      const low = await run(pack.TestMixedExpansionReturns, { input1: 0.1 }, context);
      expect(low).toHaveLength(2);
      expect((await backend.read(low[0] as Tensor))[0]).toBeCloseTo(0.1);
      const middle = await run(pack.TestMixedExpansionReturns, { input1: 0.2 }, context);
      expect((await backend.read(middle.result![0] as Tensor))[0]).toBeCloseTo(0.2);
      expect(middle.expand).toBeUndefined();
      const high = await run(pack.TestMixedExpansionReturns, { input1: 0.3 }, context);
      expect(high.result![0]).toEqual(['4', 0]);
      expect(Object.values(high.expand!).map((n) => n.class_type)).toEqual([
        'StubMask',
        'StubImage',
        'StubImage',
        'TestLazyMixImages',
      ]);
    });

    it('TestToBoolNode is false only for an all-zero tensor', async () => {
      expect(await run(pack.TestToBoolNode, { value: image(0, 2) }, context)).toEqual([false]);
      expect(await run(pack.TestToBoolNode, { value: mask([0, 0, 0.1, 0]) }, context)).toEqual([true]);
    });

    it('TestAsyncBatchProcessing inverts each image and reports progress per item', async () => {
      const progress: [number, number][] = [];
      const batch = await backend.concat([image(0, 2), image(1, 2), image(0.25, 2)], 0);
      const [out] = await run(
        pack.TestAsyncBatchProcessing,
        { images: batch, process_time_per_item: 0.01 },
        makeContext(backend, { progress }),
      );
      const values = await pixels(out as Tensor);
      expect([values[0], values[12], values[24]]).toEqual([255, 0, 191]);
      expect(progress).toEqual([
        [1, 3],
        [2, 3],
        [3, 3],
      ]);
    });
  });

  describe('async nodes', () => {
    it('TestSleep waits, reports progress in seconds, and stops when interrupted', async () => {
      const progress: [number, number][] = [];
      const started = Date.now();
      expect(
        await run(pack.TestSleep, { value: 'v', seconds: 0.1 }, makeContext(undefined, { progress })),
      ).toEqual(['v']);
      expect(Date.now() - started).toBeGreaterThanOrEqual(95);
      expect(progress.length).toBeGreaterThan(2);
      expect(progress.every(([value, max]) => max === 0.1 && value <= 0.1)).toBe(true);
      expect(progress[progress.length - 1][0]).toBeCloseTo(0.1, 6);

      const controller = new AbortController();
      const interrupted = new Error('interrupted');
      setTimeout(() => controller.abort(interrupted), 50);
      const start = Date.now();
      await expect(
        run(
          pack.TestSleep,
          { value: 'v', seconds: 30 },
          makeContext(undefined, { signal: controller.signal }),
        ),
      ).rejects.toBe(interrupted);
      expect(Date.now() - start).toBeLessThan(1000);
    });

    it('TestAsyncTimeout times out like asyncio.wait_for', async () => {
      expect(await run(pack.TestAsyncTimeout, { value: 'v', timeout: 0.2, operation_time: 0.05 })).toEqual([
        'v',
      ]);
      await expect(
        run(pack.TestAsyncTimeout, { value: 'v', timeout: 0.05, operation_time: 0.3 }),
      ).rejects.toThrow(
        expect.objectContaining({ name: 'RuntimeError', message: 'Operation timed out after 0.05 seconds' }),
      );
    });

    it('TestAsyncResourceUser refuses a resource already in use', async () => {
      const first = run(pack.TestAsyncResourceUser, { value: 1, resource_id: 'r', duration: 0.1 });
      await expect(
        run(pack.TestAsyncResourceUser, { value: 2, resource_id: 'r', duration: 0.1 }),
      ).rejects.toThrow('Resource r is already in use!');
      expect(await first).toEqual([1]);
      expect(await run(pack.TestAsyncResourceUser, { value: 3, resource_id: 'r', duration: 0 })).toEqual([3]);
    });

    it('TestAsyncConcurrentLimit runs at most two at once', async () => {
      const started = Date.now();
      const results = await Promise.all(
        [1, 2, 3, 4].map((value) => run(pack.TestAsyncConcurrentLimit, { value, duration: 0.1, node_id: 0 })),
      );
      expect(results).toEqual([[1], [2], [3], [4]]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(195);
    });

    it('TestAsyncLazyCheck asks for the input its condition selects', async () => {
      const node = instance(pack.TestAsyncLazyCheck);
      expect(
        await node.checkLazyStatus!({ condition: true, input1: null, input2: null }, makeContext()),
      ).toEqual(['input1']);
      expect(
        await node.checkLazyStatus!({ condition: false, input1: null, input2: null }, makeContext()),
      ).toEqual(['input2']);
      expect(
        await node.checkLazyStatus!({ condition: true, input1: 1, input2: null }, makeContext()),
      ).toEqual([]);
    });

    it('progress nodes report fractions of 1.0', async () => {
      for (const nodeClass of [pack.TestAsyncProgressUpdate, pack.TestSyncProgressUpdate]) {
        const progress: [number, number][] = [];
        expect(
          await run(nodeClass, { value: 'v', sleep_seconds: 0.05 }, makeContext(undefined, { progress })),
        ).toEqual(['v']);
        expect(progress.length).toBeGreaterThan(1);
        expect(progress.every(([value, max]) => max === 1 && value >= 0)).toBe(true);
        expect(progress[progress.length - 1][0]).toBeGreaterThan(0.999);
      }
    });
  });
});
