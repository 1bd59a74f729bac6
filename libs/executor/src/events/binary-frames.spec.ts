import { previewImageFrame, previewWithMetadataFrame, progressTextFrame } from './binary-frames.js';

const view = (frame: Uint8Array) => new DataView(frame.buffer, frame.byteOffset, frame.byteLength);

describe("ComfyUI's binary WebSocket frames", () => {
  const image = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);

  it('PREVIEW_IMAGE (1): big-endian type, format code, then the image', () => {
    const jpeg = previewImageFrame('JPEG', image);
    expect(view(jpeg).getUint32(0)).toBe(1);
    expect(view(jpeg).getUint32(4)).toBe(1);
    expect([...jpeg.subarray(8)]).toEqual([...image]);
    expect(view(previewImageFrame('PNG', image)).getUint32(4)).toBe(2);
    // what script_examples/websockets_api_example_ws_images.py does: drop 8 bytes, keep the image
    expect(jpeg.length).toBe(8 + image.length);
  });

  it('PREVIEW_IMAGE_WITH_METADATA (4): type, JSON length, JSON, image', () => {
    const metadata = { node_id: '3', prompt_id: 'p', display_node_id: '3', image_type: 'image/jpeg' };
    const frame = previewWithMetadataFrame(metadata, image);
    expect(view(frame).getUint32(0)).toBe(4);
    const length = view(frame).getUint32(4);
    const json = new TextDecoder().decode(frame.subarray(8, 8 + length));
    expect(JSON.parse(json)).toEqual(metadata);
    expect([...frame.subarray(8 + length)]).toEqual([...image]);
  });

  it('TEXT (3): type, node id length, node id, UTF-8 text', () => {
    const frame = progressTextFrame('12:5', 'größe 512×512');
    expect(view(frame).getUint32(0)).toBe(3);
    expect(view(frame).getUint32(4)).toBe(4);
    expect(new TextDecoder().decode(frame.subarray(8, 12))).toBe('12:5');
    expect(new TextDecoder().decode(frame.subarray(12))).toBe('größe 512×512');
  });
});
