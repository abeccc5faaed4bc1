import type { CallToolResult, GetPromptResult, ListPromptsResult, ListResourceTemplatesResult, ListResourcesResult, ListToolsResult, ReadResourceResult } from '@modelcontextprotocol/sdk/types.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { PROMPTS, findPrompt } from './prompts.ts';
import { INSTRUCTIONS } from './reference/index.ts';
import { RESOURCE_TEMPLATES, STATIC_RESOURCES, readResource } from './resources.ts';
import { changeTool } from './tools/change.ts';
import { TOOL_DEFINITIONS } from './tools/definitions.ts';
import { executeTool } from './tools/execute.ts';
import { readTool } from './tools/read.ts';
import { runTool } from './tools/run.ts';
import type { ToolDeps, ToolHandler } from './tools/run.ts';

/** The server's identity, the same in both eras (the version is the caller's). */
export const SERVER_INFO = { name: 'troupe', title: 'Troupe (Dagu-compatible)' } as const;

/** Capabilities both eras advertise (2025: `initialize`; 2026-07-28: `server/discover`). */
export const CAPABILITIES = { tools: {}, resources: { subscribe: true }, prompts: {}, logging: {} } as const;

export { INSTRUCTIONS };

const TOOLS = new Map<string, ToolHandler<never>>([readTool, changeTool, executeTool].map((t) => [t.name, t as unknown as ToolHandler<never>]));

/** The params of the requests the surface answers (as both SDKs hand them over, already validated). */
type Params = { [key: string]: unknown } | undefined;

/**
 * The request handlers of Troupe's MCP surface, keyed by method: tools, resources, templates
 * and prompts, written once and registered into both eras (SDK 1.x `Server` for 2025-11-25,
 * SDK 2.x `Server` for 2026-07-28). Handlers run inside the HTTP request's operation context;
 * errors are thrown as JSON-RPC errors with numeric codes, which both SDKs pass through.
 */
export interface McpSurface {
  'tools/list'(): Promise<ListToolsResult>;
  'tools/call'(params: Params): Promise<CallToolResult>;
  'resources/list'(): Promise<ListResourcesResult>;
  'resources/templates/list'(): Promise<ListResourceTemplatesResult>;
  'resources/read'(params: Params): Promise<ReadResourceResult>;
  'prompts/list'(): Promise<ListPromptsResult>;
  'prompts/get'(params: Params): Promise<GetPromptResult>;
}

export const SURFACE_METHODS = ['tools/list', 'tools/call', 'resources/list', 'resources/templates/list', 'resources/read', 'prompts/list', 'prompts/get'] as const;

const LIST_TOOLS: ListToolsResult = { tools: [...TOOL_DEFINITIONS] };
const LIST_PROMPTS: ListPromptsResult = { prompts: PROMPTS.map((p) => ({ name: p.name, title: p.title, description: p.description, arguments: p.arguments })) };

/** Builds the surface over the runtime and audit trail. Stateless: one per server is cheap. */
export function createSurface(deps: ToolDeps): McpSurface {
  return {
    'tools/list': async () => LIST_TOOLS,
    async 'tools/call'(params) {
      const name = String(params?.name ?? '');
      const tool = TOOLS.get(name);
      // Spec 2025-11-25 lists unknown tools under protocol errors.
      if (!tool) throw new McpError(ErrorCode.InvalidParams, `Tool ${name.slice(0, 64)} not found`);
      return runTool(tool, params?.arguments ?? {}, deps);
    },
    'resources/list': async () => ({ resources: STATIC_RESOURCES }),
    'resources/templates/list': async () => ({ resourceTemplates: RESOURCE_TEMPLATES }),
    'resources/read': async (params) => readResource(String(params?.uri ?? ''), deps),
    'prompts/list': async () => LIST_PROMPTS,
    async 'prompts/get'(params) {
      const name = String(params?.name ?? '');
      const prompt = findPrompt(name);
      if (!prompt) throw new McpError(ErrorCode.InvalidParams, `Prompt ${name.slice(0, 64)} not found`);
      const args = (params?.arguments ?? {}) as Record<string, string | undefined>;
      return {
        description: prompt.description,
        messages: [{ role: 'user' as const, content: { type: 'text' as const, text: prompt.render(args) } }],
      };
    },
  };
}
