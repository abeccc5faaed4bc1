import { H3 } from 'h3';
import type { Runtime } from '../actors/index.ts';
import type { AuditTrail } from '../audit/types.ts';
import type { AuthService } from '../auth/index.ts';
import type { TroupeConfig } from '../config.ts';
import { apiRoute } from './api-route.ts';
import { ApiError } from './api-error.ts';
import { corsMiddleware } from './cors.ts';
import { problemOf, problemResponse } from './error-response.ts';
import { registerApiKeyRoutes } from './routes/api-keys.ts';
import { registerAuditRoutes } from './routes/audit.ts';
import { registerAuthRoutes } from './routes/auth.ts';
import { registerDagRoutes } from './routes/dags.ts';
import { registerPublicRoutes } from './routes/health.ts';
import { registerMcpRoute } from './routes/mcp.ts';
import { registerRunRoutes } from './routes/runs.ts';
import { registerWorkerRoutes } from './routes/workers.ts';
import type { WorkersSource } from './routes/workers.ts';
import { registerStreamRoutes } from './routes/streams.ts';
import type { StreamService } from '../streams/index.ts';
import { registerUiRoutes } from './routes/ui.ts';
import { registerVisualizerRoutes } from './routes/visualizer.ts';

export interface HttpAppDeps {
  config: TroupeConfig;
  runtime: Runtime;
  audit: AuditTrail;
  auth: AuthService;
  /** The MCP Streamable HTTP handler; `{base}/mcp` is mounted only when given. */
  mcp?: (req: Request) => Promise<Response>;
  /** The worker pool behind `GET /workers`, with `executor.type: bullmq`. */
  workers?: WorkersSource;
  /** Live streams; `{base}/api/v1/streams/{topic}` (SSE) is mounted only when given. */
  streams?: StreamService;
}

/**
 * Builds the one HTTP app: REST under `{basePath}/api/v1`, `/mcp` under `{basePath}/mcp`, CORS
 * for the configured origins only, and JSON `{ code, message }` for everything unmatched.
 *
 * @example
 * const app = createHttpApp({ config, runtime, audit, auth, mcp: (req) => mcpHandler.handle(req) });
 * const server = await startHttpServer(app, { host: config.host, port: config.port });
 */
export function createHttpApp(deps: HttpAppDeps): H3 {
  const { config } = deps;
  const prefix = `${config.basePath}/api/v1`;
  // Anything that escapes the route wrappers (h3's own rejections of malformed URLs, for
  // instance) is rendered in the same `{ code, message }` shape.
  const app = new H3({ onError: (error) => problemResponse(problemOf(error)) });
  if (config.cors.allowedOrigins.length > 0) app.use(corsMiddleware(config.cors.allowedOrigins));
  registerPublicRoutes(app, prefix, deps);
  registerAuthRoutes(app, prefix, deps);
  registerDagRoutes(app, prefix, deps);
  registerRunRoutes(app, prefix, deps);
  registerAuditRoutes(app, prefix, deps);
  registerApiKeyRoutes(app, prefix, deps);
  registerWorkerRoutes(app, prefix, deps);
  if (deps.streams) registerStreamRoutes(app, prefix, { ...deps, streams: deps.streams });
  registerVisualizerRoutes(app, prefix, deps);
  registerUiRoutes(app, deps);
  if (deps.mcp) registerMcpRoute(app, `${config.basePath}/mcp`, { ...deps, mcp: deps.mcp });
  // Unknown paths (and known paths with another method) answer like any other error.
  app.all(
    '/**',
    apiRoute(deps, () => {
      throw new ApiError(404, 'not_found', 'Route not found');
    }, { public: true }),
  );
  return app;
}
