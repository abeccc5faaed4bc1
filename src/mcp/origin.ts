/**
 * Origin and Host validation for `/mcp` (DNS-rebinding protection, spec 2025-11-25 "MUST
 * validate Origin"). Loopback names are always accepted as Host; loopback Origins are
 * accepted when the server itself is bound to loopback; same-origin requests and configured
 * extras are accepted everywhere.
 */
export interface OriginPolicyOptions {
  /** The address the server is bound to (`127.0.0.1`, `0.0.0.0`, a name). */
  boundHost: string;
  /** Extra accepted Origins, e.g. `https://agents.example.com`. */
  allowedOrigins: string[];
  /** Extra accepted Host names (without port). */
  allowedHosts: string[];
}

export type OriginVerdict = { ok: true } | { ok: false; reason: 'host' | 'origin' };

const WILDCARD = new Set(['0.0.0.0', '::', '[::]', '']);

/** True for `localhost`, `*.localhost`, 127.0.0.0/8 and `::1`. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Splits a Host header into its hostname (brackets removed, lowercase). */
export function hostnameOf(hostHeader: string): string | undefined {
  try {
    return new URL(`http://${hostHeader}`).hostname.toLowerCase().replace(/^\[|\]$/g, '');
  } catch {
    return undefined;
  }
}

/** Builds the check; call it with each request's `Host` and `Origin` headers. */
export function createOriginPolicy(options: OriginPolicyOptions): (host: string | null, origin: string | null) => OriginVerdict {
  const bound = options.boundHost.toLowerCase().replace(/^\[|\]$/g, '');
  const loopbackServer = isLoopbackHost(bound);
  const wildcard = WILDCARD.has(bound);
  const extraHosts = new Set(options.allowedHosts.map((h) => h.toLowerCase()));
  const extraOrigins = new Set(options.allowedOrigins.map(normalizeOrigin).filter((o): o is string => o !== undefined));

  const hostOk = (hostname: string): boolean => {
    if (isLoopbackHost(hostname) || extraHosts.has(hostname)) return true;
    if (loopbackServer) return false;
    if (wildcard) return extraHosts.size === 0;
    return hostname === bound;
  };

  const check = (host: string | null, origin: string | null): OriginVerdict => {
    const hostname = host ? hostnameOf(host) : undefined;
    if (!hostname || !hostOk(hostname)) return { ok: false, reason: 'host' };
    if (origin === null) return { ok: true };
    const normalized = normalizeOrigin(origin);
    if (!normalized) return { ok: false, reason: 'origin' };
    if (extraOrigins.has(normalized)) return { ok: true };
    const originHost = new URL(normalized).host;
    if (originHost === host!.toLowerCase()) return { ok: true };
    if (loopbackServer && isLoopbackHost(new URL(normalized).hostname)) return { ok: true };
    return { ok: false, reason: 'origin' };
  };

  // The verdict depends on the two headers only, and a client sends the same ones on every
  // request: parsing them with `URL` each time was a visible share of the MCP call path. The
  // cache is bounded (cleared when full), so hostile header variety cannot grow it.
  const verdicts = new Map<string, OriginVerdict>();
  return (host, origin) => {
    if ((host?.length ?? 0) + (origin?.length ?? 0) > 512) return check(host, origin);
    const key = `${host ?? '\0'}\n${origin ?? '\0'}`;
    let verdict = verdicts.get(key);
    if (verdict === undefined) {
      verdict = check(host, origin);
      if (verdicts.size >= VERDICT_CACHE) verdicts.clear();
      verdicts.set(key, verdict);
    }
    return verdict;
  };
}

const VERDICT_CACHE = 256;

function normalizeOrigin(value: string): string | undefined {
  if (value === 'null') return undefined;
  try {
    const u = new URL(value);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    return u.origin.toLowerCase();
  } catch {
    return undefined;
  }
}
