/** The text that replaces a secret value in logs, records and errors. */
export const MASK = '*******';

/**
 * Replaces every occurrence of every secret value in `text` with `*******`, longest values
 * first (a secret containing another is masked whole). Empty values are ignored.
 */
export function maskText(text: string, secrets: readonly string[]): string {
  if (secrets.length === 0 || text === '') return text;
  let out = text;
  for (const s of [...secrets].filter((v) => v !== '').sort((a, b) => b.length - a.length)) {
    if (out.includes(s)) out = out.split(s).join(MASK);
  }
  return out;
}
