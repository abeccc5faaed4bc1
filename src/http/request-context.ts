import { getRequestIP } from 'h3';
import type { H3Event } from 'h3';
import { newId } from '../core/index.ts';
import type { OperationContext } from '../core/index.ts';
import { badRequest } from './api-error.ts';

const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const WORKSPACE = /^[A-Za-z0-9_-]{1,64}$/;

/** The client's address: the first X-Forwarded-For entry only when a proxy is trusted. */
export function clientIp(event: H3Event, trustProxy: boolean): string | undefined {
  return getRequestIP(event, { xForwardedFor: trustProxy });
}

/** A client-sent `X-Correlation-Id` when it is well-formed; a 400 when it is not; else a new id. */
export function correlationIdOf(req: Request): string {
  const sent = req.headers.get('x-correlation-id');
  if (sent === null) return newId();
  if (!CORRELATION_ID.test(sent)) throw badRequest('X-Correlation-Id must be 1 to 128 characters of letters, digits, ".", "_", ":" and "-"');
  return sent;
}

/** The audit context of a REST request, seeded before authentication. */
export function seedRestContext(event: H3Event, trustProxy: boolean): OperationContext {
  const ctx: OperationContext = { source: 'rest', surface: 'rest_api', transport: 'http', requestId: newId(), correlationId: correlationIdOf(event.req) };
  const ip = clientIp(event, trustProxy);
  if (ip) ctx.ipAddress = ip;
  return ctx;
}

/** The audit context of an /mcp request, seeded before authentication (Dagu's mcpAuditSeedMiddleware). */
export function seedMcpContext(event: H3Event, url: URL, trustProxy: boolean): OperationContext {
  const requested = url.searchParams.get('workspace');
  const ctx: OperationContext = {
    source: 'mcp',
    surface: 'mcp',
    transport: 'streamable_http',
    requestId: newId(),
    correlationId: correlationIdOf(event.req),
    workspace: requested && WORKSPACE.test(requested) ? requested : 'default',
  };
  const ip = clientIp(event, trustProxy);
  if (ip) ctx.ipAddress = ip;
  return ctx;
}

/**
 * The Authorization header, or `Bearer <token>` from `?token=` when there is no header (stream
 * endpoints and /mcp, where browsers and EventSource cannot set headers).
 */
export function authorizationOf(req: Request, url: URL, allowQueryToken: boolean): string | null {
  const header = req.headers.get('authorization');
  if (header !== null || !allowQueryToken) return header;
  const token = url.searchParams.get('token');
  return token ? `Bearer ${token}` : null;
}
