/**
 * The OpenAPI 3.1 description of `{base}/api/v1`, served at `{base}/api/v1/openapi.json`.
 * Written by hand next to the routes; a test checks that every registered route is in it.
 */

type Json = Record<string, unknown>;

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json): Json => ({ content: { 'application/json': { schema } } });
const str = (description?: string): Json => (description ? { type: 'string', description } : { type: 'string' });
const int = (description: string, min?: number, max?: number): Json => ({ type: 'integer', description, ...(min !== undefined ? { minimum: min } : {}), ...(max !== undefined ? { maximum: max } : {}) });
const path = (name: string, description: string): Json => ({ name, in: 'path', required: true, description, schema: { type: 'string' } });
const query = (name: string, description: string, schema: Json = { type: 'string' }): Json => ({ name, in: 'query', required: false, description, schema });

const ERR = (description: string): Json => ({ description, ...json(ref('Error')) });
const COMMON = { '400': ERR('Malformed request (bad JSON, wrong types, bad ids)'), '401': ERR('Missing or invalid credentials'), '403': ERR('Insufficient permissions, or API key not allowed for the rest_api surface') };
const NOT_FOUND = { '404': ERR('Not found, or outside the caller’s workspaces') };
const WRITE = { '413': ERR('Body larger than max_body_bytes'), '415': ERR('Content-Type is not application/json'), '503': ERR('Audit trail unavailable (fail_closed) or shutting down') };

const NAME = path('name', 'DAG name (letters, digits, "_", "." and "-"; at most 40)');
const RUN_ID = path('dagRunId', 'dag-run ID, or `latest` on reads');

function op(operationId: string, summary: string, extra: Json = {}, responses: Json = {}, pub = false): Json {
  return { operationId, summary, ...(pub ? { security: [] } : {}), ...extra, responses: { ...responses, ...(pub ? {} : COMMON) } };
}

