/** The `_meta` key whose presence claims the 2026-07-28 per-request envelope. */
const ENVELOPE_CLAIM = 'io.modelcontextprotocol/protocolVersion';
/** The first protocol revision of the modern (per-request envelope) era. */
const FIRST_MODERN = '2026-07-28';
const REQUEST_KEYS = new Set(['jsonrpc', 'id', 'method', 'params']);

const isPlain = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Whether a parsed POST body is, beyond doubt, a plain 2025-era JSON-RPC request: a
 * well-formed request object (`jsonrpc` "2.0", a string or integer `id`, a string `method`,
 * nothing else at the top level), whose `params` carry no envelope claim, sent without a
 * modern `MCP-Protocol-Version` header. SDK 2.x's `isLegacyRequest` answers `true` for every
 * such body; it validates with zod, which cost about 40 µs per call on the 2025 call path
 * (profiled), so the handler asks this first and the SDK only for everything else (batches,
 * notifications, responses, envelopes, odd shapes). A `false` here means "ask the SDK", never
 * "modern".
 */
export function isPlainLegacyRequest(body: unknown, protocolVersionHeader: string | null): boolean {
  if (!isPlain(body) || body.jsonrpc !== '2.0' || typeof body.method !== 'string') return false;
  const id = body.id;
  if (typeof id !== 'string' && !Number.isSafeInteger(id)) return false;
  for (const k in body) if (!REQUEST_KEYS.has(k)) return false;
  if (protocolVersionHeader !== null) {
    const v = protocolVersionHeader.trim();
    if (v === '' || v >= FIRST_MODERN) return false;
  }
  const params = body.params;
  if (params === undefined) return true;
  if (!isPlain(params)) return false;
  const meta = params._meta;
  if (meta === undefined) return true;
  if (!isPlain(meta) || ENVELOPE_CLAIM in meta) return false;
  const token = meta.progressToken;
  return token === undefined || typeof token === 'string' || Number.isSafeInteger(token);
}
