import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  CallToolRequestSchema,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListResourcesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { CAPABILITIES, INSTRUCTIONS, SERVER_INFO, createSurface } from './surface.ts';
import type { ToolDeps } from './tools/run.ts';

/** Subscribe/unsubscribe as the session manager implements them. */
export interface SubscriptionPort {
  subscribe(uri: string): Promise<void>;
  unsubscribe(uri: string): Promise<void>;
}

/**
 * Builds the 2025-11-25 MCP server of one session (SDK 1.x): the surface of `surface.ts`
 * (tools, resources, templates, prompts), logging, and `resources/subscribe`, which only this
 * era has. Handlers run inside the HTTP request's operation context.
 */
export function createSessionServer(deps: ToolDeps, subscriptions: SubscriptionPort, version: string): McpServer {
  const mcp = new McpServer({ ...SERVER_INFO, version }, { capabilities: structuredClone(CAPABILITIES) as never, instructions: INSTRUCTIONS });
  const server = mcp.server;
  const surface = createSurface(deps);
  server.setRequestHandler(ListToolsRequestSchema, () => surface['tools/list']());
  server.setRequestHandler(CallToolRequestSchema, (r) => surface['tools/call'](r.params));
  server.setRequestHandler(ListResourcesRequestSchema, () => surface['resources/list']());
  server.setRequestHandler(ListResourceTemplatesRequestSchema, () => surface['resources/templates/list']());
  server.setRequestHandler(ReadResourceRequestSchema, (r) => surface['resources/read'](r.params));
  server.setRequestHandler(ListPromptsRequestSchema, () => surface['prompts/list']());
  server.setRequestHandler(GetPromptRequestSchema, (r) => surface['prompts/get'](r.params) as never);
  server.setRequestHandler(SubscribeRequestSchema, async (r) => {
    await subscriptions.subscribe(r.params.uri);
    return {};
  });
  server.setRequestHandler(UnsubscribeRequestSchema, async (r) => {
    await subscriptions.unsubscribe(r.params.uri);
    return {};
  });
  return mcp;
}
