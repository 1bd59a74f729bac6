import type {
  BaseInputOptions,
  BooleanInputOptions,
  ComboChoices,
  ComboInputOptions,
  FloatInputOptions,
  HiddenKind,
  IntInputOptions,
  StringInputOptions,
} from './io-types.js';
import { recordInput, recordNodeOptions, type InputRecord, type NodeOptions } from './node-metadata.js';

// Decorators only record metadata; `describeNode` reads and checks it when a pack is loaded.

/** Declares a class as a node type. The class needs an `execute(inputs, context)` method. */
export function Node(options: NodeOptions): ClassDecorator {
  return (target) => recordNodeOptions(target, options);
}

function inputDecorator(make: (property: string) => InputRecord): PropertyDecorator {
  return (prototype, key) => {
    if (typeof prototype === 'function') {
      throw new TypeError(`Node input "${String(key)}" must be an instance property, not a static one`);
    }
    if (typeof key === 'symbol') throw new TypeError('Node inputs need string names');
    recordInput(prototype.constructor, make(key));
  };
}

function valueInput(type: string, options: object, explicit = false): PropertyDecorator {
  return inputDecorator((property) => ({
    kind: 'value',
    property,
    type,
    options: { ...options },
    ...(explicit && { explicitOptions: true }),
  }));
}

/**
 * Declares an input. `@Input('IMAGE')` for a socket of any type; `Input.int`, `Input.float`,
 * `Input.string`, `Input.boolean` and `Input.combo` for widgets. The property name is the input
 * name (quote it for names that are not identifiers: `'mask.feather'!: number`). An explicit
 * options object, even an empty one, is shown in `/object_info` (`["*", {}]`, as ComfyUI shows
 * `("*", {})`); without one the spec is just `["IMAGE"]`.
 */
export const Input = Object.assign(
  (type: string, options?: BaseInputOptions): PropertyDecorator =>
    valueInput(type, options ?? {}, options !== undefined),
  {
    int: (options: IntInputOptions = {}): PropertyDecorator => valueInput('INT', options),
    float: (options: FloatInputOptions = {}): PropertyDecorator => valueInput('FLOAT', options),
    string: (options: StringInputOptions = {}): PropertyDecorator => valueInput('STRING', options),
    boolean: (options: BooleanInputOptions = {}): PropertyDecorator => valueInput('BOOLEAN', options),
    /** A drop-down: a fixed list of values, or a function that computes it per request. */
    combo: (choices: ComboChoices, options: ComboInputOptions = {}): PropertyDecorator =>
      inputDecorator((property) => ({ kind: 'combo', property, choices, options: { ...options } })),
  },
);

/** Declares a hidden input, filled by the executor (the prompt, the node's id, ...). */
export function Hidden(hidden: HiddenKind): PropertyDecorator {
  return inputDecorator((property) => ({ kind: 'hidden', property, hidden }));
}
