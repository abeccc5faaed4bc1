import { TroupeError } from '../core/index.ts';

/** Run-time labels (`key=value` or `key`) as a map; throws INVALID_INPUT on empty entries. */
export function parseLabels(labels: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of labels ?? []) {
    if (typeof l !== 'string' || l.trim() === '') throw new TroupeError('INVALID_INPUT', 'labels must be non-empty strings', { details: { field: 'labels' } });
    const i = l.indexOf('=');
    if (i === -1) out[l.trim()] = '';
    else out[l.slice(0, i).trim()] = l.slice(i + 1).trim();
  }
  return out;
}

