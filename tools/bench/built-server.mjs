// The built server, started for a benchmark as `npm start` starts it (the V8 flag keeps the young
// generation small, see docs/benchmarks.md), on a free port and a fresh base directory.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../../apps/server/dist/main.js', import.meta.url));

/** Starts the server; `prepare(base)` runs before it starts (to put files in place). */
export async function startBuiltServer(flags = [], prepare = () => {}) {
  const base = mkdtempSync(join(tmpdir(), 'easel-bench-'));
  prepare(base);
  const child = spawn(
    process.execPath,
    ['--max-semi-space-size=4', main, '--port', '0', '--base-directory', base, ...flags],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const port = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /port (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
  return {
    base,
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      rmSync(base, { recursive: true, force: true });
    },
  };
}
