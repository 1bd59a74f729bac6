/**
 * ComfyUI registers every route at `/x` and at `/api/x` (the official frontend uses `/api`).
 * Stripping the prefix before routing gives one route table for both. `/internal/*` exists
 * only without the prefix, so `/api/internal/...` is left alone (and answers 404). The jobs
 * routes are declared as `/api/jobs...`, so they exist at `/api/jobs` and `/api/api/jobs` and
 * not at `/jobs`: their one prefix is kept.
 */
export function stripApiPrefix(url: string): string {
  if (url === '/api' || url.startsWith('/api?')) return '/' + url.slice(4);
  if (!url.startsWith('/api/')) return url;
  const rest = url.slice(4);
  if (startsWithSegment(rest, '/internal') || startsWithSegment(rest, '/jobs')) return url;
  return rest;
}

function startsWithSegment(path: string, segment: string): boolean {
  return path === segment || path.startsWith(segment + '/') || path.startsWith(segment + '?');
}
