import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ModelPathsConfigError,
  expandHome,
  expandVariables,
  parseExtraModelPaths,
  readExtraModelPaths,
} from './extra-model-paths.js';

const expansion = { env: { SHARED: '/mnt/shared', EMPTY: '' }, home: '/home/ada' };
const YAML_PATH = '/etc/comfy/extra_model_paths.yaml';

function parse(text: string) {
  return parseExtraModelPaths(text, YAML_PATH, expansion);
}

describe('extra_model_paths.yaml', () => {
  it("reads ComfyUI's example: base_path, multi-line values, comments", () => {
    const { paths, warnings } = parse(`
# for a1111 ui
a111:
    base_path: /srv/webui/

    checkpoints: models/Stable-diffusion
    configs: models/Stable-diffusion
    vae: models/VAE
    loras: |
         models/Lora
         models/LyCORIS
    upscale_models: |
                  models/ESRGAN
                  models/RealESRGAN
                  models/SwinIR
    embeddings: embeddings
    controlnet: models/ControlNet
`);
    expect(warnings).toEqual([]);
    expect(paths).toEqual([
      { folder: 'checkpoints', path: '/srv/webui/models/Stable-diffusion', isDefault: false },
      { folder: 'configs', path: '/srv/webui/models/Stable-diffusion', isDefault: false },
      { folder: 'vae', path: '/srv/webui/models/VAE', isDefault: false },
      { folder: 'loras', path: '/srv/webui/models/Lora', isDefault: false },
      { folder: 'loras', path: '/srv/webui/models/LyCORIS', isDefault: false },
      { folder: 'upscale_models', path: '/srv/webui/models/ESRGAN', isDefault: false },
      { folder: 'upscale_models', path: '/srv/webui/models/RealESRGAN', isDefault: false },
      { folder: 'upscale_models', path: '/srv/webui/models/SwinIR', isDefault: false },
      { folder: 'embeddings', path: '/srv/webui/embeddings', isDefault: false },
      { folder: 'controlnet', path: '/srv/webui/models/ControlNet', isDefault: false },
    ]);
  });

  it('expands ~ and $VARS in base_path and resolves a relative base_path against the YAML folder', () => {
    const { paths } = parse(`
home:
  base_path: ~/comfy
  checkpoints: ckpt
vars:
  base_path: \${SHARED}/models
  vae: vae
bare_var:
  base_path: $SHARED/more
  vae: vae
unknown_var:
  base_path: $NOT_SET/x
  vae: vae
relative:
  base_path: ../shared
  loras: loras
`);
    expect(paths.map((p) => p.path)).toEqual([
      '/home/ada/comfy/ckpt',
      '/mnt/shared/models/vae',
      '/mnt/shared/more/vae',
      '/etc/comfy/$NOT_SET/x/vae',
      '/etc/shared/loras',
    ]);
  });

  it('joins relative values to the YAML folder without a base_path; absolute values stay; values are not expanded', () => {
    const { paths } = parse(`
local:
  checkpoints: ./ckpt
  vae: /abs/vae/
  loras: ~/loras
with_base:
  base_path: /base
  vae: /elsewhere/vae
  loras: ../up/../loras
`);
    expect(paths.map((p) => [p.folder, p.path])).toEqual([
      ['checkpoints', '/etc/comfy/ckpt'],
      ['vae', '/abs/vae'],
      ['loras', '/etc/comfy/~/loras'],
      ['vae', '/elsewhere/vae'],
      ['loras', '/loras'],
    ]);
  });

  it('marks is_default sections (YAML 1.1 booleans too) and keeps unknown keys and legacy names as written', () => {
    const { paths } = parse(`
first:
  base_path: /a
  is_default: true
  unet: unet
  my_new_type: things
second:
  base_path: /b
  is_default: yes
  clip: clip
third:
  base_path: /c
  is_default: false
  vae: vae
`);
    expect(paths).toEqual([
      { folder: 'unet', path: '/a/unet', isDefault: true },
      { folder: 'my_new_type', path: '/a/things', isDefault: true },
      { folder: 'clip', path: '/b/clip', isDefault: true },
      { folder: 'vae', path: '/c/vae', isDefault: false },
    ]);
  });

  it('skips empty lines, trims lines, accepts a list, and skips empty sections', () => {
    const { paths, warnings } = parse(`
empty_section:
list:
  base_path: /l
  loras:
    - one
    - two
lines:
  base_path: /x
  vae: "  a  \\n\\n  b\\r\\n"
`);
    expect(warnings).toEqual([]);
    expect(paths.map((p) => p.path)).toEqual(['/l/one', '/l/two', '/x/a', '/x/b']);
  });

  it('warns about values of the wrong type and goes on', () => {
    const { paths, warnings } = parse(`
odd:
  base_path: /o
  vae: 42
  loras: [1, 2]
  checkpoints: { nested: map }
  embeddings: fine
not_a_map: just a string
bad_base:
  base_path: [1]
  vae: vae
`);
    expect(paths).toEqual([{ folder: 'embeddings', path: '/o/fine', isDefault: false }]);
    expect(warnings).toHaveLength(5);
    expect(warnings.join('\n')).toContain('"odd.vae" is a number');
    expect(warnings.join('\n')).toContain('section "not_a_map" is a string');
    expect(warnings.join('\n')).toContain('base_path of "bad_base" is a list');
  });

  it('takes the last of a repeated key, as PyYAML does', () => {
    expect(parse('a:\n  base_path: /x\n  vae: one\n  vae: two\n').paths.map((p) => p.path)).toEqual([
      '/x/two',
    ]);
  });

  it('reads an empty file as no paths and refuses a file that is not sections', () => {
    expect(parse('').paths).toEqual([]);
    expect(parse('# only a comment\n').paths).toEqual([]);
    expect(() => parse('- a\n- b\n')).toThrow(ModelPathsConfigError);
    expect(() => parse('just text')).toThrow(/must hold sections/);
    expect(() => parse('a: [unclosed\n')).toThrow(/is not valid YAML/);
  });

  it('names the file it cannot read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'easel-extra-paths-'));
    try {
      expect(() => readExtraModelPaths(join(dir, 'missing.yaml'), expansion)).toThrow(
        new RegExp(`Cannot read the extra model paths config .*missing\\.yaml`),
      );
      await writeFile(join(dir, 'paths.yaml'), 'x:\n  vae: vae\n');
      expect(readExtraModelPaths(join(dir, 'paths.yaml'), expansion).paths).toEqual([
        { folder: 'vae', path: join(dir, 'vae'), isDefault: false },
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('expands like os.path.expanduser and os.path.expandvars', () => {
    expect(expandHome('~', '/home/ada')).toBe('/home/ada');
    expect(expandHome('~/x', '/home/ada/')).toBe('/home/ada/x');
    expect(expandHome('~bob/x', '/home/ada')).toBe('~bob/x');
    expect(expandHome('a/~/x', '/home/ada')).toBe('a/~/x');
    expect(expandVariables('$SHARED/${SHARED}/$EMPTY/$MISSING/${}', expansion.env)).toBe(
      '/mnt/shared//mnt/shared//$MISSING/${}',
    );
  });
});
