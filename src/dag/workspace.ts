import { DEFAULT_WORKSPACE } from '../core/index.ts';

/** The workspace a DAG belongs to: its `workspace` label, else `default`. */
export function workspaceOf(labels: Readonly<Record<string, string>>): string {
  const value = Object.hasOwn(labels, 'workspace') ? labels.workspace?.trim() : undefined;
  return value === undefined || value === '' ? DEFAULT_WORKSPACE : value;
}
