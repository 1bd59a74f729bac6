// Image files and a small image pipeline through the built server, each next to the same work
// done directly with sharp and the tensor backend in the same run. Not a test: timings on shared
// machines are noisy; every figure is a median of several runs.
//   npm run build && node tools/bench/images.mjs [runs]
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import WebSocket from 'ws';
import { startBuiltServer } from './built-server.mjs';
import { OnnxBackend } from '@easel/backend-onnx';

const runs = Number(process.argv[2] ?? 5);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** 8-bit samples as floats in 0..1 (a plain loop: what a careful direct implementation does). */
function toFloats(data) {
  const floats = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) floats[i] = data[i] / 255;
  return floats;
}

/** Floats in 0..1 as 8-bit samples, clipped and truncated like ComfyUI's SaveImage. */
function toBytes(floats) {
  const bytes = new Uint8Array(floats.length);
  for (let i = 0; i < floats.length; i++) bytes[i] = Math.min(255, Math.max(0, floats[i] * 255));
  return bytes;
}

/** A size×size RGB PNG with gradients and noise (so compression has real work). */
async function testPng(size) {
  const data = Buffer.alloc(size * size * 3);
  let seed = 12345;
  for (let i = 0; i < data.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const x = (i / 3) % size;
    data[i] = (x * 255) / size / 2 + (seed >>> 25);
  }
  return sharp(data, { raw: { width: size, height: size, channels: 3 } })
    .png({ compressionLevel: 4 })
    .toBuffer();
}

const server = await startBuiltServer([], (base) => mkdirSync(join(base, 'input'), { recursive: true }));
const { base, port, url } = server;
const clientId = randomUUID();
const socket = new WebSocket(`ws://127.0.0.1:${port}/ws?clientId=${clientId}`);
const waiting = new Map();
const early = new Set();
socket.on('message', (data, isBinary) => {
  if (isBinary) return;
  const message = JSON.parse(data.toString());
  if (message.type === 'executing' && message.data.node === null) {
    const done = waiting.get(message.data.prompt_id);
    if (done) done();
    else early.add(message.data.prompt_id);
  }
});
await new Promise((resolve) => socket.once('open', resolve));

async function runPrompt(prompt) {
  const started = performance.now();
  const response = await fetch(`${url}/prompt`, {
    method: 'POST',
    body: JSON.stringify({ prompt, client_id: clientId }),
  });
  const { prompt_id: promptId, error } = await response.json();
  if (error) throw new Error(JSON.stringify(error));
  if (!early.delete(promptId)) await new Promise((resolve) => waiting.set(promptId, resolve));
  const history = await (await fetch(`${url}/history/${promptId}`)).json();
  if (history[promptId].status.status_str !== 'success')
    throw new Error(JSON.stringify(history[promptId].status));
  return performance.now() - started;
}

const backend = new OnnxBackend();
const rows = [];

for (const size of [1024, 4096]) {
  const png = await testPng(size);
  const served = [];
  const direct = [];
  for (let i = 0; i < runs; i++) {
    // a new file name each run: nothing is served from the output cache
    const name = `bench_${size}_${i}.png`;
    writeFileSync(join(base, 'input', name), png);
    served.push(
      await runPrompt({
        1: { class_type: 'LoadImage', inputs: { image: name } },
        2: { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: `bench_${size}_${i}` } },
      }),
    );
    const started = performance.now();
    const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const tensor = backend.fromHost(toFloats(data), [1, info.height, info.width, 3]);
    const bytes = toBytes(await backend.read(tensor));
    tensor.dispose();
    await sharp(bytes, { raw: { width: info.width, height: info.height, channels: 3 } })
      .png({ compressionLevel: 4 })
      .toBuffer();
    direct.push(performance.now() - started);
  }
  rows.push([`LoadImage → SaveImage, ${size}²`, median(served), median(direct)]);
}

// LoadImage → ImageScale → ImageBlur → SaveImage on a 2048² image
{
  const size = 2048;
  const png = await testPng(size);
  const served = [];
  const direct = [];
  for (let i = 0; i < runs; i++) {
    const name = `bench_2048_${i}.png`;
    writeFileSync(join(base, 'input', name), png);
    served.push(
      await runPrompt({
        1: { class_type: 'LoadImage', inputs: { image: name } },
        2: {
          class_type: 'ImageScale',
          inputs: {
            image: ['1', 0],
            upscale_method: 'bilinear',
            width: 1536,
            height: 1536,
            crop: 'disabled',
          },
        },
        3: { class_type: 'ImageBlur', inputs: { image: ['2', 0], blur_radius: 3, sigma: 1.5 } },
        4: { class_type: 'SaveImage', inputs: { images: ['3', 0], filename_prefix: `bench_pipeline_${i}` } },
      }),
    );
    const started = performance.now();
    const { data } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const image = backend.fromHost(toFloats(data), [1, size, size, 3]);
    const scaled = await backend.resize(image, [1, 2], 1536, 1536, 'bilinear');
    // the same blur ImageBlur computes: a 7x7 gaussian, reflect padding, per channel
    const kernelSize = 7;
    const axis = Array.from({ length: kernelSize }, (_, k) => -1 + (2 * k) / (kernelSize - 1));
    const weights = axis.flatMap((u) => axis.map((v) => Math.exp(-(u * u + v * v) / (2 * 1.5 * 1.5))));
    const total = weights.reduce((a, b) => a + b, 0);
    const kernel = backend.fromHost(
      Float32Array.from(weights, (w) => w / total),
      [1, 1, kernelSize, kernelSize],
    );
    const nchw = await backend.transpose(scaled, [0, 3, 1, 2]);
    const planes = await backend.reshape(nchw, [3, 1, 1536, 1536]);
    const padded = await backend.pad(
      planes,
      [
        [0, 0],
        [0, 0],
        [3, 3],
        [3, 3],
      ],
      'reflect',
    );
    const blurred = await backend.conv2d(padded, kernel, {});
    const nhwc = await backend.transpose(await backend.reshape(blurred, [1, 3, 1536, 1536]), [0, 2, 3, 1]);
    const bytes = toBytes(await backend.read(nhwc));
    for (const t of [image, scaled, kernel, nchw, planes, padded, blurred, nhwc]) t.dispose();
    await sharp(bytes, { raw: { width: 1536, height: 1536, channels: 3 } })
      .png({ compressionLevel: 4 })
      .toBuffer();
    direct.push(performance.now() - started);
  }
  rows.push(['LoadImage → ImageScale → ImageBlur → SaveImage, 2048²', median(served), median(direct)]);
}

console.log(`node ${process.version}, onnx backend on the CPU, median of ${runs} runs`);
console.log('| work | through the server | directly (sharp + backend) | overhead |');
console.log('| --- | ---: | ---: | ---: |');
for (const [what, served, direct] of rows)
  console.log(
    `| ${what} | ${served.toFixed(0)} ms | ${direct.toFixed(0)} ms | ${(((served - direct) / direct) * 100).toFixed(0)}% |`,
  );

socket.close();
await server.stop();
