import { join } from 'node:path';
import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { SERVER_CONFIG, type ServerConfig } from '../config/server-config.js';
import { listFiles } from '../files/list-files.js';
import { ApiJsonResponse } from '../openapi/api-docs.js';
import { schemaRef } from '../openapi/openapi-schemas.js';
import type { PackLoadReport } from '../packs/pack-loader.js';
import { quoteExtensionName } from '../packs/pack-web.js';
import { PACK_REPORT } from '../runtime/runtime.js';
import { SystemInfoService } from './system-info.service.js';

@ApiTags('System')
@Controller()
export class SystemController {
  constructor(
    private readonly systemInfo: SystemInfoService,
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
    @Inject(PACK_REPORT) private readonly packs: PackLoadReport,
  ) {}

  @Get('system_stats')
  @ApiOperation({ summary: 'The server, its versions and its devices' })
  @ApiJsonResponse(
    200,
    "ComfyUI's shape, plus `easel_version`, `backend` and `backend_runtime`",
    schemaRef('SystemStats'),
  )
  systemStats() {
    return this.systemInfo.systemStats();
  }

  @Get('features')
  @ApiOperation({ summary: "The server's feature flags (also sent over the WebSocket)" })
  @ApiJsonResponse(200, 'Feature flags', {
    type: 'object',
    additionalProperties: true,
    properties: {
      supports_preview_metadata: { type: 'boolean' },
      max_upload_size: { type: 'integer', description: 'bytes (`--max-upload-size`)' },
      node_replacements: { type: 'boolean' },
      assets: { type: 'boolean' },
    },
  })
  features() {
    return this.systemInfo.featureFlags();
  }

  /**
   * Frontend extension scripts: `*.js` under `<front-end-root>/extensions`, then each pack's web
   * folder in load order (sorted within each; ComfyUI lists them in glob order), as URL paths.
   */
  @Get('extensions')
  @ApiOperation({ summary: 'Frontend extension scripts to load' })
  @ApiJsonResponse(
    200,
    "URL paths of the `*.js` files under `<front-end-root>/extensions`, then of each node pack's web folder (`/extensions/<pack>/<path>`, the pack percent-encoded as one segment)",
    { type: 'array', items: { type: 'string' } },
  )
  async extensions(): Promise<string[]> {
    const root = this.config.frontEndRoot;
    const frontend = root === null ? [] : await listFiles(join(root, 'extensions'), ['.js']);
    const scripts = frontend.map((file) => `/extensions/${file}`);
    for (const pack of this.packs.loaded) {
      if (pack.web === null) continue;
      const prefix = `/extensions/${quoteExtensionName(pack.web.name)}/`;
      for (const file of await listFiles(pack.web.path, ['.js'])) scripts.push(prefix + file);
    }
    return scripts;
  }
}
