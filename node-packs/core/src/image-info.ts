import {
  Directories,
  Hidden,
  ImageOutputOptions,
  Input,
  Node,
  inject,
  injectable,
  resize,
  roundHalfEven,
  type NodeContext,
  type NodeInputs,
  type NodeResult,
  type NodeReturn,
  type ResizeMethod,
  type Tensor,
} from '@easel/core';
import { checkImage, withTemporaries } from './image-geometry.js';
import { PreviewImage } from './image-output.js';

// Weight-free image nodes of comfy_extras/nodes_images.py (GetImageSize, ImageScaleToMaxDimension,
// ResizeAndPadImage) and MaskPreview of comfy_extras/nodes_mask.py.

const IMAGES_MODULE = { pythonModule: 'comfy_extras.nodes_images', schema: 'v3' } as const;
/** ComfyUI's MAX_RESOLUTION. */
const MAX_RESOLUTION = 16384;

/** Reports an image batch's size: width, height and the number of images. */
@Node({
  ...IMAGES_MODULE,
  classType: 'GetImageSize',
  displayName: 'Get Image Size',
  category: 'image',
  description: 'Gives the width, height and batch size of an image batch, and shows them on the node.',
  outputs: [
    { type: 'INT', name: 'width' },
    { type: 'INT', name: 'height' },
    { type: 'INT', name: 'batch_size' },
  ],
  searchAliases: ['dimensions', 'resolution', 'image info'],
})
export class GetImageSize {
  @Input('IMAGE', {}) image!: Tensor;
  @Hidden('UNIQUE_ID') unique_id!: string;

  execute({ image, unique_id }: NodeInputs<GetImageSize>, { progress }: NodeContext): NodeReturn {
    checkImage('image', image);
    const [batchSize, height, width] = image.shape;
    // ComfyUI shows the sizes as progress text on the node
    if (unique_id) progress.text(`width: ${width}, height: ${height}\n batch size: ${batchSize}`);
    return [width, height, batchSize];
  }
}

/**
 * ComfyUI's MaskPreview: the mask shown as a grey RGB image through PreviewImage (temporary PNG
 * files). ComfyUI builds this preview without the node's prompt and workflow, so unlike
 * PreviewImage's files these carry no text chunks.
 */
@Node({
  classType: 'MaskPreview',
  displayName: 'Preview Mask',
  category: 'image/mask',
  pythonModule: 'comfy_extras.nodes_mask',
  schema: 'v3',
  description: 'Shows the masks in the frontend as grey images; the files are temporary.',
  outputNode: true,
  searchAliases: ['show mask', 'view mask', 'inspect mask', 'debug mask'],
})
@injectable()
export class MaskPreview {
  @Input('MASK', {}) mask!: Tensor;

  @Hidden('PROMPT') prompt!: unknown;
  @Hidden('EXTRA_PNGINFO') extra_pnginfo!: unknown;

  private readonly preview: PreviewImage;

  constructor(
    @inject(Directories) directories: Directories,
    @inject(ImageOutputOptions, { isOptional: true }) outputOptions?: ImageOutputOptions,
  ) {
    this.preview = new PreviewImage(directories, outputOptions);
  }

  async execute({ mask }: NodeInputs<MaskPreview>, context: NodeContext): Promise<NodeResult> {
    const { backend } = context;
    const shape = (mask as Partial<Tensor> | null | undefined)?.shape;
    if (!Array.isArray(shape) || shape.length < 2 || shape.some((d) => d < 1)) {
      const got = Array.isArray(shape) ? `[${shape.join(', ')}]` : typeof mask;
      throw new Error(`mask must be a MASK of shape [batch, height, width], got ${got}`);
    }
    // mask.reshape((-1, 1, H, W)).movedim(1, -1).expand(-1, -1, -1, 3)
    const [height, width] = mask.shape.slice(-2);
    const images = await withTemporaries(async (track) => {
      const grey = track(await backend.reshape(mask, [mask.size / (height * width), height, width, 1]));
      return backend.tile(grey, [1, 1, 1, 3]);
    });
    try {
      const saved = await this.preview.execute(
        { images, prompt: undefined, extra_pnginfo: undefined },
        context,
      );
      // ComfyUI's V3 preview output also says the images are not animated
      return { ui: { ...saved.ui, animated: [false] } };
    } finally {
      images.dispose();
    }
  }
}

