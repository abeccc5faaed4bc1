import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { canonicalJson, isSensitiveKey, redactDetails } from '../../src/audit/index.ts';

const s = suite('redactDetails');

s('sensitive keys are recognized in any case or separator style; safe names are kept', () => {
  for (const k of ['params', 'spec', 'password', 'Token', 'secret', 'Authorization', 'key', 'api_key', 'apiKey', 'X-Api-Key', 'access_token', 'db_password', 'client-secret', 'cookie', 'env']) {
    assert.ok(isSensitiveKey(k), k);
  }
  for (const k of ['params_keys', 'spec_bytes', 'dag_name', 'dag_run_id', 'key_id', 'credential_id', 'token_count', 'status', 'error']) {
    assert.not.ok(isSensitiveKey(k), k);
  }
});

s('drops sensitive values at every depth and derives params_keys and spec_bytes', () => {
  const out = redactDetails({
    dag_name: 'nightly',
    params: { B: 'v1', A: 'v2' },
    spec: 'héllo',
    deep: { items: [{ password: 'x', ok: 1 }], token: 't' },
  });
  assert.equal(out, { dag_name: 'nightly', deep: { items: [{ ok: 1 }] }, params_keys: ['A', 'B'], spec_bytes: 6 });
  assert.is(canonicalJson(out).includes('v1'), false);
});

s('explicit params_keys win; long strings are cut; undefined members vanish', () => {
  const out = redactDetails({ params_keys: ['X'], params: { Y: '1' }, error: 'e'.repeat(5000), gone: undefined });
  assert.equal(out.params_keys, ['X']);
  assert.is((out.error as string).length, 1025);
  assert.not.ok('gone' in out);
});

s('canonical JSON sorts keys recursively', () => {
  assert.is(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } }), '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
});

s.run();
