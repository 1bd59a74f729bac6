import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';

// ComfyUI's origin-only middleware (`middleware/origin_middleware.py`): a web page on another site
// may make the browser send requests to a server on localhost; the browser then labels them with
// `Sec-Fetch-Site: cross-site`, or (older browsers) with an `Origin` that does not match `Host`.

/** What the origin check needs of a request (HTTP or WebSocket upgrade). */
export interface OriginCheckRequest {
  readonly method: string;
  /** The path as the client sent it (before the `/api` prefix is stripped), without the query. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
}

export type OriginVerdict =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly reason: 'cross-site' | 'host-origin-mismatch' | 'bad-authority' };

/** Host and port of an authority (`host[:port]`, `[v6][:port]`), split as Python's `urlsplit` does. */
export interface Authority {
  /** Lower-cased, brackets of an IPv6 literal removed; null when empty. */
  readonly hostname: string | null;
  /** null when absent; 'invalid' when not a number from 0 to 65535 (Python raises there). */
  readonly port: number | null | 'invalid';
}

export function splitAuthority(netloc: string): Authority {
  const hostinfo = netloc.slice(netloc.lastIndexOf('@') + 1);
  let hostname: string;
  let port: string;
  const bracket = hostinfo.indexOf('[');
  if (bracket >= 0) {
    const bracketed = hostinfo.slice(bracket + 1);
    const close = bracketed.indexOf(']');
    hostname = close >= 0 ? bracketed.slice(0, close) : bracketed;
    const after = close >= 0 ? bracketed.slice(close + 1) : '';
    const colon = after.indexOf(':');
    port = colon >= 0 ? after.slice(colon + 1) : '';
  } else {
    const colon = hostinfo.indexOf(':');
    hostname = colon >= 0 ? hostinfo.slice(0, colon) : hostinfo;
    port = colon >= 0 ? hostinfo.slice(colon + 1) : '';
  }
  return { hostname: hostname === '' ? null : hostname.toLowerCase(), port: parsePort(port) };
}

function parsePort(text: string): number | null | 'invalid' {
  if (text === '') return null;
  if (!/^[0-9]+$/.test(text)) return 'invalid';
  const port = Number(text);
  return port <= 65535 ? port : 'invalid';
}

/** The authority part of a URL (`urlparse(origin).netloc`), lower-cased; '' when it has none (`null`, `file://`). */
export function netlocOf(url: string): string {
  const match = /^(?:[a-zA-Z][a-zA-Z0-9+.-]*:)?\/\/([^/?#]*)/.exec(url);
  return match ? match[1].toLowerCase() : '';
}

/**
 * The two values ComfyUI compares when `Host` and `Origin` disagree, with its port rule: an
 * Origin without a port is compared with the Host's name only, and a Host without a port with the
 * Origin's name only. null when they agree or one side is empty (so `Origin: null` passes);
 * 'invalid' for a port that is not a number.
 */
export function hostOriginMismatch(
  host: string,
  origin: string,
): { host: string; origin: string; hostname: string | null } | 'invalid' | null {
  const hostAuthority = splitAuthority(host.toLowerCase());
  const originNetloc = netlocOf(origin);
  const originAuthority = splitAuthority(originNetloc);
  if (hostAuthority.port === 'invalid' || originAuthority.port === 'invalid') return 'invalid';
  const hostSide = originAuthority.port === null ? hostAuthority.hostname : host.toLowerCase();
  const originSide = hostAuthority.port === null ? originAuthority.hostname : originNetloc;
  if (!hostSide || !originSide || hostSide === originSide) return null;
  return { host: hostSide, origin: originSide, hostname: hostAuthority.hostname };
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * `Sec-Fetch-Site: cross-site` is refused, except a top-level navigation to `/` (someone following
 * a link to the UI, which ComfyUI allows: the page itself cannot act for the other site).
 */
export function isRefusedCrossSite(request: OriginCheckRequest): boolean {
  if (header(request.headers, 'sec-fetch-site') !== 'cross-site') return false;
  const topLevelNavigation =
    request.method === 'GET' &&
    request.path === '/' &&
    header(request.headers, 'sec-fetch-mode') === 'navigate' &&
    header(request.headers, 'sec-fetch-dest') === 'document';
  return !topLevelNavigation;
}

/** 127.0.0.0/8, ::1 and IPv4-mapped 127.x addresses. */
export function isLoopbackAddress(address: string): boolean {
  const bare = address.toLowerCase().replace(/%.*$/, '');
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) !== 6) return false;
  if (bare.startsWith('::ffff:')) return isLoopbackAddress(bare.slice(7));
  // every spelling of ::1
  const groups = expandIpv6(bare);
  return groups !== null && groups.slice(0, 7).every((g) => g === 0) && groups[7] === 1;
}

function expandIpv6(address: string): number[] | null {
  const [head, tail, extra] = address.split('::');
  if (extra !== undefined) return null;
  const parts = (text: string | undefined) => (text ? text.split(':').map((g) => parseInt(g, 16)) : []);
  const left = parts(head);
  const right = parts(tail);
  if (tail === undefined) return left.length === 8 ? left : null;
  const zeros = 8 - left.length - right.length;
  return zeros < 0 ? null : [...left, ...new Array<number>(zeros).fill(0), ...right];
}

export type AddressLookup = (hostname: string) => Promise<readonly string[]>;

const lookupAll: AddressLookup = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

/**
 * Whether a host name means this machine: a loopback IP literal, `localhost` (and `*.localhost`,
 * RFC 6761), or a name that resolves to loopback addresses only. Answers are cached for a minute
 * so a page sending many requests costs one lookup.
 */
export class LoopbackNames {
  private readonly cache = new Map<string, { loopback: boolean; until: number }>();

  constructor(
    private readonly resolve: AddressLookup = lookupAll,
    private readonly ttlMs = 60_000,
    private readonly maxEntries = 256,
  ) {}

  async isLoopback(hostname: string): Promise<boolean> {
    if (isIP(hostname) !== 0) return isLoopbackAddress(hostname);
    if (hostname === 'localhost' || hostname.endsWith('.localhost')) return true;
    const cached = this.cache.get(hostname);
    if (cached && cached.until > Date.now()) return cached.loopback;
    let loopback: boolean;
    try {
      const addresses = await this.resolve(hostname);
      loopback = addresses.length > 0 && addresses.every(isLoopbackAddress);
    } catch {
      loopback = false; // a name that does not resolve is not this machine
    }
    if (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(hostname, { loopback, until: Date.now() + this.ttlMs });
    return loopback;
  }
}

/**
 * ComfyUI's default protection (used unless CORS mode is on): refuses cross-site requests and,
 * for a loopback `Host`, an `Origin` naming another host or port.
 */
export class OriginCheck {
  constructor(
    private readonly names: LoopbackNames,
    private readonly onMismatch: (host: string, origin: string) => void = () => undefined,
  ) {}

  async check(request: OriginCheckRequest): Promise<OriginVerdict> {
    if (isRefusedCrossSite(request)) return { allowed: false, reason: 'cross-site' };
    const host = header(request.headers, 'host');
    const origin = header(request.headers, 'origin');
    if (host === undefined || origin === undefined) return { allowed: true };
    const mismatch = hostOriginMismatch(host, origin);
    if (mismatch === null) return { allowed: true };
    // ComfyUI fails such a request with a 500; refusing it is the safe equivalent
    if (mismatch === 'invalid') return { allowed: false, reason: 'bad-authority' };
    if (mismatch.hostname === null || !(await this.names.isLoopback(mismatch.hostname)))
      return { allowed: true };
    this.onMismatch(mismatch.host, mismatch.origin);
    return { allowed: false, reason: 'host-origin-mismatch' };
  }
}
