/** ComfyUI's binary WebSocket events: a 4-byte big-endian type, then the payload. */
export const BinaryEventType = {
  PREVIEW_IMAGE: 1,
  TEXT: 3,
  PREVIEW_IMAGE_WITH_METADATA: 4,
} as const;

/** Image format codes of PREVIEW_IMAGE frames. */
const FORMAT_CODE = { JPEG: 1, PNG: 2 } as const;

export type PreviewFormat = keyof typeof FORMAT_CODE;

function frame(type: number, ...parts: Uint8Array[]): Uint8Array {
  const size = parts.reduce((n, p) => n + p.length, 4);
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint32(0, type);
  let offset = 4;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function uint32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value);
  return out;
}

/** Type 1: format code, then the encoded image. */
export function previewImageFrame(format: PreviewFormat, image: Uint8Array): Uint8Array {
  return frame(BinaryEventType.PREVIEW_IMAGE, uint32(FORMAT_CODE[format]), image);
}

/** Type 4: length-prefixed JSON metadata, then the encoded image. */
export function previewWithMetadataFrame(metadata: Record<string, unknown>, image: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(metadata));
  return frame(BinaryEventType.PREVIEW_IMAGE_WITH_METADATA, uint32(json.length), json, image);
}

/** Type 3: length-prefixed node id, then UTF-8 text (ComfyUI's progress text). */
export function progressTextFrame(nodeId: string, text: string): Uint8Array {
  const encoder = new TextEncoder();
  const id = encoder.encode(nodeId);
  return frame(BinaryEventType.TEXT, uint32(id.length), id, encoder.encode(text));
}
