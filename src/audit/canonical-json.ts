/**
 * Canonical JSON: object keys sorted recursively, `undefined` members dropped, non-finite
 * numbers as `null`, `toJSON()` honoured. Two equal values always give the same bytes, which
 * is what the hash chain is computed over.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonicalize(value));
}

/** A JSON-safe deep copy of `value` with object keys in sorted order. */
export function canonicalize(value: unknown, depth = 0): unknown {
  if (value === null) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      return value.toString();
    case 'object':
      break;
    default:
      // undefined, functions and symbols have no JSON form.
      return undefined;
  }
  // Deep structures are cut rather than risking a stack overflow on a cyclic value.
  if (depth > 32) return '[too deep]';
  const obj = value as { toJSON?: () => unknown };
  if (typeof obj.toJSON === 'function') return canonicalize(obj.toJSON(), depth + 1);
  if (Array.isArray(value)) return value.map((v) => canonicalize(v, depth + 1) ?? null);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = canonicalize((value as Record<string, unknown>)[key], depth + 1);
    if (v !== undefined) out[key] = v;
  }
  return out;
}
