import { open } from 'node:fs/promises';

/** `/view_metadata` reads headers up to 1 MiB, model previews up to 8 MiB (as ComfyUI). */
export const METADATA_HEADER_LIMIT = 1024 * 1024;
export const PREVIEW_HEADER_LIMIT = 8 * 1024 * 1024;

/**
 * The JSON header of a `.safetensors` file (an 8-byte little-endian length, then that many bytes
 * of JSON), parsed; null when the file is shorter than it claims, the header is larger than
 * `maxBytes`, or it is not a JSON object. Only the header is read, never the tensors.
 */
export async function readSafetensorsHeader(
  path: string,
  maxBytes: number,
): Promise<Record<string, unknown> | null> {
  let file;
  try {
    file = await open(path, 'r');
  } catch {
    return null;
  }
  try {
    const prefix = Buffer.alloc(8);
    if ((await file.read(prefix, 0, 8, 0)).bytesRead < 8) return null;
    const length = prefix.readBigUInt64LE(0);
    if (length > BigInt(maxBytes)) return null;
    const header = Buffer.alloc(Number(length));
    if ((await file.read(header, 0, header.length, 8)).bytesRead < header.length) return null;
    const parsed: unknown = JSON.parse(header.toString('utf8'));
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : null;
  } catch {
    return null;
  } finally {
    await file.close();
  }
}

/** The `__metadata__` object of a safetensors header, or null when there is none. */
export function metadataOf(header: Record<string, unknown> | null): Record<string, unknown> | null {
  if (header === null || !Object.hasOwn(header, '__metadata__')) return null;
  const metadata = header.__metadata__;
  return metadata !== null && typeof metadata === 'object' && !Array.isArray(metadata)
    ? (metadata as Record<string, unknown>)
    : null;
}
