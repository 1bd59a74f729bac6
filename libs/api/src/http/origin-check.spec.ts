import { jest } from '@jest/globals';
import {
  LoopbackNames,
  OriginCheck,
  hostOriginMismatch,
  isLoopbackAddress,
  netlocOf,
  splitAuthority,
  type OriginCheckRequest,
} from './origin-check.js';

/** A resolver with fixed answers; unknown names fail as in DNS. */
function fakeDns(table: Record<string, string[]>) {
  return jest.fn((name: string): Promise<readonly string[]> => {
    const found = table[name];
    if (found === undefined)
      return Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' }));
    return Promise.resolve(found);
  });
}

const DNS = {
  'loopback.test': ['127.0.0.1', '::1'],
  'mixed.test': ['127.0.0.1', '10.0.0.7'],
  'example.com': ['93.184.215.14'],
};

function request(headers: Record<string, string>, method = 'GET', path = '/prompt'): OriginCheckRequest {
  return { method, path, headers };
}

describe('OriginCheck (ComfyUI origin-only middleware)', () => {
  const mismatches: [string, string][] = [];
  const check = new OriginCheck(new LoopbackNames(fakeDns(DNS)), (host, origin) =>
    mismatches.push([host, origin]),
  );
  beforeEach(() => (mismatches.length = 0));

  // [what, headers, allowed]
  it.each<[string, Record<string, string>, boolean]>([
    ['no Origin (curl, scripts, the test clients)', { host: 'localhost:8188' }, true],
    ['same host and port', { host: 'localhost:8188', origin: 'http://localhost:8188' }, true],
    ['same, other letter case', { host: 'LocalHost:8188', origin: 'http://LOCALHOST:8188' }, true],
    ['a dev server on another port', { host: 'localhost:8188', origin: 'http://localhost:5173' }, false],
    [
      '127.0.0.1 page talking to localhost',
      { host: 'localhost:8188', origin: 'http://127.0.0.1:8188' },
      false,
    ],
    [
      'another site talking to 127.0.0.1',
      { host: '127.0.0.1:8188', origin: 'https://evil.example:8188' },
      false,
    ],
    ['another site, Origin without port', { host: '127.0.0.1:8188', origin: 'https://evil.example' }, false],
    ['Origin without port: names compared', { host: 'localhost:8188', origin: 'http://localhost' }, true],
    ['Host without port: names compared', { host: 'localhost', origin: 'http://localhost:8188' }, true],
    ['Host without port, other name', { host: 'localhost', origin: 'http://127.0.0.1:8188' }, false],
    ['Origin: null (sandboxed page, file://)', { host: 'localhost:8188', origin: 'null' }, true],
    ['Origin file://', { host: 'localhost:8188', origin: 'file://' }, true],
    ['IPv6 loopback, same', { host: '[::1]:8188', origin: 'http://[::1]:8188' }, true],
    ['IPv6 loopback, other origin', { host: '[::1]:8188', origin: 'http://localhost:8188' }, false],
    [
      'a name that resolves to loopback only',
      { host: 'loopback.test:8188', origin: 'http://evil.example:8188' },
      false,
    ],
    [
      'a name that resolves elsewhere too: not checked',
      { host: 'mixed.test:8188', origin: 'http://evil.example' },
      true,
    ],
    ['a public Host is not checked', { host: 'example.com:8188', origin: 'http://other.example:8188' }, true],
    [
      'a Host that does not resolve is not checked',
      { host: 'nowhere.invalid:8188', origin: 'http://x.example' },
      true,
    ],
    ['a bad port in Host', { host: 'localhost:http', origin: 'http://localhost:8188' }, false],
    ['a bad port in Origin', { host: 'localhost:8188', origin: 'http://localhost:99999' }, false],
  ])('%s', async (_what, headers, allowed) => {
    expect((await check.check(request(headers))).allowed).toBe(allowed);
  });

  it.each<[string, boolean]>([
    ['cross-site', false],
    ['same-site', true],
    ['same-origin', true],
    ['none', true],
  ])('Sec-Fetch-Site: %s', async (site, allowed) => {
    for (const method of ['GET', 'POST', 'OPTIONS']) {
      const verdict = await check.check(request({ host: 'localhost:8188', 'sec-fetch-site': site }, method));
      expect(verdict).toEqual(allowed ? { allowed: true } : { allowed: false, reason: 'cross-site' });
    }
  });

  it('refuses cross-site requests even for a public Host', async () => {
    const verdict = await check.check(request({ host: 'example.com', 'sec-fetch-site': 'cross-site' }));
    expect(verdict.allowed).toBe(false);
  });

  it('lets a cross-site top-level navigation to / through, and nothing else', async () => {
    const navigate = {
      host: 'localhost:8188',
      'sec-fetch-site': 'cross-site',
      'sec-fetch-mode': 'navigate',
      'sec-fetch-dest': 'document',
    };
    expect((await check.check(request(navigate, 'GET', '/'))).allowed).toBe(true);
    expect((await check.check(request(navigate, 'GET', '/prompt'))).allowed).toBe(false);
    expect((await check.check(request(navigate, 'POST', '/'))).allowed).toBe(false);
    expect(
      (await check.check(request({ ...navigate, 'sec-fetch-dest': 'iframe' }, 'GET', '/'))).allowed,
    ).toBe(false);
    expect((await check.check(request({ ...navigate, 'sec-fetch-mode': 'cors' }, 'GET', '/'))).allowed).toBe(
      false,
    );
  });

  it('reports the compared values of a refused pair, as ComfyUI logs them', async () => {
    await check.check(request({ host: 'localhost:8188', origin: 'http://localhost:5173' }));
    await check.check(request({ host: 'localhost', origin: 'http://127.0.0.1:8188' }));
    expect(mismatches).toEqual([
      ['localhost:8188', 'localhost:5173'],
      ['localhost', '127.0.0.1'],
    ]);
  });

  it('looks a name up once while the answer is fresh, and never for IP literals or localhost', async () => {
    const dns = fakeDns(DNS);
    const names = new LoopbackNames(dns);
    expect(await names.isLoopback('loopback.test')).toBe(true);
    expect(await names.isLoopback('loopback.test')).toBe(true);
    expect(await names.isLoopback('127.0.0.1')).toBe(true);
    expect(await names.isLoopback('localhost')).toBe(true);
    expect(await names.isLoopback('app.localhost')).toBe(true);
    expect(dns).toHaveBeenCalledTimes(1);
  });

  it('does not look names up when Host and Origin agree', async () => {
    const dns = fakeDns(DNS);
    const quiet = new OriginCheck(new LoopbackNames(dns));
    await quiet.check(request({ host: 'loopback.test:8188', origin: 'http://loopback.test:8188' }));
    expect(dns).not.toHaveBeenCalled();
  });
});

