import type { H3Event, Middleware } from 'h3';

const ALLOW_HEADERS = 'Authorization, Content-Type, X-Correlation-Id, Accept, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-ID';
const EXPOSE_HEADERS = 'X-Request-Id, X-Correlation-Id, Mcp-Session-Id, WWW-Authenticate';

/**
 * CORS only for the configured allow-list (exact origins). With an empty list nothing is sent,
 * so browsers refuse cross-origin reads. Answers are `Vary: Origin` whenever CORS is on.
 */
export function corsMiddleware(allowedOrigins: string[]): Middleware {
  const allowed = new Set(allowedOrigins);
  return async (event: H3Event, next) => {
    const origin = event.req.headers.get('origin');
    const ok = origin !== null && allowed.has(origin);
    if (event.req.method === 'OPTIONS' && event.req.headers.has('access-control-request-method')) {
      const headers: Record<string, string> = { vary: 'Origin' };
      if (ok) {
        Object.assign(headers, {
          'access-control-allow-origin': origin,
          'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
          'access-control-allow-headers': ALLOW_HEADERS,
          'access-control-max-age': '600',
        });
      }
      return new Response(null, { status: ok ? 204 : 403, headers });
    }
    const response = await next();
    if (response instanceof Response) {
      try {
        response.headers.append('vary', 'Origin');
        if (ok) {
          response.headers.set('access-control-allow-origin', origin);
          response.headers.set('access-control-expose-headers', EXPOSE_HEADERS);
        }
      } catch {
        // Immutable headers (a proxied Response): leave it as it is.
      }
    }
    return response;
  };
}
