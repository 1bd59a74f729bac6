/**
 * A JSON number written with a decimal point or an exponent whose value is whole (`5.0`, `1e3`).
 * JavaScript reads `5.0` as `5`, but ComfyUI (Python) keeps it a float, and node validators tell
 * the two apart (`str(5.0)` is `"5.0"`). Prompts keep such constants as `JsonFloat` until they are
 * validated; nodes receive plain numbers.
 */
export class JsonFloat {
  constructor(readonly value: number) {}

  valueOf(): number {
    return this.value;
  }

  toJSON(): number {
    return this.value;
  }
}

/** True for floats as Python sees them: non-whole numbers, and `JsonFloat`s. */
export function isFloat(value: unknown): boolean {
  return value instanceof JsonFloat || (typeof value === 'number' && !Number.isInteger(value));
}

/** The number in a `JsonFloat`, anything else unchanged. */
export function unwrapJsonFloat(value: unknown): unknown {
  return value instanceof JsonFloat ? value.value : value;
}
