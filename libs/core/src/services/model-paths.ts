/**
 * ComfyUI's model folders (`folder_paths`) as the server configured them: `<models>/<folder>`
 * for each standard folder, plus the folders `extra_model_paths.yaml` adds. A folder name may be
 * searched in several places; packs ask here instead of joining `Directories.models` themselves,
 * so they see the same models as `GET /models/{folder}`.
 */
export interface ModelPaths {
  /** Every folder name, in registration order (what `GET /models` answers). */
  folderNames(): readonly string[];
  /**
   * The absolute folders searched for `folder`, first one first (legacy names `unet` and `clip`
   * are accepted); empty for an unknown name.
   */
  folderPaths(folder: string): readonly string[];
  /**
   * The files of `folder` with one of its extensions, recursively, as sorted relative paths
   * (ComfyUI's `get_filename_list`); empty for an unknown name.
   */
  list(folder: string): Promise<string[]>;
  /**
   * The absolute path of the file `name` in the first of `folder`'s places that holds it, or
   * null (ComfyUI's `get_full_path`). `name` is read as if rooted in the folder, so `..` and
   * absolute names cannot leave it.
   */
  resolve(folder: string, name: string): Promise<string | null>;
}

/**
 * Injection token. Hosts other than the server may not register it, so packs that can do without
 * ask with `@inject(ModelPaths, { isOptional: true }) modelPaths?: ModelPaths`.
 */
export const ModelPaths: unique symbol = Symbol.for('easel.service.ModelPaths');
