import { readFileSync } from 'node:fs';
import { Hidden, Input, Node } from './decorators.js';
import type { NodeContext, NodeInputs, NodeReturn } from './node-class.js';
import { buildNodeDefinition, type NodeDefinition } from './node-definition.js';
import { describeNode } from './node-schema.js';
import type { ComboContext } from './io-types.js';

// Real ComfyUI nodes declared with Easel's decorators must produce ComfyUI 0.24's /object_info
// entries exactly, key order included. The recorded catalogue replaces descriptions and tooltips
// with "(text omitted)", so ours are masked the same way before comparing.

const catalogue = JSON.parse(
  readFileSync(
    new URL('../../../../tools/fixtures/comfyui-0.24-samples/object_info.json', import.meta.url),
    'utf8',
  ),
) as Record<string, NodeDefinition>;

const noServices: ComboContext = {
  resolve: () => {
    throw new Error('no services in this test');
  },
};

function maskTexts(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) {
    return key === 'output_tooltips'
      ? value.map((t: unknown) => (t === null ? null : '(text omitted)'))
      : value.map((v) => maskTexts(v));
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskTexts(v, k)]));
  }
  if ((key === 'tooltip' || key === 'description') && value !== '') return '(text omitted)';
  return value;
}

async function definitionOf(nodeClass: abstract new (...args: never[]) => object, context = noServices) {
  return maskTexts(await buildNodeDefinition(describeNode(nodeClass, 'comfyui-core'), context));
}

const SAMPLERS = catalogue.KSampler.input.required.sampler_name[0] as string[];
const SCHEDULERS = catalogue.KSampler.input.required.scheduler[0] as string[];

@Node({
  classType: 'ImageScale',
  displayName: 'Upscale Image',
  category: 'image/upscaling',
  pythonModule: 'nodes',
  outputs: ['IMAGE'],
  searchAliases: ['resize', 'resize image', 'scale image', 'image resize', 'zoom', 'zoom in', 'change size'],
  essentialsCategory: 'Image Tools',
})
class ImageScale {
  @Input('IMAGE') image!: unknown;
  @Input.combo(['nearest-exact', 'bilinear', 'area', 'bicubic', 'lanczos']) upscale_method!: string;
  @Input.int({ default: 512, min: 0, max: 16384, step: 1 }) width!: number;
  @Input.int({ default: 512, min: 0, max: 16384, step: 1 }) height!: number;
  @Input.combo(['disabled', 'center']) crop!: string;
  execute(inputs: NodeInputs<ImageScale>): NodeReturn {
    return [inputs.image];
  }
}

@Node({
  classType: 'KSampler',
  category: 'model/sampling',
  pythonModule: 'nodes',
  description: 'Uses the provided model, positive and negative conditioning to denoise the latent image.',
  outputs: [{ type: 'LATENT', tooltip: 'The denoised latent.' }],
  searchAliases: ['sampler', 'sample', 'generate', 'denoise', 'diffuse', 'txt2img', 'img2img'],
})
class KSampler {
  @Input('MODEL', { tooltip: 'The model used for denoising the input latent.' }) model!: unknown;
  @Input.int({
    default: 0,
    min: 0,
    max: 2 ** 64 - 1, // ComfyUI's 0xffffffffffffffff; JSON shows the nearest double
    control_after_generate: true,
    tooltip: 'The random seed used for creating the noise.',
  })
  seed!: number;
  @Input.int({
    default: 20,
    min: 1,
    max: 10000,
    tooltip: 'The number of steps used in the denoising process.',
  })
  steps!: number;
  @Input.float({
    default: 8.0,
    min: 0.0,
    max: 100.0,
    step: 0.1,
    round: 0.01,
    tooltip: 'Classifier-free guidance.',
  })
  cfg!: number;
  @Input.combo(SAMPLERS, { tooltip: 'The sampling algorithm.' }) sampler_name!: string;
  @Input.combo(SCHEDULERS, { tooltip: 'How noise is removed over the steps.' }) scheduler!: string;
  @Input('CONDITIONING', { tooltip: 'What to include.' }) positive!: unknown;
  @Input('CONDITIONING', { tooltip: 'What to exclude.' }) negative!: unknown;
  @Input('LATENT', { tooltip: 'The latent image to denoise.' }) latent_image!: unknown;
  @Input.float({ default: 1.0, min: 0.0, max: 1.0, step: 0.01, tooltip: 'The amount of denoising applied.' })
  denoise!: number;
  execute(): NodeReturn {
    return [];
  }
}

