import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { HTTPError } from 'h3';
import { TroupeError } from '../../src/core/index.ts';
import type { ErrorCode } from '../../src/core/index.ts';
import { ApiError, problemOf, problemResponse } from '../../src/http/index.ts';

const s = suite('error-response');

const TABLE: Array<[ErrorCode, number, string]> = [
  ['INVALID_INPUT', 400, 'bad_request'],
  ['INVALID_SPEC', 400, 'bad_request'],
  ['DAG_NOT_FOUND', 404, 'not_found'],
  ['RUN_NOT_FOUND', 404, 'not_found'],
  ['STEP_NOT_FOUND', 404, 'not_found'],
  ['NOT_FOUND', 404, 'not_found'],
  ['DAG_EXISTS', 409, 'already_exists'],
  ['RUN_EXISTS', 409, 'already_exists'],
  ['RUN_ACTIVE', 409, 'already_running'],
  ['SINGLETON_RUNNING', 409, 'already_running'],
  ['SINGLETON_QUEUED', 409, 'already_queued'],
  ['CONFLICT', 409, 'conflict'],
  ['NOT_RUNNING', 400, 'not_running'],
  ['NOT_QUEUED', 400, 'not_queued'],
  ['QUEUE_FULL', 429, 'queue_full'],
  ['LIMIT_EXCEEDED', 429, 'too_many_requests'],
  ['AUDIT_UNAVAILABLE', 503, 'audit_unavailable'],
  ['STORE_UNAVAILABLE', 503, 'service_unavailable'],
  ['SHUTTING_DOWN', 503, 'shutting_down'],
  ['UNAUTHENTICATED', 401, 'unauthorized'],
  ['FORBIDDEN', 403, 'forbidden'],
];

s('every TroupeError code maps to its status and snake_case code', () => {
  for (const [code, status, wire] of TABLE) {
    const p = problemOf(new TroupeError(code, `msg ${code}`));
    assert.equal([p.status, p.code, p.message], [status, wire, `msg ${code}`], code);
  }
});

s('unknown errors and INTERNAL become a bare 500 without message or stack', async () => {
  for (const error of [new Error('db password is hunter2'), new TypeError('x is undefined'), 'a string', new TroupeError('INTERNAL', 'secret detail')]) {
    const res = problemResponse(problemOf(error));
    assert.is(res.status, 500);
    assert.equal(await res.json(), { code: 'internal_error', message: 'Internal server error' });
  }
});

s('invalid specs carry their problem list; ApiError and h3 4xx pass through', async () => {
  const spec = problemOf(new TroupeError('INVALID_SPEC', 'bad', { details: { errors: ['steps: required'] } }));
  assert.equal(spec.extra, { errors: ['steps: required'] });
  assert.equal(problemOf(new ApiError(413, 'payload_too_large', 'too big')).status, 413);
  const h3 = problemOf(new HTTPError({ status: 400, message: 'Malformed URL' }));
  assert.equal([h3.status, h3.code], [400, 'bad_request']);
  const h3server = problemOf(new HTTPError({ status: 502, message: 'upstream detail' }));
  assert.equal([h3server.status, h3server.message], [500, 'Internal server error']);
});

s.run();
