import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { chainDag, startStreamServer, wsClient } from '../../streams/_stream-server.ts';

const s = suite('Stream resume across a restart, retained-history gaps, and slow-consumer isolation (real server, real ws)');

s('audit: resume with the last cursor across a server restart gets exactly the entries after it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-streams-restart-'));
  try {
    let srv = await startStreamServer({ dir });
    srv.writeDag('chain', chainDag(3));
    const admin = srv.admin;
    const c = await wsClient(srv.wsUrl, { token: admin });
    c.send({ type: 'subscribe', id: 'a', topic: 'audit', after: '0' });
    await c.next((m) => m.type === 'live');
    const first = await srv.start('chain');
    const finished = await c.next((m) => m.type === 'event' && m.data.action === 'dag_run_finished' && m.data.resourceId === `chain/${first}`);
    const cursor = finished.cursor as string;
    c.close();
    await srv.stop();

    srv = await startStreamServer({ dir, adminKey: admin });
    const second = await srv.start('chain');
    await srv.troupe.engine.runtime.waitForRun('chain', second, 10_000);
    await srv.troupe.engine.audit.flush();
    const again = await wsClient(srv.wsUrl, { token: admin });
    again.send({ type: 'subscribe', id: 'a', topic: 'audit', after: cursor });
    await again.next((m) => m.type === 'live');
    // What the store holds after the cursor, read through REST's query (newest first).
    const stored: number[] = [];
    for (let page = await srv.troupe.engine.audit.query({ limit: 500 }); ; ) {
      stored.push(...page.entries.map((e) => e.seq).filter((q) => q > Number(cursor)));
      if (!page.next_cursor) break;
      page = await srv.troupe.engine.audit.query({ limit: 500, cursor: page.next_cursor });
    }
    stored.sort((a, b) => a - b);
    // An entry written while the store was read (this subscription's own stream_subscribe
    // entry) arrives live, right after: wait for the newest stored one, then compare.
    const events = () => again.messages.filter((m) => m.type === 'event').map((m) => Number(m.cursor));
    await again.until(() => events().includes(stored[stored.length - 1]!));
    const got = events();
    assert.equal(got.slice(0, stored.length), stored, 'every entry after the cursor, once, in order');
    assert.is(got[0], Number(cursor) + 1, 'no gap right after the cursor');
    assert.not.ok(again.messages.some((m) => m.type === 'gap'));
    assert.ok(again.messages.some((m) => m.type === 'event' && m.data.action === 'dag_execute' && m.data.resourceId === `chain/${second}`), 'including what happened after the restart');
    again.close();
    await srv.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

s('runs: a cursor from before a restart, or older than what is retained, gets an explicit gap with the oldest cursor', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-streams-gap-'));
  try {
    let srv = await startStreamServer({ dir, configure: (c) => (c.streams.replayCapacity = 5) });
    srv.writeDag('chain', chainDag(6));
    const admin = srv.admin;
    const c = await wsClient(srv.wsUrl, { token: admin });
    c.send({ type: 'subscribe', id: 'r', topic: 'runs' });
    await c.next((m) => m.type === 'live');
    const runId = await srv.start('chain');
    await c.next((m) => m.event === 'run.finished' && m.data.dagRunId === runId, 15_000);
    await new Promise((r) => setTimeout(r, 100));
    const all = c.messages.filter((m) => m.type === 'event');
    const early = all[0]!.cursor as string;
    const resumed = await wsClient(srv.wsUrl, { token: admin });
    resumed.send({ type: 'subscribe', id: 'r', topic: 'runs', after: early });
    await resumed.next((m) => m.type === 'live');
    const gap = resumed.messages.find((m) => m.type === 'gap');
    assert.ok(gap, 'an explicit gap');
    assert.is(gap!.reason, 'retention');
    assert.is(gap!.requested, early);
    const after = resumed.messages.filter((m) => m.type === 'event');
    assert.is(after.length, 5, 'then the retained events');
    assert.equal(after.map((m) => m.cursor), all.slice(-5).map((m) => m.cursor));
    assert.ok(Number(gap!.cursor) < Number(after[0]!.cursor), 'the gap names the cursor the stream continues after');
    assert.ok(resumed.messages.indexOf(gap!) < resumed.messages.indexOf(after[0]!), 'the gap comes first');
    c.close();
    resumed.close();
    await srv.stop();

    // Run events are kept in memory until the backbone persists them: after a restart an old
    // cursor is answered with a gap, never with a silent hole.
    srv = await startStreamServer({ dir, adminKey: admin });
    const later = await wsClient(srv.wsUrl, { token: admin });
    later.send({ type: 'subscribe', id: 'r', topic: 'runs', after: all.at(-1)!.cursor });
    await later.next((m) => m.type === 'live');
    const restartGap = later.messages.find((m) => m.type === 'gap');
    assert.ok(restartGap, 'a gap across the restart');
    assert.ok(Number(restartGap!.cursor) > Number(all.at(-1)!.cursor), 'cursors keep growing across the restart');
    const next = await srv.start('chain');
    const ev = await later.next((m) => m.type === 'event' && m.data.dagRunId === next, 15_000);
    assert.ok(Number(ev.cursor) > Number(restartGap!.cursor));
    later.close();
    await srv.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

s('a stalled subscriber overflows its own buffer: it gets a gap and close 4008; the others get everything and the run is unaffected', async () => {
  const srv = await startStreamServer({
    configure: (c) => {
      c.streams.maxBufferBytes = 1024 * 1024;
      c.streams.maxBufferMessages = 1000;
    },
  });
  try {
    srv.writeDag('chain', chainDag(4));
    const stalled = await wsClient(srv.wsUrl, { token: srv.admin });
    const healthy = await wsClient(srv.wsUrl, { token: srv.admin });
    for (const c of [stalled, healthy]) {
      c.send({ type: 'subscribe', id: 'a', topic: 'audit', filter: { category: 'stream_test' } });
      c.send({ type: 'subscribe', id: 'r', topic: 'runs' });
      await c.until((all) => all.filter((m) => m.type === 'live').length === 2);
    }
    // The stalled client stops reading: its TCP window fills, then the server-side buffer.
    (stalled.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    let healthyCount = 0;
    healthy.ws.on('message', (d) => {
      if (String(d).startsWith('{"type":"event","id":"a"')) healthyCount++;
    });
    const N = 8000;
    const pad = 'x'.repeat(2000);
    const overflowed = async () => {
      await srv.troupe.engine.audit.flush();
      return (await srv.troupe.engine.audit.query({ action: 'stream_end', result: 'failed' })).entries.some((e) => e.details.end_reason === 'overflow');
    };
    // Paced so that the healthy client (in this same process) keeps up; the stalled one can not.
    let runId = '';
    let cutAt = -1;
    for (let i = 0; i < N; i++) {
      srv.troupe.engine.audit.record({ category: 'stream_test', action: 'load', resource_id: String(i), details: { pad } });
      if (i % 250 === 249) {
        await srv.troupe.engine.audit.flush();
        while (healthyCount <= i - 250) await new Promise((r) => setTimeout(r, 5));
        if (cutAt < 0 && (await overflowed())) cutAt = i;
      }
      if (i === N / 2) runId = await srv.start('chain');
    }
    await srv.troupe.engine.audit.flush();
    assert.ok(cutAt >= 0, 'the stalled subscriber was cut off');
    const cut = (await srv.troupe.engine.audit.query({ action: 'stream_end', result: 'failed' })).entries.find((e) => e.details.end_reason === 'overflow')!;
    assert.is(cut.credential_type, 'api_key', 'the overflow entry is attributed to the connection\'s credential');
    assert.is(cut.details.transport, 'websocket');
    while (healthyCount < N) await new Promise((r) => setTimeout(r, 10));
    const details = await srv.troupe.engine.runtime.waitForRun('chain', runId, 15_000);
    assert.is(details.details.statusLabel, 'succeeded', 'the run is unaffected');
    await healthy.next((m) => m.id === 'r' && m.event === 'run.finished' && m.data.dagRunId === runId);
    const ids = healthy.messages.filter((m) => m.type === 'event' && m.id === 'a').map((m) => Number(m.data.resourceId));
    assert.equal(ids, Array.from({ length: N }, (_, i) => i), 'the healthy subscriber got every entry, in order');
    assert.not.ok(healthy.messages.some((m) => m.type === 'gap'));

    (stalled.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    const closed = await stalled.closed;
    assert.is(closed.code, 4008);
    const gaps = stalled.messages.filter((m) => m.type === 'gap');
    assert.equal(gaps.map((g) => g.id).sort(), ['a', 'r'], 'one gap per subscription');
    assert.ok(gaps.every((g) => g.reason === 'overflow'));
    const got = stalled.messages.filter((m) => m.type === 'event' && m.id === 'a');
    assert.ok(got.length < N, `it was cut off (${got.length} of ${N})`);
    const gapA = gaps.find((g) => g.id === 'a')!;
    assert.is(gapA.cursor, got.length > 0 ? got.at(-1)!.cursor : '0', 'the gap cursor is the last event it was sent');

    // It resumes from the gap's cursor and gets the rest.
    const back = await wsClient(srv.wsUrl, { token: srv.admin });
    back.send({ type: 'subscribe', id: 'a', topic: 'audit', filter: { category: 'stream_test' }, after: gapA.cursor });
    await back.next((m) => m.type === 'live', 30_000);
    const rest = back.messages.filter((m) => m.type === 'event').map((m) => Number(m.data.resourceId));
    assert.equal([...got.map((m) => Number(m.data.resourceId)), ...rest], ids, 'together: everything, once');
    healthy.close();
    back.close();
  } finally {
    await srv.close();
  }
});

s.run();