@Node({
  classType: 'SaveImage',
  displayName: 'Save Image',
  category: 'image',
  pythonModule: 'nodes',
  description: 'Saves the input images to your ComfyUI output directory.',
  outputNode: true,
  searchAliases: ['save', 'save image', 'export image', 'output image', 'write image', 'download'],
  essentialsCategory: 'Basics',
})
class SaveImage {
  @Input('IMAGE', { tooltip: 'The images to save.' }) images!: unknown;
  @Input.string({ default: 'ComfyUI', tooltip: 'The prefix for the file to save.' }) filename_prefix!: string;
  @Hidden('PROMPT') prompt!: unknown;
  @Hidden('EXTRA_PNGINFO') extra_pnginfo!: unknown;
  execute(): NodeReturn {
    return { ui: { images: [] } };
  }
}

@Node({
  classType: 'LoadImage',
  displayName: 'Load Image',
  category: 'image',
  pythonModule: 'nodes',
  outputs: ['IMAGE', 'MASK'],
  searchAliases: [
    'load image',
    'open image',
    'import image',
    'image input',
    'upload image',
    'read image',
    'image loader',
  ],
  essentialsCategory: 'Basics',
})
class LoadImage {
  @Input.combo((context) => context.resolve<() => string[]>('inputImages')(), { image_upload: true })
  image!: string;
  execute(): NodeReturn {
    return [null, null];
  }
}

@Node({
  classType: 'CheckpointLoaderSimple',
  displayName: 'Load Checkpoint',
  category: 'model/loaders',
  pythonModule: 'nodes',
  description: 'Loads a diffusion model checkpoint.',
  outputs: [
    { type: 'MODEL', tooltip: 'The model used for denoising latents.' },
    { type: 'CLIP', tooltip: 'The CLIP model used for encoding text prompts.' },
    { type: 'VAE', tooltip: 'The VAE model used for encoding and decoding images.' },
  ],
  searchAliases: ['load model', 'checkpoint', 'model loader', 'load checkpoint', 'ckpt', 'model'],
})
class CheckpointLoaderSimple {
  @Input.combo(() => [], { tooltip: 'The name of the checkpoint (model) to load.' }) ckpt_name!: string;
  execute(): NodeReturn {
    return [null, null, null];
  }
}

@Node({
  classType: 'ImageBatch',
  displayName: 'Batch Images (DEPRECATED)',
  category: 'image/batch',
  pythonModule: 'nodes',
  outputs: ['IMAGE'],
  deprecated: true,
  searchAliases: ['combine images', 'merge images', 'stack images'],
})
class ImageBatch {
  @Input('IMAGE') image1!: unknown;
  @Input('IMAGE') image2!: unknown;
  execute(): NodeReturn {
    return [null];
  }
}

@Node({
  classType: 'PrimitiveInt',
  displayName: 'Int',
  category: 'utilities/primitive',
  pythonModule: 'comfy_extras.nodes_primitive',
  schema: 'v3',
  outputs: ['INT'],
})
class PrimitiveInt {
  @Input.int({ min: -(2 ** 63 - 1), max: 2 ** 63 - 1, control_after_generate: 'fixed' })
  value!: number;
  execute(inputs: NodeInputs<PrimitiveInt>, _context: NodeContext): NodeReturn {
    return [inputs.value];
  }
}

@Node({
  classType: 'PrimitiveBoolean',
  displayName: 'Boolean',
  category: 'utilities/primitive',
  pythonModule: 'comfy_extras.nodes_primitive',
  schema: 'v3',
  outputs: ['BOOLEAN'],
})
class PrimitiveBoolean {
  @Input.boolean() value!: boolean;
  execute(inputs: NodeInputs<PrimitiveBoolean>): NodeReturn {
    return [inputs.value];
  }
}

describe("decorated ComfyUI nodes produce ComfyUI's /object_info entries", () => {
  const cases: [string, abstract new (...args: never[]) => object][] = [
    ['ImageScale', ImageScale],
    ['KSampler', KSampler],
    ['SaveImage', SaveImage],
    ['CheckpointLoaderSimple', CheckpointLoaderSimple],
    ['ImageBatch', ImageBatch],
    ['PrimitiveInt', PrimitiveInt],
    ['PrimitiveBoolean', PrimitiveBoolean],
  ];
  it.each(cases)('%s matches the recorded definition, key order included', async (name, nodeClass) => {
    const ours = await definitionOf(nodeClass);
    expect(ours).toEqual(catalogue[name]);
    expect(JSON.stringify(ours)).toBe(JSON.stringify(catalogue[name]));
  });

  it('LoadImage lists the files its combo function returns, per call', async () => {
    let files = ['example.png'];
    const context: ComboContext = { resolve: <T>() => (() => files) as T };
    expect(JSON.stringify(await definitionOf(LoadImage, context))).toBe(JSON.stringify(catalogue.LoadImage));
    files = ['a.png', 'example.png'];
    const again = (await definitionOf(LoadImage, context)) as NodeDefinition;
    expect(again.input.required.image).toEqual([['a.png', 'example.png'], { image_upload: true }]);
  });
});
