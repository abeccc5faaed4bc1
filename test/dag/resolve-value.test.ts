import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { bindShellText, commandOf, formatNumber, parseOutputFile, parseShebang, resolveValue, substituteCommands } from '../../src/dag/index.ts';
import type { Reference } from '../../src/dag/index.ts';
import { parseDotenv } from '../../src/dag/dotenv.ts';

const s = suite('DAG language: value resolution (§8, §9, §11.2)');

const values: Record<string, string> = { 'params.tier': 'gold', 'env.HOME': '/home/x', 'consts.app': 'billing', 'steps.b.outputs.v': '42', 'context.run.id': 'r1', params: '{"tier":"gold"}' };
const lookup = (r: Reference) => values[[r.ns, ...r.path].join('.')] ?? (r.ns === 'params' && r.path.length === 0 ? values.params : undefined);

s('Dagu references resolve in one pass; misses and unsupported forms stay as written', () => {
  assert.is(resolveValue('${params.tier}-${consts.app}-${steps.b.outputs.v}-${run.id}-${context.run.id}', { lookup }), 'gold-billing-42-r1-r1');
  assert.is(resolveValue('${params}', { lookup }), '{"tier":"gold"}');
  assert.is(resolveValue('${params.nope} ${steps.b.stdout} ${steps.b.outputs} $params.tier ${run.bogus}', { lookup }), '${params.nope} ${steps.b.stdout} ${steps.b.outputs} $params.tier ${run.bogus}');
  // Inserted values are data: never re-scanned.
  assert.is(resolveValue('${params.tier}', { lookup: () => '${consts.app}' }), '${consts.app}');
});

s('escapes: odd backslashes protect and lose one, even ones stay live (§8.3 table)', () => {
  assert.is(resolveValue('\\${params.tier}', { lookup }), '${params.tier}');
  assert.is(resolveValue('\\\\${params.tier}', { lookup }), '\\\\gold');
  assert.is(resolveValue('\\\\\\${params.tier}', { lookup }), '\\\\${params.tier}');
});

s('env expansion: $NAME, ${NAME}, shell-style operators, single quotes, missing names preserved (§8.4, §8.5)', () => {
  const env = { A: 'hello', E: '', P: 'path/to/file.tar.gz', U: 'héllo' };
  const r = (t: string) => resolveValue(t, { lookup, env });
  assert.is(r('$A ${A} ${MISSING} $MISSING'), 'hello hello ${MISSING} $MISSING');
  assert.is(r('${E:-w} ${E-w} ${A:+w} ${E:+w} ${A+w} ${E:?w} ${A?w}'), 'w  w  w ${E:?w} hello');
  assert.is(r('${A:1} ${A:1:3} ${A: -3} ${A:1:-1} ${#U}'), 'ello ell llo ell 5');
  assert.is(r('${P#*/} ${P##*/} ${P%.*} ${P%%.*}'), 'to/file.tar.gz file.tar.gz path/to/file.tar path/to/file');
  assert.is(r("'$A' \"$A\" '${env.HOME}'"), "'$A' \"hello\" '/home/x'");
  assert.is(r('${NOPE:-x} ${NOPE+y}'), '${NOPE:-x} ${NOPE+y}', 'an unset name preserves the whole expression');
  assert.is(r('${E:=x} ${A:1}'), '${E:=x} ${A:1}', 'an assigning form preserves shell-style expressions of the field');
  assert.is(resolveValue('$HOSTONLY', { lookup, env, hostEnv: { HOSTONLY: 'h' } }), 'h');
});

s('run text: params/env/outputs become variables (quoted correctly inside single quotes); consts and context are pasted', () => {
  const b = bindShellText(`echo "\${params.tier}" '\${params.tier}' \${consts.app} \${run.id} \${steps.b.outputs.v} $HOME \${params.nope}`, lookup);
  assert.is(b.text, `echo "\${TROUPE_REF_1}" ''"\${TROUPE_REF_1}"'' billing r1 \${TROUPE_REF_2} $HOME \${params.nope}`);
  assert.equal(b.env, { TROUPE_REF_1: 'gold', TROUPE_REF_2: '42' });
});

