import {
  Input,
  Node,
  type NodeContext,
  type NodeInputs,
  type NodeReturn,
  type Tensor,
  type TensorBackend,
} from '@easel/core';
import { PYTHON_MODULE, filled, uniformNoise } from './tools.js';

// stubs.py: sources of images, masks and numbers, and nodes with bounded inputs.

const STUBS = 'Testing/Stub Nodes';
const MAX_HEIGHT = 1024 ** 3;
const MAX_WIDTH = 4096 ** 3;

/** A value outside a node's declared bounds reached it through a link (runtime input validation). */
export class RuntimeInputError extends Error {
  override name = 'ValueError';
}

/** `torch.rand(shape)`: a fresh seed per call, like torch's global generator. */
export function randomImage(backend: TensorBackend, shape: readonly number[], seed?: number): Tensor {
  const count = shape.reduce((n, d) => n * d, 1);
  return backend.fromHost(uniformNoise(count, seed ?? Math.floor(Math.random() * 2 ** 32)), shape);
}

@Node({
  classType: 'StubImage',
  displayName: 'Stub Image',
  category: STUBS,
  pythonModule: PYTHON_MODULE,
  outputs: ['IMAGE'],
})
export class StubImage {
  @Input.combo(['WHITE', 'BLACK', 'NOISE']) content!: string;
  @Input.int({ default: 512, min: 1, max: MAX_HEIGHT, step: 1 }) height!: number;
  @Input.int({ default: 512, min: 1, max: MAX_WIDTH, step: 1 }) width!: number;
  @Input.int({ default: 1, min: 1, max: MAX_HEIGHT, step: 1 }) batch_size!: number;

  execute({ content, height, width, batch_size }: NodeInputs<StubImage>, context: NodeContext): NodeReturn {
    const shape = [batch_size, height, width, 3];
    switch (content) {
      case 'WHITE':
        return [filled(context.backend, shape, 1)];
      case 'BLACK':
        return [filled(context.backend, shape, 0)];
      case 'NOISE':
        return [randomImage(context.backend, shape)];
      default:
        // ComfyUI's function falls through and returns None
        return [null];
    }
  }
}

@Node({
  classType: 'StubConstantImage',
  displayName: 'Stub Constant Image',
  category: STUBS,
  pythonModule: PYTHON_MODULE,
  outputs: ['IMAGE'],
})
export class StubConstantImage {
  @Input.float({ default: 0.5, min: 0.0, max: 1.0, step: 0.01 }) value!: number;
  @Input.int({ default: 512, min: 1, max: MAX_HEIGHT, step: 1 }) height!: number;
  @Input.int({ default: 512, min: 1, max: MAX_WIDTH, step: 1 }) width!: number;
  @Input.int({ default: 1, min: 1, max: MAX_HEIGHT, step: 1 }) batch_size!: number;

  execute(
    { value, height, width, batch_size }: NodeInputs<StubConstantImage>,
    context: NodeContext,
  ): NodeReturn {
    return [filled(context.backend, [batch_size, height, width, 3], value)];
  }
}

@Node({
  classType: 'StubMask',
  displayName: 'Stub Mask',
  category: STUBS,
  pythonModule: PYTHON_MODULE,
  outputs: ['MASK'],
})
export class StubMask {
  @Input.float({ default: 0.5, min: 0.0, max: 1.0, step: 0.01 }) value!: number;
  @Input.int({ default: 512, min: 1, max: MAX_HEIGHT, step: 1 }) height!: number;
  @Input.int({ default: 512, min: 1, max: MAX_WIDTH, step: 1 }) width!: number;
  @Input.int({ default: 1, min: 1, max: MAX_HEIGHT, step: 1 }) batch_size!: number;

  execute({ value, height, width, batch_size }: NodeInputs<StubMask>, context: NodeContext): NodeReturn {
    return [filled(context.backend, [batch_size, height, width], value)];
  }
}

@Node({
  classType: 'StubInt',
  displayName: 'Stub Int',
  category: STUBS,
  pythonModule: PYTHON_MODULE,
  outputs: ['INT'],
})
export class StubInt {
  @Input.int({ default: 0, min: -0xffffffff, max: 0xffffffff, step: 1 }) value!: number;

  execute({ value }: NodeInputs<StubInt>): NodeReturn {
    return [value];
  }
}

@Node({
  classType: 'StubFloat',
  displayName: 'Stub Float',
  category: STUBS,
  pythonModule: PYTHON_MODULE,
  outputs: ['FLOAT'],
})
export class StubFloat {
  @Input.float({ default: 0.0, min: -1.0e38, max: 1.0e38, step: 0.01 }) value!: number;

  execute({ value }: NodeInputs<StubFloat>): NodeReturn {
    return [value];
  }
}

