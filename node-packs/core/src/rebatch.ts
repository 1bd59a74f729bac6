import { Input, Node, type NodeContext, type NodeReturn, type Tensor } from '@easel/core';

// ComfyUI's comfy_extras/nodes_rebatch.py

/** Splits every incoming batch into single images and regroups them into batches of `batch_size`. */
@Node({
  classType: 'RebatchImages',
  displayName: 'Rebatch Images',
  category: 'image/batch',
  pythonModule: 'comfy_extras.nodes_rebatch',
  schema: 'v3',
  inputIsList: true,
  outputs: [{ type: 'IMAGE', isList: true }],
})
export class RebatchImages {
  @Input('IMAGE') images!: Tensor[];
  @Input.int({ default: 1, min: 1, max: 4096 }) batch_size!: number[];

  async execute(
    { images, batch_size }: { images: Tensor[]; batch_size: number[] },
    { backend }: NodeContext,
  ): Promise<NodeReturn> {
    const size = batch_size[0];
    const singles: Tensor[] = [];
    for (const batch of images) {
      const [count, ...rest] = batch.shape;
      for (let i = 0; i < count; i++) {
        singles.push(await backend.slice(batch, [i, ...rest.map(() => 0)], [i + 1, ...rest]));
      }
    }
    const batches: Tensor[] = [];
    for (let i = 0; i < singles.length; i += size) {
      const group = singles.slice(i, i + size);
      batches.push(group.length === 1 ? group[0] : await backend.concat(group, 0));
    }
    return [batches];
  }
}
