import { basename, join } from 'node:path';
import type { Directories } from '@easel/core';

/** ComfyUI's `supported_pt_extensions`: what counts as a model file. */
export const MODEL_FILE_EXTENSIONS: readonly string[] = [
  '.ckpt',
  '.pt',
  '.pt2',
  '.bin',
  '.pth',
  '.safetensors',
  '.pkl',
  '.sft',
];

/**
 * Old folder names that lookups, `extra_model_paths.yaml` and `/view_metadata` still accept
 * (ComfyUI's `map_legacy`); `/models/{folder}` does not.
 */
export const LEGACY_FOLDER_NAMES: Readonly<Record<string, string>> = {
  unet: 'diffusion_models',
  clip: 'text_encoders',
};

/** The name a folder is registered under: legacy names mapped to their successors. */
export function currentFolderName(name: string): string {
  return Object.hasOwn(LEGACY_FOLDER_NAMES, name) ? LEGACY_FOLDER_NAMES[name] : name;
}

/** One model folder: where it is searched and which files count. */
export interface ModelFolder {
  readonly name: string;
  readonly paths: readonly string[];
  /**
   * Lower-case extensions with the dot. Empty means every file; `''` means files without an
   * extension; `folder` (diffusers) never matches a file, as in ComfyUI.
   */
  readonly extensions: readonly string[];
}

const PT = MODEL_FILE_EXTENSIONS;

/**
 * ComfyUI 0.24's folders in registration order (the order `GET /models` answers), with their
 * places under the models folder. Keys not listed here come from `extra_model_paths.yaml`.
 */
const STANDARD: readonly { name: string; dirs: readonly string[]; extensions: readonly string[] }[] = [
  { name: 'checkpoints', dirs: ['checkpoints'], extensions: PT },
  { name: 'configs', dirs: ['configs'], extensions: ['.yaml'] },
  { name: 'loras', dirs: ['loras'], extensions: PT },
  { name: 'vae', dirs: ['vae'], extensions: PT },
  { name: 'text_encoders', dirs: ['text_encoders', 'clip'], extensions: PT },
  { name: 'diffusion_models', dirs: ['unet', 'diffusion_models'], extensions: PT },
  { name: 'clip_vision', dirs: ['clip_vision'], extensions: PT },
  { name: 'style_models', dirs: ['style_models'], extensions: PT },
  { name: 'embeddings', dirs: ['embeddings'], extensions: PT },
  { name: 'diffusers', dirs: ['diffusers'], extensions: ['folder'] },
  { name: 'vae_approx', dirs: ['vae_approx'], extensions: PT },
  { name: 'controlnet', dirs: ['controlnet', 't2i_adapter'], extensions: PT },
  { name: 'gligen', dirs: ['gligen'], extensions: PT },
  { name: 'upscale_models', dirs: ['upscale_models'], extensions: PT },
  { name: 'latent_upscale_models', dirs: ['latent_upscale_models'], extensions: PT },
  { name: 'custom_nodes', dirs: [], extensions: [] },
  { name: 'hypernetworks', dirs: ['hypernetworks'], extensions: PT },
  { name: 'photomaker', dirs: ['photomaker'], extensions: PT },
  { name: 'classifiers', dirs: ['classifiers'], extensions: [''] },
  { name: 'model_patches', dirs: ['model_patches'], extensions: PT },
  { name: 'audio_encoders', dirs: ['audio_encoders'], extensions: PT },
  { name: 'background_removal', dirs: ['background_removal'], extensions: PT },
  { name: 'frame_interpolation', dirs: ['frame_interpolation'], extensions: PT },
  { name: 'geometry_estimation', dirs: ['geometry_estimation'], extensions: PT },
  { name: 'optical_flow', dirs: ['optical_flow'], extensions: PT },
  { name: 'detection', dirs: ['detection'], extensions: PT },
];

/** The standard folders for a server's directories: `<models>/<dir>`, and custom_nodes in the base. */
export function standardModelFolders(
  directories: Pick<Directories, 'models' | 'customNodes'>,
): ModelFolder[] {
  return STANDARD.map(({ name, dirs, extensions }) => ({
    name,
    paths: name === 'custom_nodes' ? [directories.customNodes] : dirs.map((d) => join(directories.models, d)),
    extensions,
  }));
}

/**
 * Folders ComfyUI adds in the output folder at start-up, after `extra_model_paths.yaml`: where
 * its model-saving nodes write (`CheckpointSave`, `CLIPSave`, ...).
 */
export function outputModelFolders(output: string): { folder: string; path: string }[] {
  return ['checkpoints', 'clip', 'vae', 'diffusion_models', 'loras'].map((name) => ({
    folder: name,
    path: join(output, name),
  }));
}

/**
 * The extension of a path as Python's `os.path.splitext` sees it: from the last dot of the last
 * component, not counting leading dots (`.hidden` has none), with the dot.
 */
export function pythonExtension(path: string): string {
  const name = basename(path);
  const leadingDots = name.length - name.replace(/^\.+/, '').length;
  const dot = name.lastIndexOf('.');
  return dot > leadingDots ? name.slice(dot) : '';
}

/** `path` without its Python extension (`sub/model.safetensors` -> `sub/model`). */
export function withoutExtension(path: string): string {
  const ext = pythonExtension(path);
  return ext === '' ? path : path.slice(0, -ext.length);
}

/** True when a file name passes a folder's extension filter (ComfyUI's `filter_files_extensions`). */
export function hasFolderExtension(path: string, extensions: readonly string[]): boolean {
  return extensions.length === 0 || extensions.includes(pythonExtension(path).toLowerCase());
}