const schemas: Record<string, Json> = {
  Error: { type: 'object', required: ['code', 'message'], properties: { code: str('snake_case, e.g. not_found, bad_request, already_exists, unauthorized, forbidden, not_running'), message: str(), errors: { type: 'array', items: str(), description: 'DAG spec problems, on invalid specs' } } },
  DagSummary: { type: 'object', required: ['name', 'labels', 'workspace', 'errors'], properties: { name: str(), description: str(), labels: { type: 'object', additionalProperties: str() }, workspace: str('the `workspace` label, or `default`'), errors: { type: 'array', items: str() }, nextRun: { type: ['string', 'null'], description: 'next scheduled start (ISO time), null without one' } } },
  StartRequest: { type: 'object', properties: { params: { oneOf: [str('JSON object string or `K=v K2=v2`'), { type: 'object', additionalProperties: str() }] }, dagRunId: str(), singleton: { type: 'boolean' }, labels: { type: 'array', items: str() }, queue: str('enqueue only') } },
  StepDetails: { type: 'object', properties: { name: str(), status: { type: 'integer' }, statusLabel: str(), exitCode: { type: ['integer', 'null'] }, startedAt: { type: ['string', 'null'] }, finishedAt: { type: ['string', 'null'] }, retryCount: { type: 'integer' }, outputs: { type: 'object', additionalProperties: str() }, error: str(), repeatCount: { type: 'integer' }, subRuns: { type: 'array', description: 'child runs of a sub-DAG step', items: { type: 'object', properties: { name: str(), dagRunId: str() } } } } },
  RunDetails: {
    type: 'object',
    description: 'The shape of `troupe status --json`.',
    required: ['name', 'dagRunId', 'status', 'statusLabel', 'attempt', 'steps'],
    properties: {
      name: str(), dagRunId: str(), status: int('Dagu status code 0-8'), statusLabel: str(), attempt: { type: 'integer' }, params: { type: 'object', additionalProperties: str() },
      queuedAt: { type: ['string', 'null'] }, startedAt: { type: ['string', 'null'] }, finishedAt: { type: ['string', 'null'] }, error: str(), scheduledAt: str('scheduled runs: the fire time'), autoRetries: { type: 'integer', description: 'attempts added by the DAG retry_policy' }, skippedHandler: { type: 'object', description: 'a handler this attempt did not run and why: failure, while an automatic retry is pending' },
      steps: { type: 'array', items: ref('StepDetails') }, queue: str(), workspace: str(), trigger: str(), correlationId: str(),
      rootDAGRunName: str('sub-DAG runs: the root of the tree'), rootDAGRunId: str(), parentDAGRunName: str('sub-DAG runs: the run that started it'), parentDAGRunId: str(), parentStepName: str(),
    },
  },
  RunList: { type: 'object', description: 'Newest first; pass nextCursor as `cursor` for the next page.', required: ['dagRuns'], properties: { dagRuns: { type: 'array', items: ref('RunDetails') }, nextCursor: str() } },
  LogTail: { type: 'object', properties: { content: str(), lineCount: { type: 'integer' }, totalLines: { type: 'integer' }, hasMore: { type: 'boolean' } } },
  RunLogs: { type: 'object', properties: { schedulerLog: ref('LogTail'), stepLogs: { type: 'array', items: { type: 'object', properties: { stepName: str(), status: { type: 'integer' }, statusLabel: str(), startedAt: { type: ['string', 'null'] }, finishedAt: { type: ['string', 'null'] }, hasStdout: { type: 'boolean' }, hasStderr: { type: 'boolean' } } } } } },
  AuditEntry: {
    type: 'object',
    required: ['id', 'timestamp', 'category', 'action', 'userId', 'username'],
    properties: Object.fromEntries(
      ['id', 'timestamp', 'category', 'action', 'source', 'surface', 'result', 'correlationId', 'requestId', 'sessionId', 'resourceType', 'resourceId', 'workspace', 'credentialId', 'credentialType', 'mcpTool', 'userId', 'username', 'ipAddress', 'prevHash', 'hash']
        .map((k) => [k, str()] as [string, Json])
        .concat([['seq', { type: 'integer' }], ['details', { type: 'object', description: 'An object (Dagu sends a JSON string)' }]]),
    ),
  },
  WorkspaceAccess: { type: 'object', properties: { all: { type: 'boolean' }, grants: { type: 'array', items: { type: 'object', required: ['workspace', 'role'], properties: { workspace: str(), role: ref('Role') } } } } },
  Role: { type: 'string', enum: ['admin', 'manager', 'developer', 'operator', 'viewer'] },
  ApiKey: {
    type: 'object',
    properties: {
      id: str(), name: str(), description: str(), role: ref('Role'), workspaceAccess: ref('WorkspaceAccess'), allowedSurfaces: { type: 'array', items: { type: 'string', enum: ['rest_api', 'mcp'] } },
      attributionClass: { type: 'string', enum: ['user_owned', 'service_account'] }, ownerUserId: str(), ownerUsername: str(), serviceAccountId: str(), serviceAccountName: str(),
      keyPrefix: str('8 characters after `troupe_`'), createdAt: str(), updatedAt: str(), createdBy: str(), lastUsedAt: str(),
    },
  },
  User: { type: 'object', properties: { id: str(), username: str(), role: ref('Role'), workspaceAccess: ref('WorkspaceAccess'), createdAt: str(), updatedAt: str() } },
};

