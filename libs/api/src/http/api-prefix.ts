/**
 * ComfyUI registers every route at `/x` and at `/api/x` (the official frontend uses `/api`).
 * Stripping the prefix before routing gives one route table for both. `/internal/*` exists
 * only without the prefix, so `/api/internal/...` is left alone (and answers 404).
 */
export function stripApiPrefix(url: string): string {
  if (url === '/api' || url.startsWith('/api?')) return '/' + url.slice(4);
  if (!url.startsWith('/api/')) return url;
  const rest = url.slice(4);
  return rest === '/internal' || rest.startsWith('/internal/') || rest.startsWith('/internal?') ? url : rest;
}
