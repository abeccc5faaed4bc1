import type { H3 } from 'h3';
import { apiRoute } from '../api-route.ts';
import type { ApiDeps } from '../api-route.ts';
import { openApiDocument } from '../openapi.ts';

/** Public routes: the health check and the OpenAPI document. */
export function registerPublicRoutes(app: H3, prefix: string, deps: ApiDeps & { streams?: unknown }): void {
  app.get(`${prefix}/health`, apiRoute(deps, () => ({ status: 'ok' }), { public: true }));
  const doc = openApiDocument(deps.config.basePath, { streams: deps.streams !== undefined });
  app.get(`${prefix}/openapi.json`, apiRoute(deps, () => doc, { public: true }));
}
