import { scanField } from './references.ts';
import type { Reference } from './references.ts';
import type { RefLookup } from './resolve-value.ts';

/** The prefix of the variables that carry reference values into a shell. */
export const REF_VAR_PREFIX = 'TROUPE_REF_';

export interface BoundText {
  text: string;
  /** Variables the text now refers to (`TROUPE_REF_1` → value). */
  env: Record<string, string>;
}

/**
 * Resolves the Dagu references of a `run` text for a POSIX shell without pasting data into the
 * command: `${params.x}`, `${env.X}`, `${steps.a.outputs.y}` and `${params}` become
 * `${TROUPE_REF_n}` and their values travel as environment variables, so a value can never
 * become shell code. Inside single quotes the reference becomes `'"${TROUPE_REF_n}"'` (close,
 * double-quoted variable, reopen), which yields the value, as Dagu's pasting would. Consts and
 * context values are written by the DAG author or by Troupe itself and are pasted as Dagu does.
 * Unknown references are preserved verbatim. Unqualified `$NAME` stays the shell's.
 */
export function bindShellText(text: string, lookup: RefLookup, counter: { next: number } = { next: 1 }): BoundText {
  const env: Record<string, string> = {};
  if (!text.includes('${')) return { text, env };
  const byRaw = new Map<string, string>();
  let out = '';
  for (const p of scanField(text)) {
    if (p.kind === 'text') {
      out += p.text;
      continue;
    }
    if (p.kind === 'env') {
      out += p.raw;
      continue;
    }
    const value = lookup(p);
    if (value === undefined) {
      out += p.raw;
      continue;
    }
    if (pasted(p)) {
      out += value;
      continue;
    }
    let name = byRaw.get(p.raw);
    if (name === undefined) {
      name = `${REF_VAR_PREFIX}${counter.next++}`;
      byRaw.set(p.raw, name);
      env[name] = value;
    }
    out += insideSingleQuotes(out) ? `'"\${${name}}"'` : `\${${name}}`;
  }
  return { text: out, env };
}

/** Consts and context values are author- or Troupe-written text, pasted as Dagu does. */
function pasted(ref: Reference): boolean {
  return ref.ns === 'consts' || ref.ns === 'context';
}

/** Whether the end of `text` lies inside a single-quoted span (POSIX quoting, backslash escapes outside quotes). */
function insideSingleQuotes(text: string): boolean {
  let single = false;
  let double = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (single) {
      if (c === "'") single = false;
      continue;
    }
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === "'" && !double) single = true;
    else if (c === '"') double = !double;
  }
  return single;
}

/** Resolves a text for an interpreter that is not a POSIX shell: every reference is pasted, as Dagu does. */
export function pasteText(text: string, lookup: RefLookup): string {
  if (!text.includes('${')) return text;
  let out = '';
  for (const p of scanField(text)) out += p.kind === 'text' ? p.text : p.kind === 'env' ? p.raw : (lookup(p) ?? p.raw);
  return out;
}