describe('authority parsing (Python urlsplit)', () => {
  it.each<[string, string | null, number | null | 'invalid']>([
    ['localhost:8188', 'localhost', 8188],
    ['LOCALHOST', 'localhost', null],
    ['[::1]:8188', '::1', 8188],
    ['[::1]', '::1', null],
    ['user@host:1', 'host', 1],
    ['', null, null],
    ['host:', 'host', null],
    ['host:x1', 'host', 'invalid'],
    ['host:70000', 'host', 'invalid'],
  ])('%j', (netloc, hostname, port) => {
    expect(splitAuthority(netloc)).toEqual({ hostname, port });
  });

  it('takes the authority of an Origin', () => {
    expect(netlocOf('http://LocalHost:8188')).toBe('localhost:8188');
    expect(netlocOf('https://a.example/path?q')).toBe('a.example');
    expect(netlocOf('null')).toBe('');
    expect(netlocOf('file://')).toBe('');
  });

  it('compares with the port rule', () => {
    expect(hostOriginMismatch('localhost:8188', 'http://localhost:8188')).toBeNull();
    expect(hostOriginMismatch('localhost:8188', 'http://localhost:1')).toEqual({
      host: 'localhost:8188',
      origin: 'localhost:1',
      hostname: 'localhost',
    });
    expect(hostOriginMismatch('localhost:x', 'http://localhost')).toBe('invalid');
  });
});

describe('isLoopbackAddress', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['::1', true],
    ['0:0:0:0:0:0:0:1', true],
    ['::ffff:127.0.0.1', true],
    ['10.0.0.1', false],
    ['128.0.0.1', false],
    ['::', false],
    ['::2', false],
    ['fe80::1', false],
    ['localhost', false],
  ])('%s → %s', (address, loopback) => {
    expect(isLoopbackAddress(address)).toBe(loopback);
  });
});
