// Load generators shared by the MCP benchmarks: `connections` clients posting `tools/call` back
// to back over raw fetch for `ms`, in the 2025-11-25 era (one session each, SSE responses read
// fully) or the 2026-07-28 era (no session; per-request `_meta` envelope and standard headers).
// Both return calls/s and throw if any call failed.

const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

export type ToolCall = { name: string; arguments: Record<string, unknown> };

async function openSession(url: string): Promise<Record<string, string>> {
  const init = await fetch(url, { method: 'POST', headers: HEADERS, body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } }) });
  const sid = init.headers.get('mcp-session-id');
  await init.text();
  if (!sid) throw new Error(`no session from ${url}: ${init.status}`);
  const h = { ...HEADERS, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' };
  await (await fetch(url, { method: 'POST', headers: h, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) })).text();
  return h;
}

async function drive(url: string, clients: Array<Record<string, string>>, body: (id: number) => string, ms: number): Promise<number> {
  let calls = 0;
  let errors = 0;
  let sample = '';
  const end = performance.now() + ms;
  await Promise.all(
    clients.map(async (h) => {
      let id = 1;
      while (performance.now() < end) {
        const res = await fetch(url, { method: 'POST', headers: h, body: body(id++) });
        const text = await res.text();
        if (res.status !== 200 || text.includes('"isError":true') || text.includes('"error":{')) {
          errors++;
          sample ||= `${res.status} ${text.slice(0, 300)}`;
        } else calls++;
      }
    }),
  );
  if (errors > 0) throw new Error(`${errors} failed calls against ${url}: ${sample}`);
  return calls / (ms / 1000);
}

/** 2025-11-25 sessions opened once and reused by {@link driveLegacy}; `close` deletes them. */
export interface LegacySessions {
  url: string;
  headers: Array<Record<string, string>>;
  close(): Promise<void>;
}

/** Opens `connections` 2025-11-25 sessions on `url`. */
export async function openLegacySessions(url: string, connections: number): Promise<LegacySessions> {
  const headers = await Promise.all(Array.from({ length: connections }, () => openSession(url)));
  return {
    url,
    headers,
    close: async () => void (await Promise.all(headers.map((h) => fetch(url, { method: 'DELETE', headers: h }).then((r) => r.text())))),
  };
}

/** `tools/call` back to back on open sessions (one client each) for `ms`; calls/s. */
export function driveLegacy(sessions: LegacySessions, call: ToolCall, ms: number): Promise<number> {
  return drive(sessions.url, sessions.headers, (id) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: call }), ms);
}

/** 2025-11-25: one session per connection, opened for this load and deleted after it. */
export async function loadLegacy(url: string, call: ToolCall, ms: number, connections: number): Promise<number> {
  const sessions = await openLegacySessions(url, connections);
  try {
    return await driveLegacy(sessions, call, ms);
  } finally {
    await sessions.close();
  }
}

const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

/** 2026-07-28: stateless, every request carries the envelope and `Mcp-Method`/`Mcp-Name`. */
export async function loadModern(url: string, call: ToolCall, ms: number, connections: number): Promise<number> {
  const h = { ...HEADERS, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': call.name };
  const clients = Array.from({ length: connections }, () => h);
  return drive(url, clients, (id) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { ...call, _meta: ENVELOPE } }), ms);
}
