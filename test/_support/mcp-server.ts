import { createMemoryLogger } from '../../src/core/index.ts';
import type { Clock } from '../../src/core/index.ts';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Role, WorkspaceAccess } from '../../src/core/index.ts';
import { createMcpHandler } from '../../src/mcp/index.ts';
import type { McpHandler } from '../../src/mcp/index.ts';
import type { TroupeConfig } from '../../src/config.ts';
import { createLevelTaskStore } from '../../src/store/level-task-store.ts';
import { startTestServer } from './http-server.ts';
import type { TestServer } from './http-server.ts';

export { QUICK_DAG, SLOW_DAG } from './http-server.ts';

export interface McpTestServer extends TestServer {
  /** `{origin}{basePath}/mcp` */
  mcpUrl: string;
  mcp: McpHandler;
  /** The MCP handler's logger (what it could not deliver or save ends up here). */
  mcpLogger: ReturnType<typeof createMemoryLogger>;
  /** Bearer secrets of API keys with the mcp surface, by role. */
  keys: Record<'admin' | 'operator' | 'developer' | 'viewer', string>;
  /** Creates another key (any surfaces, optional workspace grants). */
  createKey(name: string, role: Role, surfaces: string[], workspaceAccess?: WorkspaceAccess): Promise<string>;
  /** An SDK client connected with `token` (admin key by default). */
  connect(options?: { token?: string; name?: string }): Promise<{ client: Client; transport: StreamableHTTPClientTransport }>;
}

export interface McpTestServerOptions {
  configure?: (c: TroupeConfig) => void;
  mode?: TroupeConfig['auth']['mode'];
  clock?: Clock;
  /** Reuse this directory and leave it on close (a restart on the same data dir). */
  dir?: string;
  /** The keys of a previous life on the same `dir` (they are in its LevelDB): none are created. */
  keys?: McpTestServer['keys'];
}

/**
 * The whole stack with the real MCP handler: engine, audit trail, auth (builtin mode with API
 * keys), the h3 app and node:http on 127.0.0.1:0. MCP tasks are kept in the engine's LevelDB,
 * as `troupe server` keeps them.
 */
export async function startMcpServer(options: McpTestServerOptions = {}): Promise<McpTestServer> {
  let handler: McpHandler | undefined;
  const mcpLogger = createMemoryLogger();
  const server = await startTestServer({
    mode: options.mode ?? 'builtin',
    ...(options.configure ? { configure: options.configure } : {}),
    ...(options.dir ? { dir: options.dir } : {}),
    mcp: (req) => handler!.handle(req),
  });
  handler = createMcpHandler({
    runtime: server.engine.runtime,
    audit: server.audit,
    config: server.config,
    version: 'test',
    logger: mcpLogger,
    taskStore: createLevelTaskStore(server.engine.db),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const createKey = async (name: string, role: Role, surfaces: string[], workspaceAccess?: WorkspaceAccess) =>
    (await server.auth.createApiKey({ name, role, allowedSurfaces: surfaces, attributionClass: 'service_account', ...(workspaceAccess ? { workspaceAccess } : {}) })).key;
  const keys = options.keys ?? {
    admin: await createKey('mcp-admin', 'admin', ['mcp']),
    operator: await createKey('mcp-operator', 'operator', ['mcp']),
    developer: await createKey('mcp-developer', 'developer', ['mcp']),
    viewer: await createKey('mcp-viewer', 'viewer', ['mcp']),
  };
  const mcpUrl = `${server.origin}${server.config.basePath}/mcp`;
  const clients: Client[] = [];
  const mcp = handler;
  const closeServer = server.close.bind(server);
  return Object.assign(server, {
    mcpUrl,
    mcp,
    mcpLogger,
    keys,
    createKey,
    async connect(o: { token?: string; name?: string } = {}) {
      const client = new Client({ name: o.name ?? 'troupe-test', version: '1.2.3' });
      const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { requestInit: { headers: { authorization: `Bearer ${o.token ?? keys.admin}` } } });
      await client.connect(transport);
      clients.push(client);
      return { client, transport };
    },
    close: async () => {
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
      await mcp.close();
      await closeServer();
    },
  });
}
