import type { At } from './spec-path.ts';
import type { SpecReader } from './spec-reader.ts';
import { ENV_NAME, scalarText } from './references.ts';

/**
 * Reads `env` in any of Dagu's shapes, keeping file order (later entries may refer to earlier
 * ones): a map, a list of one-key maps, or a list of `KEY=value` strings.
 */
export function readEnv(reader: SpecReader, at: At, value: unknown): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const pushPair = (where: At, key: unknown, raw: unknown): void => {
    const name = String(key);
    if (!ENV_NAME.test(name)) {
      reader.add(where, `env name ${JSON.stringify(name)} is not a valid variable name`, { on: 'key', hint: 'letters, digits and "_", not starting with a digit' });
      return;
    }
    if (raw === null || raw === undefined) {
      out.push([name, '']);
      return;
    }
    if (typeof raw === 'number' || typeof raw === 'bigint') {
      out.push([name, scalarText(raw)]);
      return;
    }
    const s = reader.string(where, raw);
    if (s !== undefined) out.push([name, s]);
  };
  if (value === null || value === undefined) return out;
  if (value instanceof Map) {
    for (const [key, raw] of value) pushPair(at.to(String(key)), key, raw);
    return out;
  }
  if (!Array.isArray(value)) {
    reader.wrongType(at, value, 'a map or a list', 'write env as KEY: value lines');
    return out;
  }
  value.forEach((item, i) => {
    const where = at.to(i);
    if (item instanceof Map) {
      for (const [key, raw] of item) pushPair(where.to(String(key)), key, raw);
    } else if (typeof item === 'string') {
      const eq = item.indexOf('=');
      if (eq <= 0) reader.add(where, `env entry ${JSON.stringify(item)} must look like KEY=value`);
      else if (!ENV_NAME.test(item.slice(0, eq))) reader.add(where, `env name ${JSON.stringify(item.slice(0, eq))} is not a valid variable name`, { hint: 'letters, digits and "_", not starting with a digit' });
      else out.push([item.slice(0, eq), item.slice(eq + 1)]);
    } else {
      reader.wrongType(where, item, 'a KEY=value string or a KEY: value map');
    }
  });
  return out;
}
