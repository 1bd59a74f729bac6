import { GraphBuilder, Input, Node, type Link, type NodeInputs, type NodeReturn } from '@easel/core';
import { NUM_FLOW_SOCKETS } from './flow-control.js';
import { IndexError, PYTHON_MODULE, VariantSupport, ZeroDivisionError, pyIndex } from './tools.js';

// util.py: accumulations (immutable lists passed between nodes), list conversions, integer math
// and a for loop built on the while loop.

const LISTS = 'Testing/Lists';
const NUM_LIST_SOCKETS = 10;

/** ComfyUI's accumulation: `{"accum": [items]}`. */
export interface Accumulation {
  accum: unknown[];
}

@VariantSupport()
@Node({
  classType: 'TestAccumulateNode',
  displayName: 'Accumulate',
  category: LISTS,
  pythonModule: PYTHON_MODULE,
  outputs: ['ACCUMULATION'],
})
export class TestAccumulateNode {
  @Input('*') to_add!: unknown;
  @Input('ACCUMULATION', { optional: true }) accumulation?: Accumulation | null;

  execute({ to_add, accumulation }: NodeInputs<TestAccumulateNode>): NodeReturn {
    const accum = accumulation == null ? [to_add] : [...accumulation.accum, to_add];
    return [{ accum }];
  }
}

@VariantSupport()
@Node({
  classType: 'TestAccumulationHeadNode',
  displayName: 'Accumulation Head',
  category: LISTS,
  pythonModule: PYTHON_MODULE,
  outputs: ['ACCUMULATION', '*'],
})
export class TestAccumulationHeadNode {
  @Input('ACCUMULATION') accumulation!: Accumulation;

  execute({ accumulation }: NodeInputs<TestAccumulationHeadNode>): NodeReturn {
    const { accum } = accumulation;
    if (accum.length === 0) return [accumulation, null];
    return [{ accum: accum.slice(1) }, accum[0]];
  }
}

// not decorated with VariantSupport in ComfyUI either
@Node({
  classType: 'TestAccumulationTailNode',
  displayName: 'Accumulation Tail',
  category: LISTS,
  pythonModule: PYTHON_MODULE,
  outputs: ['ACCUMULATION', '*'],
})
export class TestAccumulationTailNode {
  @Input('ACCUMULATION') accumulation!: Accumulation;

  execute({ accumulation }: NodeInputs<TestAccumulationTailNode>): NodeReturn {
    const { accum } = accumulation;
    // ComfyUI returns the two outputs swapped for an empty accumulation; kept as it is
    if (accum.length === 0) return [null, accumulation];
    return [{ accum: accum.slice(0, -1) }, accum[accum.length - 1]];
  }
}

@VariantSupport()
@Node({
  classType: 'TestAccumulationToListNode',
  displayName: 'Accumulation to List',
  category: LISTS,
  pythonModule: PYTHON_MODULE,
  outputs: [{ type: '*', isList: true }],
})
export class TestAccumulationToListNode {
  @Input('ACCUMULATION') accumulation!: Accumulation;

  execute({ accumulation }: NodeInputs<TestAccumulationToListNode>): NodeReturn {
    return [accumulation.accum];
  }
}

@VariantSupport()
@Node({
  classType: 'TestListToAccumulationNode',
  displayName: 'List to Accumulation',
  category: LISTS,
  pythonModule: PYTHON_MODULE,
  outputs: ['ACCUMULATION'],
  inputIsList: true,
})
export class TestListToAccumulationNode {
  @Input('*') list!: unknown[];

  execute({ list }: NodeInputs<TestListToAccumulationNode>): NodeReturn {
    return [{ accum: list }];
  }
}

@VariantSupport()
@Node({
  classType: 'TestAccumulationGetLengthNode',
  displayName: 'Accumulation Get Length',
  category: LISTS,
  pythonModule: PYTHON_MODULE,
  outputs: ['INT'],
})
export class TestAccumulationGetLengthNode {
  @Input('ACCUMULATION') accumulation!: Accumulation;

  execute({ accumulation }: NodeInputs<TestAccumulationGetLengthNode>): NodeReturn {
    return [accumulation.accum.length];
  }
}

@VariantSupport()
@Node({
  classType: 'TestAccumulationGetItemNode',
  displayName: 'Accumulation Get Item',
  category: LISTS,
  pythonModule: PYTHON_MODULE,
  outputs: ['*'],
})
export class TestAccumulationGetItemNode {
  @Input('ACCUMULATION') accumulation!: Accumulation;
  @Input.int({ default: 0, step: 1 }) index!: number;

