import type * as TF from '@tensorflow/tfjs';

/** Which TensorFlow.js kernel backend runs the ops. */
export type TfjsRuntime = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

export interface LoadedTfjs {
  readonly tf: typeof TF;
  readonly runtime: TfjsRuntime;
  /** Why faster runtimes were not used (an optional package that is not installed, ...). */
  readonly skipped: readonly string[];
}

/**
 * Picks the fastest TensorFlow.js that works here. `device`:
 * - `cpu` (default): tfjs-node (native TensorFlow), else the wasm backend (SIMD), else plain JS;
 * - `gpu` or `cuda[:n]`: tfjs-node-gpu, or an error;
 * - `wasm` or `js`: exactly that backend.
 * tfjs-node and tfjs-node-gpu are optional dependencies: they download native TensorFlow at
 * install time and are absent where that fails.
 */
export async function loadTfjs(device: string): Promise<LoadedTfjs> {
  const skipped: string[] = [];
  const attempt = async (pkg: string): Promise<typeof TF | null> => {
    try {
      return (await import(pkg)) as typeof TF;
    } catch (error) {
      skipped.push(`${pkg}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
      return null;
    }
  };

  const kind = device.split(':')[0];
  if (kind === 'gpu' || kind === 'cuda') {
    const tf = await attempt('@tensorflow/tfjs-node-gpu');
    if (!tf) throw new Error(`The tfjs backend cannot use device "${device}": ${skipped.join('; ')}`);
    return { tf, runtime: 'tensorflow-gpu', skipped };
  }
  if (kind === 'cpu') {
    const tf = await attempt('@tensorflow/tfjs-node');
    if (tf) return { tf, runtime: 'tensorflow', skipped };
  }
  if (kind !== 'cpu' && kind !== 'wasm' && kind !== 'js') {
    throw new Error(`The tfjs backend has no device "${device}" (use cpu, gpu, cuda:<n>, wasm or js)`);
  }

  const tf = await import('@tensorflow/tfjs');
  if (kind !== 'js') {
    try {
      await import('@tensorflow/tfjs-backend-wasm');
      if (await tf.setBackend('wasm')) {
        await tf.ready();
        return { tf, runtime: 'wasm', skipped };
      }
      skipped.push('@tensorflow/tfjs-backend-wasm: the wasm backend failed to initialise');
    } catch (error) {
      skipped.push(
        `@tensorflow/tfjs-backend-wasm: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    if (kind === 'wasm') throw new Error(`The tfjs backend cannot use device "wasm": ${skipped.join('; ')}`);
  }
  await tf.setBackend('cpu');
  await tf.ready();
  return { tf, runtime: 'cpu', skipped };
}