const MAX_DIMENSION_METHODS = [
  'area',
  'lanczos',
  'bilinear',
  'nearest-exact',
  'bilinear',
  'bicubic',
] as const;

/** Resizes images so that their longer side is `largest_size`, keeping the aspect ratio. */
@Node({
  ...IMAGES_MODULE,
  classType: 'ImageScaleToMaxDimension',
  displayName: 'Scale Image to Max Dimension',
  category: 'image/upscaling',
  outputs: ['IMAGE'],
})
export class ImageScaleToMaxDimension {
  @Input('IMAGE', {}) image!: Tensor;
  @Input.combo(MAX_DIMENSION_METHODS) upscale_method!: ResizeMethod;
  @Input.int({ default: 512, min: 0, max: MAX_RESOLUTION, step: 1 }) largest_size!: number;

  async execute(
    { image, upscale_method, largest_size }: NodeInputs<ImageScaleToMaxDimension>,
    { backend }: NodeContext,
  ): Promise<NodeReturn> {
    checkImage('image', image);
    let [, height, width] = image.shape;
    if (height > width) {
      width = roundHalfEven((width / height) * largest_size);
      height = largest_size;
    } else if (width > height) {
      height = roundHalfEven((height / width) * largest_size);
      width = largest_size;
    } else {
      height = largest_size;
      width = largest_size;
    }
    if (width < 1 || height < 1) {
      throw new Error(
        `a ${image.shape[2]}x${image.shape[1]} image scaled to a largest side of ${largest_size} has no pixels left (${width}x${height})`,
      );
    }
    return [await resize(backend, image, 'BHWC', height, width, upscale_method, 'disabled')];
  }
}

const PADDING_COLORS = ['white', 'black'] as const;
const PAD_INTERPOLATIONS = ['area', 'bicubic', 'nearest-exact', 'bilinear', 'lanczos'] as const;

/**
 * Fits images inside `target_width` x `target_height` keeping their aspect ratio (sizes rounded
 * down), centred on a white or black canvas of exactly that size.
 */
@Node({
  ...IMAGES_MODULE,
  classType: 'ResizeAndPadImage',
  displayName: 'Resize And Pad Image',
  category: 'image/transform',
  outputs: ['IMAGE'],
  searchAliases: ['fit to size'],
})
export class ResizeAndPadImage {
  @Input('IMAGE', {}) image!: Tensor;
  @Input.int({ default: 512, min: 1, max: MAX_RESOLUTION, step: 1 }) target_width!: number;
  @Input.int({ default: 512, min: 1, max: MAX_RESOLUTION, step: 1 }) target_height!: number;
  @Input.combo(PADDING_COLORS, { advanced: true }) padding_color!: (typeof PADDING_COLORS)[number];
  @Input.combo(PAD_INTERPOLATIONS, { advanced: true }) interpolation!: ResizeMethod;

  async execute(
    { image, target_width, target_height, padding_color, interpolation }: NodeInputs<ResizeAndPadImage>,
    { backend }: NodeContext,
  ): Promise<NodeReturn> {
    checkImage('image', image);
    const [, height, width] = image.shape;
    const scale = Math.min(target_width / width, target_height / height);
    const newWidth = Math.trunc(width * scale);
    const newHeight = Math.trunc(height * scale);
    if (newWidth < 1 || newHeight < 1) {
      throw new Error(
        `a ${width}x${height} image fitted into ${target_width}x${target_height} has no pixels left (${newWidth}x${newHeight})`,
      );
    }
    const top = Math.floor((target_height - newHeight) / 2);
    const left = Math.floor((target_width - newWidth) / 2);
    const resized = await resize(backend, image, 'BHWC', newHeight, newWidth, interpolation, 'disabled');
    try {
      return [
        await backend.pad(
          resized,
          [
            [0, 0],
            [top, target_height - newHeight - top],
            [left, target_width - newWidth - left],
            [0, 0],
          ],
          'constant',
          padding_color === 'black' ? 0 : 1,
        ),
      ];
    } finally {
      resized.dispose();
    }
  }
}
