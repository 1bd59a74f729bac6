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
    ['/internal/packs', '/internal/packs'],
    // /internal/* has no /api copy in ComfyUI
    ['/api/internal/packs', '/api/internal/packs'],
    ['/api/internal', '/api/internal'],
    ['/api/internalized', '/internalized'],
  ])('%s -> %s', (url, expected) => {
    expect(stripApiPrefix(url)).toBe(expected);
  });
});
