// Data the views share: the machine catalog (fetched once) and who the caller is.
import type { MachineJson } from '../visualizer/machine-graph.ts';
import { api } from './api.ts';

let machines: Promise<Map<string, MachineJson>> | undefined;

export function machineCatalog(): Promise<Map<string, MachineJson>> {
  machines ??= api<{ machines: MachineJson[] }>('/machines')
    .then((r) => new Map(r.machines.map((m) => [m.id, m])))
    .catch((e) => {
      machines = undefined;
      throw e;
    });
  return machines;
}

export type Role = 'admin' | 'manager' | 'developer' | 'operator' | 'viewer';
const RANK: Record<Role, number> = { viewer: 0, operator: 1, developer: 2, manager: 3, admin: 4 };

export interface Me {
  user: { id: string; username: string; role: Role; workspaceAccess?: { all: boolean; grants: Array<{ workspace: string; role: Role }> } };
  credential: { type: string; name?: string };
}

let me: Me | undefined;
export const currentUser = () => me;
export const setCurrentUser = (m: Me | undefined) => void (me = m);

/** The caller's role inside `workspace` (as the server computes it), or undefined when hidden. */
export function roleIn(workspace: string): Role | undefined {
  if (!me) return undefined;
  const access = me.user.workspaceAccess;
  if (!access || access.all) return me.user.role;
  return access.grants.find((g) => g.workspace === workspace)?.role;
}
export const can = (workspace: string, min: Role) => {
  const r = roleIn(workspace);
  return r !== undefined && RANK[r] >= RANK[min];
};
export const canReadAudit = () => me !== undefined && RANK[me.user.role] >= RANK.manager;
