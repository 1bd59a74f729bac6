import { join } from 'node:path';
import {
  Directories,
  Input,
  Node,
  inject,
  injectable,
  type ComboContext,
  type NodeContext,
  type NodeInputs,
  type NodeReturn,
  TensorBackend,
} from '@easel/core';
import { checkUpscaleModel, listUpscaleModels, loadUpscaleModel } from './upscale-model.js';

const upscaleModelsFolder = (directories: Directories) => join(directories.models, 'upscale_models');

/** ComfyUI's UpscaleModelLoader: an `.onnx` file or TensorFlow.js folder from models/upscale_models, or a built-in model. */
@Node({
  classType: 'UpscaleModelLoader',
  displayName: 'Load Upscale Model',
  category: 'model/loaders',
  pythonModule: 'comfy_extras.nodes_upscale_model',
  schema: 'v3',
  outputs: ['UPSCALE_MODEL'],
})
@injectable()
export class UpscaleModelLoader {
  @Input.combo((services) =>
    listUpscaleModels(upscaleModelsFolder(services.resolve<Directories>(Directories))),
  )
  model_name!: string;

  constructor(@inject(Directories) private readonly directories: Directories) {}

  /** Refuses, before the prompt runs, a model the selected backend cannot load. */
  static async validateInputs(
    inputs: Record<string, unknown>,
    services: ComboContext,
  ): Promise<true | string> {
    const name = inputs.model_name;
    if (typeof name !== 'string') return 'model_name must be a string';
    const problem = await checkUpscaleModel(
      upscaleModelsFolder(services.resolve<Directories>(Directories)),
      name,
      services.resolve<TensorBackend>(TensorBackend),
    );
    return problem ?? true;
  }

  async execute({ model_name }: NodeInputs<UpscaleModelLoader>, context: NodeContext): Promise<NodeReturn> {
    const model = await loadUpscaleModel(upscaleModelsFolder(this.directories), model_name, context.backend);
    context.logger.debug(
      `loaded upscale model ${model_name}: x${model.scale}, ${model.layout}, 0..${model.inputRange}`,
    );
    return [model];
  }
}
