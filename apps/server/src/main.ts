#!/usr/bin/env -S node --max-semi-space-size=4
import { performance } from 'node:perf_hooks';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, findWorkspaceRoot, loadConfig, nodeModulesAbove } from './config/load-config.js';
import { ModelPathsConfigError, PortInUseError, UsersFileError } from '@easel/api';
import { startServer } from './start-server.js';

const here = dirname(fileURLToPath(import.meta.url));

try {
  const config = loadConfig({
    argv: process.argv.slice(2),
    env: process.env,
    cwd: process.cwd(),
    workspaceRoot: findWorkspaceRoot(here),
    nodeModulesDirs: nodeModulesAbove(here),
  });
  const server = await startServer(config);
  const host = config.listen[0] === '0.0.0.0' || config.listen[0] === '::' ? '127.0.0.1' : config.listen[0];
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${server.port}`;
  server.runtime.logger.info(
    `Easel is listening on ${config.listen.join(', ')} port ${server.port} (started in ${Math.round(performance.now())} ms)`,
  );
  server.runtime.logger.info(`To see the GUI go to: ${url}`);

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    server.runtime.logger.info(`${signal} received, stopping`);
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
} catch (error) {
  if (
    error instanceof PortInUseError ||
    error instanceof ConfigError ||
    error instanceof ModelPathsConfigError ||
    error instanceof UsersFileError
  ) {
    console.error(error.message);
    process.exit(1);
  }
  if ((error as { code?: string }).code?.startsWith('commander.')) {
    // commander already printed the problem (or the help text)
    process.exit((error as { exitCode?: number }).exitCode ?? 1);
  }
  throw error;
}
