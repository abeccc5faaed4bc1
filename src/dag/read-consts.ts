import type { At } from './spec-path.ts';
import type { SpecReader } from './spec-reader.ts';
import { NAME, referencesIn, scalarText } from './references.ts';
import { resolveValue } from './resolve-value.ts';

/**
 * Reads `consts` (§6): a list of single-entry maps, resolved now, in order. A string value may
 * use `${consts.x}` of earlier entries only; every other reference stays as written (the notice
 * pass reports it). Values are strings, finite numbers or booleans.
 */
export function readConsts(reader: SpecReader, at: At, value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (value === null || value === undefined) return out;
  if (!Array.isArray(value)) {
    reader.wrongType(at, value, 'a list of single-entry maps', 'write consts as "- name: value" lines');
    return out;
  }
  value.forEach((item, i) => {
    const where = at.to(i);
    if (!(item instanceof Map) || item.size !== 1) {
      if (item instanceof Map) reader.add(where, `each consts entry must hold exactly one name, got ${item.size}`, { hint: 'one "- name: value" line per const' });
      else reader.wrongType(where, item, 'a single-entry map such as "- app: billing"');
      return;
    }
    const [[rawKey, raw]] = [...item.entries()] as [[unknown, unknown]];
    const key = String(rawKey);
    const keyAt = where.to(key);
    if (!NAME.test(key)) {
      reader.add(keyAt, `const name ${JSON.stringify(key)} must start with a letter and hold only letters, digits and "_"`, { on: 'key' });
      return;
    }
    if (Object.hasOwn(out, key)) {
      reader.add(keyAt, `duplicate const ${JSON.stringify(key)}`, { on: 'key' });
      return;
    }
    let text: string;
    if (typeof raw === 'string') {
      const earlier = { ...out };
      text = referencesIn(raw).length === 0 ? raw : resolveValue(raw, { lookup: (r) => (r.ns === 'consts' && Object.hasOwn(earlier, r.path[0]!) ? earlier[r.path[0]!] : undefined) });
    } else if ((typeof raw === 'number' && Number.isFinite(raw)) || typeof raw === 'boolean' || typeof raw === 'bigint') {
      text = scalarText(raw);
    } else {
      reader.add(keyAt, `const ${JSON.stringify(key)} must be a string, a finite number or a boolean`, typeof raw === 'number' ? {} : { hint: 'consts hold scalar values only' });
      return;
    }
    Object.defineProperty(out, key, { value: text, enumerable: true, writable: true, configurable: true });
  });
  return out;
}
