import { allDecodings, pythonUnquote } from '../files/decodings.js';
import { comfyDecoded, resolveUserFileParam, resolveUserPath, resolveV2Path } from './user-data-path.js';

const root = '/srv/base/user/alice';

describe('user data path rules', () => {
  it("decodes like Python's urllib.parse.unquote, keeping what is not an escape", () => {
    expect(pythonUnquote('a%20b%2Fc.json')).toBe('a b/c.json');
    expect(pythonUnquote('100%.json')).toBe('100%.json');
    expect(pythonUnquote('%zz%2')).toBe('%zz%2');
    expect(pythonUnquote('%C3%A9t%C3%A9')).toBe('été');
    expect(pythonUnquote('%FF')).toBe('\ufffd');
    expect(pythonUnquote('%252e')).toBe('%2e');
    expect(comfyDecoded('plain name.json')).toBe('plain name.json');
    expect(comfyDecoded('a%2520b')).toBe('a%20b');
  });

  it('lists every decoding until nothing changes', () => {
    expect(allDecodings('%25252e%25252e')).toEqual(['%25252e%25252e', '%252e%252e', '%2e%2e', '..']);
    expect(allDecodings('a.json')).toEqual(['a.json']);
  });

  it('resolves names and nested paths inside the user folder', () => {
    expect(resolveUserFileParam(root, 'a.json')).toEqual({ ok: true, path: `${root}/a.json` });
    expect(resolveUserFileParam(root, 'workflows/a b.json')).toEqual({
      ok: true,
      path: `${root}/workflows/a b.json`,
    });
    // ComfyUI's second decoding: the router already decoded %252F to %2F
    expect(resolveUserFileParam(root, 'workflows%2Fa.json')).toEqual({
      ok: true,
      path: `${root}/workflows/a.json`,
    });
    expect(resolveUserFileParam(root, 'x/../y.json')).toEqual({ ok: true, path: `${root}/y.json` });
    // the folder itself is a valid place (dir=.); file routes refuse it themselves
    expect(resolveUserFileParam(root, '.')).toEqual({ ok: true, path: root });
    expect(resolveUserFileParam(root, '100%.json')).toEqual({ ok: true, path: `${root}/100%.json` });
  });

  it('refuses an empty value', () => {
    expect(resolveUserFileParam(root, '')).toEqual({ ok: false, reason: 'empty' });
    expect(resolveUserPath(root, '%', '')).toEqual({ ok: false, reason: 'empty' });
  });

  it.each([
    '..',
    '../bob/a.json',
    '../alice2/a.json',
    'workflows/../../x',
    '%2e%2e',
    '%2e%2e%2fbob%2fa.json',
    '%252e%252e%252fx',
    '%25252e%25252e',
    '%2525252e%2525252e/x',
    '..\\bob\\a.json',
    'a\\..\\..\\x',
    '..%5Cx',
    '%255c..%255c..%255cx',
    '/etc/passwd',
    '%2Fetc%2Fpasswd',
    '\\\\server\\share\\x',
    'C:\\Windows\\win.ini',
    'c:x',
    'a\0b',
    'a%00b',
    'a%2500b',
  ])('refuses %j, which leads out once decoded', (value) => {
    expect(resolveUserFileParam(root, value)).toEqual({ ok: false, reason: 'outside' });
  });

  it('does not take a sibling folder with the same prefix for the user folder', () => {
    expect(resolveUserFileParam(root, '../alice-old/a.json')).toEqual({ ok: false, reason: 'outside' });
    expect(resolveUserFileParam('/srv/base/user/alice/', 'a.json')).toEqual({
      ok: true,
      path: `${root}/a.json`,
    });
  });

  it('decodes /v2/userdata paths once more, and refuses the same ways out', () => {
    expect(resolveV2Path(root, 'workflows%2Fsub')).toEqual({ ok: true, path: `${root}/workflows/sub` });
    expect(resolveV2Path(root, 'workflows%252Fsub')).toEqual({ ok: true, path: `${root}/workflows/sub` });
    expect(resolveV2Path(root, '..')).toEqual({ ok: false, reason: 'outside' });
    expect(resolveV2Path(root, '%2e%2e')).toEqual({ ok: false, reason: 'outside' });
    expect(resolveV2Path(root, '%252e%252e/x')).toEqual({ ok: false, reason: 'outside' });
    expect(resolveV2Path(root, '/')).toEqual({ ok: false, reason: 'outside' });
  });

  it('handles very long values without giving up early', () => {
    // `..` percent-encoded 60 times over
    const encoded = `%${'25'.repeat(60)}2e%${'25'.repeat(60)}2e/x`;
    expect(allDecodings(encoded)).toHaveLength(62);
    expect(resolveUserFileParam(root, encoded)).toEqual({ ok: false, reason: 'outside' });
    // 200 literal percent signs before `..`: one name, not a way out
    expect(resolveUserFileParam(root, '%'.repeat(200) + '..')).toEqual({
      ok: true,
      path: `${root}/${'%'.repeat(200)}..`,
    });
    const nested = 'a/'.repeat(2000) + '../'.repeat(2001) + 'x';
    expect(resolveUserFileParam(root, nested)).toEqual({ ok: false, reason: 'outside' });
    expect(resolveUserFileParam(root, 'x'.repeat(10_000))).toEqual({
      ok: true,
      path: `${root}/${'x'.repeat(10_000)}`,
    });
  });
});
