import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isLegacyRequest } from '@modelcontextprotocol/server';
import { isPlainLegacyRequest } from '../../src/mcp/classify.ts';

const s = suite('mcp/classify');

const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 't', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};
const call = { name: 'dagu_read', arguments: { target: 'run', name: 'hello', dagRunId: 'x' } };

// Bodies and MCP-Protocol-Version headers; the SDK is the oracle.
const CASES: Array<[string, unknown, string | null]> = [
  ['tools/call', { jsonrpc: '2.0', id: 1, method: 'tools/call', params: call }, '2025-11-25'],
  ['string id', { jsonrpc: '2.0', id: 'a', method: 'tools/list' }, '2025-06-18'],
  ['no header', { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} }, null],
  ['initialize', { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'c', version: '1' } } }, null],
  ['progress token', { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { ...call, _meta: { progressToken: 7 } } }, '2025-11-25'],
  ['header with spaces', { jsonrpc: '2.0', id: 4, method: 'ping' }, ' 2025-11-25 '],
  ['modern header', { jsonrpc: '2.0', id: 5, method: 'tools/list' }, '2026-07-28'],
  ['envelope', { jsonrpc: '2.0', id: 6, method: 'tools/call', params: { ...call, _meta: ENVELOPE } }, '2026-07-28'],
  ['envelope, no header', { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { ...call, _meta: ENVELOPE } }, null],
  ['initialize with envelope', { jsonrpc: '2.0', id: 8, method: 'initialize', params: { _meta: ENVELOPE } }, null],
  ['notification', { jsonrpc: '2.0', method: 'notifications/initialized' }, '2025-11-25'],
  ['response', { jsonrpc: '2.0', id: 9, result: {} }, '2025-11-25'],
  ['method and result', { jsonrpc: '2.0', id: 10, method: 'ping', result: {} }, null],
  ['extra key', { jsonrpc: '2.0', id: 11, method: 'ping', extra: true }, null],
  ['float id', { jsonrpc: '2.0', id: 1.5, method: 'ping' }, null],
  ['null id', { jsonrpc: '2.0', id: null, method: 'ping' }, null],
  ['wrong version', { jsonrpc: '1.0', id: 12, method: 'ping' }, null],
  ['params array', { jsonrpc: '2.0', id: 13, method: 'ping', params: [] }, null],
  ['_meta string', { jsonrpc: '2.0', id: 14, method: 'ping', params: { _meta: 'x' } }, null],
  ['bad progress token', { jsonrpc: '2.0', id: 15, method: 'ping', params: { _meta: { progressToken: {} } } }, null],
  ['empty header', { jsonrpc: '2.0', id: 16, method: 'ping' }, ''],
  ['future header', { jsonrpc: '2.0', id: 17, method: 'ping' }, '2027-01-01'],
  ['batch', [{ jsonrpc: '2.0', id: 18, method: 'ping' }], null],
];

const request = (header: string | null) =>
  new Request('http://127.0.0.1/mcp', { method: 'POST', headers: { 'content-type': 'application/json', ...(header === null ? {} : { 'mcp-protocol-version': header }) }, body: '{}' });

s('whenever the fast check says legacy, SDK 2.x isLegacyRequest says legacy too', async () => {
  for (const [name, body, header] of CASES) {
    if (!isPlainLegacyRequest(body, header)) continue;
    assert.is(await isLegacyRequest(request(header), body), true, name);
  }
});

s('ordinary 2025-era requests take the fast path; envelopes, odd shapes and modern headers do not', () => {
  const fast = CASES.filter(([, body, header]) => isPlainLegacyRequest(body, header)).map(([name]) => name);
  assert.equal(fast, ['tools/call', 'string id', 'no header', 'initialize', 'progress token', 'header with spaces']);
});

s('the SDK still classifies what the fast check leaves to it', async () => {
  assert.is(await isLegacyRequest(request('2026-07-28'), CASES[6]![1]), false);
  assert.is(await isLegacyRequest(request(null), CASES[8]![1]), false);
  assert.is(await isLegacyRequest(request('2025-11-25'), CASES[10]![1]), true);
});

s.run();
