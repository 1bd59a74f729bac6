import type { ResamplePlan } from '../tensor/tensor-backend.js';
import { sizeOf, type Shape } from '../tensor/tensor.js';

// Plain loops over host arrays: slow and obviously right, for checking backends against.

export interface HostTensor {
  shape: number[];
  data: Float32Array;
}

/** `ResamplePlan` applied along `axis`, accumulating tap by tap in float32. */
export function referenceResample(
  data: ArrayLike<number>,
  shape: Shape,
  axis: number,
  plan: ResamplePlan,
): HostTensor {
  const outer = sizeOf(shape.slice(0, axis));
  const inner = sizeOf(shape.slice(axis + 1));
  const inSize = shape[axis];
  const outShape = [...shape];
  outShape[axis] = plan.size;
  const out = new Float32Array(sizeOf(outShape));
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < plan.size; i++) {
      for (let k = 0; k < inner; k++) {
        let acc = 0;
        for (let t = 0; t < plan.taps; t++) {
          const src = plan.indices[i * plan.taps + t];
          const term = Math.fround(data[(o * inSize + src) * inner + k] * plan.weights[i * plan.taps + t]);
          acc = t === 0 ? term : Math.fround(acc + term);
        }
        out[(o * plan.size + i) * inner + k] = acc;
      }
    }
  }
  return { shape: outShape, data: out };
}

/** NCHW convolution with zero padding `[top, bottom, left, right]`, stride and groups. */
export function referenceConv2d(
  x: ArrayLike<number>,
  xShape: Shape,
  w: ArrayLike<number>,
  wShape: Shape,
  options: {
    groups: number;
    padding: readonly [number, number, number, number];
    stride: readonly [number, number];
  },
): HostTensor {
  const [n, c, h, width] = xShape;
  const [o, cg, kh, kw] = wShape;
  const [top, bottom, left, right] = options.padding;
  const [sy, sx] = options.stride;
  const outH = Math.floor((h + top + bottom - kh) / sy) + 1;
  const outW = Math.floor((width + left + right - kw) / sx) + 1;
  const perGroupOut = o / options.groups;
  const out = new Float32Array(n * o * outH * outW);
  for (let b = 0; b < n; b++) {
    for (let oc = 0; oc < o; oc++) {
      const g = Math.floor(oc / perGroupOut);
      for (let y = 0; y < outH; y++) {
        for (let xx = 0; xx < outW; xx++) {
          let acc = 0;
          for (let ic = 0; ic < cg; ic++) {
            const channel = g * cg + ic;
            for (let ky = 0; ky < kh; ky++) {
              for (let kx = 0; kx < kw; kx++) {
                const iy = y * sy + ky - top;
                const ix = xx * sx + kx - left;
                if (iy < 0 || iy >= h || ix < 0 || ix >= width) continue;
                acc += x[((b * c + channel) * h + iy) * width + ix] * w[((oc * cg + ic) * kh + ky) * kw + kx];
              }
            }
          }
          out[((b * o + oc) * outH + y) * outW + xx] = acc;
        }
      }
    }
  }
  return { shape: [n, o, outH, outW], data: out };
}
