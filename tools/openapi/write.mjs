// Writes docs/openapi.json: the OpenAPI document that the built server serves at /openapi.json.
// Run `npm run build` first. The server starts on a free loopback port with a throw-away base
// directory and is stopped once the document is fetched; the file is formatted with prettier so
// `prettier --check` passes. apps/server's openapi.e2e.spec.ts fails while the file is stale.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';

const root = fileURLToPath(new URL('../..', import.meta.url));
const main = join(root, 'apps/server/dist/main.js');
const target = join(root, 'docs/openapi.json');

if (!existsSync(main)) {
  console.error(`${main} does not exist: run \`npm run build\` first.`);
  process.exit(1);
}

/** Starts the built server and resolves its URL once it listens. */
function startServer(base) {
  const args = ['--port', '0', '--listen', '127.0.0.1', '--base-directory', base, '--state-store', 'memory'];
  const child = spawn(process.execPath, [main, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const listening = new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the server did not start within 60 s:\n${output}`)),
      60_000,
    );
    const onData = (chunk) => {
      output += chunk.toString();
      const match = /Easel is listening on .* port (\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${match[1]}`);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code} before listening:\n${output}`));
    });
  });
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return { listening, stop };
}

const base = await mkdtemp(join(tmpdir(), 'easel-openapi-'));
const server = startServer(base);
try {
  const url = await server.listening;
  const response = await fetch(`${url}/openapi.json`);
  if (!response.ok) throw new Error(`GET /openapi.json answered ${response.status}`);
  const document = await response.json();
  const options = (await prettier.resolveConfig(target)) ?? {};
  await writeFile(
    target,
    await prettier.format(JSON.stringify(document, null, 2), { ...options, filepath: target }),
  );
  console.log(
    `Wrote ${target}: ${Object.keys(document.paths).length} paths, version ${document.info.version}`,
  );
} finally {
  await server.stop();
  await rm(base, { recursive: true, force: true });
}
