import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createAuditTrail } from '../../src/audit/create-audit-trail.ts';
import type { AuditTrail } from '../../src/audit/types.ts';
import { createLevelAuditStore } from '../../src/store/level-audit-store.ts';
import { auditTopic } from '../../src/streams/topics/audit-topic.ts';
import { openFeed } from '../../src/streams/open-feed.ts';
import type { FeedSink } from '../../src/streams/open-feed.ts';
import type { Gap, StreamItem } from '../../src/streams/types.ts';
import type { Subject } from '../../src/core/index.ts';
import { manualClock, tempDb } from '../_support/audit-fixtures.ts';
import type { TempDb } from '../_support/audit-fixtures.ts';

const s = suite('audit topic over a real audit trail (LevelDB): replay in seq windows, filters, retention gaps, roles');

const MANAGER: Subject = { userId: 'm', username: 'm', role: 'manager' };
const DAY = 24 * 3600 * 1000;

let tmp: TempDb;
let trail: AuditTrail;
const clock = manualClock(Date.UTC(2026, 5, 1));
s.before.each(async () => {
  tmp = await tempDb();
  trail = await createAuditTrail({ store: createLevelAuditStore(tmp.db), clock, retentionDays: 7 });
});
s.after.each(async () => {
  await trail.close();
  await tmp.cleanup();
});

function sink() {
  const items: StreamItem[] = [];
  const gaps: Gap[] = [];
  const out: FeedSink & { items: StreamItem[]; gaps: Gap[] } = { items, gaps, event: (i) => {
      items.push(i);
      return true;
    }, gap: (g) => void gaps.push(g), pressured: () => false, ready: async () => {}, end: () => {} };
  return out;
}

s('replays a long backlog in order across windows, then goes live; a sparse filter replays only its matches', async () => {
  for (let i = 0; i < 1700; i++) trail.record({ category: i % 100 === 0 ? 'rare' : 'dag', action: 'a', resource_id: String(i) });
  await trail.flush();
  const topic = auditTopic(trail);
  const all = sink();
  const feed = openFeed({ topic, filter: topic.parseFilter({}), subject: MANAGER, after: 250, sink: all, maxPendingLive: 100 });
  await feed.live;
  trail.record({ category: 'dag', action: 'late' });
  await trail.flush();
  assert.equal(all.items.map((i) => i.seq), Array.from({ length: 1451 }, (_, k) => 251 + k));
  assert.is((all.items.at(-1)!.data as { action: string }).action, 'late');
  const rare = sink();
  await openFeed({ topic, filter: topic.parseFilter({ category: 'rare' }), subject: MANAGER, after: 0, sink: rare, maxPendingLive: 100 }).live;
  assert.equal(rare.items.map((i) => Number((i.data as { resourceId: string }).resourceId)), Array.from({ length: 17 }, (_, k) => k * 100));
  assert.equal(rare.gaps, []);
});

s('entries removed by retention: resuming from before them gets a gap naming the last removed seq', async () => {
  for (let i = 0; i < 10; i++) trail.record({ category: 'dag', action: 'old' });
  await trail.flush();
  clock.advance(8 * DAY);
  for (let i = 0; i < 3; i++) trail.record({ category: 'dag', action: 'new' });
  await trail.flush();
  await trail.purge();
  const topic = auditTopic(trail);
  const out = sink();
  await openFeed({ topic, filter: topic.parseFilter({}), subject: MANAGER, after: 2, sink: out, maxPendingLive: 100 }).live;
  assert.is(out.gaps.length, 1);
  assert.is(out.gaps[0]!.reason, 'retention');
  assert.is(out.gaps[0]!.cursor, '10', 'the ten old entries are gone');
  const actions = out.items.map((i) => (i.data as { action: string }).action);
  assert.equal(actions, ['new', 'new', 'new', 'audit_cleanup']);
});

s('manager and admin only; unknown filters are refused with the list of known ones', () => {
  const topic = auditTopic(trail);
  topic.authorize(MANAGER);
  topic.authorize({ ...MANAGER, role: 'admin' });
  assert.throws(() => topic.authorize({ ...MANAGER, role: 'developer' }), /Insufficient permissions/);
  assert.throws(() => topic.parseFilter({ colour: 'red' }), /unknown audit stream filter colour; filters are category, action/);
});

s.run();
