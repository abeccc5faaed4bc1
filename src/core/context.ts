import { AsyncLocalStorage } from 'node:async_hooks';
import type { Role, WorkspaceAccess } from './roles.ts';

/** Who or what produced an operation. */
export type Source = 'mcp' | 'rest' | 'cli' | 'scheduler' | 'internal';
/** The credential surface a request was accepted on. */
export type Surface = 'mcp' | 'rest_api' | 'cli';
export type CredentialType = 'api_key' | 'session' | 'basic' | 'none' | 'local';

/** The accepted credential. Never holds the secret itself. */
export interface Credential {
  type: CredentialType;
  id?: string;
  name?: string;
  allowedSurfaces?: string[];
  attributionClass?: 'user_owned' | 'service_account';
}

/** The authenticated subject an operation is attributed to. */
export interface Subject {
  userId: string;
  username: string;
  role: Role;
  workspaceAccess?: WorkspaceAccess;
}

/**
 * The context of one operation: seeded at an edge (HTTP middleware, MCP route, CLI command,
 * scheduler tick) and visible to everything that runs while handling it, without being passed
 * down explicitly. The audit trail reads it to attribute entries; the runtime stores its
 * `origin` on runs so that later transitions carry the same correlation id.
 */
export interface OperationContext {
  source: Source;
  surface?: Surface;
  transport?: string;
  requestId?: string;
  correlationId: string;
  sessionId?: string;
  clientName?: string;
  clientVersion?: string;
  /** The workspace the caller asked for (`?workspace=`), or the resource's own. */
  workspace?: string;
  credential?: Credential;
  subject?: Subject;
  ipAddress?: string;
  mcpTool?: string;
  mcpAction?: string;
  /** A W3C `traceparent` the client sent (MCP `_meta` or HTTP header), already validated. */
  traceparent?: string;
}

/**
 * The JSON-safe projection of an `OperationContext` that is stored on runs and on events:
 * identifiers only, no roles or grants.
 */
export interface OperationOrigin {
  source: Source;
  surface?: Surface;
  transport?: string;
  requestId?: string;
  correlationId: string;
  sessionId?: string;
  clientName?: string;
  clientVersion?: string;
  workspace?: string;
  credentialId?: string;
  credentialType?: CredentialType;
  userId?: string;
  username?: string;
  ipAddress?: string;
  mcpTool?: string;
  mcpAction?: string;
  traceparent?: string;
}

const storage = new AsyncLocalStorage<OperationContext>();

/** Runs `fn` with `ctx` as the current operation context. */
export function runWithContext<T>(ctx: OperationContext, fn: () => T): T {
  return storage.run(ctx, fn);
}

/** The current operation context, or `undefined` outside any seeded edge. */
export function currentContext(): OperationContext | undefined {
  return storage.getStore();
}

/** Runs `fn` with the current context extended by `patch` (for example `mcpTool`). */
export function withContextPatch<T>(patch: Partial<OperationContext>, fn: () => T): T {
  const base = storage.getStore();
  if (!base && !patch.correlationId) throw new TypeError('withContextPatch needs a seeded context or a correlationId');
  return storage.run({ ...(base as OperationContext), ...patch } as OperationContext, fn);
}

/**
 * Projects a context to the origin stored on runs and events. Absent members are left out (the
 * result stays small and JSON-stable); the object is built by assignment in one fixed order
 * rather than by deleting `undefined` members, which left every origin in V8's slow dictionary
 * mode (the audit trail builds one per entry).
 */
export function originOf(ctx: OperationContext): OperationOrigin {
  const o = { source: ctx.source } as OperationOrigin;
  if (ctx.surface !== undefined) o.surface = ctx.surface;
  if (ctx.transport !== undefined) o.transport = ctx.transport;
  if (ctx.requestId !== undefined) o.requestId = ctx.requestId;
  if (ctx.correlationId !== undefined) o.correlationId = ctx.correlationId;
  if (ctx.sessionId !== undefined) o.sessionId = ctx.sessionId;
  if (ctx.clientName !== undefined) o.clientName = ctx.clientName;
  if (ctx.clientVersion !== undefined) o.clientVersion = ctx.clientVersion;
  if (ctx.workspace !== undefined) o.workspace = ctx.workspace;
  const credential = ctx.credential;
  if (credential?.id !== undefined) o.credentialId = credential.id;
  if (credential?.type !== undefined) o.credentialType = credential.type;
  const subject = ctx.subject;
  if (subject?.userId !== undefined) o.userId = subject.userId;
  if (subject?.username !== undefined) o.username = subject.username;
  if (ctx.ipAddress !== undefined) o.ipAddress = ctx.ipAddress;
  if (ctx.mcpTool !== undefined) o.mcpTool = ctx.mcpTool;
  if (ctx.mcpAction !== undefined) o.mcpAction = ctx.mcpAction;
  if (ctx.traceparent !== undefined) o.traceparent = ctx.traceparent;
  return o;
}
