import {
  pythonBool,
  pythonEquals,
  pythonFloat,
  pythonFloatRepr,
  pythonInt,
  pythonRepr,
  pythonStr,
} from './python-values.js';

describe('Python value rules', () => {
  it.each([
    [1, '1.0'],
    [0.1, '0.1'],
    [-2.5, '-2.5'],
    [1e16, '1e+16'],
    [1.5e-5, '1.5e-05'],
    [0.0001, '0.0001'],
    [123456789012345.6, '123456789012345.6'],
    [1e22, '1e+22'],
    [NaN, 'nan'],
    [-Infinity, '-inf'],
    [-0, '-0.0'],
  ])('repr(float(%p)) is %s', (x, text) => {
    expect(pythonFloatRepr(x)).toBe(text);
  });

  it('reprs and strs JSON values like Python', () => {
    expect(pythonRepr(['WHITE', 'BLACK'])).toBe("['WHITE', 'BLACK']");
    expect(pythonRepr("it's")).toBe('"it\'s"');
    expect(pythonRepr({ a: [1, true, null] })).toBe("{'a': [1, True, None]}");
    expect(pythonStr(5)).toBe('5');
    expect(pythonStr(5, true)).toBe('5.0');
    expect(pythonStr(true)).toBe('True');
    expect(pythonStr(null)).toBe('None');
  });

  it('converts like int(), float() and bool()', () => {
    expect(pythonInt(3.7)).toBe(3);
    expect(pythonInt(-3.7)).toBe(-3);
    expect(pythonInt(' 42 ')).toBe(42);
    expect(pythonInt(true)).toBe(1);
    expect(() => pythonInt('5.0')).toThrow("invalid literal for int() with base 10: '5.0'");
    expect(() => pythonInt(null)).toThrow(
      "int() argument must be a string, a bytes-like object or a real number, not 'NoneType'",
    );
    expect(pythonFloat('1e3')).toBe(1000);
    expect(pythonFloat('inf')).toBe(Infinity);
    expect(Number.isNaN(pythonFloat('nan'))).toBe(true);
    expect(() => pythonFloat('abc')).toThrow("could not convert string to float: 'abc'");
    expect(pythonBool('false')).toBe(true);
    expect(pythonBool('')).toBe(false);
    expect(pythonBool(0)).toBe(false);
    expect(pythonBool([])).toBe(false);
    expect(pythonBool(NaN)).toBe(true);
  });

  it('compares like ==', () => {
    expect(pythonEquals(1, true)).toBe(true);
    expect(pythonEquals(1, 1.0)).toBe(true);
    expect(pythonEquals('1', 1)).toBe(false);
    expect(pythonEquals([1, 'a'], [true, 'a'])).toBe(true);
  });
});
