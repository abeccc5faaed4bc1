import { DEFAULT_WORKSPACE, canExecute, canWrite, currentContext, roleInWorkspace } from '../core/index.ts';
import type { Role, Subject } from '../core/index.ts';
import { ToolFailure } from './tool-failure.ts';

/**
 * Authorization inside the MCP tools (Dagu §2.4). The HTTP layer has authenticated the
 * request and put the subject into the operation context; here each resource's own
 * workspace decides. A resource in a workspace the subject cannot see reads as not found,
 * so its existence does not leak.
 */

/** The authenticated subject of the current request. Throws `unauthenticated` without one. */
export function currentSubject(): Subject {
  const subject = currentContext()?.subject;
  if (!subject) throw new ToolFailure('unauthenticated', 'Authentication required.');
  return subject;
}

/** The workspace a label set puts a resource into (`workspace=<name>`, else `default`). */
export function workspaceOfLabels(labels: Readonly<Record<string, string>> | undefined): string {
  const value = labels && Object.hasOwn(labels, 'workspace') ? labels.workspace?.trim() : undefined;
  return value ? value : DEFAULT_WORKSPACE;
}

/** The subject's role in `workspace`, or `undefined` when it cannot see that workspace. */
export function roleIn(workspace: string): Role | undefined {
  const s = currentSubject();
  return roleInWorkspace(s.role, s.workspaceAccess, workspace);
}

/** True when the current subject can see resources of `workspace`. */
export const canSee = (workspace: string): boolean => roleIn(workspace) !== undefined;

/** The workspaces a list must be limited to, or `undefined` for all. */
export function visibleWorkspaces(): string[] | undefined {
  const s = currentSubject();
  if (!s.workspaceAccess || s.workspaceAccess.all) return undefined;
  return s.workspaceAccess.grants.map((g) => g.workspace);
}

/**
 * Requires write (developer+) or execute (operator+) rights in `workspace`. An invisible
 * workspace throws `notFound()`; a visible one without the right throws `unauthorized`.
 */
export function requireRight(right: 'write' | 'execute', workspace: string, notFound: () => ToolFailure, extras: Record<string, unknown> = {}): void {
  const role = roleIn(workspace);
  if (role === undefined) throw notFound();
  const ok = right === 'write' ? canWrite(role) : canExecute(role);
  if (!ok) {
    const need = right === 'write' ? 'developer' : 'operator';
    throw new ToolFailure('unauthorized', `Insufficient permissions: this needs the ${need} role or higher in workspace ${workspace}.`, extras);
  }
}