  execute({ accumulation, index }: NodeInputs<TestAccumulationGetItemNode>): NodeReturn {
    const at = pyIndex(accumulation.accum.length, index);
    if (at === null) throw new IndexError('list index out of range');
    return [accumulation.accum[at]];
  }
}

@VariantSupport()
@Node({
  classType: 'TestAccumulationSetItemNode',
  displayName: 'Accumulation Set Item',
  category: LISTS,
  pythonModule: PYTHON_MODULE,
  outputs: ['ACCUMULATION'],
})
export class TestAccumulationSetItemNode {
  @Input('ACCUMULATION') accumulation!: Accumulation;
  @Input.int({ default: 0, step: 1 }) index!: number;
  @Input('*') value!: unknown;

  execute({ accumulation, index, value }: NodeInputs<TestAccumulationSetItemNode>): NodeReturn {
    const accum = [...accumulation.accum];
    const at = pyIndex(accum.length, index);
    if (at === null) throw new IndexError('list assignment index out of range');
    accum[at] = value;
    return [{ accum }];
  }
}

// ---- integer math

const INT_LIMIT = 2 ** 64 - 1; // ComfyUI's 0xffffffffffffffff; JSON shows the nearest double

/** Python's `//` on integers: rounds toward negative infinity. */
function floorDivide(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** Python's `%` on integers: the result has the sign of the divisor. */
function floorModulo(a: bigint, b: bigint): bigint {
  const r = a % b;
  return r !== 0n && r < 0n !== b < 0n ? r + b : r;
}

/** Python treats booleans as the integers 0 and 1. */
function toNumber(value: unknown): number {
  return Number(value);
}

/**
 * `a <operation> b` with Python's semantics: exact integer arithmetic (through BigInt, so results
 * stay exact up to the precision a number can hold), floor division and modulo, a float for a
 * negative power, and ZeroDivisionError.
 */
export function intMath(operation: string, left: unknown, right: unknown): number | null {
  const a = toNumber(left);
  const b = toNumber(right);
  if (!Number.isInteger(a) || !Number.isInteger(b)) return floatMath(operation, a, b);
  const x = BigInt(a);
  const y = BigInt(b);
  switch (operation) {
    case 'add':
      return Number(x + y);
    case 'subtract':
      return Number(x - y);
    case 'multiply':
      return Number(x * y);
    case 'divide':
      if (y === 0n) throw new ZeroDivisionError('integer division or modulo by zero');
      return Number(floorDivide(x, y));
    case 'modulo':
      if (y === 0n) throw new ZeroDivisionError('integer modulo by zero');
      return Number(floorModulo(x, y));
    case 'power':
      if (y < 0n) {
        if (x === 0n) throw new ZeroDivisionError('0.0 cannot be raised to a negative power');
        return a ** b;
      }
      // beyond this the exact result cannot be a finite number anyway
      if ((x > 1n || x < -1n) && y > 2048n) return a ** b;
      return Number(x ** y);
    default:
      return null;
  }
}

function floatMath(operation: string, a: number, b: number): number | null {
  switch (operation) {
    case 'add':
      return a + b;
    case 'subtract':
      return a - b;
    case 'multiply':
      return a * b;
    case 'divide':
      if (b === 0) throw new ZeroDivisionError('float floor division by zero');
      return Math.floor(a / b);
    case 'modulo': {
      if (b === 0) throw new ZeroDivisionError('float modulo by zero');
      const r = a % b;
      return r !== 0 && r < 0 !== b < 0 ? r + b : r;
    }
    case 'power':
      if (a === 0 && b < 0) throw new ZeroDivisionError('0.0 cannot be raised to a negative power');
      return a ** b;
    default:
      return null;
  }
}

@Node({
  classType: 'TestIntMathOperation',
  displayName: 'Int Math Operation',
  category: 'Testing/Logic',
  pythonModule: PYTHON_MODULE,
  outputs: ['INT'],
})
export class TestIntMathOperation {
  @Input.int({ default: 0, min: -INT_LIMIT, max: INT_LIMIT, step: 1 }) a!: number;
  @Input.int({ default: 0, min: -INT_LIMIT, max: INT_LIMIT, step: 1 }) b!: number;
  @Input.combo(['add', 'subtract', 'multiply', 'divide', 'modulo', 'power']) operation!: string;

  execute({ a, b, operation }: NodeInputs<TestIntMathOperation>): NodeReturn {
    return [intMath(operation, a, b)];
  }
}

// ---- for loop

@VariantSupport()
@Node({
  classType: 'TestForLoopOpen',
  displayName: 'For Loop Open',
  category: 'Testing/Flow',
  pythonModule: PYTHON_MODULE,
  outputs: [
    { type: 'FLOW_CONTROL', name: 'flow_control' },
    { type: 'INT', name: 'remaining' },
    { type: '*', name: 'value1' },
    { type: '*', name: 'value2' },
    { type: '*', name: 'value3' },
    { type: '*', name: 'value4' },
  ],
})
export class TestForLoopOpen {
  @Input.int({ default: 1, min: 0, max: 100000, step: 1 }) remaining!: number;
  @Input('*', { optional: true }) initial_value1?: unknown;
  @Input('*', { optional: true }) initial_value2?: unknown;
  @Input('*', { optional: true }) initial_value3?: unknown;
  @Input('*', { optional: true }) initial_value4?: unknown;
  /**
   * ComfyUI declares this one under `hidden` as `("*",)`: not injected, but passed when the prompt
   * (the loop's next iteration) sets it. Easel's hidden inputs are always injected kinds, so it is
   * an optional input here.
   */
  @Input('*', { optional: true }) initial_value0?: unknown;

  execute(inputs: NodeInputs<TestForLoopOpen>): NodeReturn {
    const graph = new GraphBuilder();
    const remaining = Object.prototype.hasOwnProperty.call(inputs, 'initial_value0')
      ? inputs.initial_value0
      : inputs.remaining;
    const values = [1, 2, 3, 4].map((i) => inputs[`initial_value${i}` as keyof typeof inputs] ?? null);
    graph.node('TestWhileLoopOpen', {
      condition: remaining,
      initial_value0: remaining,
      ...Object.fromEntries(values.map((v, i) => [`initial_value${i + 1}`, v])),
    });
    return { result: ['stub', remaining, ...values], expand: graph.finalize() };
  }
}

@VariantSupport()
@Node({
  classType: 'TestForLoopClose',
  displayName: 'For Loop Close',
  category: 'Testing/Flow',
  pythonModule: PYTHON_MODULE,
  outputs: [1, 2, 3, 4].map((i) => ({ type: '*', name: `value${i}` })),
})
export class TestForLoopClose {
  @Input('FLOW_CONTROL', { rawLink: true }) flow_control!: Link;
  @Input('*', { rawLink: true, optional: true }) initial_value1?: unknown;
  @Input('*', { rawLink: true, optional: true }) initial_value2?: unknown;
  @Input('*', { rawLink: true, optional: true }) initial_value3?: unknown;
  @Input('*', { rawLink: true, optional: true }) initial_value4?: unknown;

  execute(inputs: NodeInputs<TestForLoopClose>): NodeReturn {
    const graph = new GraphBuilder();
    const { flow_control } = inputs;
    const forOpen = flow_control[0];
    const sub = graph.node('TestIntMathOperation', { operation: 'subtract', a: [forOpen, 1], b: 1 });
    const condition = graph.node('TestToBoolNode', { value: sub.out(0) });
    const values: Record<string, unknown> = {};
    for (let i = 1; i < NUM_FLOW_SOCKETS; i++) {
      values[`initial_value${i}`] = inputs[`initial_value${i}` as keyof typeof inputs] ?? null;
    }
    const whileClose = graph.node('TestWhileLoopClose', {
      flow_control,
      condition: condition.out(0),
      initial_value0: sub.out(0),
      ...values,
    });
    return {
      result: [1, 2, 3, 4].map((i) => whileClose.out(i)),
      expand: graph.finalize(),
    };
  }
}

// ---- lists

@VariantSupport()
@Node({
  classType: 'TestMakeListNode',
  displayName: 'Make List',
  category: LISTS,
  pythonModule: PYTHON_MODULE,
  outputs: [{ type: '*', isList: true }],
})
export class TestMakeListNode {
  // ComfyUI also lists value1 among the optional inputs; a name can be declared once here
  @Input('*') value1!: unknown;
  @Input('*', { optional: true }) value2?: unknown;
  @Input('*', { optional: true }) value3?: unknown;
  @Input('*', { optional: true }) value4?: unknown;
  @Input('*', { optional: true }) value5?: unknown;
  @Input('*', { optional: true }) value6?: unknown;
  @Input('*', { optional: true }) value7?: unknown;
  @Input('*', { optional: true }) value8?: unknown;
  @Input('*', { optional: true }) value9?: unknown;

  execute(inputs: NodeInputs<TestMakeListNode> & Record<string, unknown>): NodeReturn {
    const result: unknown[] = [];
    // value0 is undeclared: only a link can supply it
    for (let i = 0; i < NUM_LIST_SOCKETS; i++) {
      const name = `value${i}`;
      if (Object.prototype.hasOwnProperty.call(inputs, name)) result.push(inputs[name]);
    }
    return [result];
  }
}
