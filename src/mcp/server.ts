import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListResourcesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { PROMPTS, findPrompt } from './prompts.ts';
import { INSTRUCTIONS } from './reference/index.ts';
import { RESOURCE_TEMPLATES, STATIC_RESOURCES, readResource } from './resources.ts';
import { changeTool } from './tools/change.ts';
import { TOOL_DEFINITIONS } from './tools/definitions.ts';
import { executeTool } from './tools/execute.ts';
import { readTool } from './tools/read.ts';
import { runTool } from './tools/run.ts';
import type { ToolDeps, ToolHandler } from './tools/run.ts';

/** Subscribe/unsubscribe as the session manager implements them. */
export interface SubscriptionPort {
  subscribe(uri: string): Promise<void>;
  unsubscribe(uri: string): Promise<void>;
}

const TOOLS = new Map<string, ToolHandler<never>>(
  [readTool, changeTool, executeTool].map((t) => [t.name, t as unknown as ToolHandler<never>]),
);

/**
 * Builds the MCP server of one session: the three tools (hand-written schemas, strict parsing
 * in the tools), the reference resources and run/spec templates, the three prompts, logging,
 * and subscriptions. Handlers run inside the HTTP request's operation context.
 */
export function createSessionServer(deps: ToolDeps, subscriptions: SubscriptionPort, version: string): McpServer {
  const mcp = new McpServer(
    { name: 'troupe', title: 'Troupe (Dagu-compatible)', version },
    {
      capabilities: { tools: {}, resources: { subscribe: true }, prompts: {}, logging: {} },
      instructions: INSTRUCTIONS,
    },
  );
  const server = mcp.server;
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: [...TOOL_DEFINITIONS] }));
  server.setRequestHandler(CallToolRequestSchema, async (request): Promise<CallToolResult> => {
    const tool = TOOLS.get(request.params.name);
    // Spec 2025-11-25 lists unknown tools under protocol errors.
    if (!tool) throw new McpError(ErrorCode.InvalidParams, `Tool ${request.params.name} not found`);
    return runTool(tool, request.params.arguments ?? {}, deps);
  });
  server.setRequestHandler(ListResourcesRequestSchema, async () => ({ resources: STATIC_RESOURCES }));
  server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => ({ resourceTemplates: RESOURCE_TEMPLATES }));
  server.setRequestHandler(ReadResourceRequestSchema, async (request) => readResource(request.params.uri, deps));
  server.setRequestHandler(SubscribeRequestSchema, async (request) => {
    await subscriptions.subscribe(request.params.uri);
    return {};
  });
  server.setRequestHandler(UnsubscribeRequestSchema, async (request) => {
    await subscriptions.unsubscribe(request.params.uri);
    return {};
  });
  server.setRequestHandler(ListPromptsRequestSchema, async () => ({
    prompts: PROMPTS.map((p) => ({ name: p.name, title: p.title, description: p.description, arguments: p.arguments })),
  }));
  server.setRequestHandler(GetPromptRequestSchema, async (request) => {
    const prompt = findPrompt(request.params.name);
    if (!prompt) throw new McpError(ErrorCode.InvalidParams, `Prompt ${request.params.name} not found`);
    const args = request.params.arguments ?? {};
    return {
      description: prompt.description,
      messages: [{ role: 'user' as const, content: { type: 'text' as const, text: prompt.render(args) } }],
    };
  });
  return mcp;
}
