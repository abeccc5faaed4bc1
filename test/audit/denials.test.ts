import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { requestDenial } from '../../src/audit/denials.ts';

const s = suite('audit/denials');

s('a request made with an API key is api_key_request_denied, anything else auth_request_denied', () => {
  assert.equal(requestDenial({ credentialType: 'api_key', resourceType: 'rest_request', resourceId: '/api/v1/dags', reason: 'insufficient_permissions', httpMethod: 'POST' }), {
    category: 'api_key',
    action: 'api_key_request_denied',
    result: 'denied',
    resource_type: 'rest_request',
    resource_id: '/api/v1/dags',
    details: { denial_reason: 'insufficient_permissions', http_method: 'POST' },
  });
  for (const credentialType of [undefined, 'basic', 'session', 'none'] as const) {
    const d = requestDenial({ credentialType, resourceType: 'stream', resourceId: 'audit', reason: 'invalid_origin', httpMethod: 'GET' });
    assert.is(d.action, 'auth_request_denied', String(credentialType));
    assert.is(d.category, 'system');
    assert.is(d.resource_type, 'stream');
  }
});

s.run();
