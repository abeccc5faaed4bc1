import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultConfig, loadConfigFile, parseConfig } from '../src/config.ts';
import { isTroupeError } from '../src/core/index.ts';

const s = suite('config schema');

function problems(raw: unknown): string[] {
  try {
    parseConfig(raw, { cwd: '/cwd' });
  } catch (e) {
    assert.ok(isTroupeError(e));
    assert.is(e.code, 'INVALID_INPUT');
    const lines = e.message.split('\n');
    assert.equal(lines, (e.details.problems as string[]).map((p) => `config: ${p}`), 'one line per problem');
    return e.details.problems as string[];
  }
  throw new Error('expected the config to be rejected');
}

s('defaults: every key has one, camelCase for the code, directories under cwd', () => {
  const c = defaultConfig('/cwd');
  assert.is(c.host, '127.0.0.1');
  assert.is(c.port, 8080);
  assert.is(c.dataDir, '/cwd/data');
  assert.is(c.dagsDir, '/cwd/dags');
  assert.is(c.auth.mode, 'none');
  assert.is(c.auth.sessionTtlSec, 86400);
  assert.is(c.audit.retentionDays, 7);
  assert.is(c.mcp.maxSubscriptionsPerSession, 64);
  assert.equal(c.queues, []);
  assert.equal(parseConfig(null, { cwd: '/cwd' }), c, 'an empty file is the defaults');
});

s('typos inside sections are errors with their dotted path and a suggestion (finding 4)', () => {
  assert.equal(problems({ auth: { mod: 'builtin' } }), ['auth.mod: unknown key (did you mean mode?)']);
  assert.equal(problems({ audit: { retention_dayz: 3 }, mcp: { max_sesions: 4 } }), [
    'audit.retention_dayz: unknown key (did you mean retention_days?)',
    'mcp.max_sesions: unknown key (did you mean max_sessions?)',
  ]);
  assert.equal(problems({ auth: { basic: { user: 'x' } } }), ['auth.basic.user: unknown key (known keys: username, password)']);
  assert.equal(problems({ queues: [{ name: 'a', max_concurency: 2 }] }), ['queues[0].max_concurency: unknown key (did you mean max_concurrency?)']);
  assert.equal(problems({ prot: 1 }), ['prot: unknown key (did you mean port?)']);
});

s('every problem is reported, not just the first', () => {
  assert.equal(problems({ host: 3, port: 'x', auth: { mode: 'ldap' }, audit: { on_failure: true }, cors: [], max_body_bytes: 1.5 }), [
    'host: must be a string, got 3',
    'port: must be a number, got "x"',
    'max_body_bytes: must be an integer, got 1.5',
    'cors: must be a mapping, got a list',
    'auth.mode: must be one of none, basic, builtin, got "ldap"',
    'audit.on_failure: must be one of fail_closed, fail_open, got true',
  ]);
  assert.equal(problems({ port: 70000, engine: { max_queued_runs: 0 } }), ['port: must be at most 65535, got 70000', 'engine.max_queued_runs: must be at least 1, got 0']);
  assert.equal(problems(['a']), ['the file must hold a mapping of keys']);
});

s('values are converted: base_path normalized, Dagu queues form, directories relative to the file', () => {
  const c = parseConfig({ base_path: 'troupe/', queues: { config: [{ name: 'batch', max_concurrency: 4 }, { name: 'one' }] }, data_dir: 'd' }, { cwd: '/cwd', fileDir: '/etc/troupe' });
  assert.is(c.basePath, '/troupe');
  assert.equal(c.queues, [{ name: 'batch', maxConcurrency: 4 }, { name: 'one', maxConcurrency: 1 }]);
  assert.is(c.dataDir, '/etc/troupe/d');
  assert.is(c.dagsDir, '/cwd/dags', 'a directory the file does not set stays under cwd');
});

s('loadConfigFile names the file on every line; unreadable and non-YAML files are one clear line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-config-'));
  try {
    const file = join(dir, 'troupe.yaml');
    writeFileSync(file, 'auth:\n  mod: builtin\naudit:\n  retention_dayz: 3\n');
    try {
      loadConfigFile(file);
      assert.unreachable();
    } catch (e) {
      assert.equal((e as Error).message.split('\n'), [`config ${file}: auth.mod: unknown key (did you mean mode?)`, `config ${file}: audit.retention_dayz: unknown key (did you mean retention_days?)`]);
    }
    writeFileSync(file, 'port: [1\n');
    assert.throws(() => loadConfigFile(file), (e: Error) => /not valid YAML/.test(e.message) && !e.message.includes('\n'));
    assert.throws(() => loadConfigFile(join(dir, 'missing.yaml')), (e: Error) => /cannot read .*missing\.yaml: no such file/.test(e.message));
    writeFileSync(file, 'auth:\n  mode: builtin\nport: 0\n');
    const c = loadConfigFile(file);
    assert.is(c.auth.mode, 'builtin');
    assert.is(c.port, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

s.run();
