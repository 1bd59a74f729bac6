// Tensor backend benchmark: per-op times on 1024² and 2048² RGB images for each backend, each next
// to the same work done by calling the runtime directly, and ESRGAN x4 (the upscale pack's node)
// on 128² and 1024² (tiled) next to running the same model tiles directly. Not a test: timings on
// shared machines are noisy, so it prints medians and the ratio of the two in the same run.
//   npm run build && node tools/bench/backends.mjs [--quick] [--only=ops|esrgan]
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import * as tf from '@tensorflow/tfjs';
import { OnnxBackend, buildModel, convertKerasModel } from '@easel/backend-onnx';
import { TfjsBackend } from '@easel/backend-tfjs';
import { resize } from '@easel/core';
import { ImageUpscaleWithModel, UpscaleModelLoader } from '@easel/upscale-nodes';
import { existsSync, mkdtempSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const quick = process.argv.includes('--quick');
// --only=ops or --only=esrgan runs one half
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const RUNS = quick ? 3 : 7;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Medians of two functions run alternately, so drift in machine load hits both alike. */
async function timePair(a, b, runs = RUNS, warmup = 2) {
  for (let i = 0; i < warmup; i++) {
    await a();
    if (b) await b();
  }
  const ta = [];
  const tb = [];
  for (let i = 0; i < runs; i++) {
    let t = performance.now();
    await a();
    ta.push(performance.now() - t);
    if (b) {
      t = performance.now();
      await b();
      tb.push(performance.now() - t);
    }
  }
  return [median(ta), b ? median(tb) : null];
}

function image(size) {
  const data = new Float32Array(size * size * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i % 251) / 251;
  return data;
}

// ---- direct ONNX Runtime: the same single-node graphs, sessions made once
const ortSessions = new Map();
async function ortOp(key, spec, feeds) {
  if (!ortSessions.has(key))
    ortSessions.set(
      key,
      await ort.InferenceSession.create(buildModel(spec), { graphOptimizationLevel: 'all' }),
    );
  return (await ortSessions.get(key).run(feeds)).y;
}
const v = (name, rank, dtype = 'float32') => ({ name, dtype, rank });
const i64 = (values) => new ort.Tensor('int64', BigInt64Array.from(values.map(BigInt)), [values.length]);

function onnxDirect(size) {
  const x = new ort.Tensor('float32', image(size), [1, size, size, 3]);
  const half = new ort.Tensor('float32', Float32Array.from([0.5]), []);
  const nchw = new ort.Tensor('float32', image(size), [1, 3, size, size]);
  const kernel = new ort.Tensor('float32', new Float32Array(27).fill(1 / 9), [3, 1, 3, 3]);
  const one = { inputs: [v('a', 4), v('b', 0)], outputs: [{ name: 'y' }] };
  return {
    'add scalar': () =>
      ortOp('add', { ...one, nodes: [{ op: 'Add', inputs: ['a', 'b'], outputs: ['y'] }] }, { a: x, b: half }),
    'mul image x image': () =>
      ortOp(
        'mul',
        {
          inputs: [v('a', 4), v('b', 4)],
          outputs: [{ name: 'y' }],
          nodes: [{ op: 'Mul', inputs: ['a', 'b'], outputs: ['y'] }],
        },
        { a: x, b: x },
      ),
    'clamp 0..1': () =>
      ortOp(
        'clip',
        {
          inputs: [v('a', 4), v('lo', 0), v('hi', 0)],
          outputs: [{ name: 'y' }],
          nodes: [{ op: 'Clip', inputs: ['a', 'lo', 'hi'], outputs: ['y'] }],
        },
        {
          a: x,
          lo: new ort.Tensor('float32', Float32Array.from([0]), []),
          hi: new ort.Tensor('float32', Float32Array.from([1]), []),
        },
      ),
    'mean over H, W': () =>
      ortOp(
        'mean',
        {
          inputs: [v('a', 4), v('axes', 1, 'int64')],
          outputs: [{ name: 'y' }],
          nodes: [{ op: 'ReduceMean', inputs: ['a', 'axes'], outputs: ['y'], attributes: { keepdims: 0 } }],
        },
        { a: x, axes: i64([1, 2]) },
      ),
    'transpose to NCHW': () =>
      ortOp(
        'transpose',
        {
          inputs: [v('a', 4)],
          outputs: [{ name: 'y' }],
          nodes: [{ op: 'Transpose', inputs: ['a'], outputs: ['y'], attributes: { perm: [0, 3, 1, 2] } }],
        },
        { a: x },
      ),
    'pad reflect 8': () =>
      ortOp(
        'pad',
        {
          inputs: [v('a', 4), v('p', 1, 'int64')],
          outputs: [{ name: 'y' }],
          nodes: [{ op: 'Pad', inputs: ['a', 'p'], outputs: ['y'], attributes: { mode: 'reflect' } }],
        },
        { a: x, p: i64([0, 8, 8, 0, 0, 8, 8, 0]) },
      ),
    'conv2d depthwise 3x3': () =>
      ortOp(
        'conv',
        {
          inputs: [v('a', 4), v('w', 4)],
          outputs: [{ name: 'y' }],
          nodes: [
            { op: 'Conv', inputs: ['a', 'w'], outputs: ['y'], attributes: { group: 3, pads: [1, 1, 1, 1] } },
          ],
        },
        { a: nchw, w: kernel },
      ),
    // the runtime's own Resize op: what calling ONNX Runtime directly would use
    'resize bilinear 1/2': () =>
      ortOp(
        `resize-linear-${size}`,
        {
          inputs: [v('a', 4)],
          initializers: [{ name: 's', dtype: 'int64', dims: [4], values: [1, size / 2, size / 2, 3] }],
          outputs: [{ name: 'y' }],
          nodes: [
            {
              op: 'Resize',
              inputs: ['a', '', '', 's'],
              outputs: ['y'],
              attributes: { mode: 'linear', coordinate_transformation_mode: 'half_pixel' },
            },
          ],
        },
        { a: x },
      ),
    'resize bicubic 1/2': () =>
      ortOp(
        `resize-cubic-${size}`,
        {
          inputs: [v('a', 4)],
          initializers: [{ name: 's', dtype: 'int64', dims: [4], values: [1, 3, size / 2, size / 2] }],
          outputs: [{ name: 'y' }],
          nodes: [
            {
              op: 'Resize',
              inputs: ['a', '', '', 's'],
              outputs: ['y'],
              attributes: {
                mode: 'cubic',
                cubic_coeff_a: { float: -0.75 },
                coordinate_transformation_mode: 'half_pixel',
              },
            },
          ],
        },
        // ONNX Runtime's cubic Resize needs channels-first input
        { a: nchw },
      ),
  };
}

function tfjsDirect(size) {
  const x = tf.tensor(image(size), [1, size, size, 3]);
  const nchw = tf.tensor(image(size), [1, 3, size, size]);
  const kernel = tf.fill([3, 3, 3, 1], 1 / 9);
  const run = (fn) => () => {
    const y = fn();
    y.dispose();
  };
  return {
    'add scalar': run(() => tf.add(x, tf.scalar(0.5))),
    'mul image x image': run(() => tf.mul(x, x)),
    'clamp 0..1': run(() => tf.clipByValue(x, 0, 1)),
    'mean over H, W': run(() => tf.mean(x, [1, 2])),
    'transpose to NCHW': run(() => tf.transpose(x, [0, 3, 1, 2])),
    'pad reflect 8': run(() =>
      tf.mirrorPad(
        x,
        [
          [0, 0],
          [8, 8],
          [8, 8],
          [0, 0],
        ],
        'reflect',
      ),
    ),
    'conv2d depthwise 3x3': run(() =>
      tf.tidy(() =>
        tf.transpose(
          tf.depthwiseConv2d(tf.transpose(nchw, [0, 2, 3, 1]), kernel, 1, [
            [0, 0],
            [1, 1],
            [1, 1],
            [0, 0],
          ]),
          [0, 3, 1, 2],
        ),
      ),
    ),
    'resize bilinear 1/2': run(() => tf.image.resizeBilinear(x, [size / 2, size / 2], false, true)),
    'resize bicubic 1/2': null,
  };
}

function easelOps(backend, size) {
  const x = backend.fromHost(image(size), [1, size, size, 3]);
  const nchw = backend.fromHost(image(size), [1, 3, size, size]);
  const kernel = backend.fromHost(new Float32Array(27).fill(1 / 9), [3, 1, 3, 3]);
  const run = (fn) => async () => (await fn()).dispose();
  return {
    'add scalar': run(() => backend.binary('add', x, 0.5)),
    'mul image x image': run(() => backend.binary('mul', x, x)),
    'clamp 0..1': run(() => backend.clamp(x, 0, 1)),
    'mean over H, W': run(() => backend.reduce('mean', x, [1, 2])),
    'transpose to NCHW': run(() => backend.transpose(x, [0, 3, 1, 2])),
    'pad reflect 8': run(() =>
      backend.pad(
        x,
        [
          [0, 0],
          [8, 8],
          [8, 8],
          [0, 0],
        ],
        'reflect',
      ),
    ),
    'conv2d depthwise 3x3': run(() => backend.conv2d(nchw, kernel, { groups: 3, padding: [1, 1, 1, 1] })),
    'resize bilinear 1/2': run(() => resize(backend, x, 'BHWC', size / 2, size / 2, 'bilinear')),
    'resize bicubic 1/2': run(() => resize(backend, x, 'BHWC', size / 2, size / 2, 'bicubic')),
  };
}

const rows = [];
const backends = [
  ['onnx', new OnnxBackend(), onnxDirect],
  ['tfjs', await TfjsBackend.create({ device: 'cpu' }), tfjsDirect],
];
for (const [name, backend, direct] of only === 'esrgan' ? [] : backends) {
  const runtime = backend.describe().runtime;
  for (const size of [1024, 2048]) {
    const ours = easelOps(backend, size);
    const theirs = direct(size);
    for (const op of Object.keys(ours)) {
      const [easel, raw] = await timePair(ours[op], theirs[op]);
      rows.push({ backend: `${name} (${runtime})`, size: `${size}²`, op, easel, raw });
      console.log(
        `${name} ${size}² ${op}: easel ${easel.toFixed(1)} ms, direct ${raw === null ? 'n/a' : raw.toFixed(1) + ' ms'}`,
      );
    }
  }
}

// ---- ESRGAN x4 through the upscale pack's nodes vs the same model run directly
const models = mkdtempSync(join(tmpdir(), 'easel-bench-'));
const directories = {
  base: models,
  input: models,
  output: models,
  temp: models,
  user: models,
  models,
  customNodes: models,
};
const context = (backend) => ({
  nodeId: '1',
  promptId: 'bench',
  signal: new AbortController().signal,
  backend,
  progress: { update() {} },
  logger: { debug() {}, info() {}, warn() {}, error() {} },
});
const esrganRows = [];
for (const [name, backend] of only === 'ops' ? [] : backends) {
  const [model] = await new UpscaleModelLoader(directories).execute(
    { model_name: 'esrgan-slim-x4 [built-in]' },
    context(backend),
  );
  for (const size of [128, 1024]) {
    const runs = size === 128 ? RUNS : quick ? 1 : 3;
    const data = image(size);
    const input = backend.fromHost(data, [1, size, size, 3]);
    const node = new ImageUpscaleWithModel();
    const easelRun = async () =>
      (await node.execute({ upscale_model: model, image: input }, context(backend)))[0].dispose();
    // direct: the same tiles (512 px, 32 px overlap) through the runtime, pixels 0..255, no blending
    const tiles = [];
    const along =
      size <= 512
        ? [0]
        : Array.from({ length: Math.ceil((size - 32) / 480) }, (_, i) => Math.min(i * 480, size - 32));
    for (const y of along)
      for (const x of along) tiles.push([y, x, Math.min(512, size - y), Math.min(512, size - x)]);
    let directRun;
    if (name === 'onnx') {
      const session = await ort.InferenceSession.create(
        await convertKerasModel(join(esrganPath(), 'model.json')),
        { graphOptimizationLevel: 'all' },
      );
      const feeds = tiles.map(
        ([y, x, h, w]) => new ort.Tensor('float32', crop(data, size, y, x, h, w), [1, h, w, 3]),
      );
      directRun = async () => {
        for (const t of feeds) await session.run({ LR: t });
      };
    } else {
      const layers = await tf.loadLayersModel(tfFileHandler(join(esrganPath(), 'model.json')));
      const feeds = tiles.map(([y, x, h, w]) => tf.tensor(crop(data, size, y, x, h, w), [1, h, w, 3]));
      directRun = async () => {
        for (const t of feeds) {
          const y = layers.predict(t);
          await y.data();
          y.dispose();
        }
      };
    }
    const [easel, raw] = await timePair(easelRun, directRun, runs, 1);
    esrganRows.push({ backend: name, size: `${size}²`, tiles: tiles.length, easel, raw });
    console.log(
      `${name} ESRGAN x4 ${size}² (${tiles.length} tiles): easel ${easel.toFixed(0)} ms, direct ${raw.toFixed(0)} ms`,
    );
  }
}

function crop(data, size, y0, x0, h, w) {
  const out = new Float32Array(h * w * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w * 3; x++) out[y * w * 3 + x] = 255 * data[((y0 + y) * size + x0) * 3 + x];
  return out;
}
function esrganPath() {
  let dir = dirname(fileURLToPath(import.meta.resolve('@upscalerjs/esrgan-slim')));
  while (!existsSync(join(dir, 'models', 'x4', 'model.json'))) dir = dirname(dir);
  return join(dir, 'models', 'x4');
}
function tfFileHandler(path) {
  return {
    async load() {
      const { readFile } = await import('node:fs/promises');
      const json = JSON.parse(await readFile(path, 'utf8'));
      const shard = await readFile(join(path, '..', json.weightsManifest[0].paths[0]));
      return {
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: shard.buffer.slice(shard.byteOffset, shard.byteOffset + shard.byteLength),
      };
    },
  };
}

const pct = (e, r) => (r === null ? 'n/a' : `${(((e - r) / r) * 100).toFixed(0)}%`);
console.log('\n| backend | image | op | Easel (median ms) | runtime directly (median ms) | overhead |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const r of rows)
  console.log(
    `| ${r.backend} | ${r.size} | ${r.op} | ${r.easel.toFixed(1)} | ${r.raw === null ? 'n/a' : r.raw.toFixed(1)} | ${pct(r.easel, r.raw)} |`,
  );
console.log(
  '\n| backend | image | tiles | ImageUpscaleWithModel (median ms) | model tiles directly (median ms) | overhead |',
);
console.log('| --- | --- | --- | --- | --- | --- |');
for (const r of esrganRows)
  console.log(
    `| ${r.backend} | ${r.size} | ${r.tiles} | ${r.easel.toFixed(0)} | ${r.raw.toFixed(0)} | ${pct(r.easel, r.raw)} |`,
  );
