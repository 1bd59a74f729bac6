import { mkdir, readdir } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { unwrapJsonFloat } from '@easel/core';

// ComfyUI's file naming for saved images (folder_paths.get_save_image_path) and the `%...%`
// substitutions of filename prefixes. ComfyUI's frontend expands `%date:FORMAT%` and
// `%Node.widget%` before it sends a prompt; Easel also expands them here, from the prompt, so
// clients that post prompts directly get the same names.

/** Where the images of one save go, and the number of the first one. */
export interface SaveImagePath {
  /** The absolute folder the files are written to. */
  readonly folder: string;
  /** The base file name: files are `<filename>_<counter:05>_.png`. */
  readonly filename: string;
  /** The first free counter: one more than the highest in the folder, 1 if none. */
  readonly counter: number;
  /** The folder relative to the output folder, `''` for the output folder itself. */
  readonly subfolder: string;
  /** The prefix after substitutions. */
  readonly filenamePrefix: string;
}

/** The filename prefix leads out of the folder images are saved to. The message is ComfyUI's. */
export class SaveOutsideOutputError extends Error {
  override name = 'SaveOutsideOutputError';
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** ComfyUI's server-side tokens: image size and the local date and time. */
export function computeServerVars(prefix: string, width: number, height: number, now: Date): string {
  return prefix
    .replaceAll('%width%', String(width))
    .replaceAll('%height%', String(height))
    .replaceAll('%year%', String(now.getFullYear()))
    .replaceAll('%month%', pad2(now.getMonth() + 1))
    .replaceAll('%day%', pad2(now.getDate()))
    .replaceAll('%hour%', pad2(now.getHours()))
    .replaceAll('%minute%', pad2(now.getMinutes()))
    .replaceAll('%second%', pad2(now.getSeconds()));
}

const DATE_PARTS: Record<string, (date: Date) => number> = {
  d: (date) => date.getDate(),
  M: (date) => date.getMonth() + 1,
  h: (date) => date.getHours(),
  m: (date) => date.getMinutes(),
  s: (date) => date.getSeconds(),
};

/** The frontend's `%date:FORMAT%` formatter: `yyyy`, `yy`, `MM`/`M`, `dd`/`d`, `hh`/`h`, `mm`/`m`, `ss`/`s`. */
export function formatDate(format: string, date: Date): string {
  return format.replace(/dd?|MM?|hh?|mm?|ss?|yyy?y?/g, (token) => {
    if (token === 'yy') return String(date.getFullYear()).substring(2);
    if (token === 'yyyy') return String(date.getFullYear());
    const part = DATE_PARTS[token[0]];
    return part ? String(part(date)).padStart(token.length, '0') : token;
  });
}

interface PromptNode {
  class_type?: unknown;
  inputs?: Record<string, unknown>;
  _meta?: { title?: unknown };
}

/** Characters the frontend replaces in substituted widget values. */
// eslint-disable-next-line no-control-regex
const UNSAFE_IN_NAME = /[/?<>\\:*|"\x00-\x1F\x7F]/g;

/**
 * The frontend's text replacements, from an API-format prompt: `%date:FORMAT%`, and
 * `%<node>.<widget>%` where `<node>` is a node's class type (the frontend's "Node name for S&R")
 * or else its title. Patterns that match nothing are left as they are.
 */
export function applyPromptReplacements(value: string, prompt: unknown, now: Date): string {
  const nodes: PromptNode[] =
    prompt !== null && typeof prompt === 'object'
      ? Object.values(prompt as Record<string, unknown>).filter(
          (node): node is PromptNode => node !== null && typeof node === 'object',
        )
      : [];
  return value.replace(/%([^%]+)%/g, (match, text: string) => {
    const split = text.split('.');
    if (split.length !== 2) {
      return split[0].startsWith('date:') ? formatDate(split[0].substring(5), now) : match;
    }
    const [name, widget] = split as [string, string];
    let found = nodes.filter((node) => node.class_type === name);
    if (found.length === 0) found = nodes.filter((node) => node._meta?.title === name);
    const inputs = found[0]?.inputs;
    if (!inputs || !Object.hasOwn(inputs, widget)) return match;
    const widgetValue = unwrapJsonFloat(inputs[widget]);
    if (widgetValue === null || widgetValue === undefined) return '';
    switch (typeof widgetValue) {
      case 'string':
      case 'number':
      case 'boolean':
      case 'bigint':
        return String(widgetValue).replace(UNSAFE_IN_NAME, '_');
      default:
        // a linked input has no widget value in an API prompt
        return match;
    }
  });
}

/** Python's `os.path.normpath` on POSIX paths (no trailing slash, `''` becomes `.`). */
export function normpath(path: string): string {
  if (path === '') return '.';
  const leading = path.startsWith('//') && !path.startsWith('///') ? 2 : path.startsWith('/') ? 1 : 0;
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part !== '..' || (leading === 0 && parts.length === 0) || parts.at(-1) === '..') parts.push(part);
    else if (parts.length > 0) parts.pop();
  }
  const joined = '/'.repeat(leading) + parts.join('/');
  return joined === '' ? '.' : joined;
}

