import type { H3 } from 'h3';
import { requestDenial } from '../../audit/denials.ts';
import { createOriginPolicy } from '../../mcp/origin.ts';
import type { StreamService } from '../../streams/index.ts';
import { parseCursor } from '../../streams/index.ts';
import { apiRoute } from '../api-route.ts';
import type { ApiDeps } from '../api-route.ts';
import { ApiError } from '../api-error.ts';
import { problemResponse } from '../error-response.ts';

/** Query parameters of a stream request that are not topic filters. */
const RESERVED = new Set(['token', 'after']);

/** The Origin/Host policy of the stream endpoints (SSE and WebSocket alike). */
export function streamOriginPolicy(config: ApiDeps['config']) {
  return createOriginPolicy({
    boundHost: config.host,
    allowedOrigins: [...config.streams.allowedOrigins, ...config.cors.allowedOrigins],
    allowedHosts: config.mcp.allowedHosts,
  });
}

/** The audit entry of a stream request refused for its Origin or Host (DNS rebinding, cross-site). */
export function recordOriginDenial(deps: ApiDeps, path: string, reason: 'host' | 'origin'): void {
  // Refused before authentication: no credential is attributed, so it is auth_request_denied.
  deps.audit.record(requestDenial({ credentialType: undefined, resourceType: 'stream', resourceId: path, reason: reason === 'host' ? 'invalid_host' : 'invalid_origin', httpMethod: 'GET' }));
}

/**
 * SSE streams: `GET {base}/api/v1/streams/{topic}?<filters>`, through the REST stack (Bearer
 * header or `?token=`, surface `rest_api`, audited denials), plus an Origin/Host check.
 * Resume with `Last-Event-ID` (what a reconnecting `EventSource` sends; it wins) or `?after=`.
 * `GET {base}/api/v1/streams` without an upgrade answers 426: it is the WebSocket endpoint.
 */
export function registerStreamRoutes(app: H3, prefix: string, deps: ApiDeps & { streams: StreamService }): void {
  const originOk = streamOriginPolicy(deps.config);
  app.get(
    `${prefix}/streams`,
    apiRoute(deps, () => {
      throw new ApiError(426, 'upgrade_required', 'This is the WebSocket endpoint of the streams; use a WebSocket, or GET /streams/{topic} for SSE', { upgrade: 'websocket' });
    }),
  );
  app.get(
    `${prefix}/streams/:topic`,
    apiRoute(
      deps,
      ({ event, url, op, param }) => {
        const verdict = originOk(event.req.headers.get('host'), event.req.headers.get('origin'));
        if (!verdict.ok) {
          recordOriginDenial(deps, url.pathname, verdict.reason);
          return problemResponse({ status: 403, code: 'forbidden', message: verdict.reason === 'host' ? 'Forbidden: invalid Host header' : 'Forbidden: invalid Origin header' });
        }
        const params: Record<string, string> = {};
        for (const [k, v] of url.searchParams) if (!RESERVED.has(k) && !(k in params)) params[k] = v;
        const lastEventId = event.req.headers.get('last-event-id');
        const afterParam = url.searchParams.get('after');
        let after: number | undefined;
        if (lastEventId !== null && lastEventId !== '') after = parseCursor(lastEventId, 'Last-Event-ID');
        else if (afterParam !== null && afterParam !== '') after = parseCursor(afterParam, 'after');
        const stream = deps.streams.openSse(op, { topic: param('topic'), params, ...(after !== undefined ? { after } : {}) });
        return new Response(stream.body, {
          status: 200,
          headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' },
        });
      },
      { queryToken: true },
    ),
  );
}
