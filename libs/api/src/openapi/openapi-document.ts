import { Injectable, type INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { EASEL_VERSION } from '../runtime/version.js';
import { COMPONENT_SCHEMAS } from './openapi-schemas.js';

/** The tags the annotated controllers use, with what they group; in the document's order. */
export const API_TAGS = {
  Prompts: 'Submitting prompts and controlling the queue and the worker.',
  History: 'Finished prompts.',
  Jobs: 'The jobs API of the current ComfyUI frontend (queued, running and finished prompts in one list).',
  Nodes: 'Node definitions of the loaded node packs.',
  Models: 'Model folders: their places, their files, model previews and safetensors metadata.',
  Files: 'Uploading and viewing images and other files of the input, output and temp folders.',
  Users:
    "Users, each user's settings and each user's files (`Comfy-User` picks the user in `--multi-user` mode).",
  System: 'The server, its devices and its features.',
  Frontend:
    "The web UI (a ComfyUI frontend build, or Easel's status page) and the data the frontend loads at start.",
  Internal: 'Routes for the frontend and for operators; served without the `/api` copy.',
  WebSocket: 'The `/ws` event stream.',
} as const;

export type ApiTag = keyof typeof API_TAGS;

const DESCRIPTION = `Easel's HTTP API: ComfyUI 0.24's routes, wire-compatible, plus a few of Easel's own.

**The \`/api\` copy.** Every path listed here is also served with an \`/api\` prefix (\`/prompt\` and \`/api/prompt\`
are the same route; the official frontend uses \`/api\`), except \`/internal/*\`, which exists only as listed. The
jobs routes are declared with their prefix, as in ComfyUI: they are served at \`/api/jobs…\` and \`/api/api/jobs…\`,
and there is no \`/jobs\`.

**Errors.** Errors are JSON in ComfyUI's shape (\`ErrorBody\`) unless an operation says otherwise; some routes keep
ComfyUI's answers exactly: \`{"error": "<message>"}\` (\`MessageError\`) or a bare status with an empty body.

**The WebSocket \`/ws\`** (also \`/api/ws\`): \`GET /ws?clientId=<id>\` with an upgrade. It is not a Nest controller
route; its handshake is described as the \`/ws\` operation. The server sends JSON text frames
\`{"type": "<event>", "data": {…}}\` (\`status\`, \`execution_start\`, \`execution_cached\`, \`executing\`, \`executed\`,
\`progress\`, \`execution_success\`, \`execution_error\`, \`execution_interrupted\`, \`feature_flags\`, \`logs\`) and binary
preview frames; the first message it sends is \`status\` with the session id (\`sid\`) that \`POST /prompt\` takes as
\`client_id\`. The only message a client sends is an optional first \`{"type": "feature_flags", "data": {…}}\`.

**Users.** Every request may carry the \`Comfy-User\` header; it selects the user in \`--multi-user\` mode.

**Origins.** A request that a browser marks as sent by a page of another site is refused with a bare 403, as in
ComfyUI, unless \`--enable-cors-header\` is set; \`OPTIONS\` on any path answers 200.`;

/** The WebSocket handshake: not a controller route, so it is added to the scanned paths by hand. */
const WEBSOCKET_PATH = {
  '/ws': {
    get: {
      operationId: 'WebSocket_connect',
      summary: 'Open the event stream (WebSocket upgrade)',
      description:
        'Upgrades to a WebSocket that carries execution events: the messages are listed in the API description above. Also served at `/api/ws`.',
      tags: ['WebSocket'],
      parameters: [
        {
          name: 'clientId',
          in: 'query',
          required: false,
          description:
            'The session id to use (a reconnecting frontend passes its previous one); a new one when absent.',
          schema: { type: 'string' },
        },
      ],
      responses: { '101': { description: 'Switching Protocols: the WebSocket is open.' } },
    },
  },
};

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/**
 * Builds the document of every controller route the application registered, plus `/ws`. Paths,
 * methods, component schemas and tags are sorted, so the same routes always give the same JSON.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('Easel')
    .setDescription(DESCRIPTION)
    .setVersion(EASEL_VERSION)
    .setLicense('MIT', 'https://opensource.org/licenses/MIT')
    .build();
  const scanned = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '')}_${method}`,
  });
  const paths = { ...scanned.paths, ...WEBSOCKET_PATH } as OpenAPIObject['paths'];
  const usedTags = new Set(
    Object.values(paths).flatMap((item) =>
      Object.values(item as Record<string, { tags?: string[] }>).flatMap((op) => op.tags ?? []),
    ),
  );
  const described = Object.keys(API_TAGS).filter((tag) => usedTags.has(tag));
  const others = [...usedTags].filter((tag) => !(tag in API_TAGS)).sort();
  return {
    openapi: scanned.openapi,
    info: { title: 'Easel', version: EASEL_VERSION, description: DESCRIPTION, license: config.info.license },
    tags: [
      ...described.map((name) => ({ name, description: API_TAGS[name as ApiTag] })),
      ...others.map((name) => ({ name })),
    ],
    paths: sortKeys(paths, (item) => sortKeys(item as Record<string, unknown>, undefined, methodOrder)),
    components: { schemas: sortKeys({ ...scanned.components?.schemas, ...COMPONENT_SCHEMAS }) },
  } as OpenAPIObject;
}

function methodOrder(a: string, b: string): number {
  const rank = (key: string) => {
    const index = HTTP_METHODS.indexOf(key);
    return index === -1 ? HTTP_METHODS.length : index;
  };
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** A copy with the keys in order (code-point order unless `compare` says otherwise). */
function sortKeys<T>(
  record: Record<string, T>,
  mapValue: (value: T) => unknown = (value) => value,
  compare: (a: string, b: string) => number = (a, b) => (a < b ? -1 : a > b ? 1 : 0),
): Record<string, unknown> {
  return Object.fromEntries(
    Object.keys(record)
      .sort(compare)
      .map((key) => [key, mapValue(record[key])]),
  );
}

/** The document of this application, built once at start-up by `publishOpenApiDocument`. */
@Injectable()
export class OpenApiDocument {
  private document: OpenAPIObject | null = null;

  /** @throws when the application never published it (a start-up that skipped the call) */
  get(): OpenAPIObject {
    if (this.document === null) throw new Error('The OpenAPI document was not built at start-up');
    return this.document;
  }

  set(document: OpenAPIObject): void {
    this.document = document;
  }
}

/**
 * Builds the document from the application's controllers and hands it to `GET /openapi.json`.
 * Call it once the application is created and before it listens (Nest gives a module no handle
 * on its application, so the start-up does this).
 */
export function publishOpenApiDocument(app: INestApplication): OpenAPIObject {
  const document = buildOpenApiDocument(app);
  app.get(OpenApiDocument).set(document);
  return document;
}
