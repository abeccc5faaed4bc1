import { TroupeError, canExecute, canManageAudit, canWrite, isAdmin, roleInWorkspace } from '../core/index.ts';
import type { Role, Subject } from '../core/index.ts';

/** What an operation needs inside a workspace. */
export type Need = 'read' | 'execute' | 'write';

const CHECK: Record<Need, (role: Role) => boolean> = { read: () => true, execute: canExecute, write: canWrite };

/**
 * Throws unless `subject` may do `need` in `workspace`. A workspace the subject cannot see at
 * all is a 404 (`NOT_FOUND`, worded like a missing resource), so existence never leaks; a
 * visible one with too small a role is a 403.
 */
export function assertWorkspace(subject: Subject, workspace: string, need: Need, notFound: string): void {
  const role = roleInWorkspace(subject.role, subject.workspaceAccess, workspace);
  if (role === undefined) throw new TroupeError('NOT_FOUND', notFound);
  if (!CHECK[need](role)) throw new TroupeError('FORBIDDEN', 'Insufficient permissions');
}

/** True when `subject` can see `workspace`. */
export function canSee(subject: Subject, workspace: string): boolean {
  return roleInWorkspace(subject.role, subject.workspaceAccess, workspace) !== undefined;
}

/** The workspaces a subject is limited to, or `undefined` when it sees all of them. */
export function visibleWorkspaces(subject: Subject): string[] | undefined {
  const access = subject.workspaceAccess;
  if (!access || access.all) return undefined;
  return access.grants.map((g) => g.workspace);
}

/** Audit reading needs manager or admin (global role). */
export function assertAuditReader(subject: Subject): void {
  if (!canManageAudit(subject.role)) throw new TroupeError('FORBIDDEN', 'Insufficient permissions');
}

/** User and API-key management needs admin. */
export function assertAdmin(subject: Subject): void {
  if (!isAdmin(subject.role)) throw new TroupeError('FORBIDDEN', 'Insufficient permissions');
}
