/**
 * The small shell the in-memory executor understands, so that engine tests can use ordinary
 * DAG commands without processes. Statements are separated by newlines, `;` and `&&`; words
 * may be quoted ('…', "…") and expand `$VAR`, `${VAR}` and `$$`. Understood commands:
 * `true`, `false`, `:`, `echo [-n] …`, `printf FORMAT ARGS…` (`%s`, `\n`), `sleep SECONDS`,
 * `exit [N]`, `kill -SIG $$` / `kill -s SIG $$`, `trap '' SIGNALS…` (ignore them), and
 * `yes | head -c N`. `>&2` sends a statement's output to stderr. Anything else prints
 * `<name>: command not found` on stderr and has status 127, as a shell would.
 */
export type ShellOp =
  | { op: 'status'; status: number }
  | { op: 'write'; stream: 'stdout' | 'stderr'; text: string }
  | { op: 'bytes'; stream: 'stdout' | 'stderr'; count: number }
  | { op: 'sleep'; ms: number }
  | { op: 'exit'; status: number }
  | { op: 'kill'; signal: string }
  | { op: 'ignore'; signals: string[] };

export interface ShellStatement {
  /** Skip this statement when the previous one failed (`a && b`). */
  onlyIfOk: boolean;
  ops: ShellOp[];
}

const FAKE_PID = '4242';

function signalName(raw: string): string {
  const name = raw.replace(/^-/, '').toUpperCase();
  const numbers: Record<string, string> = { '1': 'SIGHUP', '2': 'SIGINT', '9': 'SIGKILL', '15': 'SIGTERM' };
  if (numbers[name]) return numbers[name]!;
  return name.startsWith('SIG') ? name : `SIG${name}`;
}

/** Splits a statement into words, honouring quotes and expanding variables. */
function words(source: string, env: Record<string, string>): string[] {
  const out: string[] = [];
  let word = '';
  let inWord = false;
  const expand = (s: string, i: number): [string, number] => {
    if (s[i + 1] === '$') return [FAKE_PID, i + 2];
    if (s[i + 1] === '{') {
      const end = s.indexOf('}', i);
      if (end > 0) return [env[s.slice(i + 2, end)] ?? '', end + 1];
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(i + 1));
    if (!m) return ['$', i + 1];
    return [env[m[0]] ?? '', i + 1 + m[0].length];
  };
  for (let i = 0; i < source.length; ) {
    const c = source[i]!;
    if (c === ' ' || c === '\t') {
      if (inWord) out.push(word);
      word = '';
      inWord = false;
      i++;
    } else if (c === "'") {
      const end = source.indexOf("'", i + 1);
      const stop = end < 0 ? source.length : end;
      word += source.slice(i + 1, stop);
      inWord = true;
      i = stop + 1;
    } else if (c === '"') {
      inWord = true;
      i++;
      while (i < source.length && source[i] !== '"') {
        if (source[i] === '\\' && i + 1 < source.length) {
          word += source[i + 1];
          i += 2;
        } else if (source[i] === '$') {
          const [value, next] = expand(source, i);
          word += value;
          i = next;
        } else word += source[i++];
      }
      i++;
    } else if (c === '$') {
      const [value, next] = expand(source, i);
      word += value;
      inWord = true;
      i = next;
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) out.push(word);
  return out;
}

function printf(format: string, args: string[]): string {
  let i = 0;
  return format
    .replace(/%s/g, () => args[i++] ?? '')
    .replace(/\\n/g, '\n')
    .replace(/\\t/g, '\t');
}

function compile(statement: string, env: Record<string, string>): ShellOp[] {
  const yes = /^yes\s*\|\s*head\s+-c\s+(\d+)$/.exec(statement);
  if (yes) return [{ op: 'bytes', stream: 'stdout', count: Number(yes[1]) }, { op: 'status', status: 0 }];
  let argv = words(statement, env);
  let stream: 'stdout' | 'stderr' = 'stdout';
  if (argv.includes('>&2') || argv.includes('1>&2')) {
    stream = 'stderr';
    argv = argv.filter((w) => w !== '>&2' && w !== '1>&2');
  }
  const [name, ...args] = argv;
  switch (name) {
    case undefined:
      return [];
    case 'true':
    case ':':
      return [{ op: 'status', status: 0 }];
    case 'false':
      return [{ op: 'status', status: 1 }];
    case 'echo': {
      const newline = args[0] !== '-n';
      const text = (newline ? args : args.slice(1)).join(' ') + (newline ? '\n' : '');
      return [{ op: 'write', stream, text }, { op: 'status', status: 0 }];
    }
    case 'printf':
      return [{ op: 'write', stream, text: printf(args[0] ?? '', args.slice(1)) }, { op: 'status', status: 0 }];
    case 'sleep': {
      const seconds = Number(args[0]);
      if (!Number.isFinite(seconds) || seconds < 0) return [{ op: 'write', stream: 'stderr', text: `sleep: invalid time interval '${args[0] ?? ''}'\n` }, { op: 'status', status: 1 }];
      return [{ op: 'sleep', ms: Math.round(seconds * 1000) }, { op: 'status', status: 0 }];
    }
    case 'exit':
      return [{ op: 'exit', status: args[0] === undefined ? -1 : Number(args[0]) & 255 }];
    case 'kill': {
      const target = args[args.length - 1];
      const sig = args[0] === '-s' ? args[1] : args[0];
      if (target === FAKE_PID && sig !== undefined && args.length >= 2) return [{ op: 'kill', signal: signalName(sig) }];
      break;
    }
    case 'trap':
      if (args[0] === '' && args.length > 1) return [{ op: 'ignore', signals: args.slice(1).map(signalName) }, { op: 'status', status: 0 }];
      break;
  }
  return [{ op: 'write', stream: 'stderr', text: `${name}: command not found\n` }, { op: 'status', status: 127 }];
}

/** Parses a command into statements (variables expanded from `env` at parse time). */
export function parseShell(command: string, env: Record<string, string>): ShellStatement[] {
  const out: ShellStatement[] = [];
  for (const line of command.split('\n')) {
    for (const part of line.split(';')) {
      part.split('&&').forEach((piece, i) => {
        const source = piece.trim();
        if (source === '' || source.startsWith('#')) return;
        out.push({ onlyIfOk: i > 0, ops: compile(source, env) });
      });
    }
  }
  return out;
}
