import type { At } from './spec-path.ts';
import type { SpecReader } from './spec-reader.ts';
import { setOwn } from './set-own.ts';

/**
 * Reads `labels` (or the deprecated `tags`) into a record: a string `"a=b,c"`, a map, or a list
 * of `key=value` / `key` strings. Key-only labels map to `''`.
 */
export function readLabels(reader: SpecReader, at: At, value: unknown, into: Record<string, string>): void {
  const addText = (where: At, text: string): void => {
    const trimmed = text.trim();
    if (trimmed === '') return;
    const eq = trimmed.indexOf('=');
    const key = (eq < 0 ? trimmed : trimmed.slice(0, eq)).trim();
    if (key === '') {
      reader.add(where, `label ${JSON.stringify(text)} has no key`);
      return;
    }
    setOwn(into, key, eq < 0 ? '' : trimmed.slice(eq + 1).trim());
  };
  if (value === null || value === undefined) return;
  if (typeof value === 'string') {
    for (const part of value.split(',')) addText(at, part);
  } else if (value instanceof Map) {
    for (const [key, raw] of value) {
      const where = at.to(String(key));
      if (raw === null || raw === undefined) setOwn(into, String(key), '');
      else {
        const v = reader.string(where, raw);
        if (v !== undefined) setOwn(into, String(key), v);
      }
    }
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => {
      if (typeof item === 'string') addText(at.to(i), item);
      else reader.wrongType(at.to(i), item, 'a "key=value" string');
    });
  } else {
    reader.wrongType(at, value, 'a string, a map or a list');
  }
}
