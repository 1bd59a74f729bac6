import type { TensorBackend } from '@easel/core';
import type { ServerConfig } from '@easel/api';
import { ConfigError } from './config/load-config.js';

/**
 * The backend chosen by `--backend` and `--device`. Only the chosen driver is imported: loading
 * ONNX Runtime or TensorFlow.js costs start-up time and memory.
 */
export async function createTensorBackend(
  config: Pick<ServerConfig, 'backend' | 'device'>,
): Promise<TensorBackend> {
  try {
    switch (config.backend) {
      case 'onnx': {
        const { OnnxBackend } = await import('@easel/backend-onnx');
        return new OnnxBackend({ device: config.device });
      }
      case 'tfjs': {
        const { TfjsBackend } = await import('@easel/backend-tfjs');
        return await TfjsBackend.create({ device: config.device });
      }
    }
  } catch (error) {
    throw new ConfigError(error instanceof Error ? error.message : String(error), { cause: error });
  }
}
