import { freemem, totalmem } from 'node:os';
import { Inject, Injectable } from '@nestjs/common';
import type { TensorBackend } from '@easel/core';
import { BACKEND } from '../runtime/runtime.js';
import { SERVER_CONFIG, maxBodyBytes, type ServerConfig } from '../config/server-config.js';
import { EASEL_VERSION } from '../runtime/version.js';

/** The ComfyUI release whose API Easel reproduces; clients read it from /system_stats. */
export const COMFYUI_API_VERSION = '0.24.0';
/** The frontend release ComfyUI 0.24 pins; the frontend compares itself with it. */
export const REQUIRED_FRONTEND_VERSION = '1.45.15';

export interface DeviceStats {
  name: string;
  type: string;
  index: number | null;
  vram_total: number;
  vram_free: number;
  torch_vram_total: number;
  torch_vram_free: number;
}

@Injectable()
export class SystemInfoService {
  constructor(
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
    @Inject(BACKEND) private readonly backend: TensorBackend,
  ) {}

  /** `GET /system_stats`: ComfyUI's shape; Easel's own facts go in the Python/PyTorch slots and in extra keys. */
  systemStats() {
    const ramTotal = totalmem();
    const ramFree = freemem();
    const backend = this.backend.describe();
    return {
      system: {
        os: process.platform,
        ram_total: ramTotal,
        ram_free: ramFree,
        comfyui_version: COMFYUI_API_VERSION,
        required_frontend_version: REQUIRED_FRONTEND_VERSION,
        installed_templates_version: null,
        required_templates_version: null,
        comfy_package_versions: [
          { name: 'comfyui-frontend-package', installed: null, required: REQUIRED_FRONTEND_VERSION },
        ],
        python_version: `Node.js ${process.version}`,
        pytorch_version: `${backend.runtime}, Easel ${EASEL_VERSION}`,
        embedded_python: false,
        deploy_environment: 'easel',
        argv: [...this.config.argv],
        easel_version: EASEL_VERSION,
        backend: backend.name,
        backend_runtime: backend.runtime,
      },
      // ComfyUI's CPU shape: the device's memory in both the vram and torch_vram fields
      devices: backend.devices.map((d): DeviceStats => ({
        name: d.name,
        type: d.type,
        index: d.index,
        vram_total: d.memoryTotal,
        vram_free: d.memoryFree,
        torch_vram_total: d.memoryTotal,
        torch_vram_free: d.memoryFree,
      })),
    };
  }

  /** `GET /features` and the WebSocket `feature_flags` reply. */
  featureFlags() {
    return {
      supports_preview_metadata: true,
      max_upload_size: maxBodyBytes(this.config),
      node_replacements: true,
      assets: false,
    };
  }
}
