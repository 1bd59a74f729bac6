import { existsSync } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { detectModelFormat, type ModelFormat, type ModelSession, type TensorBackend } from '@easel/core';

/** What flows along an UPSCALE_MODEL link: a loaded model and how to feed it. */
export interface UpscaleModel {
  readonly name: string;
  readonly session: ModelSession;
  /** Output pixels per input pixel. */
  readonly scale: number;
  /** Pixel layout the model takes and gives. */
  readonly layout: 'NHWC' | 'NCHW';
  /** The model's pixel range is 0..inputRange (1 or 255); images are 0..1. */
  readonly inputRange: number;
  readonly input: string;
  readonly output: string;
}

/** Settings a model file cannot tell about itself; from a sidecar `<model>.easel.json` or `easel.json` in a model folder. */
export interface UpscaleModelSettings {
  scale?: number;
  layout?: 'NHWC' | 'NCHW';
  inputRange?: number;
}

const BUILT_IN_SUFFIX = ' [built-in]';
/** ComfyUI's model extensions: listed so that workflows naming them get a clear "cannot load" error. */
const MODEL_EXTENSIONS = ['.onnx', '.pth', '.pt', '.pt2', '.bin', '.ckpt', '.safetensors', '.pkl', '.sft'];

/** ESRGAN (RDN, slim) from @upscalerjs/esrgan-slim: TensorFlow.js layers models, pixels 0..255, NHWC. */
const ESRGAN_SLIM_SCALES = [2, 3, 4, 8];

function esrganSlimRoot(): string | null {
  try {
    let dir = dirname(fileURLToPath(import.meta.resolve('@upscalerjs/esrgan-slim')));
    // its "exports" hide package.json: walk up to the folder that has the models
    while (!existsSync(join(dir, 'models', 'x4', 'model.json'))) {
      if (dirname(dir) === dir) return null;
      dir = dirname(dir);
    }
    return dir;
  } catch {
    return null;
  }
}

interface ModelEntry {
  path: string;
  settings: UpscaleModelSettings;
}

function builtIns(): Map<string, ModelEntry> {
  const root = esrganSlimRoot();
  const entries = new Map<string, ModelEntry>();
  if (root === null) return entries;
  for (const scale of ESRGAN_SLIM_SCALES) {
    entries.set(`esrgan-slim-x${scale}${BUILT_IN_SUFFIX}`, {
      path: join(root, 'models', `x${scale}`),
      settings: { scale, layout: 'NHWC', inputRange: 255 },
    });
  }
  return entries;
}

/**
 * The choices of UpscaleModelLoader: model files and TensorFlow.js model folders in the
 * `upscale_models` folders (sorted relative paths, each once), then the built-in models.
 */
export async function listUpscaleModels(folders: readonly string[]): Promise<string[]> {
  const found = new Set<string>();
  async function walk(folder: string, dir: string): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (existsSync(join(path, 'model.json'))) found.add(relative(folder, path).split(sep).join('/'));
        else if (entry.name !== '.git') await walk(folder, path);
      } else if (MODEL_EXTENSIONS.some((ext) => entry.name.toLowerCase().endsWith(ext))) {
        found.add(relative(folder, path).split(sep).join('/'));
      }
    }
  }
  for (const folder of folders) await walk(folder, folder);
  return [...[...found].sort(), ...builtIns().keys()];
}

/** Where a listed model name points: the first folder that has it; names that leave the folders are refused. */
async function locate(folders: readonly string[], name: string): Promise<ModelEntry> {
  const builtIn = builtIns().get(name);
  if (builtIn) return builtIn;
  let path: string | undefined;
  for (const folder of folders) {
    const candidate = resolve(folder, name);
    const inside = relative(folder, candidate);
    if (inside === '' || inside.startsWith('..') || isAbsolute(inside))
      throw new Error(`Invalid model name: '${name}'`);
    if (existsSync(candidate)) {
      path = candidate;
      break;
    }
  }
  if (path === undefined)
    throw new Error(`Upscale model not found: ${name} (looked in ${folders.join(', ') || 'no folder'})`);
  const sidecar = (await stat(path)).isDirectory() ? join(path, 'easel.json') : `${path}.easel.json`;
  const settings = existsSync(sidecar)
    ? (JSON.parse(await readFile(sidecar, 'utf8')) as UpscaleModelSettings)
    : {};
  return { path, settings };
}

/** Null when the backend can load the named model, else the reason (for validation before running). */
export async function checkUpscaleModel(
  folders: readonly string[],
  name: string,
  backend: TensorBackend,
): Promise<string | null> {
  let entry: ModelEntry;
  try {
    entry = await locate(folders, name);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  const location = await detectModelFormat(entry.path);
  if (location && backend.modelFormats.includes(location.format)) return null;
  const format: string = location?.format ?? 'an unknown format';
  return `${name}: the ${backend.name} backend cannot load ${format} models (it loads: ${backend.modelFormats.join(', ')}); use an .onnx file or a TensorFlow.js model folder`;
}

/** Loads a listed model on the backend and works out its scale and layout. */
export async function loadUpscaleModel(
  folders: readonly string[],
  name: string,
  backend: TensorBackend,
): Promise<UpscaleModel> {
  const entry = await locate(folders, name);
  const session = await backend.loadModel({ path: entry.path });
  const [input] = session.inputs;
  const [output] = session.outputs;
  const location = await detectModelFormat(entry.path);
  const layout = entry.settings.layout ?? guessLayout(input.shape, location?.format);
  const inputRange = entry.settings.inputRange ?? (location?.format === 'onnx' ? 1 : 255);
  const scale = entry.settings.scale ?? (await probeScale(backend, session, layout));
  return { name, session, scale, layout, inputRange, input: input.name, output: output.name };
}

function guessLayout(
  shape: readonly (number | string | null)[],
  format: ModelFormat | undefined,
): 'NHWC' | 'NCHW' {
  if (shape.length === 4 && shape[1] === 3) return 'NCHW';
  if (shape.length === 4 && shape[3] === 3) return 'NHWC';
  // PyTorch exports are channels-first, TensorFlow.js models channels-last
  return format === 'onnx' ? 'NCHW' : 'NHWC';
}

/** Runs the model once on a small image to see how much it enlarges. */
async function probeScale(
  backend: TensorBackend,
  session: ModelSession,
  layout: 'NHWC' | 'NCHW',
): Promise<number> {
  const size = 16;
  const probe = backend.full(layout === 'NHWC' ? [1, size, size, 3] : [1, 3, size, size], 0.5);
  const out = await session.run({ [session.inputs[0].name]: probe });
  const result = out[session.outputs[0].name];
  const scale = result.shape[layout === 'NHWC' ? 1 : 2] / size;
  probe.dispose();
  for (const t of Object.values(out)) t.dispose();
  return scale;
}
