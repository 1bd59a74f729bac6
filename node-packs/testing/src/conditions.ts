import { Input, Node, type NodeContext, type NodeInputs, type NodeReturn } from '@easel/core';
import { PYTHON_MODULE, isTensor, minMax, pyTruthy } from './tools.js';

// conditions.py: comparisons and boolean logic for the loop tests.

const LOGIC = 'Testing/Logic';
const COMPARISONS = ['==', '!=', '<', '>', '<=', '>='] as const;
const INT_LIMIT = 2 ** 64 - 1; // ComfyUI's 0xffffffffffffffff; JSON shows the nearest double

/** `a <operation> b`; an unknown operation gives None, as in ComfyUI. */
export function compare(operation: string, a: number, b: number): boolean | null {
  switch (operation) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '>':
      return a > b;
    case '<=':
      return a <= b;
    case '>=':
      return a >= b;
    default:
      return null;
  }
}

@Node({
  classType: 'TestIntConditions',
  displayName: 'Int Condition',
  category: LOGIC,
  pythonModule: PYTHON_MODULE,
  outputs: ['BOOLEAN'],
})
export class TestIntConditions {
  @Input.int({ default: 0, min: -INT_LIMIT, max: INT_LIMIT, step: 1 }) a!: number;
  @Input.int({ default: 0, min: -INT_LIMIT, max: INT_LIMIT, step: 1 }) b!: number;
  @Input.combo(COMPARISONS) operation!: string;

  execute({ a, b, operation }: NodeInputs<TestIntConditions>): NodeReturn {
    return [compare(operation, Number(a), Number(b))];
  }
}

@Node({
  classType: 'TestFloatConditions',
  displayName: 'Float Condition',
  category: LOGIC,
  pythonModule: PYTHON_MODULE,
  outputs: ['BOOLEAN'],
})
export class TestFloatConditions {
  @Input.float({ default: 0, min: -999999999999.0, max: 999999999999.0, step: 1 }) a!: number;
  @Input.float({ default: 0, min: -999999999999.0, max: 999999999999.0, step: 1 }) b!: number;
  @Input.combo(COMPARISONS) operation!: string;

  execute({ a, b, operation }: NodeInputs<TestFloatConditions>): NodeReturn {
    return [compare(operation, Number(a), Number(b))];
  }
}

export const STRING_OPERATIONS = [
  'a == b',
  'a != b',
  'a IN b',
  'a MATCH REGEX(b)',
  'a BEGINSWITH b',
  'a ENDSWITH b',
] as const;

/** Python's `re.match(pattern, text) is not None`: a match anchored at the start only. */
export function pythonRegexMatch(pattern: string, text: string): boolean {
  try {
    // Python's named groups and backreferences in JavaScript's spelling
    const source = pattern.replace(/\(\?P</g, '(?<').replace(/\(\?P=(\w+)\)/g, '\\k<$1>');
    return new RegExp(source, 'y').test(text);
  } catch {
    return false;
  }
}

/** TestStringConditions' result. */
export function stringCondition(
  operation: string,
  a: string,
  b: string,
  caseSensitive: boolean,
): boolean | null {
  const x = caseSensitive ? a : a.toLowerCase();
  const y = caseSensitive ? b : b.toLowerCase();
  switch (operation) {
    case 'a == b':
      return x === y;
    case 'a != b':
      return x !== y;
    case 'a IN b':
      return y.includes(x);
    case 'a MATCH REGEX(b)':
      return pythonRegexMatch(y, x);
    case 'a BEGINSWITH b':
      return x.startsWith(y);
    case 'a ENDSWITH b':
      return x.endsWith(y);
    default:
      return null;
  }
}

@Node({
  classType: 'TestStringConditions',
  displayName: 'String Condition',
  category: LOGIC,
  pythonModule: PYTHON_MODULE,
  outputs: ['BOOLEAN'],
})
export class TestStringConditions {
  @Input.string({ multiline: false }) a!: string;
  @Input.string({ multiline: false }) b!: string;
  @Input.combo(STRING_OPERATIONS) operation!: string;
  @Input.boolean({ default: true }) case_sensitive!: boolean;

  execute({ a, b, operation, case_sensitive }: NodeInputs<TestStringConditions>): NodeReturn {
    return [stringCondition(operation, String(a), String(b), pyTruthy(case_sensitive))];
  }
}

@Node({
  classType: 'TestToBoolNode',
  displayName: 'To Bool',
  category: LOGIC,
  pythonModule: PYTHON_MODULE,
  outputs: ['BOOLEAN'],
})
export class TestToBoolNode {
  @Input('*') value!: unknown;
  @Input.boolean({ default: false, optional: true }) invert?: boolean;

  execute(
    { value, invert = false }: NodeInputs<TestToBoolNode>,
    context: NodeContext,
  ): NodeReturn | Promise<NodeReturn> {
    const finish = (truth: boolean): NodeReturn => [pyTruthy(invert) ? !truth : truth];
    // a tensor is false only when every element is 0
    if (isTensor(value))
      return minMax(context.backend, value).then(([low, high]) => finish(!(low === 0 && high === 0)));
    return finish(pyTruthy(value));
  }
}

/** TestBoolOperationNode's result, with Python's `and`, `or`, `^` and `not`. */
export function boolOperation(op: string, a: unknown, b: unknown): unknown {
  switch (op) {
    case 'a AND b':
      return pyTruthy(a) ? b : a;
    case 'a OR b':
      return pyTruthy(a) ? a : b;
    case 'a XOR b':
      return typeof a === 'boolean' && typeof b === 'boolean' ? a !== b : Number(a) ^ Number(b);
    case 'NOT a':
      return !pyTruthy(a);
    default:
      return null;
  }
}

@Node({
  classType: 'TestBoolOperationNode',
  displayName: 'Bool Operation',
  category: LOGIC,
  pythonModule: PYTHON_MODULE,
  outputs: ['BOOLEAN'],
})
export class TestBoolOperationNode {
  @Input.boolean() a!: boolean;
  @Input.boolean() b!: boolean;
  @Input.combo(['a AND b', 'a OR b', 'a XOR b', 'NOT a']) op!: string;

  execute({ a, b, op }: NodeInputs<TestBoolOperationNode>): NodeReturn {
    return [boolOperation(op, a, b)];
  }
}