/** Python's `os.path.split` on POSIX: `[dirname, basename]`. */
function splitPath(path: string): [string, string] {
  const cut = path.lastIndexOf('/') + 1;
  let head = path.slice(0, cut);
  if (head !== '' && head !== '/'.repeat(head.length)) head = head.replace(/\/+$/, '');
  return [head, path.slice(cut)];
}

/** The longest common leading path of two absolute paths. */
function commonPath(a: string, b: string): string {
  const as = a.split(sep);
  const bs = b.split(sep);
  let n = 0;
  while (n < as.length && n < bs.length && as[n] === bs[n]) n++;
  return as.slice(0, n).join(sep) || sep;
}

/** The counter of a file `<filename>_<digits>[_...][.ext]`, 0 when it has none; null for other files. */
function counterOf(file: string, filename: string): number | null {
  const chars = [...file];
  const length = [...filename].length;
  if (chars.length <= length || chars.slice(0, length).join('') !== filename || chars[length] !== '_') {
    return null;
  }
  const digits = chars
    .slice(length + 1)
    .join('')
    .split('.')[0]
    .split('_')[0];
  return /^\s*[+-]?\d+\s*$/.test(digits) ? Number.parseInt(digits, 10) : 0;
}

/**
 * ComfyUI's `get_save_image_path`: substitutes the tokens in `filenamePrefix` (when it contains a
 * `%`), splits it into a subfolder and a base file name, refuses a subfolder outside `outputDir`,
 * and finds the first free counter (creating the folder when it is missing).
 */
export async function getSaveImagePath(
  filenamePrefix: string,
  outputDir: string,
  width = 0,
  height = 0,
  now = new Date(),
): Promise<SaveImagePath> {
  const prefix = filenamePrefix.includes('%')
    ? computeServerVars(filenamePrefix, width, height, now)
    : filenamePrefix;
  const [subfolder, filename] = splitPath(normpath(prefix));
  const root = resolve(outputDir);
  // like os.path.join, an absolute subfolder replaces the output folder (and is refused below)
  const folder = resolve(root, subfolder);
  if (folder !== root && !folder.startsWith(root.endsWith(sep) ? root : root + sep)) {
    throw new SaveOutsideOutputError(
      '**** ERROR: Saving image outside the output folder is not allowed.' +
        `\n full_output_folder: ${folder}` +
        `\n         output_dir: ${root}` +
        `\n         commonpath: ${commonPath(root, folder)}`,
    );
  }
  let counter = 1;
  try {
    for (const file of await readdir(folder)) {
      const found = counterOf(file, filename);
      if (found !== null && found + 1 > counter) counter = found + 1;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await mkdir(folder, { recursive: true });
  }
  return { folder, filename, counter, subfolder, filenamePrefix: prefix };
}

/** The file name of batch item `batchNumber` saved with counter `counter`. */
export function saveImageFileName(filename: string, batchNumber: number, counter: number): string {
  return `${filename.replaceAll('%batch_num%', String(batchNumber))}_${String(counter).padStart(5, '0')}_.png`;
}
