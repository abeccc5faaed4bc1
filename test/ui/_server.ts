import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createTroupe } from '../../src/app.ts';
import type { Troupe } from '../../src/app.ts';
import { defaultConfig } from '../../src/config.ts';
import type { TroupeConfig } from '../../src/config.ts';
import type { Role, WorkspaceAccess } from '../../src/core/index.ts';

export interface UiServer {
  troupe: Troupe;
  config: TroupeConfig;
  /** `http://127.0.0.1:PORT{base}` */
  url: string;
  writeDag(name: string, yaml: string): void;
  createKey(name: string, role: Role, surfaces: string[], workspaceAccess?: WorkspaceAccess): Promise<string>;
  /** An MCP SDK client on `{url}/mcp` with `token` (a key with the mcp surface). */
  mcp(token: string): Promise<Client>;
  /** Stops the server and starts a new one on the same data directory (a new port: `url` changes). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The real composition root (`createTroupe`: engine, auth, REST, /mcp, live streams, the
 * visualizer) on 127.0.0.1:0, as `troupe server` runs it.
 */
export async function startUiServer(configure?: (c: TroupeConfig) => void): Promise<UiServer> {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-ui-'));
  const config: TroupeConfig = { ...defaultConfig(dir), port: 0 };
  config.auth.mode = 'builtin';
  config.engine.killGraceMs = 500;
  configure?.(config);
  mkdirSync(config.dagsDir, { recursive: true });
  const clients: Client[] = [];
  const closeClients = async () => {
    for (const c of clients.splice(0)) await c.close().catch(() => {});
  };
  const troupe = await createTroupe(config);
  const server: UiServer = {
    troupe,
    config,
    url: (await troupe.listen()).url,
    writeDag: (name, yaml) => writeFileSync(join(config.dagsDir, `${name}.yaml`), yaml),
    createKey: async (name, role, surfaces, workspaceAccess) =>
      (await server.troupe.auth.createApiKey({ name, role, allowedSurfaces: surfaces, attributionClass: 'service_account', ...(workspaceAccess ? { workspaceAccess } : {}) })).key,
    async mcp(token) {
      const client = new Client({ name: 'troupe-ui-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
      clients.push(client);
      return client;
    },
    async restart() {
      await closeClients();
      await server.troupe.close();
      server.troupe = await createTroupe(config);
      server.url = (await server.troupe.listen()).url;
    },
    async close() {
      await closeClients();
      await server.troupe.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}
