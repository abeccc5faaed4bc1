import { Cron } from 'croner';
import type { At } from './spec-path.ts';
import type { SpecReader } from './spec-reader.ts';

const NICKNAMES = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
const TZ_PREFIX = /^(?:CRON_TZ|TZ)=(\S+)\s+(.*)$/;

/**
 * Reads `schedule`: a cron string, a list of them, or `{start, stop, restart}` each a string or a
 * list. All expressions are collected in file order. Like Dagu (robfig/cron's standard parser),
 * expressions have five fields or are an `@daily`-style nickname, optionally prefixed by
 * `CRON_TZ=<zone>`.
 */
export function readSchedule(reader: SpecReader, at: At, value: unknown): string[] {
  const out: string[] = [];
  const one = (where: At, item: unknown): void => {
    if (typeof item !== 'string') {
      reader.wrongType(where, item, 'a cron expression string');
      return;
    }
    const problem = cronProblem(item);
    if (problem !== undefined) reader.add(where, `invalid cron expression ${JSON.stringify(item)}: ${problem}`, { hint: 'use five fields: minute hour day-of-month month day-of-week, e.g. "0 9 * * 1-5"' });
    else out.push(item.trim());
  };
  const many = (where: At, item: unknown): void => {
    if (Array.isArray(item)) item.forEach((x, i) => one(where.to(i), x));
    else if (item !== null && item !== undefined) one(where, item);
  };
  if (value === null || value === undefined) return out;
  if (value instanceof Map) {
    for (const [key, item] of value) {
      const k = String(key);
      if (k !== 'start' && k !== 'stop' && k !== 'restart') reader.add(at.to(k), `unknown schedule key "${k}"`, { on: 'key', hint: 'use start, stop or restart' });
      else many(at.to(k), item);
    }
  } else {
    many(at, value);
  }
  return out;
}

/** Why a cron expression is not valid, or `undefined`. */
export function cronProblem(expr: string): string | undefined {
  let text = expr.trim();
  let timezone: string | undefined;
  const tz = TZ_PREFIX.exec(text);
  if (tz) {
    timezone = tz[1];
    text = tz[2]!.trim();
  }
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
