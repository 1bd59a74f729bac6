import { join } from 'node:path';
import { Controller, Get, Inject } from '@nestjs/common';
import { SERVER_CONFIG, type ServerConfig } from '../config/server-config.js';
import { listFiles } from '../files/list-files.js';
import { SystemInfoService } from './system-info.service.js';

/** ComfyUI's model file extensions (`supported_pt_extensions`). */
const MODEL_EXTENSIONS = ['.ckpt', '.pt', '.pt2', '.bin', '.pth', '.safetensors', '.pkl', '.sft'];

@Controller()
export class SystemController {
  constructor(
    private readonly systemInfo: SystemInfoService,
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
  ) {}

  @Get('system_stats')
  systemStats() {
    return this.systemInfo.systemStats();
  }

  @Get('features')
  features() {
    return this.systemInfo.featureFlags();
  }

  /** Frontend extension scripts: `*.js` under `<front-end-root>/extensions`, as URL paths. */
  @Get('extensions')
  async extensions(): Promise<string[]> {
    const root = this.config.frontEndRoot;
    if (root === null) return [];
    const files = await listFiles(join(root, 'extensions'), ['.js']);
    return files.map((file) => `/extensions/${file}`);
  }

  /** Embedding names: files in models/embeddings without their extension. */
  @Get('embeddings')
  async embeddings(): Promise<string[]> {
    const files = await listFiles(join(this.config.directories.models, 'embeddings'), MODEL_EXTENSIONS);
    return files.map((file) => file.replace(/\.[^./]*$/, ''));
  }
}
