import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';

/** One place `extra_model_paths.yaml` adds to a model folder. */
export interface ExtraModelPath {
  /** The key as written; legacy names (`unet`, `clip`) are mapped when it is registered. */
  readonly folder: string;
  /** Absolute and normalised. */
  readonly path: string;
  /** `is_default: true`: searched first (and where ComfyUI's downloads go). */
  readonly isDefault: boolean;
}

export interface ExtraModelPathsFile {
  readonly paths: ExtraModelPath[];
  /** Entries that were skipped, and why (logged at start-up). */
  readonly warnings: string[];
}

/** An `extra_model_paths.yaml` that cannot be read or is not YAML; stops the server at start-up. */
export class ModelPathsConfigError extends Error {
  override name = 'ModelPathsConfigError';
}

/** What `~` and `$VAR` expand from. */
export interface PathExpansion {
  readonly env: NodeJS.ProcessEnv;
  readonly home: string;
}

/** Reads and parses one `extra_model_paths.yaml`. */
export function readExtraModelPaths(file: string, expansion: PathExpansion): ExtraModelPathsFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ModelPathsConfigError(
      `Cannot read the extra model paths config ${file}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return parseExtraModelPaths(text, file, expansion);
}

/**
 * ComfyUI's `load_extra_path_config`: top-level sections (any names) map folder keys to one path
 * or several, one a line. A section's `base_path` (`~` and `$VAR` expanded; relative to the
 * YAML's folder) is what relative paths are joined to, else the YAML's folder; `is_default`
 * puts the section's paths first. Unlike ComfyUI, which stops on them, values of the wrong type
 * are skipped with a warning, lines are trimmed, and a list of paths is accepted too.
 */
export function parseExtraModelPaths(
  text: string,
  yamlPath: string,
  expansion: PathExpansion,
): ExtraModelPathsFile {
  const yamlDir = dirname(resolve(yamlPath));
  let config: unknown;
  try {
    // PyYAML reads YAML 1.1 (`yes` is true) and lets a repeated key win
    config = parse(text, { version: '1.1', uniqueKeys: false, mapAsMap: true });
  } catch (error) {
    throw new ModelPathsConfigError(
      `${yamlPath} is not valid YAML: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const paths: ExtraModelPath[] = [];
  const warnings: string[] = [];
  if (config === null || config === undefined) return { paths, warnings };
  if (!(config instanceof Map)) {
    throw new ModelPathsConfigError(
      `${yamlPath} must hold sections of folder paths, not a ${describe(config)}`,
    );
  }
  for (const [sectionKey, section] of config) {
    const sectionName = String(sectionKey);
    if (section === null || section === undefined) continue;
    if (!(section instanceof Map)) {
      warnings.push(`${yamlPath}: section "${sectionName}" is a ${describe(section)}, not a map; skipped`);
      continue;
    }
    let basePath: string | null = null;
    const base: unknown = section.get('base_path');
    if (base !== undefined && base !== null) {
      if (typeof base !== 'string') {
        warnings.push(`${yamlPath}: base_path of "${sectionName}" is a ${describe(base)}; section skipped`);
        continue;
      }
      basePath = resolve(yamlDir, expandVariables(expandHome(base, expansion.home), expansion.env));
    }
    const isDefault = pythonTruthy(section.get('is_default'));
    for (const [key, value] of section) {
      const folder = String(key);
      if (folder === 'base_path' || folder === 'is_default') continue;
      const lines = valueLines(value);
      if (lines === null) {
        warnings.push(`${yamlPath}: "${sectionName}.${folder}" is a ${describe(value)}, not a path; skipped`);
        continue;
      }
      for (const line of lines) {
        // an absolute line stays itself; resolve also normalises like Python's normpath
        const path = resolve(basePath ?? yamlDir, line);
        paths.push({ folder, path, isDefault });
      }
    }
  }
  return { paths, warnings };
}

/** The non-empty lines of a value: a string (one path a line) or a list of strings; null for anything else. */
function valueLines(value: unknown): string[] | null {
  const pieces = typeof value === 'string' ? [value] : Array.isArray(value) ? value : null;
  if (pieces === null || !pieces.every((p): p is string => typeof p === 'string')) return null;
  return pieces
    .flatMap((piece) => piece.split('\n'))
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

/** Python's `os.path.expanduser` for the current user: a leading `~` alone or before a separator. */
export function expandHome(path: string, home: string): string {
  if (path === '~') return home;
  if (path.startsWith('~/') || path.startsWith('~\\')) return home.replace(/[/\\]+$/, '') + path.slice(1);
  return path;
}

/** Python's `os.path.expandvars`: `$NAME` and `${NAME}`; unknown variables stay as written. */
export function expandVariables(path: string, env: NodeJS.ProcessEnv): string {
  return path.replace(
    /\$(\w+)|\$\{([^}]*)\}/g,
    (whole, bare: string | undefined, braced: string | undefined) => {
      const value = env[bare ?? braced ?? ''];
      return value === undefined ? whole : value;
    },
  );
}

/** Python's truthiness of a YAML value (`is_default: yes` counts, `0` and `""` do not). */
function pythonTruthy(value: unknown): boolean {
  if (value instanceof Map) return value.size > 0;
  if (Array.isArray(value)) return value.length > 0;
  return Boolean(value);
}

function describe(value: unknown): string {
  if (value instanceof Map) return 'map';
  if (Array.isArray(value)) return 'list';
  return value === null ? 'null' : typeof value;
}
