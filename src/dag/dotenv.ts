/**
 * Parses a dotenv file (§5.4: the usual format, as joho/godotenv reads it): `KEY=VALUE` lines,
 * optional `export `, `#` comments, single-quoted values literal, double-quoted values with
 * `\n`/`\"` escapes (and may span lines), unquoted values trimmed with inline ` #` comments cut.
 */
export function parseDotenv(text: string): { entries: Array<[string, string]> } | { error: string } {
  const entries: Array<[string, string]> = [];
  const src = text.replace(/\r\n?/g, '\n');
  let i = 0;
  let line = 1;
  while (i < src.length) {
    const end = src.indexOf('\n', i) < 0 ? src.length : src.indexOf('\n', i);
    const raw = src.slice(i, end);
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) {
      i = end + 1;
      line++;
      continue;
    }
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*[=:]\s*/.exec(raw);
    if (!m) return { error: `line ${line}: expected KEY=VALUE` };
    const key = m[1]!;
    let pos = i + m[0].length;
    const q = src[pos];
    if (q === '"' || q === "'") {
      let value = '';
      pos++;
      for (; pos < src.length && src[pos] !== q; pos++) {
        if (q === '"' && src[pos] === '\\' && pos + 1 < src.length) {
          const c = src[++pos]!;
          value += c === 'n' ? '\n' : c === 't' ? '\t' : c === 'r' ? '\r' : c;
        } else {
          if (src[pos] === '\n') line++;
          value += src[pos];
        }
      }
      if (pos >= src.length) return { error: `line ${line}: unterminated quote` };
      entries.push([key, value]);
      const next = src.indexOf('\n', pos);
      i = next < 0 ? src.length : next + 1;
      line++;
      continue;
    }
    let value = src.slice(pos, end);
    const hash = value.search(/\s#/);
    if (hash >= 0) value = value.slice(0, hash);
    entries.push([key, value.trim()]);
    i = end + 1;
    line++;
  }
  return { entries };
}
