// The MCP server at {basePath}/mcp: Dagu-compatible tools, resources, prompts, subscriptions.

// Endpoint
export { createMcpHandler } from './handler.ts';
export type { McpHandler, McpHandlerDeps } from './handler.ts';
// Tool contract (for other edges and tests)
export { TOOL_DEFINITIONS } from './tools/definitions.ts';
export { CORRELATION_META_KEY } from './tools/result.ts';
export { ToolFailure, isToolFailure } from './tool-failure.ts';
export type { ToolErrorCode, ToolErrorObject } from './tool-failure.ts';
// URIs
export { parseDaguUri, formatDaguUri, runUri, runLogsUri, stepLogUri, dagSpecUri, referenceUri } from './uris.ts';
export type { DaguUri } from './uris.ts';
// Reference topics and prompts
export { REFERENCE_TOPICS, DEFAULT_REFERENCES } from './reference/index.ts';
export { PROMPTS } from './prompts.ts';
// Building blocks
export { SessionEventStore } from './event-store.ts';
export { createOriginPolicy, isLoopbackHost } from './origin.ts';
