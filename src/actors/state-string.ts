/** A state value as a dotted string: `running.active`, `succeeded`. */
export function stateString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const [k, v] = Object.entries(value)[0] ?? [];
    return k === undefined ? '' : `${k}.${stateString(v)}`;
  }
  return String(value);
}

