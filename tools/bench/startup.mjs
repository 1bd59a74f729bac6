// Start-up time of the built server with the built-in packs: from spawning `node main.js` to the
// first 200 answer of GET /object_info. Not a test: timings on shared machines are noisy, so this
// prints every run and the median.
//   npm run build && node tools/bench/startup.mjs [runs]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../../apps/server/dist/main.js', import.meta.url));
const runs = Number(process.argv[2] ?? 7);

async function once() {
  const base = mkdtempSync(join(tmpdir(), 'easel-startup-'));
  const started = performance.now();
  const child = spawn(process.execPath, [main, '--port', '0', '--base-directory', base], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /port (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
  const response = await fetch(`http://127.0.0.1:${port}/object_info`);
  const nodes = Object.keys(await response.json()).length;
  const elapsed = performance.now() - started;
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  rmSync(base, { recursive: true, force: true });
  return { elapsed, nodes, status: response.status };
}

const times = [];
for (let i = 0; i < runs; i++) {
  const { elapsed, nodes, status } = await once();
  times.push(elapsed);
  console.log(`run ${i + 1}: ${elapsed.toFixed(0)} ms to GET /object_info ${status} (${nodes} nodes)`);
}
times.sort((a, b) => a - b);
console.log(
  `median ${times[Math.floor(times.length / 2)].toFixed(0)} ms, min ${times[0].toFixed(0)} ms, max ${times.at(-1).toFixed(0)} ms over ${runs} runs`,
);
