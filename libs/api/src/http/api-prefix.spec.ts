import { stripApiPrefix } from './api-prefix.js';

describe('stripApiPrefix', () => {
  it.each([
    ['/api/object_info', '/object_info'],
    ['/api/object_info/KSampler?x=1', '/object_info/KSampler?x=1'],
    ['/api', '/'],
    ['/api/', '/'],
    ['/api?x=1', '/?x=1'],
    ['/object_info', '/object_info'],
    ['/apiary', '/apiary'],
    ['/api/api/jobs', '/api/jobs'],
    // the jobs routes are declared with their prefix: /api/jobs stays, /jobs does not exist
    ['/api/jobs', '/api/jobs'],
    ['/api/jobs/abc/cancel', '/api/jobs/abc/cancel'],
    ['/api/jobs?limit=5', '/api/jobs?limit=5'],
    ['/api/api/jobs/abc', '/api/jobs/abc'],
    ['/api/jobsx', '/jobsx'],
    ['/internal/packs', '/internal/packs'],
    // /internal/* has no /api copy in ComfyUI
    ['/api/internal/packs', '/api/internal/packs'],
    ['/api/internal', '/api/internal'],
    ['/api/internalized', '/internalized'],
  ])('%s -> %s', (url, expected) => {
    expect(stripApiPrefix(url)).toBe(expected);
  });
});
