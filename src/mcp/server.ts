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
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolRequest, CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { Protocol } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { CAPABILITIES, INSTRUCTIONS, SERVER_INFO, createSurface } from './surface.ts';
import { rethrowMcp } from './tasks.ts';
import type { RunTasks } from './tasks.ts';
import { CORRELATION_META_KEY } from './tools/result.ts';
import type { ToolDeps } from './tools/run.ts';

const protocolSetRequestHandler = Protocol.prototype.setRequestHandler;

/** Subscribe/unsubscribe as the session manager implements them. */
export interface SubscriptionPort {
  subscribe(uri: string): Promise<void>;
  unsubscribe(uri: string): Promise<void>;
}

/**
 * Builds the 2025-11-25 MCP server of one session (SDK 1.x): the surface of `surface.ts`
 * (tools, resources, templates, prompts), logging, and `resources/subscribe`, which only this
 * era has. Handlers run inside the HTTP request's operation context. Its tasks are those of
 * the session's credential (`ownerKey`), so they outlive the session and a server restart; the
 * tasks it creates name `sessionId` as their origin, whose status notifications it receives.
 */
export function createSessionServer(deps: ToolDeps, subscriptions: SubscriptionPort, version: string, tasks: RunTasks, ownerKey: string, sessionId?: string): McpServer {
  const capabilities = { ...structuredClone(CAPABILITIES), tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } };
  const mcp = new McpServer({ ...SERVER_INFO, version }, { capabilities: capabilities as never, instructions: INSTRUCTIONS, taskStore: tasks.forOwner(ownerKey) });
  const server = mcp.server;
  const surface = createSurface(deps);
  server.setRequestHandler(ListToolsRequestSchema, () => surface['tools/list']());
  // Registered through Protocol's setRequestHandler, which parses the request with the schema as
  // for every other method. SDK 1.x's Server override for tools/call would parse the request a
  // second time and then validate and deep-copy every result with zod: a fifth of the SDK's
  // share of a read call (profiled), for results only `successResult` and `errorResult` (and the
  // task handle below) build; test/mcp/server.test.ts checks those against CallToolResultSchema
  // and CreateTaskResultSchema.
  protocolSetRequestHandler.call(server, CallToolRequestSchema, async (r: CallToolRequest) => {
    const task = (r.params as { task?: { ttl?: number } }).task;
    if (!task) return surface['tools/call'](r.params);
    // MCP Tasks: only dagu_execute start/enqueue run as a task; the task follows the run.
    const args = (r.params.arguments ?? {}) as Record<string, unknown>;
    const action = typeof args.action === 'string' ? args.action.trim() : '';
    if (r.params.name !== 'dagu_execute' || (action !== 'start' && action !== 'enqueue')) {
      throw new McpError(ErrorCode.InvalidParams, 'Only dagu_execute with action start or enqueue can be called as a task');
    }
    // A credential over its live-task limit is refused before a run starts.
    const slot = await tasks.reserve(ownerKey).catch(rethrowMcp);
    try {
      const started = (await surface['tools/call']({ ...r.params, arguments: { ...args, wait: false } })) as CallToolResult;
      // A call that could not start a run answers as a plain tool error; there is no run to follow.
      if (started.isError) return started;
      const out = started.structuredContent as { dagName: string; dagRunId: string };
      const created = await tasks
        .create(slot, { ttl: task.ttl ?? null }, { name: out.dagName, dagRunId: out.dagRunId }, String(started._meta?.[CORRELATION_META_KEY] ?? ''), sessionId)
        .catch(rethrowMcp);
      return { task: created } as never;
    } finally {
      slot.release();
    }
  });
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
