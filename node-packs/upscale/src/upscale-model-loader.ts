import { join } from 'node:path';
import {
  Directories,
  Input,
  ModelPaths,
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

/**
 * The `upscale_models` folders as the server has them (with `extra_model_paths.yaml`); a host
 * without the `ModelPaths` service gets `<models>/upscale_models`.
 */
function upscaleModelFolders(
  directories: Directories,
  modelPaths: ModelPaths | undefined,
): readonly string[] {
  return modelPaths?.folderPaths('upscale_models') ?? [join(directories.models, 'upscale_models')];
}

/** The folders for a combo list or a validation, where services are looked up by token. */
function upscaleModelFoldersOf(services: ComboContext): readonly string[] {
  let modelPaths: ModelPaths | undefined;
  try {
    modelPaths = services.resolve<ModelPaths>(ModelPaths);
  } catch {
    // an optional service: not every host registers it
  }
  return upscaleModelFolders(services.resolve<Directories>(Directories), modelPaths);
}

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
  @Input.combo((services) => listUpscaleModels(upscaleModelFoldersOf(services)))
  model_name!: string;

  constructor(
    @inject(Directories) private readonly directories: Directories,
    @inject(ModelPaths, { isOptional: true }) private readonly modelPaths?: ModelPaths,
  ) {}

  /** Refuses, before the prompt runs, a model the selected backend cannot load. */
  static async validateInputs(
    inputs: Record<string, unknown>,
    services: ComboContext,
  ): Promise<true | string> {
    const name = inputs.model_name;
    if (typeof name !== 'string') return 'model_name must be a string';
    const problem = await checkUpscaleModel(
      upscaleModelFoldersOf(services),
      name,
      services.resolve<TensorBackend>(TensorBackend),
    );
    return problem ?? true;
  }

  async execute({ model_name }: NodeInputs<UpscaleModelLoader>, context: NodeContext): Promise<NodeReturn> {
    const model = await loadUpscaleModel(
      upscaleModelFolders(this.directories, this.modelPaths),
      model_name,
      context.backend,
    );
    context.logger.debug(
      `loaded upscale model ${model_name}: x${model.scale}, ${model.layout}, 0..${model.inputRange}`,
    );
    return [model];
  }
}
