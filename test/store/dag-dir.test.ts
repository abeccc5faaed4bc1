import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, mkdir, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDagDirStore } from '../../src/store/dag-dir.ts';
import { isTroupeError } from '../../src/core/index.ts';
import type { ErrorCode } from '../../src/core/index.ts';

interface Ctx {
  base: string;
  dir: string;
}

const s = suite<Ctx>('dag-dir store', { base: '', dir: '' });

s.before.each(async (ctx) => {
  ctx.base = await mkdtemp(join(tmpdir(), 'troupe-dagdir-'));
  ctx.dir = join(ctx.base, 'dags');
});
s.after.each(async (ctx) => {
  await rm(ctx.base, { recursive: true, force: true });
});

async function rejects(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isTroupeError(error), String(error));
    assert.is(error.code, code, error.message);
    return;
  }
  assert.unreachable(`expected ${code}`);
}

const YAML = 'steps:\n  - run: echo hi\n';

s('write creates the directory on demand and reports created/updated', async ({ dir }) => {
  const store = createDagDirStore(dir);
  assert.equal(await store.list(), []);
  assert.equal(await store.write('hello', YAML), { created: true });
  assert.is(await readFile(join(dir, 'hello.yaml'), 'utf8'), YAML);
  assert.equal(await store.write('hello', 'steps: [{run: echo 2}]\n'), { created: false });
  assert.is(await store.read('hello'), 'steps: [{run: echo 2}]\n');
});

s('read returns undefined for a missing DAG', async ({ dir }) => {
  const store = createDagDirStore(dir);
  assert.is(await store.read('nope'), undefined);
});

s('mustNotExist refuses an existing DAG with DAG_EXISTS and leaves it untouched', async ({ dir }) => {
  const store = createDagDirStore(dir);
  await store.write('a', YAML, { mustNotExist: true });
  await rejects(store.write('a', 'other', { mustNotExist: true }), 'DAG_EXISTS');
  assert.is(await store.read('a'), YAML);
});

s('concurrent creates of one name: exactly one wins', async ({ dir }) => {
  const store = createDagDirStore(dir);
  const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => store.write('race', `# ${i}\n`, { mustNotExist: true })));
  assert.is(results.filter((r) => r.status === 'fulfilled').length, 1);
  for (const r of results) if (r.status === 'rejected') assert.is((r.reason as { code: string }).code, 'DAG_EXISTS');
});

s('.yml files are read, listed, updated in place and removed', async ({ dir }) => {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'legacy.yml'), YAML);
  const store = createDagDirStore(dir);
  assert.is(await store.read('legacy'), YAML);
  assert.equal(await store.write('legacy', 'x: 1\n'), { created: false });
  assert.is(await readFile(join(dir, 'legacy.yml'), 'utf8'), 'x: 1\n');
  assert.equal(await readdir(dir), ['legacy.yml']);
  await store.remove('legacy');
  assert.equal(await readdir(dir), []);
});

s('list: sorted names of *.yaml and *.yml with valid names only', async ({ dir }) => {
  await mkdir(join(dir, 'sub.yaml'), { recursive: true });
  for (const f of ['b.yaml', 'a.yml', 'c.yaml', 'a.yaml', 'notes.txt', 'bad name.yaml', '.tmp-123', 'x.yaml.bak']) await writeFile(join(dir, f), YAML);
  assert.equal(await createDagDirStore(dir).list(), ['a', 'b', 'c']);
});

s('writes are atomic: a temp file is renamed into place and none is left behind', async ({ dir }) => {
  const store = createDagDirStore(dir);
  const big = `# ${'x'.repeat(1 << 20)}\n${YAML}`;
  await store.write('big', YAML);
  // Readers running during rewrites see either the old or the new content, never a mix.
  const reads: Array<Promise<string | undefined>> = [];
  const writes: Array<Promise<unknown>> = [];
  for (let i = 0; i < 10; i++) {
    writes.push(store.write('big', i % 2 === 0 ? big : YAML));
    reads.push(store.read('big'));
  }
  await Promise.all(writes);
  for (const text of await Promise.all(reads)) assert.ok(text === YAML || text === big, `torn read of ${text?.length} chars`);
  assert.equal(await readdir(dir), ['big.yaml']);
});

