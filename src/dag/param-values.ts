import type { DagParam } from './types.ts';
import { scalarText } from './references.ts';

type ParamType = NonNullable<DagParam['type']>;

/**
 * A value in its declared type, as text (§4.2.6): integer = base-10, number = a float,
 * boolean = true/false (any case). JSON rendering: `1.0` → `1`.
 */
export function normalizeTyped(type: ParamType, value: unknown): { value: string } | { error: string } {
  const text = typeof value === 'string' ? value.trim() : scalarText(value);
  switch (type) {
    case 'string':
      return { value: typeof value === 'string' ? value : scalarText(value) };
    case 'integer': {
      if (typeof value === 'number' && Number.isInteger(value)) return { value: scalarText(value) };
      if (/^[+-]?\d+$/.test(text)) return { value: scalarText(Number(text)) };
      return { error: `${JSON.stringify(typeof value === 'string' ? value : text)} is not an integer` };
    }
    case 'number': {
      const n = typeof value === 'number' ? value : text === '' ? NaN : Number(text);
      if (Number.isFinite(n)) return { value: scalarText(n) };
      return { error: `${JSON.stringify(typeof value === 'string' ? value : text)} is not a number` };
    }
    case 'boolean': {
      if (typeof value === 'boolean') return { value: String(value) };
      const lower = text.toLowerCase();
      if (lower === 'true' || lower === 'false') return { value: lower };
      return { error: `${JSON.stringify(typeof value === 'string' ? value : text)} is not true or false` };
    }
  }
}

/** Why `value` (already normalized) breaks the param's constraints, or `undefined`. */
export function checkParamValue(p: DagParam, value: string): string | undefined {
  if (p.enum && !p.enum.includes(value)) return `${JSON.stringify(value)} is not one of ${p.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  if (p.type === 'integer' || p.type === 'number') {
    const n = Number(value);
    if (p.minimum !== undefined && n < p.minimum) return `${value} is less than the minimum ${p.minimum}`;
    if (p.maximum !== undefined && n > p.maximum) return `${value} is greater than the maximum ${p.maximum}`;
  }
  if (p.type === undefined || p.type === 'string') {
    const len = [...value].length;
    if (p.minLength !== undefined && len < p.minLength) return `is shorter than ${p.minLength} characters`;
    if (p.maxLength !== undefined && len > p.maxLength) return `is longer than ${p.maxLength} characters`;
    if (p.pattern !== undefined && !new RegExp(p.pattern, 'u').test(value)) return `does not match the pattern ${JSON.stringify(p.pattern)}`;
  }
  return undefined;
}