@Node({
  classType: 'StubStringOutput',
  displayName: 'Stub String Output',
  category: STUBS,
  pythonModule: PYTHON_MODULE,
  outputs: ['STRING'],
})
export class StubStringOutput {
  @Input.string({ default: '' }) value!: string;

  execute({ value }: NodeInputs<StubStringOutput>): NodeReturn {
    return [value];
  }
}

/** The string length bounds of ComfyUI's runtime input validation. */
export function checkStringLength(name: string, value: unknown, minLength: number, maxLength: number): void {
  if (typeof value !== 'string') return;
  const length = [...value].length;
  if (length < minLength) {
    throw new RuntimeInputError(
      `Input '${name}': value length ${length} is shorter than minimum length of ${minLength}`,
    );
  }
  if (length > maxLength) {
    throw new RuntimeInputError(
      `Input '${name}': value length ${length} is longer than maximum length of ${maxLength}`,
    );
  }
}

/** The numeric bounds of ComfyUI's runtime input validation. */
export function checkBounds(name: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number') return;
  if (value < min)
    throw new RuntimeInputError(`Input '${name}': value ${value} is smaller than min of ${min}`);
  if (value > max)
    throw new RuntimeInputError(`Input '${name}': value ${value} is bigger than max of ${max}`);
}

/** The list membership check of ComfyUI's runtime input validation. */
export function checkChoice(name: string, value: unknown, choices: readonly string[]): void {
  if (!choices.includes(value as string)) {
    const shown = `[${choices.map((c) => `'${c}'`).join(', ')}]`;
    const repr = typeof value === 'string' ? `'${value}'` : String(value);
    throw new RuntimeInputError(`Input '${name}': value ${repr} not in ${shown}`);
  }
}

function blank(backend: TensorBackend): NodeReturn {
  return [filled(backend, [1, 64, 64, 3], 0)];
}

/**
 * STRING input with declared bounds, opted in to runtime validation: ComfyUI's engine checks
 * linked values against the bounds when the node runs (`RUNTIME_INPUT_VALIDATION`). Easel's
 * executor has no such flag, so the node checks its input itself.
 */
@Node({
  classType: 'StubStringWithLength',
  displayName: 'Stub String With Length',
  category: STUBS,
  pythonModule: PYTHON_MODULE,
  outputs: ['IMAGE'],
})
export class StubStringWithLength {
  static readonly RUNTIME_INPUT_VALIDATION = true;

  @Input.string({ default: 'hello', extra: { minLength: 3, maxLength: 10 } }) text!: string;

  execute({ text }: NodeInputs<StubStringWithLength>, context: NodeContext): NodeReturn {
    checkStringLength('text', text, 3, 10);
    return blank(context.backend);
  }
}

/** The same bounds, not opted in: linked values flow through unchecked. */
@Node({
  classType: 'StubStringWithLengthNoFlag',
  displayName: 'Stub String With Length (No Flag)',
  category: STUBS,
  pythonModule: PYTHON_MODULE,
  outputs: ['IMAGE'],
})
export class StubStringWithLengthNoFlag {
  @Input.string({ default: 'hello', extra: { minLength: 3, maxLength: 10 } }) text!: string;

  execute(_inputs: NodeInputs<StubStringWithLengthNoFlag>, context: NodeContext): NodeReturn {
    return blank(context.backend);
  }
}

/** INT input with bounds, opted in to runtime validation (checked by the node, see StubStringWithLength). */
@Node({
  classType: 'StubIntWithBounds',
  displayName: 'Stub Int With Bounds',
  category: STUBS,
  pythonModule: PYTHON_MODULE,
  outputs: ['IMAGE'],
})
export class StubIntWithBounds {
  static readonly RUNTIME_INPUT_VALIDATION = true;

  @Input.int({ default: 5, min: 1, max: 10 }) value!: number;

  execute({ value }: NodeInputs<StubIntWithBounds>, context: NodeContext): NodeReturn {
    checkBounds('value', value, 1, 10);
    return blank(context.backend);
  }
}

const COLOURS = ['RED', 'GREEN', 'BLUE'];

/**
 * COMBO input opted in to runtime validation. Its validator takes only the linked inputs' types,
 * which switches off the link type check, so a STRING can be linked into the COMBO; constants are
 * still checked against the list.
 */
@Node({
  classType: 'StubComboWithOptions',
  displayName: 'Stub Combo With Options',
  category: STUBS,
  pythonModule: PYTHON_MODULE,
  outputs: ['IMAGE'],
  validatedInputs: [],
  validateInputTypes: true,
})
export class StubComboWithOptions {
  static readonly RUNTIME_INPUT_VALIDATION = true;

  @Input.combo(COLOURS) choice!: string;

  static validateInputs(): true {
    return true;
  }

  execute({ choice }: NodeInputs<StubComboWithOptions>, context: NodeContext): NodeReturn {
    checkChoice('choice', choice, COLOURS);
    return blank(context.backend);
  }
}
