import { join } from 'node:path';
import { frontendContentType, resolveStaticPath } from './static-path.js';

const ROOT = '/srv/frontend';

describe('resolveStaticPath', () => {
  it.each([
    ['/index.html', join(ROOT, 'index.html')],
    ['/assets/app-1.js', join(ROOT, 'assets', 'app-1.js')],
    ['/assets/a%20b.css?v=2', join(ROOT, 'assets', 'a b.css')],
    ['//assets//x.js', join(ROOT, 'assets', 'x.js')],
    ['/assets/../index.html', join(ROOT, 'index.html')],
    // decoded once, as aiohttp does: a literal `%` that decodes to nothing harmful stays a name
    ['/100%25.png', join(ROOT, '100%.png')],
  ])('%s → a file inside the root', (url, path) => {
    expect(resolveStaticPath(ROOT, url)).toBe(path);
  });

  it.each([
    '/../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2E%2E%2Fsecret.txt',
    '/assets/../../secret.txt',
    '/..%2f..%2fetc%2fpasswd',
    '/a%00.js',
    '/..%5csecret.txt',
    '/%252e%252e/secret.txt',
    '/assets/%25252e%25252e%25252fsecret.txt',
    '/%zz',
    '/',
    '/.',
  ])('%s is refused', (url) => {
    expect(resolveStaticPath(ROOT, url)).toBeNull();
  });
});

describe('frontendContentType', () => {
  it.each([
    ['index.html', 'text/html'],
    ['app.js', 'application/javascript; charset=utf-8'],
    ['style.css', 'text/css'],
    ['font.woff2', 'font/woff2'],
    ['module.wasm', 'application/wasm'],
    ['logo.PNG', 'image/png'],
    ['data.bin', 'application/octet-stream'],
  ])('%s → %s', (name, type) => {
    expect(frontendContentType(name)).toBe(type);
  });
});
