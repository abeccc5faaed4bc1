import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readBodyLimited } from '../../src/core/index.ts';

// The body reader every /mcp POST and JSON route goes through: whole reads for a declared
// length, a streaming read cut off at the limit for chunked bodies.
const s = suite('core/readBodyLimited');

const streamOf = (parts: string[]) =>
  new ReadableStream<Uint8Array>({
    start(c) {
      for (const p of parts) c.enqueue(new TextEncoder().encode(p));
      c.close();
    },
  });
const post = (body: BodyInit, headers: Record<string, string> = {}) => new Request('http://127.0.0.1/x', { method: 'POST', body, headers, duplex: 'half' } as RequestInit);

s('a declared length within the limit is read whole, multi-byte text intact', async () => {
  const text = '{"a":"héllo ✓"}';
  assert.is(await readBodyLimited(post(text, { 'content-length': String(Buffer.byteLength(text)) }), 100), text);
});

s('a declared length over the limit is refused before reading', async () => {
  assert.is(await readBodyLimited(post('x'.repeat(50), { 'content-length': '50' }), 10), undefined);
});

s('a body without a length is streamed and cut off once it passes the limit', async () => {
  assert.is(await readBodyLimited(post(streamOf(['abc', 'def'])), 6), 'abcdef');
  assert.is(await readBodyLimited(post(streamOf(['abc', 'def', 'g'])), 6), undefined);
});

s('no body reads as the empty string', async () => {
  assert.is(await readBodyLimited(new Request('http://127.0.0.1/x', { method: 'POST' }), 10), '');
});

s.run();
