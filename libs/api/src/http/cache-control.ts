// ComfyUI's cache middleware (`middleware/cache_middleware.py`): decided from the request path and
// the status, only when the handler did not choose a Cache-Control itself.

const ONE_HOUR = 3600;
const ONE_DAY = 86400;
const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif', '.tiff', '.webp'];
const CACHED_STATUSES = new Set([200, 201, 202, 203, 204, 205, 206, 301, 308]);
const TEMPORARY_REDIRECTS = new Set([302, 303, 307]);

/**
 * The Cache-Control ComfyUI adds for a response to `path` (decoded, without the query):
 * - scripts, styles and `index*.json` (the template indexes): revalidate every time;
 * - images: a day when found, an hour when missing, never for temporary redirects;
 * - anything else (APIs, `/view?...`): nothing.
 */
export function cacheControlFor(path: string, status: number): string | null {
  const filename = path.slice(path.lastIndexOf('/') + 1);
  const entryPoint = filename.startsWith('index') && filename.endsWith('.json');
  if (path.endsWith('.js') || path.endsWith('.css') || entryPoint) return 'no-cache';
  const lower = path.toLowerCase();
  if (!IMAGE_EXTENSIONS.some((ext) => lower.endsWith(ext))) return null;
  if (status === 404) return `public, max-age=${ONE_HOUR}`;
  if (CACHED_STATUSES.has(status)) return `public, max-age=${ONE_DAY}`;
  if (TEMPORARY_REDIRECTS.has(status)) return 'no-cache';
  return null; // 304 and errors other than 404
}
