import { Cron } from 'croner';
import type { ScheduleEntry, ScheduleForm } from './types.ts';
import type { At } from './spec-path.ts';
import type { SpecReader } from './spec-reader.ts';

const NICKNAMES = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
const TZ_PREFIX = /^(?:CRON_TZ|TZ)=(\S+)\s+(.*)$/;
const PROFILE = /^[a-z0-9][a-z0-9._-]*$/;
/** RFC 3339 with an explicit offset and `:00` seconds (minute precision), as Dagu's one-off `at`. */
const AT_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::00(?:\.0+)?)?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * Reads `schedule`: a cron string, a list of them, or `{start, stop, restart}` each a string,
 * an entry object (`{expression, profile?}` or `{at, profile?}`) or a list of those. All cron
 * expressions are returned in file order (what `validate` and `dags` print); `entries`, when
 * given, receives every entry with its form (start/stop/restart) for the scheduler. Like Dagu
 * (robfig/cron's standard parser), expressions have five fields or are an `@daily`-style
 * nickname, optionally prefixed by `CRON_TZ=<zone>` or `TZ=<zone>`.
 */
export function readSchedule(reader: SpecReader, at: At, value: unknown, entries: ScheduleEntry[] = []): string[] {
  const out: string[] = [];
  const cron = (where: At, item: unknown, form: ScheduleForm, profile?: string): void => {
    if (typeof item !== 'string') {
      reader.wrongType(where, item, 'a cron expression string');
      return;
    }
    const problem = cronProblem(item);
    if (problem !== undefined) {
      reader.add(where, `invalid cron expression ${JSON.stringify(item)}: ${problem}`, { hint: 'use five fields: minute hour day-of-month month day-of-week, e.g. "0 9 * * 1-5"' });
      return;
    }
    out.push(item.trim());
    entries.push({ form, kind: 'cron', text: item.trim(), ...splitTimezone(item), ...(profile !== undefined ? { profile } : {}) });
  };
  const one = (where: At, item: unknown, form: ScheduleForm): void => {
    if (!(item instanceof Map)) {
      cron(where, item, form);
      return;
    }
    const keys = [...item.keys()].map(String);
    for (const k of keys) if (!['kind', 'expression', 'at', 'profile'].includes(k)) reader.add(where.to(k), `unknown schedule entry key "${k}"`, { on: 'key', hint: 'use expression or at, with kind and profile' });
    let profile: string | undefined;
    if (item.has('profile')) {
      profile = reader.string(where.to('profile'), item.get('profile'));
      if (profile !== undefined && !PROFILE.test(profile)) reader.add(where.to('profile'), `invalid profile name ${JSON.stringify(profile)}`, { hint: 'lower-case letters, digits, ".", "_" and "-"' });
    }
    const kind = item.has('kind') ? reader.string(where.to('kind'), item.get('kind')) : item.has('at') ? 'at' : 'cron';
    if (kind !== 'cron' && kind !== 'at') {
      reader.add(where.to('kind'), `must be "cron" or "at", got ${JSON.stringify(kind)}`);
      return;
    }
    if (item.has('expression') && item.has('at')) {
      reader.add(where, 'a schedule entry has either expression or at, not both');
      return;
    }
    if (kind === 'cron') {
      if (!item.has('expression')) reader.add(where.to('expression'), 'a cron schedule entry needs expression', { field: 'expression' });
      else cron(where.to('expression'), item.get('expression'), form, profile);
      return;
    }
    if (form !== 'start') {
      reader.add(where.to('at'), `a one-off "at" entry is only allowed under start, not ${form}`);
      return;
    }
    const raw = item.get('at');
    const text = raw instanceof Date ? raw.toISOString() : typeof raw === 'string' ? raw.trim() : undefined;
    if (text === undefined || !AT_TIME.test(text) || Number.isNaN(Date.parse(text))) {
      reader.add(where.to('at'), `must be an RFC 3339 time with an offset and :00 seconds, got ${JSON.stringify(raw instanceof Date ? raw.toISOString() : raw)}`, { hint: 'e.g. "2026-09-01T09:30:00+09:00"' });
      return;
    }
    entries.push({ form, kind: 'at', text, atMs: Date.parse(text), ...(profile !== undefined ? { profile } : {}) });
  };
  const many = (where: At, item: unknown, form: ScheduleForm): void => {
    if (Array.isArray(item)) item.forEach((x, i) => one(where.to(i), x, form));
    else if (item !== null && item !== undefined) one(where, item, form);
  };
  if (value === null || value === undefined) return out;
  if (value instanceof Map && ['start', 'stop', 'restart'].some((k) => value.has(k))) {
    for (const [key, item] of value) {
      const k = String(key);
      if (k !== 'start' && k !== 'stop' && k !== 'restart') reader.add(at.to(k), `unknown schedule key "${k}"`, { on: 'key', hint: 'use start, stop or restart' });
      else many(at.to(k), item, k);
    }
  } else if (value instanceof Map && !['expression', 'at', 'kind'].some((k) => value.has(k))) {
    for (const key of value.keys()) reader.add(at.to(String(key)), `unknown schedule key "${String(key)}"`, { on: 'key', hint: 'use start, stop or restart' });
  } else {
    many(at, value, 'start');
  }
  return out;
}

/** `CRON_TZ=Asia/Tokyo 0 18 * * *` → the expression and its zone. */
export function splitTimezone(expr: string): { expression: string; timezone?: string } {
  const text = expr.trim();
  const tz = TZ_PREFIX.exec(text);
  return tz ? { expression: tz[2]!.trim(), timezone: tz[1]! } : { expression: text };
}

/** Why a cron expression is not valid, or `undefined`. */
export function cronProblem(expr: string): string | undefined {
  const { expression: text, timezone } = splitTimezone(expr);
  if (text.startsWith('@')) {
    if (!NICKNAMES.has(text)) return `unknown nickname ${text}`;
  } else {
    const fields = text.split(/\s+/).filter((f) => f !== '').length;
    if (fields !== 5) return `expected 5 fields, got ${fields}`;
  }
  try {
    const cron = new Cron(text, { paused: true, ...(timezone !== undefined ? { timezone } : {}) });
    // Time zones are only checked when a date is computed.
    cron.nextRun();
    cron.stop();
  } catch (error) {
    return (error as Error).message.replace(/^CronPattern: /, '');
  }
  return undefined;
}
