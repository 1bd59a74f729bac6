// End-to-end prompt throughput and memory of the built server over HTTP + WebSocket, on its
// defaults (SQLite queue and history, RAM-pressure cache). Each prompt is small and distinct:
// PrimitiveInt(value=i) -> PreviewAny. Not a test: timings on shared machines are noisy.
//   npm run build && node tools/bench/server.mjs [prompts] [in-flight] [server flags...]
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { startBuiltServer } from './built-server.mjs';

const total = Number(process.argv[2] ?? 10_000);
const inFlight = Number(process.argv[3] ?? 8);
/** Extra server flags, e.g. --cache-classic. */
const flags = process.argv.slice(4);

const server = await startBuiltServer(flags);
const { child, port, url } = server;

/** Resident set size of the server process, in MB. */
function rssMb() {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) / 1024;
}

const clientId = randomUUID();
const socket = new WebSocket(`ws://127.0.0.1:${port}/ws?clientId=${clientId}`);
const done = new Map();
/** Prompts whose end arrived before this client had read their POST answer. */
const finishedEarly = new Set();
socket.on('message', (data, isBinary) => {
  if (isBinary) return;
  const message = JSON.parse(data.toString());
  if (message.type === 'executing' && message.data.node === null) {
    const waiter = done.get(message.data.prompt_id);
    if (waiter) waiter();
    else finishedEarly.add(message.data.prompt_id);
    done.delete(message.data.prompt_id);
  }
});
await new Promise((resolve) => socket.once('open', resolve));

function prompt(value) {
  return {
    1: { class_type: 'PrimitiveInt', inputs: { value } },
    2: { class_type: 'PreviewAny', inputs: { source: ['1', 0] } },
  };
}

/** `length` PrimitiveInt nodes, each fed by the previous one, then PreviewAny. */
function chain(length, seed) {
  const nodes = { n0: { class_type: 'PrimitiveInt', inputs: { value: seed } } };
  for (let i = 1; i < length; i++)
    nodes[`n${i}`] = { class_type: 'PrimitiveInt', inputs: { value: [`n${i - 1}`, 0] } };
  nodes.out = { class_type: 'PreviewAny', inputs: { source: [`n${length - 1}`, 0] } };
  return nodes;
}

/** Posts a prompt and resolves when its final `executing {node: null}` arrives. */
async function run(value, body = prompt(value)) {
  let finished;
  const finishedPromise = new Promise((resolve) => (finished = resolve));
  const response = await fetch(`${url}/prompt`, {
    method: 'POST',
    body: JSON.stringify({ prompt: body, client_id: clientId }),
  });
  const { prompt_id: promptId } = await response.json();
  // the server writes the answer first, but this client may read the socket before the body
  if (finishedEarly.delete(promptId)) return;
  done.set(promptId, finished);
  await finishedPromise;
}

async function batch(from, count) {
  const started = performance.now();
  let next = from;
  const end = from + count;
  const workers = Array.from({ length: inFlight }, async () => {
    while (next < end) await run(next++);
  });
  await Promise.all(workers);
  return count / ((performance.now() - started) / 1000);
}

await new Promise((resolve) => setTimeout(resolve, 1000));
const idle = rssMb();

// the first 1,000 warm the JIT and fill the caches; then the rest
const firstRate = await batch(0, Math.min(1000, total));
const afterFirst = rssMb();
const restRate = total > 1000 ? await batch(1000, total - 1000) : firstRate;
const afterAll = rssMb();

// a fully cached re-run: the same prompt again, one at a time
const cachedTimes = [];
for (let i = 0; i < 50; i++) {
  const started = performance.now();
  await run(7);
  cachedTimes.push(performance.now() - started);
}
cachedTimes.sort((a, b) => a - b);

// chains over HTTP + WebSocket: the whole cost per node, events included
const chains = [];
for (const length of [100, 500, 5000]) {
  const times = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    await run(0, chain(length, 1_000_000 + length * 10 + i));
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  chains.push([length + 1, times[2]]);
}

const history = await (await fetch(`${url}/history?max_items=1`)).json();
console.log(
  `node ${process.version}; ${total} distinct prompts, ${inFlight} in flight; flags: ${flags.join(' ') || '(defaults)'}`,
);
console.log(`idle RSS:                       ${idle.toFixed(0)} MB`);
console.log(`prompts/s, first 1,000:          ${firstRate.toFixed(0)}`);
console.log(`prompts/s, the rest:             ${restRate.toFixed(0)}`);
console.log(`RSS after 1,000 prompts:         ${afterFirst.toFixed(0)} MB`);
console.log(
  `RSS after ${total} prompts:        ${afterAll.toFixed(0)} MB (${(((afterAll - afterFirst) / afterFirst) * 100).toFixed(1)}%)`,
);
console.log(`cached re-run, median of 50:     ${cachedTimes[25].toFixed(2)} ms`);
console.log(`history entries kept:            ${Object.keys(history).length > 0 ? 'yes' : 'no'}`);
for (const [nodes, ms] of chains)
  console.log(
    `chain of ${nodes} nodes, median of 5:  ${ms.toFixed(0)} ms (${((ms * 1000) / nodes).toFixed(0)} µs per node)`,
  );

socket.close();
await server.stop();
