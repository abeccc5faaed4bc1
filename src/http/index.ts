// The HTTP edge: one h3 app for REST, /mcp and SSE streams, the WebSocket upgrade of the
// streams, plus its node:http server.

// App and server
export { createHttpApp } from './app.ts';
export type { HttpAppDeps } from './app.ts';
export { startHttpServer } from './server.ts';
export type { HttpServer, HttpServerOptions } from './server.ts';
export { createStreamUpgrade } from './stream-upgrade.ts';
// Error translation (also used by other edges that speak HTTP)
export { problemOf, problemResponse, jsonResponse } from './error-response.ts';
export type { Problem } from './error-response.ts';
export { ApiError, isApiError } from './api-error.ts';
// OpenAPI
export { openApiDocument } from './openapi.ts';
// Request helpers
export { authorizationOf, clientIp, seedMcpContext, seedRestContext } from './request-context.ts';
