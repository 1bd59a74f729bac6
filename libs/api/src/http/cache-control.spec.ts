import { cacheControlFor } from './cache-control.js';

describe("cacheControlFor (ComfyUI's cache middleware)", () => {
  it.each<[string, number, string | null]>([
    // scripts, styles and template indexes: revalidate, whatever the status
    ['/assets/index-abc.js', 200, 'no-cache'],
    ['/extensions/core/x.js', 404, 'no-cache'],
    ['/assets/style.css', 304, 'no-cache'],
    ['/templates/index.json', 200, 'no-cache'],
    ['/templates/index.de.json', 200, 'no-cache'],
    ['/templates/other.json', 200, null],
    ['/api/prompt', 200, null],
    // images: by status
    ['/assets/logo.png', 200, 'public, max-age=86400'],
    ['/assets/LOGO.PNG', 206, 'public, max-age=86400'],
    ['/a.jpeg', 301, 'public, max-age=86400'],
    ['/a.webp', 308, 'public, max-age=86400'],
    ['/missing.png', 404, 'public, max-age=3600'],
    ['/moved.jpg', 302, 'no-cache'],
    ['/moved.tif', 307, 'no-cache'],
    ['/same.png', 304, null],
    ['/broken.png', 500, null],
    ['/forbidden.png', 403, null],
    // not images to this rule
    ['/a.gif', 200, null],
    ['/a.svg', 200, null],
    ['/view', 200, null],
    ['/', 200, null],
  ])('%s %d → %s', (path, status, expected) => {
    expect(cacheControlFor(path, status)).toBe(expected);
  });
});
