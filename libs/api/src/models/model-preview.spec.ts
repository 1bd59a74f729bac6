import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ModelFolderRegistry } from './model-folder-registry.js';
import { standardModelFolders } from './model-folders.js';
import { modelPreview, previewCandidates } from './model-preview.js';
import { METADATA_HEADER_LIMIT, metadataOf, readSafetensorsHeader } from './safetensors-header.js';

/** A safetensors file with this header and no tensors (a length claim can be given to lie). */
function safetensors(header: unknown, claimedLength?: number): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(claimedLength ?? json.length));
  return Buffer.concat([prefix, json]);
}

async function png(rgb: [number, number, number]): Promise<Buffer> {
  return sharp({
    create: { width: 2, height: 2, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } },
  })
    .png()
    .toBuffer();
}

/** The colour of the top-left pixel of an encoded image. */
async function colourOf(image: Buffer): Promise<number[]> {
  const { data } = await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return [data[0], data[1], data[2]];
}

describe('safetensors headers', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'easel-safetensors-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads the header and its __metadata__ without reading the tensors', async () => {
    const header = { __metadata__: { ss_network_dim: '16', format: 'pt' }, w: { dtype: 'F32', shape: [1] } };
    await writeFile(join(dir, 'ok.safetensors'), Buffer.concat([safetensors(header), Buffer.alloc(4)]));
    const read = await readSafetensorsHeader(join(dir, 'ok.safetensors'), METADATA_HEADER_LIMIT);
    expect(read).toEqual(header);
    expect(metadataOf(read)).toEqual({ ss_network_dim: '16', format: 'pt' });
    expect(metadataOf({ w: {} })).toBeNull();
    expect(metadataOf(null)).toBeNull();
  });

  it('refuses a header larger than the limit, a short file, a lying length and bad JSON', async () => {
    await writeFile(join(dir, 'big.safetensors'), safetensors({ __metadata__: { a: 'x'.repeat(100) } }));
    expect(await readSafetensorsHeader(join(dir, 'big.safetensors'), 50)).toBeNull();
    await writeFile(join(dir, 'huge-claim.safetensors'), safetensors({}, 2 ** 40));
    expect(
      await readSafetensorsHeader(join(dir, 'huge-claim.safetensors'), METADATA_HEADER_LIMIT),
    ).toBeNull();
    await writeFile(join(dir, 'short.safetensors'), Buffer.from([1, 2, 3]));
    expect(await readSafetensorsHeader(join(dir, 'short.safetensors'), METADATA_HEADER_LIMIT)).toBeNull();
    await writeFile(join(dir, 'truncated.safetensors'), safetensors({ a: 1 }, 100));
    expect(await readSafetensorsHeader(join(dir, 'truncated.safetensors'), METADATA_HEADER_LIMIT)).toBeNull();
    const notJson = Buffer.concat([Buffer.from([3, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{x}')]);
    await writeFile(join(dir, 'bad.safetensors'), notJson);
    expect(await readSafetensorsHeader(join(dir, 'bad.safetensors'), METADATA_HEADER_LIMIT)).toBeNull();
    expect(await readSafetensorsHeader(join(dir, 'missing.safetensors'), METADATA_HEADER_LIMIT)).toBeNull();
  });
});

describe('model previews', () => {
  let base: string;
  let registry: ModelFolderRegistry;
  const loras = () => join(base, 'models', 'loras');

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'easel-previews-'));
    registry = new ModelFolderRegistry(
      standardModelFolders({ models: join(base, 'models'), customNodes: join(base, 'custom_nodes') }),
    );
    await mkdir(join(loras(), 'sub'), { recursive: true });
    await writeFile(join(loras(), 'red.safetensors'), safetensors({}));
    await writeFile(join(loras(), 'red.png'), await png([255, 0, 0]));
    await writeFile(join(loras(), 'sub', 'green.pt'), '');
    await writeFile(join(loras(), 'sub', 'green.preview.jpeg'), await png([0, 255, 0]));
    await writeFile(join(loras(), 'sub', 'green.notes.png'), await png([9, 9, 9]));
    const blue = (await png([0, 0, 255])).toString('base64');
    await writeFile(
      join(loras(), 'covered.safetensors'),
      safetensors({ __metadata__: { ssmd_cover_images: JSON.stringify([blue]) } }),
    );
    await writeFile(join(loras(), 'plain.safetensors'), safetensors({ __metadata__: { a: 'b' } }));
    await writeFile(join(loras(), 'broken.safetensors'), '');
    await writeFile(join(loras(), 'broken.png'), 'not an image');
    // a preview that leads out of the folder
    await writeFile(join(base, 'outside.png'), await png([1, 2, 3]));
    await writeFile(join(loras(), 'escape.safetensors'), '');
    await symlink(join(base, 'outside.png'), join(loras(), 'escape.png'));
    await writeFile(join(base, 'models', 'secret.safetensors'), '');
    await writeFile(join(base, 'models', 'secret.png'), await png([4, 5, 6]));
  });
  afterAll(() => rm(base, { recursive: true, force: true }));

  it('finds images named like the model, then cover images of its metadata', async () => {
    expect(await previewCandidates(join(loras(), 'red.safetensors'))).toEqual([
      { kind: 'file', path: join(loras(), 'red.png') },
    ]);
    expect(await previewCandidates(join(loras(), 'sub', 'green.pt'))).toEqual([
      { kind: 'file', path: join(loras(), 'sub', 'green.preview.jpeg') },
    ]);
    const [covered] = await previewCandidates(join(loras(), 'covered.safetensors'));
    expect(covered.kind).toBe('embedded');
    expect(await previewCandidates(join(loras(), 'plain.safetensors'))).toEqual([]);
    expect(await previewCandidates(join(base, 'nowhere', 'x.safetensors'))).toEqual([]);
  });

  it('answers a WebP of the first preview', async () => {
    for (const [name, colour] of [
      ['red.safetensors', [255, 0, 0]],
      ['sub/green.pt', [0, 255, 0]],
      ['covered.safetensors', [0, 0, 255]],
    ] as const) {
      const preview = await modelPreview(registry, 'loras', '0', name);
      if (!preview.ok) throw new Error(`${name}: ${preview.status}`);
      expect((await sharp(preview.webp).metadata()).format).toBe('webp');
      const got = await colourOf(preview.webp);
      got.forEach((value, i) => expect(Math.abs(value - colour[i])).toBeLessThan(8));
    }
  });

  it.each([
    ['unknown folder', 'nope', '0', 'red.safetensors', 404],
    ['legacy name', 'unet', '0', 'red.safetensors', 404],
    ['empty name', 'loras', '0', '', 400],
    ['index not a number', 'loras', 'x', 'red.safetensors', 400],
    ['index out of range', 'loras', '5', 'red.safetensors', 404],
    ['negative index', 'loras', '-1', 'red.safetensors', 404],
    ['no preview', 'loras', '0', 'plain.safetensors', 404],
    ['not an image', 'loras', '0', 'broken.safetensors', 404],
    ['missing model', 'loras', '0', 'missing.safetensors', 404],
    ['.. out of the folder', 'loras', '0', '../secret.safetensors', 403],
    ['.. deep', 'loras', '0', 'sub/../../../../etc/passwd', 403],
    ['absolute name', 'loras', '0', '/ABSOLUTE', 403],
    ['preview linked outside', 'loras', '0', 'escape.safetensors', 403],
    ['NUL', 'loras', '0', 'red\0.safetensors', 400],
  ])('%s: %s/%s/%s -> %d', async (_, folder, index, name, status) => {
    const resolvedName = name === '/ABSOLUTE' ? join(base, 'models', 'secret.safetensors') : name;
    expect(await modelPreview(registry, folder, index, resolvedName)).toEqual({ ok: false, status });
  });

  it('reads the index as Python int() does', async () => {
    expect((await modelPreview(registry, 'loras', ' +0 ', 'red.safetensors')).ok).toBe(true);
    expect((await modelPreview(registry, 'loras', '0.0', 'red.safetensors')).ok).toBe(false);
  });
});
