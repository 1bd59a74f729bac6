import type { ReferenceObject, SchemaObject } from '@nestjs/swagger';

/** A JSON schema as OpenAPI 3.1 writes it (swagger's type lacks the 3.1 keywords used here). */
export type JsonSchema = Omit<SchemaObject, 'items' | 'properties' | 'additionalProperties'> & {
  const?: unknown;
  prefixItems?: (JsonSchema | ReferenceObject)[];
  items?: JsonSchema | ReferenceObject | false;
  properties?: Record<string, JsonSchema | ReferenceObject>;
  additionalProperties?: JsonSchema | ReferenceObject | boolean;
};

const string: JsonSchema = { type: 'string' };
const integer: JsonSchema = { type: 'integer' };
const boolean: JsonSchema = { type: 'boolean' };
const anyObject: JsonSchema = { type: 'object', additionalProperties: true };
const errorObject: JsonSchema = {
  type: 'object',
  required: ['type', 'message', 'details', 'extra_info'],
  properties: { type: string, message: string, details: string, extra_info: anyObject },
};

/** The schemas of `components.schemas`; the annotations refer to them with `schemaRef`. */
export const COMPONENT_SCHEMAS = {
  ErrorBody: {
    description: "Every JSON error Easel answers: ComfyUI's prompt-error shape.",
    type: 'object',
    required: ['error'],
    properties: { error: errorObject },
  },
  PromptRejection: {
    description: 'Why `POST /prompt` queued nothing: the error and the errors of each node.',
    type: 'object',
    required: ['error', 'node_errors'],
    properties: { error: errorObject, node_errors: { $ref: '#/components/schemas/NodeErrors' } },
  },
  MessageError: {
    description: 'The plain error of the jobs and history routes: `{"error": "<message>"}`.',
    type: 'object',
    required: ['error'],
    properties: { error: string },
  },
  NodeErrors: {
    description: "Validation errors by node id (ComfyUI's `node_errors`); empty when every output passed.",
    type: 'object',
    additionalProperties: {
      type: 'object',
      properties: {
        errors: { type: 'array', items: anyObject },
        dependent_outputs: { type: 'array', items: string },
        class_type: string,
      },
    },
  },
  Prompt: {
    description:
      'An API-format workflow: node id to `{class_type, inputs, _meta?}`; a link is `[source_node_id, output_index]`.',
    type: 'object',
    additionalProperties: {
      type: 'object',
      required: ['class_type', 'inputs'],
      properties: {
        class_type: string,
        inputs: anyObject,
        _meta: { type: 'object', properties: { title: string } },
      },
    },
  },
  QueueItem: {
    description:
      'A queued or finished prompt: `[number, prompt_id, prompt, extra_data, outputs_to_execute]`.',
    type: 'array',
    minItems: 5,
    maxItems: 5,
    prefixItems: [
      { type: 'number', description: 'priority: smaller runs first' },
      { type: 'string', description: 'prompt_id' },
      { $ref: '#/components/schemas/Prompt' },
      { type: 'object', additionalProperties: true, description: 'extra_data' },
      { type: 'array', items: string, description: 'outputs_to_execute' },
    ],
  },
  HistoryEntry: {
    description: 'A finished prompt: what ran, its UI outputs and how it ended.',
    type: 'object',
    required: ['prompt', 'outputs', 'status', 'meta'],
    properties: {
      prompt: { $ref: '#/components/schemas/QueueItem' },
      outputs: { type: 'object', additionalProperties: anyObject },
      status: {
        type: 'object',
        properties: {
          status_str: { type: 'string', enum: ['success', 'error'] },
          completed: boolean,
          messages: { type: 'array', items: { type: 'array', prefixItems: [string, anyObject] } },
        },
      },
      meta: { type: 'object', additionalProperties: anyObject },
    },
  },
  History: {
    description: 'History entries by prompt id, oldest first.',
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/HistoryEntry' },
  },
  Job: {
    description: 'A job of the jobs API; keys whose value would be null are left out.',
    type: 'object',
    required: ['id', 'status'],
    properties: {
      id: string,
      status: { type: 'string', enum: ['pending', 'in_progress', 'completed', 'failed', 'cancelled'] },
      priority: { type: 'number' },
      create_time: integer,
      execution_start_time: integer,
      execution_end_time: integer,
      execution_error: anyObject,
      outputs_count: integer,
      previewable_outputs_count: integer,
      preview_output: anyObject,
      workflow_id: string,
      outputs: { ...anyObject, description: 'job detail only' },
      execution_status: { ...anyObject, description: 'job detail only' },
      workflow: {
        type: 'object',
        description: 'job detail only',
        properties: { prompt: { $ref: '#/components/schemas/Prompt' }, extra_data: anyObject },
      },
    },
  },
  NodeDefinition: {
    description: "A node class's definition, as ComfyUI's `/object_info` writes it.",
    type: 'object',
    required: ['input', 'output', 'name', 'display_name', 'category'],
    properties: {
      input: {
        type: 'object',
        properties: { required: anyObject, optional: anyObject, hidden: anyObject },
      },
      input_order: { type: 'object', additionalProperties: { type: 'array', items: string } },
      is_input_list: boolean,
      output: { type: 'array', items: {} },
      output_is_list: { type: 'array', items: boolean },
      output_name: { type: 'array', items: string },
      output_tooltips: { type: 'array', items: string },
      name: string,
      display_name: string,
      description: string,
      python_module: string,
      category: string,
      output_node: boolean,
      has_intermediate_output: boolean,
      deprecated: boolean,
      experimental: boolean,
      search_aliases: { type: 'array', items: string },
    },
  },
  StoredFile: {
    description: 'Where an upload was stored.',
    type: 'object',
    required: ['name', 'subfolder', 'type'],
    properties: {
      name: { type: 'string', description: 'the final file name (`name (1).png` when the name was taken)' },
      subfolder: { type: 'string', description: 'as sent' },
      type: { type: 'string', enum: ['input', 'temp', 'output'] },
    },
  },
  UploadForm: {
    type: 'object',
    required: ['image'],
    properties: {
      image: { type: 'string', format: 'binary', description: 'the file; its file name is the stored name' },
      type: { type: 'string', enum: ['input', 'temp', 'output'], default: 'input' },
      subfolder: { type: 'string', default: '' },
      overwrite: { type: 'string', description: '`true` or `1` to replace a file of the same name' },
    },
  },
  UserFileInfo: {
    description: "A file of the user's folder as `full_info=true` describes it.",
    type: 'object',
    required: ['path', 'size', 'modified', 'created'],
    properties: {
      path: {
        type: 'string',
        description:
          "from the listed folder, or from the user's folder after a write or move; `/` separators",
      },
      size: { type: 'integer', description: 'bytes' },
      modified: { type: 'integer', description: 'milliseconds since the epoch' },
      created: { type: 'integer', description: 'milliseconds since the epoch (the change time)' },
    },
  },
  StoredUserFile: {
    description:
      "Where a user data file was written or moved to: its path from the user's folder (the server's separators), or its `UserFileInfo` with `full_info=true`.",
    oneOf: [{ type: 'string' }, { $ref: '#/components/schemas/UserFileInfo' }],
  },
  SystemStats: {
    type: 'object',
    required: ['system', 'devices'],
    properties: {
      system: {
        type: 'object',
        properties: {
          os: string,
          ram_total: integer,
          ram_free: integer,
          comfyui_version: { type: 'string', description: 'the ComfyUI API version Easel speaks' },
          required_frontend_version: { type: ['string', 'null'] },
          installed_templates_version: { type: ['string', 'null'] },
          required_templates_version: { type: ['string', 'null'] },
          comfy_package_versions: { type: 'array', items: anyObject },
          python_version: string,
          pytorch_version: string,
          embedded_python: boolean,
          deploy_environment: string,
          argv: { type: 'array', items: string },
          easel_version: string,
          backend: string,
          backend_runtime: string,
        },
      },
      devices: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            name: string,
            type: string,
            index: { type: ['integer', 'null'] },
            vram_total: integer,
            vram_free: integer,
            torch_vram_total: integer,
            torch_vram_free: integer,
          },
        },
      },
    },
  },
  PackLoadReport: {
    type: 'object',
    required: ['loaded', 'failed'],
    properties: {
      loaded: {
        type: 'array',
        items: {
          type: 'object',
          required: ['name', 'version', 'source', 'path', 'nodes', 'web'],
          properties: {
            name: string,
            version: string,
            source: { type: 'string', enum: ['workspace', 'node_modules', 'custom_nodes'] },
            path: string,
            nodes: { type: 'array', items: string, description: 'the class_types the pack declares' },
            web: {
              type: ['object', 'null'],
              description: 'its frontend extension folder (`easel.web`), served at `/extensions/<name>/`',
              required: ['name', 'path'],
              properties: { name: string, path: string },
            },
          },
        },
      },
      failed: {
        type: 'array',
        items: {
          type: 'object',
          required: ['name', 'source', 'path', 'error', 'stack'],
          properties: {
            name: string,
            source: { type: 'string', enum: ['workspace', 'node_modules', 'custom_nodes'] },
            path: string,
            error: string,
            stack: { type: ['string', 'null'] },
          },
        },
      },
    },
  },
} satisfies Record<string, JsonSchema>;

export type ComponentSchemaName = keyof typeof COMPONENT_SCHEMAS;

/** A reference to one of `COMPONENT_SCHEMAS`. */
export function schemaRef(name: ComponentSchemaName): ReferenceObject {
  return { $ref: `#/components/schemas/${name}` };
}