s('numbers insert as decimal text in fixed notation (§8.7)', () => {
  assert.equal([formatNumber(3), formatNumber(1.5), formatNumber(1e21), formatNumber(1.25e-7), formatNumber(-2e22)], ['3', '1.5', '1000000000000000000000', '0.000000125', '-20000000000000000000000']);
});

s('command substitution: backticks and $(), escaped and unclosed forms literal (§9.2)', async () => {
  const seen: string[] = [];
  const out = await substituteCommands('a `x` b $(y) \\`z\\` $(open `open', async (body) => (seen.push(body), `<${body}>\n`));
  assert.is(out, 'a <x> b <y> \\`z\\` $(open `open');
  assert.equal(seen, ['x', 'y']);
});

s('DAGU_OUTPUT_FILE: records, heredocs, CRLF, and every failure rule (§11.2)', () => {
  const decl = [{ name: 'a', type: 'string' as const }, { name: 'j', type: 'json' as const }];
  const enc = (t: string) => new TextEncoder().encode(t);
  assert.equal(parseOutputFile(enc('a=x=y\r\nj<<EOF\n{"k":\n1}\nEOF\n'), decl), { values: { a: 'x=y', j: '{"k":\n1}' } });
  assert.equal(parseOutputFile(enc('a=\nj=[]'), decl), { values: { a: '', j: '[]' } });
  const err = (t: string | Uint8Array, max?: number) => (parseOutputFile(typeof t === 'string' ? enc(t) : t, decl, max) as { error: string }).error;
  assert.match(err('a=1\n\nj=1'), /line 2: empty line/);
  assert.match(err('a=1\nb=2\nj=1'), /"b" is not a declared output/);
  assert.match(err('a=1\na=2\nj=1'), /written twice/);
  assert.match(err('a=1'), /"j" was not written/);
  assert.match(err('a=1\nj={'), /not valid JSON/);
  assert.match(err('a<<E\nx'), /not closed/);
  assert.match(err('garbage'), /expected name=value/);
  assert.match(err(new Uint8Array([0x61, 0x3d, 0xff])), /not valid UTF-8/);
  assert.match(err('a=1\nj=1', 3), /more than the limit of 3/);
});

s('shebang parsing (§10.5)', () => {
  assert.equal(parseShebang('#!/usr/bin/env python3 -u\nprint(1)'), ['/usr/bin/env', 'python3', '-u']);
  assert.equal(parseShebang("#! /bin/sh 'a b' \"c\\\"d\" e\\ f\n"), ['/bin/sh', 'a b', 'c"d', 'e f']);
  assert.is(parseShebang(' #!/bin/sh'), undefined);
  assert.equal(parseShebang('#!\n'), { error: 'the #! line names no interpreter' });
  assert.equal(parseShebang("#!/bin/sh 'x\n"), { error: 'unterminated quote in the #! line' });
});

s('dotenv parsing: export, comments, quotes, multi-line double quotes', () => {
  assert.equal(parseDotenv('# c\nexport A=1\nB = two words # note\nC=\'lit $X\'\nD="x\\ny"\nE="multi\nline"\n'), { entries: [['A', '1'], ['B', 'two words'], ['C', 'lit $X'], ['D', 'x\ny'], ['E', 'multi\nline']] });
  assert.ok('error' in parseDotenv('not a line'));
});

s('commandOf: a -c argv maps to shell + command; any other argv runs exactly through exec', () => {
  assert.equal(commandOf(['/bin/bash', '-e', '-c', 'echo hi']), { shell: ['/bin/bash', '-e'], command: 'echo hi', argv: ['/bin/bash', '-e', '-c', 'echo hi'] });
  const job = commandOf(['printf', '%s|', 'a b', "it's", '', '$HOME']);
  assert.is(execFileSync(job.shell[0]!, [...job.shell.slice(1), '-c', job.command], { encoding: 'utf8' }), "a b|it's||$HOME|");
});

s.run();
