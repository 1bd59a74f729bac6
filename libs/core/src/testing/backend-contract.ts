import assert from 'node:assert/strict';
import { planResize, resize, type ResizeMethod } from '../tensor/resize.js';
import { UnsupportedModelError, type ResamplePlan, type TensorBackend } from '../tensor/tensor-backend.js';
import { broadcastShapes, sizeOf, TensorError, type Shape, type Tensor } from '../tensor/tensor.js';
import { referenceConv2d, referenceResample } from './reference-ops.js';

/**
 * The contract every TensorBackend driver passes: each operation against values computed here on
 * the host. Framework-free (node:assert), so any test runner can run it:
 *
 *   for (const c of backendContract()) it(c.name, () => c.run(backend));
 *
 * Tolerance is 1e-5 absolute unless a case says otherwise (and why).
 */
export interface ContractCase {
  readonly name: string;
  run(backend: TensorBackend): Promise<void>;
}

const TOLERANCE = 1e-5;

async function values(backend: TensorBackend, t: Tensor): Promise<number[]> {
  return Array.from(await backend.read(t));
}

function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance = TOLERANCE,
  what = 'values',
): void {
  assert.equal(
    actual.length,
    expected.length,
    `${what}: ${actual.length} values, expected ${expected.length}`,
  );
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const ok = Number.isNaN(e) ? Number.isNaN(a) : Math.abs(a - e) <= tolerance;
    if (!ok) assert.fail(`${what}[${i}] = ${a}, expected ${e} (tolerance ${tolerance})`);
  }
}

async function expectTensor(
  backend: TensorBackend,
  t: Tensor,
  shape: Shape,
  expected: ArrayLike<number>,
  options: { dtype?: string; tolerance?: number } = {},
): Promise<void> {
  assert.deepEqual([...t.shape], [...shape], 'shape');
  if (options.dtype) assert.equal(t.dtype, options.dtype, 'dtype');
  assertClose(await values(backend, t), expected, options.tolerance);
}

const f = (backend: TensorBackend, data: number[], shape: Shape) =>
  backend.fromHost(Float32Array.from(data), shape);

/** A deterministic pseudo-random float32 tensor in [lo, hi). */
function random(size: number, seed: number, lo = 0, hi = 1): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: size }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return lo + ((s >>> 8) / 16777216) * (hi - lo);
  });
}

/** Element-wise reference over two broadcast operands. */
function broadcastRef(
  a: number[],
  aShape: Shape,
  b: number[],
  bShape: Shape,
  fn: (x: number, y: number) => number,
): number[] {
  const shape = broadcastShapes(aShape, bShape);
  const out: number[] = [];
  const size = sizeOf(shape);
  const at = (data: number[], s: Shape, flat: number) => {
    let index = 0;
    let stride = 1;
    let rest = flat;
    const dims = [...shape].reverse();
    const own = [...s].reverse();
    dims.forEach((d, k) => {
      const coord = rest % d;
      rest = Math.floor(rest / d);
      const od = own[k] ?? 1;
      index += (od === 1 ? 0 : coord) * stride;
      stride *= od;
    });
    return data[index];
  };
  for (let i = 0; i < size; i++) out.push(fn(at(a, aShape, i), at(b, bShape, i)));
  return out;
}

