import type { InjectionToken } from 'tsyringe';

/**
 * ComfyUI's socket and widget types, and the option keys its clients read from `/object_info`.
 *
 * Option objects are emitted verbatim (in the order the author wrote them), so their keys use
 * ComfyUI's own spelling (`forceInput`, `image_upload`, `control_after_generate`, ...).
 */

/** Widget types with a built-in editor in ComfyUI's frontend. */
export const WidgetType = {
  INT: 'INT',
  FLOAT: 'FLOAT',
  STRING: 'STRING',
  BOOLEAN: 'BOOLEAN',
  COMBO: 'COMBO',
} as const;

/** Socket types used by ComfyUI's core nodes. Any other non-empty string is a valid custom type. */
export const IO = {
  ...WidgetType,
  ANY: '*',
  IMAGE: 'IMAGE',
  MASK: 'MASK',
  LATENT: 'LATENT',
  MODEL: 'MODEL',
  CLIP: 'CLIP',
  VAE: 'VAE',
  CONDITIONING: 'CONDITIONING',
  CONTROL_NET: 'CONTROL_NET',
  CLIP_VISION: 'CLIP_VISION',
  CLIP_VISION_OUTPUT: 'CLIP_VISION_OUTPUT',
  STYLE_MODEL: 'STYLE_MODEL',
  UPSCALE_MODEL: 'UPSCALE_MODEL',
  SIGMAS: 'SIGMAS',
  NOISE: 'NOISE',
  SAMPLER: 'SAMPLER',
  GUIDER: 'GUIDER',
  AUDIO: 'AUDIO',
  VIDEO: 'VIDEO',
} as const;

/** Values the executor injects into hidden inputs. */
export const HiddenKind = {
  PROMPT: 'PROMPT',
  DYNPROMPT: 'DYNPROMPT',
  EXTRA_PNGINFO: 'EXTRA_PNGINFO',
  UNIQUE_ID: 'UNIQUE_ID',
  AUTH_TOKEN_COMFY_ORG: 'AUTH_TOKEN_COMFY_ORG',
  API_KEY_COMFY_ORG: 'API_KEY_COMFY_ORG',
  COMFY_USAGE_SOURCE: 'COMFY_USAGE_SOURCE',
} as const;
export type HiddenKind = (typeof HiddenKind)[keyof typeof HiddenKind];

/** Options every input understands. */
export interface BaseInputOptions {
  /** Easel only, never emitted: put the input under `optional` instead of `required`. */
  optional?: boolean;
  /** Easel only, never emitted: extra ComfyUI option keys, spliced in where this key is written. */
  extra?: Record<string, unknown>;
  tooltip?: string;
  /** Show a socket instead of a widget. */
  forceInput?: boolean;
  defaultInput?: boolean;
  hidden?: boolean;
  /** Show the widget under "advanced". */
  advanced?: boolean;
  /** Evaluated only when the node asks for it (`checkLazyStatus`). */
  lazy?: boolean;
  /** The node receives the raw `[nodeId, slot]` link instead of the value. */
  rawLink?: boolean;
  display_name?: string;
  socketless?: boolean;
  widgetType?: string;
}

export type ControlAfterGenerate = boolean | 'fixed' | 'increment' | 'decrement' | 'randomize';

export interface IntInputOptions extends BaseInputOptions {
  default?: number;
  min?: number;
  max?: number;
  step?: number;
  control_after_generate?: ControlAfterGenerate;
  display?: 'number' | 'slider' | 'gradientslider';
}

export interface FloatInputOptions extends BaseInputOptions {
  default?: number;
  min?: number;
  max?: number;
  step?: number;
  /** Rounding precision, or `false` to disable rounding. */
  round?: number | false;
  display?: 'number' | 'slider' | 'gradientslider';
  gradient_stops?: unknown[];
}

export interface StringInputOptions extends BaseInputOptions {
  default?: string;
  multiline?: boolean;
  dynamicPrompts?: boolean;
  placeholder?: string;
  defaultVal?: string;
}

export interface BooleanInputOptions extends BaseInputOptions {
  default?: boolean;
  label_on?: string;
  label_off?: string;
}

export interface RemoteComboOptions {
  route: string;
  refresh_button?: boolean;
  control_after_refresh?: 'first' | 'last';
  timeout?: number;
  max_retries?: number;
  refresh?: number;
  response_key?: string;
  query_params?: Record<string, string>;
}

export interface ComboInputOptions extends BaseInputOptions {
  default?: string | number;
  control_after_generate?: ControlAfterGenerate;
  image_upload?: boolean;
  audio_upload?: boolean;
  video_upload?: boolean;
  file_upload?: boolean;
  animated_image_upload?: boolean;
  image_folder?: 'input' | 'output' | 'temp';
  remote?: RemoteComboOptions;
  multiselect?: boolean;
  multi_select?: { placeholder?: string; chip?: boolean };
  allow_batch?: boolean;
}

export type ComboValue = string | number;

/**
 * The choices of a COMBO input: a fixed list, or a function called each time `/object_info` is
 * served and each time a prompt is validated (for example to list the files in a folder).
 */
export type ComboChoices =
  readonly ComboValue[] | ((context: ComboContext) => readonly ComboValue[] | Promise<readonly ComboValue[]>);

/** What a computed COMBO list can use: the services the server registered for node packs. */
export interface ComboContext {
  resolve<T>(token: InjectionToken<T>): T;
}
