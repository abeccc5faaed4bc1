import type { H3, H3Event } from 'h3';
import { runWithContext } from '../../core/index.ts';
import type { OperationContext } from '../../core/index.ts';
import { attribute, challenge } from '../api-route.ts';
import type { ApiDeps } from '../api-route.ts';
import { problemOf, problemResponse } from '../error-response.ts';
import { authorizationOf, seedMcpContext } from '../request-context.ts';

/**
 * Mounts `{base}/mcp` (all methods) behind the stream auth stack, in Dagu's order: seed the
 * audit context (source=mcp, transport=streamable_http, ids, `?workspace=`) before
 * authentication, apply the query token and client IP, authenticate on the `mcp` surface,
 * audit every denial as `mcp.request.denied`, attribute subject and credential, then hand the
 * untouched Web Request to the MCP handler inside that context and return its Response as is.
 */
export function registerMcpRoute(app: H3, path: string, deps: ApiDeps & { mcp: (req: Request) => Promise<Response> }): void {
  const { config, audit, auth, mcp } = deps;
  app.all(path, async (event: H3Event) => {
    const url = event.url;
    let op: OperationContext;
    try {
      op = seedMcpContext(event, url, config.trustProxy);
    } catch (error) {
      return problemResponse(problemOf(error));
    }
    return runWithContext(op, async () => {
      const declared = event.req.headers.get('content-length');
      if (declared !== null && Number(declared) > config.maxBodyBytes) {
        return problemResponse({ status: 413, code: 'payload_too_large', message: `Request body exceeds the limit of ${config.maxBodyBytes} bytes` });
      }
      const outcome = await auth.authenticate(authorizationOf(event.req, url, true), 'mcp');
      attribute(op, outcome);
      if (!outcome.ok) {
        audit.record({
          category: 'mcp',
          action: 'mcp.request.denied',
          result: 'denied',
          resource_type: 'mcp_request',
          resource_id: url.pathname,
          details: { denial_reason: outcome.reason, http_method: event.req.method },
        });
        if (outcome.status === 403) return new Response('API key is not allowed for this surface', { status: 403, headers: { 'content-type': 'text/plain; charset=utf-8' } });
        return new Response(null, { status: 401, headers: { 'www-authenticate': challenge(config, 'Troupe MCP') } });
      }
      try {
        return await mcp(event.req);
      } catch (error) {
        return problemResponse(problemOf(error));
      }
    });
  });
}