const paths: Record<string, Json> = {
  '/health': { get: op('getHealth', 'Liveness check (no auth)', {}, { '200': { description: 'ok', ...json({ type: 'object', properties: { status: { const: 'ok' } } }) } }, true) },
  '/openapi.json': { get: op('getOpenApi', 'This document (no auth)', {}, { '200': { description: 'OpenAPI 3.1 document' } }, true) },
  '/dags': {
    get: op('listDags', 'List DAGs visible to the caller', {
      parameters: [query('name', 'case-insensitive substring of the name'), query('label', '`key` or `key=value`; repeat or comma-separate to require several'), query('page', 'page number from 1', { type: 'integer', minimum: 1 }), query('perPage', 'page size (default 100, max 1000)', { type: 'integer', minimum: 1, maximum: 1000 })],
    }, { '200': { description: 'A page of DAGs', ...json({ type: 'object', properties: { dags: { type: 'array', items: ref('DagSummary') }, pagination: { type: 'object', properties: { totalRecords: { type: 'integer' }, currentPage: { type: 'integer' }, totalPages: { type: 'integer' }, perPage: { type: 'integer' } } } } }) } }),
    post: op('createDag', 'Create a DAG (developer+ in its workspace)', { requestBody: { required: true, ...json({ type: 'object', required: ['name', 'spec'], properties: { name: str(), spec: str('DAG YAML') } }) } }, { '201': { description: 'Created', ...json({ type: 'object', properties: { name: str() } }) }, '409': ERR('A DAG with that name exists'), ...WRITE }),
  },
  '/dags/validate': {
    post: op('validateDag', 'Validate DAG YAML without writing it', { requestBody: { required: true, ...json({ type: 'object', required: ['spec'], properties: { spec: str(), name: str() } }) } }, { '200': { description: 'Validation report', ...json({ type: 'object', properties: { valid: { type: 'boolean' }, errors: { type: 'array', items: str() }, problems: { type: 'array', items: { type: 'object' } } } }) }, ...WRITE }),
  },
  '/dags/{name}': { delete: op('deleteDag', 'Delete a DAG (developer+)', { parameters: [NAME] }, { '204': { description: 'Deleted' }, ...NOT_FOUND, ...WRITE }) },
  '/dags/{name}/spec': {
    get: op('getDagSpec', 'The stored YAML and its problems', { parameters: [NAME] }, { '200': { description: 'Spec', ...json({ type: 'object', properties: { spec: str(), errors: { type: 'array', items: str() } } }) }, ...NOT_FOUND }),
    put: op('updateDagSpec', 'Replace the YAML of an existing DAG (developer+)', { parameters: [NAME], requestBody: { required: true, ...json({ type: 'object', required: ['spec'], properties: { spec: str() } }) } }, { '200': { description: 'Updated', ...json({ type: 'object', properties: { errors: { type: 'array', items: str() } } }) }, ...NOT_FOUND, ...WRITE }),
  },
  '/dags/{name}/rename': { post: op('renameDag', 'Rename a DAG (developer+)', { parameters: [NAME], requestBody: { required: true, ...json({ type: 'object', required: ['newName'], properties: { newName: str() } }) } }, { '200': { description: 'Renamed', ...json({ type: 'object', properties: { name: str() } }) }, ...NOT_FOUND, '409': ERR('newName exists'), ...WRITE }) },
  '/dags/{name}/start': { post: op('startDag', 'Start a run now (operator+)', { parameters: [NAME], requestBody: { required: false, ...json(ref('StartRequest')) } }, { '200': { description: 'Started', ...json({ type: 'object', properties: { dagRunId: str() } }) }, ...NOT_FOUND, '409': ERR('dagRunId exists, or singleton conflict'), ...WRITE }) },
  '/dags/{name}/enqueue': { post: op('enqueueDag', 'Queue a run (operator+)', { parameters: [NAME], requestBody: { required: false, ...json(ref('StartRequest')) } }, { '200': { description: 'Queued', ...json({ type: 'object', properties: { dagRunId: str() } }) }, ...NOT_FOUND, '409': ERR('dagRunId exists, or singleton conflict'), '429': ERR('Queue full'), ...WRITE }) },
  '/dag-runs': {
    get: op('listDagRuns', 'List runs, newest first', {
      parameters: [query('name', 'DAG name'), query('status', 'status label or code; repeat or comma-separate'), query('fromDate', 'unix seconds or ISO-8601, inclusive'), query('toDate', 'unix seconds or ISO-8601, inclusive'), query('limit', '1-500, default 50', { type: 'integer', minimum: 1, maximum: 500 }), query('cursor', 'nextCursor of the previous page')],
    }, { '200': { description: 'A page of runs', ...json(ref('RunList')) } }),
  },
  '/dag-runs/{name}/{dagRunId}': { get: op('getDagRun', 'Run details (`latest` allowed)', { parameters: [NAME, RUN_ID] }, { '200': { description: 'Run details', ...json(ref('RunDetails')) }, ...NOT_FOUND }) },
  '/dag-runs/{name}/{dagRunId}/sub-dag-runs': { get: op('listSubDagRuns', 'The child runs started by the run\'s sub-DAG steps (`latest` allowed)', { parameters: [NAME, RUN_ID] }, { '200': { description: 'Child runs', ...json({ type: 'object', properties: { subDAGRuns: { type: 'array', items: ref('RunDetails') } } }) }, ...NOT_FOUND }) },
  '/dag-runs/{name}/{dagRunId}/sub-dag-runs/{subDAGRunId}': { get: op('getSubDagRun', 'One child run of the run', { parameters: [NAME, RUN_ID, path('subDAGRunId', 'the child run\'s dag-run ID')] }, { '200': { description: 'Child run details', ...json(ref('RunDetails')) }, ...NOT_FOUND }) },
  '/dag-runs/{name}/{dagRunId}/stop': { post: op('stopDagRun', 'Stop a running run (operator+)', { parameters: [NAME, RUN_ID] }, { '204': { description: 'Stopping' }, ...NOT_FOUND, ...WRITE }) },
  '/dag-runs/{name}/{dagRunId}/retry': { post: op('retryDagRun', 'Retry a finished run as a new attempt (operator+)', { parameters: [NAME, RUN_ID], requestBody: { required: false, ...json({ type: 'object', properties: { stepName: str(), includeDownstream: { type: 'boolean' }, dagRunId: str('must equal the path') } }) } }, { '200': { description: 'Retried', ...json({ type: 'object', properties: { dagRunId: str(), attempt: { type: 'integer' } } }) }, ...NOT_FOUND, '409': ERR('The run is still active'), ...WRITE }) },
  '/dag-runs/{name}/{dagRunId}/dequeue': { post: op('dequeueDagRun', 'Remove a queued run (operator+)', { parameters: [NAME, RUN_ID] }, { '204': { description: 'Dequeued' }, ...NOT_FOUND, ...WRITE }) },
  '/dag-runs/{name}/{dagRunId}/log': { get: op('getDagRunLog', 'Run log tail and per-step log metadata', { parameters: [NAME, RUN_ID, query('tail', 'lines of the run log, default 500', { type: 'integer', minimum: 1 })] }, { '200': { description: 'Logs', ...json(ref('RunLogs')) }, ...NOT_FOUND }) },
  '/dag-runs/{name}/{dagRunId}/steps/{stepName}/log': {
    get: op('getStepLog', 'A step’s stdout or stderr tail', { parameters: [NAME, RUN_ID, path('stepName', 'step name'), query('stream', 'stdout (default) or stderr', { type: 'string', enum: ['stdout', 'stderr'] }), query('tail', 'lines, default 1000', { type: 'integer', minimum: 1 })] }, { '200': { description: 'Log tail', ...json(ref('LogTail')) }, ...NOT_FOUND }),
  },
  // Visualizer read API (issue 10; the page itself is `{base}/ui`).
  '/machines': { get: op('listMachines', 'Every state machine the runtime runs, derived from the machine objects: states (path, parent, type, initial), transitions labelled by event', {}, { '200': { description: 'Machines', ...json({ type: 'object', properties: { machines: { type: 'array', items: { type: 'object' } } } }) } }) },
  '/actors': { get: op('listActors', 'Live and recently finished actors (runs, steps, MCP sessions) with counts per kind', { parameters: [query('kind', 'run, step or session'), query('dag', 'substring of the DAG name'), query('state', 'state path prefix or step status')] }, { '200': { description: 'Actors', ...json({ type: 'object', properties: { actors: { type: 'array', items: { type: 'object' } }, counts: { type: 'object', additionalProperties: { type: 'integer' } }, total: { type: 'integer' } } }) } }) },
  '/actors/{id}': { get: op('getActor', 'One actor and its event log (time, event, from, to, correlation id)', { parameters: [path('id', 'actor id, e.g. run:<dag>/<runId>:<attempt>')] }, { '200': { description: 'Actor', ...json({ type: 'object' }) }, ...NOT_FOUND }) },
  '/dag-runs/{name}/{dagRunId}/graph': { get: op('getDagRunGraph', 'The run’s steps and their `depends` edges', { parameters: [NAME, RUN_ID] }, { '200': { description: 'Graph', ...json({ type: 'object', properties: { nodes: { type: 'array', items: { type: 'object', properties: { name: str(), depends: { type: 'array', items: str() }, handler: { type: 'boolean' } } } } } }) }, ...NOT_FOUND }) },
  '/dag-runs/{name}/{dagRunId}/replay': { get: op('getDagRunReplay', 'The run’s transitions in order, for replay, and where they come from (`board`: seen live; `record`: reconstructed from the run record)', { parameters: [NAME, RUN_ID] }, { '200': { description: 'Replay', ...json({ type: 'object', properties: { run: ref('RunDetails'), source: { type: 'string', enum: ['board', 'record'] }, transitions: { type: 'array', items: { type: 'object' } } } }) }, ...NOT_FOUND }) },
  '/audit': {
    get: op('listAuditLogs', 'Query the audit trail (manager or admin)', {
      parameters: [
        ...['category', 'action', 'source', 'surface', 'result', 'correlationId', 'requestId', 'sessionId', 'resourceType', 'resourceId', 'workspace', 'credentialId', 'credentialType', 'mcpTool', 'userId', 'ipAddress'].map((p) => query(p, 'exact match')),
        query('startTime', 'RFC 3339, inclusive', { type: 'string', format: 'date-time' }),
        query('endTime', 'RFC 3339, inclusive', { type: 'string', format: 'date-time' }),
        query('limit', 'default 50, max 500', { type: 'integer', minimum: 1, maximum: 500 }),
        query('offset', 'skip', { type: 'integer', minimum: 0 }),
        query('cursor', 'nextCursor of the previous page'),
      ],
    }, { '200': { description: 'Entries, newest first', ...json({ type: 'object', required: ['entries', 'total'], properties: { entries: { type: 'array', items: ref('AuditEntry') }, total: { type: 'integer' }, nextCursor: str() } }) } }),
  },
  '/workers': {
    get: op('listWorkers', 'Live workers of the BullMQ executor: labels, running jobs, last heartbeat', {}, { '200': { description: 'Workers', ...json({ type: 'object', properties: { executor: { enum: ['local', 'bullmq'] }, waitingSteps: { type: 'integer' }, waiting: { description: 'Steps waiting for a matching worker, with the reason (admin and manager only)', type: 'array', items: { type: 'object', properties: { jobId: str(), runName: str(), runId: str(), step: str(), reason: str(), since: { type: 'integer' } } } }, workers: { type: 'array', items: { type: 'object', properties: { id: str(), host: str(), labels: { type: 'object', additionalProperties: { type: 'string' } }, concurrency: { type: 'integer' }, running: { type: 'array', items: str() }, draining: { type: 'boolean' }, lastHeartbeatAt: str(), startedAt: str() } } } } }) }, '503': ERR('Redis unreachable') }),
  },
  '/api-keys': {
    get: op('listApiKeys', 'List API keys (admin)', {}, { '200': { description: 'Keys (never secrets)', ...json({ type: 'object', properties: { apiKeys: { type: 'array', items: ref('ApiKey') } } }) } }),
    post: op('createApiKey', 'Create an API key (admin); the secret is returned once', {
      requestBody: { required: true, ...json({ type: 'object', required: ['name', 'role', 'allowedSurfaces'], properties: { name: str(), description: str(), role: ref('Role'), allowedSurfaces: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', enum: ['rest_api', 'mcp'] } }, attributionClass: { type: 'string', enum: ['user_owned', 'service_account'] }, workspaceAccess: ref('WorkspaceAccess'), ownerUserId: str(), serviceAccountName: str() } }) },
    }, { '201': { description: 'Created', ...json({ type: 'object', properties: { apiKey: ref('ApiKey'), key: str('`troupe_...`, shown once') } }) }, ...WRITE }),
  },
  '/api-keys/{id}': {
    get: op('getApiKey', 'One API key (admin)', { parameters: [path('id', 'key id')] }, { '200': { description: 'Key', ...json({ type: 'object', properties: { apiKey: ref('ApiKey') } }) }, ...NOT_FOUND }),
    patch: op('updateApiKey', 'Update name, description, role, surfaces or workspace access (admin)', { parameters: [path('id', 'key id')], requestBody: { required: true, ...json({ type: 'object', properties: { name: str(), description: str(), role: ref('Role'), allowedSurfaces: { type: 'array', items: str() }, workspaceAccess: { oneOf: [ref('WorkspaceAccess'), { type: 'null' }] } } }) } }, { '200': { description: 'Updated', ...json({ type: 'object', properties: { apiKey: ref('ApiKey') } }) }, ...NOT_FOUND, ...WRITE }),
    delete: op('deleteApiKey', 'Delete an API key (admin)', { parameters: [path('id', 'key id')] }, { '204': { description: 'Deleted' }, ...NOT_FOUND, ...WRITE }),
  },
  '/auth/login': { post: op('login', 'Builtin mode: exchange username and password for a session token', { requestBody: { required: true, ...json({ type: 'object', required: ['username', 'password'], properties: { username: str(), password: str() } }) } }, { '200': { description: 'Session', ...json({ type: 'object', properties: { token: str('Bearer token'), expiresAt: str(), user: ref('User') } }) }, '400': ERR('Not in builtin mode, or malformed'), '401': ERR('Invalid username or password'), '429': ERR('Too many failed logins') }, true) },
  '/auth/logout': { post: op('logout', 'End the current session', {}, { '204': { description: 'Logged out' } }) },
  '/auth/me': { get: op('whoami', 'The authenticated user and credential', {}, { '200': { description: 'Identity', ...json({ type: 'object', properties: { user: ref('User'), credential: { type: 'object', properties: { type: str(), id: str(), name: str() } } } }) } }) },
  '/auth/whoami': { get: op('whoamiAlias', 'Alias of /auth/me', {}, { '200': { description: 'Identity' } }) },
};

// Live streams (docs/streams.md). SSE only: OpenAPI has no words for the WebSocket protocol on
// `/streams`, which is described in the docs and only named here.
const STREAM_FILTERS: Record<string, string[]> = {
  audit: ['category', 'action', 'source', 'surface', 'result', 'correlationId', 'requestId', 'sessionId', 'resourceType', 'resourceId', 'workspace', 'credentialId', 'credentialType', 'mcpTool', 'userId', 'ipAddress'],
  runs: ['name', 'dagRunId'],
  actors: ['actorId', 'kind'],
};
const streamPaths: Record<string, Json> = {
  '/streams': {
    get: op('streamsWebSocket', 'The WebSocket endpoint of the live streams (upgrade; protocol in docs/streams.md)', { parameters: [query('token', 'API key or session token, for clients that cannot set headers')] }, { '101': { description: 'Switching protocols: subscribe/unsubscribe messages, then event, gap, live and error messages' }, '426': ERR('Not a WebSocket upgrade'), '429': ERR('Too many open streams for this credential') }),
  },
  '/streams/{topic}': {
    get: op('streamTopic', 'Follow a topic as Server-Sent Events (audit: manager or admin; runs and actors: any role, filtered by workspace)', {
      parameters: [
        { name: 'topic', in: 'path', required: true, description: 'audit, runs or actors', schema: { type: 'string', enum: ['audit', 'runs', 'actors'] } },
        query('after', 'resume after this cursor (decimal); `Last-Event-ID` takes precedence', { type: 'string', pattern: '^[0-9]{1,16}$' }),
        query('token', 'API key or session token, for EventSource, which cannot set headers'),
        ...[...new Set(Object.values(STREAM_FILTERS).flat())].map((f) => query(f, `exact-match filter (${Object.entries(STREAM_FILTERS).filter(([, fs]) => fs.includes(f)).map(([t]) => t).join(', ')})`)),
        { name: 'Last-Event-ID', in: 'header', required: false, description: 'resume after this cursor (what a reconnecting EventSource sends)', schema: { type: 'string' } },
      ],
    }, {
      '200': {
        description:
          'text/event-stream. Each event: `id: <cursor>`, `event: <type>` (audit.entry, run.started, step.finished, actor.transition, …), `data: {"topic","cursor","event","correlationId"?,"data"}`. ' +
          'Also `event: live` when the replay is done, `event: gap` (`{"reason":"retention"|"overflow","cursor"}`: resume after `cursor`) and a comment heartbeat every 15 s.',
        content: { 'text/event-stream': { schema: { type: 'string' } } },
      },
      ...NOT_FOUND,
      '429': ERR('Too many open streams for this credential'),
    }),
  },
};

/** The OpenAPI 3.1 document for a server with `basePath`; `streams` adds the stream routes. */
export function openApiDocument(basePath: string, options: { streams?: boolean } = {}): Json {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Troupe REST API',
      version: '1',
      description:
        'Dagu-compatible v1 routes. Errors are `{ code, message }`. Every response carries X-Request-Id and X-Correlation-Id; a client may send a valid X-Correlation-Id. ' +
        'Resources outside the caller’s workspaces answer 404. The MCP endpoint is `{base}/mcp` (Streamable HTTP, not described here).',
    },
    servers: [{ url: `${basePath}/api/v1` }],
    security: [{ bearer: [] }, { basic: [] }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'API key (`troupe_...`, surface rest_api) or a session token from /auth/login' },
        basic: { type: 'http', scheme: 'basic', description: 'auth.mode basic only' },
      },
      schemas,
    },
    paths: options.streams ? { ...paths, ...streamPaths } : paths,
  };
}
