import { crc32, inflateSync } from 'node:zlib';

// The text metadata of PNG files (`tEXt`, `zTXt`, `iTXt`), read and written as Pillow does: saved
// images carry the prompt and workflow this way, and `/upload/mask` carries them over to the image
// with the edited mask.

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** One text entry; `international` ones (iTXt) keep their language tag and translated keyword. */
export interface PngText {
  readonly key: string;
  readonly value: string;
  readonly international?: { readonly language: string; readonly translatedKey: string };
}

export function isPng(data: Buffer): boolean {
  return data.subarray(0, 8).equals(SIGNATURE);
}

/**
 * Every text entry of a PNG, in file order, before and after the image data (Pillow's `.text`:
 * a key seen twice keeps its first place and its last value). Damaged or unknown text chunks
 * are skipped; a file that is not a PNG has none.
 */
export function readPngTexts(png: Buffer): PngText[] {
  const found = new Map<string, PngText>();
  if (!isPng(png)) return [];
  let offset = 8;
  while (offset + 12 <= png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    if (offset + 12 + length > png.length) break;
    const data = png.subarray(offset + 8, offset + 8 + length);
    offset += 12 + length;
    if (type === 'IEND') break;
    try {
      const entry = textChunk(type, data);
      // Map keeps a key's first place and takes its last value
      if (entry) found.set(entry.key, entry);
    } catch {
      // a damaged text chunk is left out, as Pillow does
    }
  }
  return [...found.values()];
}

function textChunk(type: string, data: Buffer): PngText | null {
  const nul = data.indexOf(0);
  if (nul <= 0) return null;
  const key = data.toString('latin1', 0, nul);
  if (type === 'tEXt') return { key, value: data.toString('latin1', nul + 1) };
  if (type === 'zTXt') {
    if (data[nul + 1] !== 0) return null;
    return { key, value: inflateSync(data.subarray(nul + 2)).toString('latin1') };
  }
  if (type === 'iTXt') {
    const compressed = data[nul + 1] === 1;
    if (compressed && data[nul + 2] !== 0) return null;
    const languageEnd = data.indexOf(0, nul + 3);
    const translatedEnd = languageEnd < 0 ? -1 : data.indexOf(0, languageEnd + 1);
    if (translatedEnd < 0) return null;
    const text = data.subarray(translatedEnd + 1);
    return {
      key,
      value: (compressed ? inflateSync(text) : text).toString('utf8'),
      international: {
        language: data.toString('latin1', nul + 3, languageEnd),
        translatedKey: data.toString('utf8', languageEnd + 1, translatedEnd),
      },
    };
  }
  return null;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(data, crc32(head.subarray(4))), 0);
  return Buffer.concat([head, data, crc]);
}

// eslint-disable-next-line no-control-regex
const LATIN1 = /^[\x00-\xff]*$/;

/** Pillow's `PngInfo.add_text`: tEXt when the value is Latin-1, else (and for iTXt entries) iTXt. */
function textChunkOf(entry: PngText): Buffer | null {
  if (entry.key.length === 0 || entry.key.length > 79 || !LATIN1.test(entry.key)) return null;
  const key = Buffer.from(entry.key, 'latin1');
  if (entry.international === undefined && LATIN1.test(entry.value)) {
    return chunk('tEXt', Buffer.concat([key, Buffer.from([0]), Buffer.from(entry.value, 'latin1')]));
  }
  const language = entry.international?.language ?? '';
  const translatedKey = entry.international?.translatedKey ?? '';
  return chunk(
    'iTXt',
    Buffer.concat([
      key,
      Buffer.from([0, 0, 0]),
      Buffer.from(language, 'latin1'),
      Buffer.from([0]),
      Buffer.from(translatedKey, 'utf8'),
      Buffer.from([0]),
      Buffer.from(entry.value, 'utf8'),
    ]),
  );
}

/** `png` with the text entries inserted after its header, in order. */
export function withPngTexts(png: Buffer, entries: readonly PngText[]): Buffer {
  const chunks = entries.map(textChunkOf).filter((c): c is Buffer => c !== null);
  if (chunks.length === 0) return png;
  if (!isPng(png) || png.toString('latin1', 12, 16) !== 'IHDR') throw new Error('not a PNG file');
  const afterHeader = 8 + 12 + png.readUInt32BE(8);
  return Buffer.concat([png.subarray(0, afterHeader), ...chunks, png.subarray(afterHeader)]);
}
