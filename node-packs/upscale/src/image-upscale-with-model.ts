import { Input, Node, type NodeContext, type NodeInputs, type NodeReturn, type Tensor } from '@easel/core';
import { tiledScale } from './tiled-scale.js';
import type { UpscaleModel } from './upscale-model.js';

/** ComfyUI's tile settings for upscale models. */
export const UPSCALE_TILE = 512;
export const UPSCALE_OVERLAP = 32;

/**
 * ComfyUI's ImageUpscaleWithModel: runs the model over overlapping 512-pixel tiles blended with
 * feathered edges (so large images fit in memory), reports progress per tile, and clamps to 0..1.
 * Images with an alpha channel are upscaled by their colour channels.
 */
@Node({
  classType: 'ImageUpscaleWithModel',
  displayName: 'Upscale Image (using Model)',
  category: 'image/upscaling',
  pythonModule: 'comfy_extras.nodes_upscale_model',
  schema: 'v3',
  outputs: ['IMAGE'],
  searchAliases: [
    'upscale',
    'upscaler',
    'upsc',
    'enlarge image',
    'super resolution',
    'hires',
    'superres',
    'increase resolution',
  ],
})
export class ImageUpscaleWithModel {
  @Input('UPSCALE_MODEL') upscale_model!: UpscaleModel;
  @Input('IMAGE') image!: Tensor;

  async execute(
    { upscale_model: model, image }: NodeInputs<ImageUpscaleWithModel>,
    context: NodeContext,
  ): Promise<NodeReturn> {
    const { backend } = context;
    const [batch, height, width, channels] = image.shape;
    const rgb = channels > 3 ? await backend.slice(image, [0, 0, 0, 0], [batch, height, width, 3]) : image;
    try {
      const upscaled = await tiledScale(backend, rgb, (tile) => runModel(context, model, tile), {
        tile: UPSCALE_TILE,
        overlap: UPSCALE_OVERLAP,
        scale: model.scale,
        onTile: (done, total) => context.progress.update(done, total),
        signal: context.signal,
        // back from the model's pixel range to 0..1, clamped like ComfyUI
        output: { multiply: 1 / model.inputRange, min: 0, max: 1 },
      });
      return [upscaled];
    } finally {
      if (rgb !== image) rgb.dispose();
    }
  }
}

/** One tile through the model: 0..1 NHWC in, NHWC out in the model's own pixel range. */
export async function runModel(
  context: Pick<NodeContext, 'backend'>,
  model: UpscaleModel,
  tile: Tensor,
): Promise<Tensor> {
  const { backend } = context;
  const temporaries: Tensor[] = [];
  try {
    let input = tile;
    if (model.inputRange !== 1)
      temporaries.push((input = await backend.binary('mul', input, model.inputRange)));
    if (model.layout === 'NCHW') temporaries.push((input = await backend.transpose(input, [0, 3, 1, 2])));
    const outputs = await model.session.run({ [model.input]: input });
    for (const [name, t] of Object.entries(outputs)) if (name !== model.output) t.dispose();
    const output = outputs[model.output];
    if (model.layout === 'NHWC') return output;
    temporaries.push(output);
    return await backend.transpose(output, [0, 2, 3, 1]);
  } finally {
    for (const t of temporaries) t.dispose();
  }
}