export function backendContract(): ContractCase[] {
  const cases: ContractCase[] = [];
  const add = (name: string, run: (backend: TensorBackend) => Promise<void>) => cases.push({ name, run });

  add('fromHost and read round-trip each dtype; read returns a copy', async (b) => {
    const floats = b.fromHost(Float32Array.from([0.5, -1.25, 3]), [3]);
    assert.equal(floats.dtype, 'float32');
    assert.equal(floats.size, 3);
    const data = await b.read(floats);
    data[0] = 99;
    assert.deepEqual(await values(b, floats), [0.5, -1.25, 3]);
    assert.deepEqual(await values(b, b.fromHost(Int32Array.from([-7, 0, 2 ** 30]), [3])), [-7, 0, 2 ** 30]);
    const bytes = b.fromHost(Uint8Array.from([0, 128, 255]), [1, 3]);
    assert.equal(bytes.dtype, 'uint8');
    assert.deepEqual(await values(b, bytes), [0, 128, 255]);
    const bools = b.fromHost(Uint8Array.from([1, 0]), [2], 'bool');
    assert.equal(bools.dtype, 'bool');
    assert.deepEqual(await values(b, bools), [1, 0]);
    const scalar = b.fromHost(Float32Array.from([2]), []);
    assert.deepEqual([...scalar.shape], []);
    assert.throws(() => b.fromHost(new Float32Array(5), [2, 3]), TensorError);
    assert.throws(() => b.fromHost(new Float32Array(0), [-1]), TensorError);
  });

  add('full fills a shape with a value', async (b) => {
    await expectTensor(b, b.full([2, 2], 0.25), [2, 2], [0.25, 0.25, 0.25, 0.25], { dtype: 'float32' });
    await expectTensor(b, b.full([3], 7, 'int32'), [3], [7, 7, 7], { dtype: 'int32' });
  });

  add('a disposed tensor cannot be used', async (b) => {
    const t = f(b, [1], [1]);
    t.dispose();
    assert.equal(t.disposed, true);
    await assert.rejects(() => b.read(t));
  });

  const unaryCases: [Parameters<TensorBackend['unary']>[0], (x: number) => number][] = [
    ['neg', (x) => -x],
    ['abs', Math.abs],
    ['sqrt', Math.sqrt],
    ['exp', Math.exp],
    ['log', Math.log],
    ['floor', Math.floor],
    ['ceil', Math.ceil],
    ['sign', Math.sign],
    ['sin', Math.sin],
    ['cos', Math.cos],
    ['tanh', Math.tanh],
    ['sigmoid', (x) => 1 / (1 + Math.exp(-x))],
    ['relu', (x) => Math.max(x, 0)],
    ['reciprocal', (x) => 1 / x],
  ];
  for (const [op, fn] of unaryCases) {
    add(`unary ${op}`, async (b) => {
      const input = [0.3, 1.7, 2.5, 4, 0.01, 3.9];
      const x = op === 'sqrt' || op === 'log' ? input : input.map((v, i) => (i % 2 ? -v : v));
      await expectTensor(b, await b.unary(op, f(b, x, [2, 3])), [2, 3], x.map(fn), {
        dtype: 'float32',
        tolerance: 1e-5,
      });
    });
  }
  add('unary round rounds halves to even, like torch.round', async (b) => {
    const x = f(b, [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.49, -0.51], [8]);
    await expectTensor(b, await b.unary('round', x), [8], [-2, -2, -0, 0, 2, 2, 0, -1]);
  });

  const binaryCases: [Parameters<TensorBackend['binary']>[0], (x: number, y: number) => number][] = [
    ['add', (x, y) => x + y],
    ['sub', (x, y) => x - y],
    ['mul', (x, y) => x * y],
    ['div', (x, y) => x / y],
    ['pow', (x, y) => x ** y],
    ['maximum', Math.max],
    ['minimum', Math.min],
  ];
  for (const [op, fn] of binaryCases) {
    add(`binary ${op} broadcasts tensors and scalars`, async (b) => {
      const a = [0.5, 1.5, 2, 3, 0.25, 4];
      const c = [2, 0.5, 3];
      await expectTensor(
        b,
        await b.binary(op, f(b, a, [2, 3]), f(b, c, [3])),
        [2, 3],
        broadcastRef(a, [2, 3], c, [3], fn),
        {
          dtype: 'float32',
          tolerance: 1e-4,
        },
      );
      const column = [2, 3];
      await expectTensor(
        b,
        await b.binary(op, f(b, column, [2, 1]), f(b, c, [1, 3])),
        [2, 3],
        broadcastRef(column, [2, 1], c, [1, 3], fn),
        {
          tolerance: 1e-4,
        },
      );
      await expectTensor(
        b,
        await b.binary(op, f(b, a, [6]), 2),
        [6],
        a.map((v) => fn(v, 2)),
        { tolerance: 1e-4 },
      );
      await expectTensor(
        b,
        await b.binary(op, 2, f(b, a, [6])),
        [6],
        a.map((v) => fn(2, v)),
        { tolerance: 1e-4 },
      );
    });
  }
  add(
    'binary keeps int32 for add, sub, mul, maximum, minimum and gives float32 for div and pow',
    async (b) => {
      const x = b.fromHost(Int32Array.from([7, -3]), [2]);
      await expectTensor(b, await b.binary('add', x, 2), [2], [9, -1], { dtype: 'int32' });
      await expectTensor(b, await b.binary('mul', x, x), [2], [49, 9], { dtype: 'int32' });
      await expectTensor(b, await b.binary('div', x, 2), [2], [3.5, -1.5], { dtype: 'float32' });
      await expectTensor(b, await b.binary('add', x, 0.5), [2], [7.5, -2.5], { dtype: 'float32' });
      await expectTensor(
        b,
        await b.binary('add', b.fromHost(Uint8Array.from([200, 100]), [2]), 100),
        [2],
        [300, 200],
        { dtype: 'float32' },
      );
      await assert.rejects(() => b.binary('add', f(b, [1, 2], [2]), f(b, [1, 2, 3], [3])), TensorError);
    },
  );

  add('compare gives bool tensors', async (b) => {
    const x = f(b, [1, 2, 3, 4], [4]);
    const expectations: [Parameters<TensorBackend['compare']>[0], number[]][] = [
      ['greater', [0, 0, 1, 1]],
      ['greaterEqual', [0, 1, 1, 1]],
      ['less', [1, 0, 0, 0]],
      ['lessEqual', [1, 1, 0, 0]],
      ['equal', [0, 1, 0, 0]],
      ['notEqual', [1, 0, 1, 1]],
    ];
    for (const [op, expected] of expectations) {
      await expectTensor(b, await b.compare(op, x, 2), [4], expected, { dtype: 'bool' });
    }
    await expectTensor(b, await b.compare('less', 2.5, x), [4], [0, 0, 1, 1], { dtype: 'bool' });
  });

  add('clamp bounds values, either bound optional', async (b) => {
    const x = f(b, [-1, 0.25, 0.5, 2], [4]);
    await expectTensor(b, await b.clamp(x, 0, 1), [4], [0, 0.25, 0.5, 1]);
    await expectTensor(b, await b.clamp(x, null, 0.3), [4], [-1, 0.25, 0.3, 0.3]);
    await expectTensor(b, await b.clamp(x, 0.3, null), [4], [0.3, 0.3, 0.5, 2]);
    await expectTensor(b, await b.clamp(b.fromHost(Int32Array.from([-5, 5]), [2]), 0, 3), [2], [0, 3], {
      dtype: 'int32',
    });
  });

  add('where picks from a or b by a bool or numeric condition, with broadcasting', async (b) => {
    const cond = b.fromHost(Uint8Array.from([1, 0, 0, 1]), [2, 2], 'bool');
    await expectTensor(b, await b.where(cond, f(b, [1, 2, 3, 4], [2, 2]), 0), [2, 2], [1, 0, 0, 4]);
    await expectTensor(b, await b.where(f(b, [0, 0.5], [2]), 9, f(b, [7, 8], [2, 1])), [2, 2], [7, 9, 8, 9]);
  });

  add('cast converts dtypes; float to int truncates toward zero', async (b) => {
    const x = f(b, [-1.7, -0.2, 0, 2.9], [4]);
    await expectTensor(b, await b.cast(x, 'int32'), [4], [-1, 0, 0, 2], { dtype: 'int32' });
    await expectTensor(b, await b.cast(x, 'bool'), [4], [1, 1, 0, 1], { dtype: 'bool' });
    await expectTensor(b, await b.cast(f(b, [0, 127.9, 255], [3]), 'uint8'), [3], [0, 127, 255], {
      dtype: 'uint8',
    });
    await expectTensor(b, await b.cast(b.fromHost(Int32Array.from([3]), [1]), 'float32'), [1], [3], {
      dtype: 'float32',
    });
  });

  add('reduce sums, averages, takes max and min over axes', async (b) => {
    const data = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    const x = f(b, data, [2, 2, 3]);
    await expectTensor(b, await b.reduce('sum', x, [2]), [2, 2], [6, 15, 24, 33]);
    await expectTensor(b, await b.reduce('mean', x, [0, 2], true), [1, 2, 1], [(6 + 24) / 6, (15 + 33) / 6]);
    await expectTensor(b, await b.reduce('max', x, [-1]), [2, 2], [3, 6, 9, 12]);
    await expectTensor(b, await b.reduce('min', x, [0, 1, 2]), [], [1]);
    await expectTensor(b, await b.reduce('sum', x, []), [2, 2, 3], data);
  });

  add('reshape, transpose and slice', async (b) => {
    const x = f(b, [0, 1, 2, 3, 4, 5], [2, 3]);
    await expectTensor(b, await b.reshape(x, [3, 2]), [3, 2], [0, 1, 2, 3, 4, 5]);
    await assert.rejects(() => b.reshape(x, [4, 2]), TensorError);
    await expectTensor(b, await b.transpose(x, [1, 0]), [3, 2], [0, 3, 1, 4, 2, 5]);
    const cube = f(
      b,
      Array.from({ length: 24 }, (_, i) => i),
      [2, 3, 4],
    );
    await expectTensor(
      b,
      await b.transpose(cube, [2, 0, 1]),
      [4, 2, 3],
      [0, 4, 8, 12, 16, 20, 1, 5, 9, 13, 17, 21, 2, 6, 10, 14, 18, 22, 3, 7, 11, 15, 19, 23],
    );
    await expectTensor(b, await b.slice(cube, [1, 0, 1], [2, 2, 3]), [1, 2, 2], [13, 14, 17, 18]);
    await expectTensor(b, await b.slice(cube, [0, 0, 0], [0, 3, 4]), [0, 3, 4], []);
    await assert.rejects(() => b.slice(cube, [0, 0, 0], [3, 3, 4]), TensorError);
  });

  add('concat joins along an axis', async (b) => {
    const x = f(b, [1, 2, 3, 4], [2, 2]);
    const y = f(b, [5, 6], [1, 2]);
    await expectTensor(b, await b.concat([x, y], 0), [3, 2], [1, 2, 3, 4, 5, 6]);
    await expectTensor(b, await b.concat([x, f(b, [9, 9], [2, 1])], -1), [2, 3], [1, 2, 9, 3, 4, 9]);
    await expectTensor(b, await b.concat([x], 0), [2, 2], [1, 2, 3, 4]);
    await assert.rejects(() => b.concat([x, y], 1), TensorError);
  });

  add('pad with a constant, reflecting (without the edge) or repeating the edge', async (b) => {
    const x = f(b, [1, 2, 3, 4, 5, 6], [2, 3]);
    await expectTensor(
      b,
      await b.pad(
        x,
        [
          [1, 0],
          [0, 2],
        ],
        'constant',
        0.5,
      ),
      [3, 5],
      [0.5, 0.5, 0.5, 0.5, 0.5, 1, 2, 3, 0.5, 0.5, 4, 5, 6, 0.5, 0.5],
    );
    await expectTensor(
      b,
      await b.pad(
        x,
        [
          [0, 0],
          [2, 1],
        ],
        'reflect',
      ),
      [2, 6],
      [3, 2, 1, 2, 3, 2, 6, 5, 4, 5, 6, 5],
    );
    await expectTensor(
      b,
      await b.pad(
        x,
        [
          [1, 1],
          [1, 0],
        ],
        'edge',
      ),
      [4, 4],
      [1, 1, 2, 3, 1, 1, 2, 3, 4, 4, 5, 6, 4, 4, 5, 6],
    );
    await assert.rejects(
      () =>
        b.pad(
          x,
          [
            [0, 0],
            [3, 0],
          ],
          'reflect',
        ),
      TensorError,
    );
  });

  add('flip reverses axes; tile repeats', async (b) => {
    const x = f(b, [1, 2, 3, 4, 5, 6], [2, 3]);
    await expectTensor(b, await b.flip(x, [1]), [2, 3], [3, 2, 1, 6, 5, 4]);
    await expectTensor(b, await b.flip(x, [0, 1]), [2, 3], [6, 5, 4, 3, 2, 1]);
    await expectTensor(b, await b.tile(x, [2, 1]), [4, 3], [1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6]);
    await expectTensor(b, await b.tile(f(b, [1, 2], [1, 2]), [1, 3]), [1, 6], [1, 2, 1, 2, 1, 2]);
  });

  add('gather picks indices along an axis', async (b) => {
    const x = f(b, [1, 2, 3, 4, 5, 6], [2, 3]);
    await expectTensor(b, await b.gather(x, Int32Array.from([2, 0, 2]), 1), [2, 3], [3, 1, 3, 6, 4, 6]);
    await expectTensor(
      b,
      await b.gather(x, b.fromHost(Int32Array.from([1, 1, 0, 1]), [2, 2]), 0),
      [2, 2, 3],
      [4, 5, 6, 4, 5, 6, 1, 2, 3, 4, 5, 6],
    );
    await assert.rejects(() => b.gather(x, Int32Array.from([3]), 1), TensorError);
  });

  add('resample applies a plan along any axis', async (b) => {
    const shape = [2, 5, 6, 5];
    const data = random(sizeOf(shape), 7);
    const x = b.fromHost(data, shape);
    const plan: ResamplePlan = {
      size: 3,
      taps: 2,
      indices: Int32Array.from([0, 1, 4, 2, 3, 3]),
      weights: Float32Array.from([0.25, 0.75, 1, 0, 0.5, 0.5]),
    };
    for (const axis of [0, 1, 2, 3]) {
      const p = axis === 0 ? { ...plan, indices: plan.indices.map((i) => i % 2) } : plan;
      const out = await b.resample(x, axis, p);
      const expected = referenceResample(data, shape, axis, p);
      await expectTensor(b, out, expected.shape, expected.data);
    }
    await assert.rejects(
      () =>
        b.resample(x, 1, {
          size: 1,
          taps: 1,
          indices: Int32Array.from([5]),
          weights: Float32Array.from([1]),
        }),
      TensorError,
    );
  });

  const methods: Exclude<ResizeMethod, 'lanczos'>[] = ['nearest-exact', 'bilinear', 'bicubic', 'area'];
  for (const method of methods) {
    add(`resize ${method} up and down matches PyTorch's kernels (via the reference plans)`, async (b) => {
      const shape = [2, 9, 13, 3];
      const data = random(sizeOf(shape), 11);
      const x = b.fromHost(data, shape);
      for (const [h, w] of [
        [5, 7],
        [16, 20],
        [9, 4],
      ]) {
        const out = await resize(b, x, 'BHWC', h, w, method);
        const across = referenceResample(data, shape, 2, planResize(method, 13, w));
        const expected = referenceResample(across.data, across.shape, 1, planResize(method, 9, h));
        await expectTensor(b, out, [2, h, w, 3], expected.data);
      }
    });
  }
  add('resize lanczos and center crop follow ComfyUI (Pillow on 8-bit, then k/255)', async (b) => {
    const x = b.fromHost(random(1 * 6 * 10 * 3, 3), [1, 6, 10, 3]);
    const out = await resize(b, x, 'BHWC', 4, 4, 'lanczos', 'center');
    assert.deepEqual([...out.shape], [1, 4, 4, 3]);
    for (const v of await values(b, out))
      assert.ok(Math.abs(v * 255 - Math.round(v * 255)) < 1e-4, `${v} is not k/255`);
    const latent = b.fromHost(random(1 * 4 * 6 * 10, 5), [1, 4, 6, 10]);
    const cropped = await resize(b, latent, 'BCHW', 6, 6, 'nearest-exact', 'center');
    // 10 wide -> 6 wide crop: columns 2..7
    const all = await values(b, latent);
    const expected: number[] = [];
    for (let c = 0; c < 4; c++)
      for (let y = 0; y < 6; y++) for (let xx = 2; xx < 8; xx++) expected.push(all[(c * 6 + y) * 10 + xx]);
    await expectTensor(b, cropped, [1, 4, 6, 6], expected);
  });

  add('conv2d: plain, padded, strided, depthwise and grouped', async (b) => {
    const xShape = [1, 4, 6, 5];
    const xData = random(sizeOf(xShape), 21, -1, 1);
    const x = b.fromHost(xData, xShape);
    const configs: {
      wShape: number[];
      groups: number;
      padding: [number, number, number, number];
      stride: [number, number];
    }[] = [
      { wShape: [2, 4, 3, 3], groups: 1, padding: [0, 0, 0, 0], stride: [1, 1] },
      { wShape: [3, 4, 3, 2], groups: 1, padding: [1, 2, 0, 1], stride: [2, 1] },
      { wShape: [4, 1, 3, 3], groups: 4, padding: [1, 1, 1, 1], stride: [1, 1] },
      { wShape: [6, 2, 1, 3], groups: 2, padding: [0, 0, 1, 1], stride: [1, 2] },
    ];
    for (const [i, c] of configs.entries()) {
      const wData = random(sizeOf(c.wShape), 30 + i, -1, 1);
      const out = await b.conv2d(x, b.fromHost(wData, c.wShape), {
        groups: c.groups,
        padding: c.padding,
        stride: c.stride,
      });
      const expected = referenceConv2d(xData, xShape, wData, c.wShape, c);
      await expectTensor(b, out, expected.shape, expected.data, { tolerance: 1e-4 });
    }
  });

  add('matmul multiplies matrices and broadcasts batches', async (b) => {
    const a = f(b, [1, 2, 3, 4, 5, 6], [2, 3]);
    const m = f(b, [1, 0, 0, 1, 1, 1], [3, 2]);
    await expectTensor(b, await b.matmul(a, m), [2, 2], [4, 5, 10, 11]);
    const batch = f(b, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [2, 2, 3]);
    await expectTensor(b, await b.matmul(batch, m), [2, 2, 2], [4, 5, 10, 11, 16, 17, 22, 23]);
    await assert.rejects(() => b.matmul(a, a), TensorError);
  });

  add('loadModel refuses a file it cannot load, naming it', async (b) => {
    await assert.rejects(
      () => b.loadModel({ path: '/nonexistent/4x-UltraSharp.pth' }),
      (error: unknown) =>
        error instanceof UnsupportedModelError && error.message.startsWith('/nonexistent/4x-UltraSharp.pth'),
    );
  });

  add(
    'describe names the runtime and reports devices with memory figures; free keeps tensors usable',
    async (b) => {
      const description = b.describe();
      assert.equal(description.name, b.name);
      assert.ok(description.runtime.length > 0);
      assert.ok(description.devices.length > 0);
      for (const d of description.devices) {
        assert.ok(d.memoryTotal > 0 && d.memoryFree >= 0 && d.memoryFree <= d.memoryTotal);
      }
      const x = f(b, [1, 2], [2]);
      await b.binary('add', x, 1);
      await b.free();
      await expectTensor(b, await b.binary('add', x, 1), [2], [2, 3]);
    },
  );

  add('tensors of another backend are refused', async (b) => {
    const foreign: Tensor = {
      shape: [1],
      dtype: 'float32',
      size: 1,
      backend: 'elsewhere',
      disposed: false,
      dispose() {},
    };
    await assert.rejects(() => b.unary('neg', foreign), TensorError);
  });

  return cases;
}