s('rename moves the file; DAG_NOT_FOUND for a missing source, DAG_EXISTS for a taken target', async ({ dir }) => {
  const store = createDagDirStore(dir);
  await store.write('a', YAML);
  await store.write('b', 'b: 1\n');
  await store.rename('a', 'c');
  assert.is(await store.read('a'), undefined);
  assert.is(await store.read('c'), YAML);
  await rejects(store.rename('missing', 'd'), 'DAG_NOT_FOUND');
  await rejects(store.rename('c', 'b'), 'DAG_EXISTS');
  assert.is(await store.read('b'), 'b: 1\n');
  assert.equal(await store.list(), ['b', 'c']);
});

s('remove deletes; a missing DAG is DAG_NOT_FOUND', async ({ dir }) => {
  const store = createDagDirStore(dir);
  await store.write('gone', YAML);
  await store.remove('gone');
  assert.is(await store.read('gone'), undefined);
  await rejects(store.remove('gone'), 'DAG_NOT_FOUND');
});

s('path traversal attempts are all refused with INVALID_INPUT and touch nothing outside', async ({ base, dir }) => {
  const store = createDagDirStore(dir);
  await writeFile(join(base, 'secret.yaml'), 'secret: 1\n');
  const attempts = ['../secret', '..', '.', '', '/etc/passwd', 'a/b', 'a\\b', '..\\secret', 'x\0y', '%2e%2e%2fsecret', 'x'.repeat(41), ' spaced', 'dag\n'];
  for (const name of attempts) {
    await rejects(store.read(name), 'INVALID_INPUT');
    await rejects(store.write(name, 'pwned: 1\n'), 'INVALID_INPUT');
    await rejects(store.remove(name), 'INVALID_INPUT');
    await rejects(store.rename(name, 'ok'), 'INVALID_INPUT');
  }
  await store.write('ok', YAML);
  await rejects(store.rename('ok', '../escaped'), 'INVALID_INPUT');
  assert.is(await readFile(join(base, 'secret.yaml'), 'utf8'), 'secret: 1\n');
  assert.equal((await readdir(base)).sort(), ['dags', 'secret.yaml']);
  assert.equal(await readdir(dir), ['ok.yaml']);
});

s('a symlinked DAG file pointing outside the directory is not read; one inside is', async ({ base, dir }) => {
  await mkdir(dir, { recursive: true });
  await writeFile(join(base, 'outside.yaml'), 'outside: 1\n');
  await symlink(join(base, 'outside.yaml'), join(dir, 'evil.yaml'));
  await writeFile(join(dir, 'real.yaml'), YAML);
  await symlink(join(dir, 'real.yaml'), join(dir, 'alias.yaml'));
  const store = createDagDirStore(dir);
  await rejects(store.read('evil'), 'INVALID_INPUT');
  assert.is(await store.read('alias'), YAML);
});

s('writing over a symlink replaces the link, never the file it points to', async ({ base, dir }) => {
  await mkdir(dir, { recursive: true });
  await writeFile(join(base, 'outside.yaml'), 'outside: 1\n');
  await symlink(join(base, 'outside.yaml'), join(dir, 'evil.yaml'));
  await createDagDirStore(dir).write('evil', YAML);
  assert.is(await readFile(join(base, 'outside.yaml'), 'utf8'), 'outside: 1\n');
  assert.is(await readFile(join(dir, 'evil.yaml'), 'utf8'), YAML);
});

s('a relative directory is resolved once; names with dots and dashes are fine', async ({ dir }) => {
  const store = createDagDirStore(dir);
  await store.write('v1.2-final_x', YAML);
  assert.equal(await store.list(), ['v1.2-final_x']);
});

s.run();
