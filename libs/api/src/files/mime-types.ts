import { extname } from 'node:path';

// Content types by file extension, as ComfyUI guesses them: Python's `mimetypes` (with a Linux
// mime.types file) plus the registrations ComfyUI adds at start-up (utils/mime_types.py).
const TYPES: Record<string, string> = {
  // images
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.jpe': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.bmp': 'image/bmp',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.ico': 'image/vnd.microsoft.icon',
  '.svg': 'image/svg+xml',
  '.avif': 'image/avif',
  '.heic': 'image/heic',
  '.heif': 'image/heif',
  '.ppm': 'image/x-portable-pixmap',
  '.pgm': 'image/x-portable-graymap',
  '.pbm': 'image/x-portable-bitmap',
  '.exr': 'image/x-exr',
  // video
  '.mp4': 'video/mp4',
  '.m4v': 'video/mp4',
  '.webm': 'video/webm',
  '.mov': 'video/quicktime',
  '.mkv': 'video/x-matroska',
  '.avi': 'video/x-msvideo',
  '.mpeg': 'video/mpeg',
  '.mpg': 'video/mpeg',
  // audio
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/x-wav',
  '.flac': 'audio/flac',
  '.ogg': 'audio/ogg',
  '.oga': 'audio/ogg',
  '.opus': 'audio/ogg',
  '.m4a': 'audio/mp4',
  '.aac': 'audio/aac',
  // text and documents
  '.txt': 'text/plain',
  '.csv': 'text/csv',
  '.md': 'text/markdown',
  '.json': 'application/json',
  '.html': 'text/html',
  '.htm': 'text/html',
  '.xhtml': 'application/xhtml+xml',
  '.js': 'application/javascript; charset=utf-8',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.xml': 'text/xml',
  '.xsl': 'application/xml',
  '.rss': 'application/rss+xml',
  '.eml': 'message/rfc822',
  '.mht': 'message/rfc822',
  '.mhtml': 'message/rfc822',
  '.pdf': 'application/pdf',
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
  // archives and models
  '.zip': 'application/zip',
  '.gz': 'application/gzip',
  '.tar': 'application/x-tar',
  '.safetensors': 'application/safetensors',
  '.sft': 'application/safetensors',
  '.pt': 'application/pytorch',
  '.pth': 'application/pytorch',
  '.ckpt': 'application/pickle',
  '.pkl': 'application/pickle',
  '.gguf': 'application/gguf',
  '.onnx': 'application/octet-stream',
  '.glb': 'model/gltf-binary',
  '.gltf': 'model/gltf+json',
};

/** The content type of a file name, `application/octet-stream` when unknown. */
export function contentTypeOf(filename: string): string {
  const ext = extname(filename);
  return TYPES[ext] ?? TYPES[ext.toLowerCase()] ?? 'application/octet-stream';
}

const DANGEROUS = new Set([
  'text/html',
  'text/html-sandboxed',
  'application/xhtml+xml',
  'text/javascript',
  'application/javascript',
  'application/x-javascript',
  'application/ecmascript',
  'text/css',
  'image/svg+xml',
  'application/xml',
  'text/xml',
  'message/rfc822',
]);

/** Types a browser would run or render as a document (ComfyUI's `is_dangerous_content_type`). */
export function isDangerousContentType(contentType: string): boolean {
  const type = contentType.split(';', 1)[0].trim().toLowerCase();
  return DANGEROUS.has(type) || type.endsWith('+xml') || type.endsWith('/xml');
}

/** SVG loaded by an `<img>` cannot run scripts, so it may be served as itself (ComfyUI's `renders_safely_as_image`). */
export function rendersSafelyAsImage(contentType: string, secFetchDest: string | undefined): boolean {
  return contentType.split(';', 1)[0].trim().toLowerCase() === 'image/svg+xml' && secFetchDest === 'image';
}

/**
 * A `Content-Disposition` value naming `filename` as ComfyUI does (`filename="..."`, with `\`
 * and `"` escaped), made safe for an HTTP header: line breaks and other control characters are
 * dropped and the name goes out as UTF-8 bytes, as aiohttp sends it.
 */
export function contentDisposition(filename: string, attachment = false): string {
  const escaped = filename
    // eslint-disable-next-line no-control-regex
    .replace(/[\x00-\x08\x0a-\x1f\x7f]/g, '')
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"');
  const value = `${attachment ? 'attachment; ' : ''}filename="${escaped}"`;
  // Node writes header strings as Latin-1: pass the UTF-8 bytes through unchanged
  return Buffer.from(value, 'utf8').toString('latin1');
}
