import type { H3Event } from 'h3';
import { runWithContext } from '../core/index.ts';
import type { OperationContext, Subject } from '../core/index.ts';
import type { AuditTrail } from '../audit/types.ts';
import { requestDenial } from '../audit/denials.ts';
import type { AuthOutcome, AuthService } from '../auth/index.ts';
import type { TroupeConfig } from '../config.ts';
import { badRequest } from './api-error.ts';
import { jsonResponse, problemOf, problemResponse } from './error-response.ts';
import { authorizationOf, seedRestContext } from './request-context.ts';

/** What every REST route handler receives. */
export interface RouteScope {
  event: H3Event;
  url: URL;
  /** The operation context of this request (the same object the runtime and audit read). */
  op: OperationContext;
  /** The authenticated subject; a placeholder viewer on public routes. */
  subject: Subject;
  /** A decoded, non-empty path parameter. */
  param(name: string): string;
}

export type RouteHandler = (scope: RouteScope) => Promise<unknown> | unknown;

export interface ApiDeps {
  config: TroupeConfig;
  audit: AuditTrail;
  auth: AuthService;
}

const PUBLIC_SUBJECT: Subject = { userId: '', username: '', role: 'viewer', workspaceAccess: { all: false, grants: [] } };

/** The `WWW-Authenticate` challenge for the configured mode. */
export function challenge(config: TroupeConfig, realm: string): string {
  return config.auth.mode === 'basic' ? `Basic realm="${realm}"` : `Bearer realm="${realm}"`;
}

/** Puts the outcome's subject and credential on the context (also for denials, for audit). */
export function attribute(op: OperationContext, outcome: AuthOutcome): void {
  if (outcome.ok) {
    op.subject = outcome.subject;
    op.credential = outcome.credential;
    if (outcome.local) {
      op.source = 'cli';
      op.surface = 'cli';
    }
    return;
  }
  op.credential = outcome.credential ?? { type: outcome.credentialType };
  if (outcome.subject) op.subject = outcome.subject;
}

/** Records a REST denial: `api_key_request_denied` (category api_key) or `auth_request_denied` (system). */
export function recordRestDenial(audit: AuditTrail, op: OperationContext, path: string, method: string, reason: string): void {
  audit.record(requestDenial({ credentialType: op.credential?.type, resourceType: 'rest_request', resourceId: path, reason, httpMethod: method }));
}

function decodeParam(event: H3Event, name: string): string {
  const raw = event.context.params?.[name];
  if (raw === undefined || raw === '') throw badRequest(`${name} is required`);
  try {
    return decodeURIComponent(raw);
  } catch {
    throw badRequest(`${name} is not a valid URL-encoded path segment`);
  }
}

/**
 * Wraps a REST handler in the request stack: seed the audit context (source=rest, request and
 * correlation ids, client IP) before anything else, authenticate on the `rest_api` surface
 * (unless public; `queryToken` also accepts `?token=`, for streams), audit every denial, run the handler inside the context, and translate any
 * error exactly once. Every response carries `X-Request-Id` and `X-Correlation-Id`.
 */
export function apiRoute(deps: ApiDeps, handler: RouteHandler, options: { public?: boolean; queryToken?: boolean } = {}) {
  const { config, audit, auth } = deps;
  return async (event: H3Event): Promise<Response> => {
    let op: OperationContext;
    try {
      op = seedRestContext(event, config.trustProxy);
    } catch (error) {
      return problemResponse(problemOf(error));
    }
    const ids = { 'x-request-id': op.requestId!, 'x-correlation-id': op.correlationId };
    return runWithContext(op, async () => {
      const url = event.url;
      try {
        if (!options.public) {
          const outcome = await auth.authenticate(authorizationOf(event.req, url, options.queryToken === true), 'rest_api');
          attribute(op, outcome);
          if (!outcome.ok) {
            recordRestDenial(audit, op, url.pathname, event.req.method, outcome.reason);
            if (outcome.status === 403) return problemResponse({ status: 403, code: 'forbidden', message: 'API key is not allowed for this surface' }, ids);
            const message = outcome.reason === 'missing_credentials' ? 'Authentication required' : 'Invalid credentials';
            return problemResponse({ status: 401, code: 'unauthorized', message }, { ...ids, 'www-authenticate': challenge(config, 'Troupe') });
          }
        }
        const scope: RouteScope = { event, url, op, subject: op.subject ?? PUBLIC_SUBJECT, param: (name) => decodeParam(event, name) };
        const result = await handler(scope);
        const response = result instanceof Response ? result : jsonResponse(200, result);
        for (const [k, v] of Object.entries(ids)) response.headers.set(k, v);
        return response;
      } catch (error) {
        const problem = problemOf(error);
        // Permission denials are audited like authentication denials.
        if (problem.status === 403) recordRestDenial(audit, op, url.pathname, event.req.method, 'insufficient_permissions');
        return problemResponse(problem, ids);
      }
    });
  };
}
