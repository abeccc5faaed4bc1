/**
 * Roles and permissions, after Dagu's table: viewer reads; operator also runs (start, enqueue,
 * retry, stop, dequeue); developer also writes DAG specs; manager also reads the audit trail;
 * admin also manages users and API keys.
 */
export const ROLES = ['admin', 'manager', 'developer', 'operator', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

const RANK: Record<Role, number> = { viewer: 0, operator: 1, developer: 2, manager: 3, admin: 4 };

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
/** True when `role` is at least `min` in the admin > manager > developer > operator > viewer order. */
export function roleAtLeast(role: Role, min: Role): boolean {
  return RANK[role] >= RANK[min];
}
export const canRead = (_role: Role): boolean => true;
export const canExecute = (role: Role): boolean => roleAtLeast(role, 'operator');
export const canWrite = (role: Role): boolean => roleAtLeast(role, 'developer');
export const canManageAudit = (role: Role): boolean => roleAtLeast(role, 'manager');
export const isAdmin = (role: Role): boolean => role === 'admin';

/** Workspace grants of a user or key. `all: true` (or no access object) means every workspace. */
export interface WorkspaceAccess {
  all: boolean;
  grants: Array<{ workspace: string; role: Role }>;
}

/** The name of the implicit workspace of resources that carry no `workspace=` label. */
export const DEFAULT_WORKSPACE = 'default';

/**
 * The role a subject holds inside `workspace`, or `undefined` when the workspace is not
 * visible to it at all (callers answer 404 then, not 403, so existence does not leak).
 */
export function roleInWorkspace(role: Role, access: WorkspaceAccess | undefined, workspace: string): Role | undefined {
  if (!access || access.all) return role;
  const grant = access.grants.find((g) => g.workspace === workspace);
  return grant?.role;
}
