import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { entryId } from '../../src/audit/entry-id.ts';

const s = suite('entryId');

s('makes version-4 UUIDs, distinct across more ids than one random pool holds', () => {
  const ids = new Set<string>();
  for (let i = 0; i < 5000; i++) {
    const id = entryId();
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    ids.add(id);
  }
  assert.is(ids.size, 5000);
});

s.run();
