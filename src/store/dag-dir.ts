import { randomBytes } from 'node:crypto';
import { link, lstat, mkdir, open, readFile, readdir, realpath, rename as fsRename, unlink } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { TroupeError, dagNameProblem } from '../core/index.ts';
import type { DagStore } from '../actors/ports.ts';

const EXTENSIONS = ['.yaml', '.yml'] as const;

/**
 * A `DagStore` over a directory of `<name>.yaml` files (`<name>.yml` is read too). Names are
 * validated and every path is checked to stay inside the directory; writes go to a temp file
 * that is renamed into place, so readers never see half a file.
 *
 * @example
 * const dags = createDagDirStore('./dags');
 * await dags.write('hello', 'steps:\n  - run: echo hello\n', { mustNotExist: true });
 */
export function createDagDirStore(dir: string): DagStore {
  const root = resolve(dir);

  /** The file a name maps to, after the name and the resolved path are checked. */
  function fileOf(name: string, ext: (typeof EXTENSIONS)[number] = '.yaml'): string {
    if (typeof name !== 'string' || name.includes('\0')) throw new TroupeError('INVALID_INPUT', 'DAG name must be a string without NUL bytes', { details: { field: 'name' } });
    const problem = dagNameProblem(name);
    if (problem !== undefined) throw new TroupeError('INVALID_INPUT', problem, { details: { field: 'name' } });
    // Defence in depth: the name rule already excludes separators, but never trust one check.
    const file = resolve(root, `${name}${ext}`);
    if (dirname(file) !== root || !file.startsWith(root + sep)) throw new TroupeError('INVALID_INPUT', 'DAG name must not address a path outside the DAG directory', { details: { field: 'name' } });
    return file;
  }

  /** The existing file of a name (`.yaml` first), or `undefined`. */
  async function existing(name: string): Promise<string | undefined> {
    for (const ext of EXTENSIONS) {
      const file = fileOf(name, ext);
      try {
        const st = await lstat(file);
        if (st.isFile() || st.isSymbolicLink()) return file;
      } catch (error) {
        if (!isCode(error, 'ENOENT') && !isCode(error, 'ENOTDIR')) throw unavailable(error);
      }
    }
    return undefined;
  }

  /** Refuses a symlink that leads out of the directory. */
  async function checkInside(file: string): Promise<void> {
    const st = await lstat(file);
    if (!st.isSymbolicLink()) return;
    const [real, realRoot] = await Promise.all([realpath(file), realpath(root)]);
    if (!real.startsWith(realRoot + sep)) throw new TroupeError('INVALID_INPUT', 'DAG file is a link to a path outside the DAG directory');
  }

  async function writeTemp(yaml: string): Promise<string> {
    try {
      await mkdir(root, { recursive: true });
    } catch (error) {
      throw unavailable(error);
    }
    const temp = join(root, `.tmp-${randomBytes(6).toString('hex')}`);
    try {
      const handle = await open(temp, 'wx', 0o644);
      try {
        await handle.writeFile(yaml, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw unavailable(error);
    }
    return temp;
  }

  return {
    async list() {
      let entries;
      try {
        entries = await readdir(root, { withFileTypes: true });
      } catch (error) {
        if (isCode(error, 'ENOENT')) return [];
        throw unavailable(error);
      }
      const names = new Set<string>();
      for (const entry of entries) {
        if (!entry.isFile() && !entry.isSymbolicLink()) continue;
        const ext = EXTENSIONS.find((e) => entry.name.endsWith(e));
        if (!ext) continue;
        const name = entry.name.slice(0, -ext.length);
        if (dagNameProblem(name) === undefined) names.add(name);
      }
      return [...names].sort();
    },

    async read(name) {
      const file = await existing(name);
      if (file === undefined) return undefined;
      try {
        await checkInside(file);
        return await readFile(file, 'utf8');
      } catch (error) {
        if (isCode(error, 'ENOENT')) return undefined;
        throw unavailable(error);
      }
    },

    async write(name, yaml, options = {}) {
      const current = await existing(name);
      if (current !== undefined && options.mustNotExist) throw new TroupeError('DAG_EXISTS', `DAG "${name}" already exists`, { details: { name } });
      const target = current ?? fileOf(name);
      const temp = await writeTemp(yaml);
      try {
        if (options.mustNotExist) {
          // link() fails with EEXIST instead of replacing, which closes the check-then-write race.
          await link(temp, target);
          await unlink(temp);
        } else {
          await fsRename(temp, target);
        }
      } catch (error) {
        await unlink(temp).catch(() => undefined);
        if (isCode(error, 'EEXIST')) throw new TroupeError('DAG_EXISTS', `DAG "${name}" already exists`, { details: { name } });
        throw unavailable(error);
      }
      return { created: current === undefined };
    },

    async rename(name, newName) {
      const source = await existing(name);
      const targetExists = await existing(newName);
      if (source === undefined) throw new TroupeError('DAG_NOT_FOUND', `DAG "${name}" not found`, { details: { name } });
      if (targetExists !== undefined) throw new TroupeError('DAG_EXISTS', `DAG "${newName}" already exists`, { details: { name: newName } });
      const target = fileOf(newName, source.endsWith('.yml') ? '.yml' : '.yaml');
      try {
        await link(source, target);
        await unlink(source);
      } catch (error) {
        if (isCode(error, 'EEXIST')) throw new TroupeError('DAG_EXISTS', `DAG "${newName}" already exists`, { details: { name: newName } });
        if (isCode(error, 'ENOENT')) throw new TroupeError('DAG_NOT_FOUND', `DAG "${name}" not found`, { details: { name } });
        throw unavailable(error);
      }
    },

    async remove(name) {
      const files: string[] = [];
      for (const ext of EXTENSIONS) files.push(fileOf(name, ext));
      let removed = 0;
      for (const file of files) {
        try {
          await unlink(file);
          removed++;
        } catch (error) {
          if (!isCode(error, 'ENOENT')) throw unavailable(error);
        }
      }
      if (removed === 0) throw new TroupeError('DAG_NOT_FOUND', `DAG "${name}" not found`, { details: { name } });
    },
  };
}

function isCode(error: unknown, code: string): boolean {
  return (error as { code?: unknown } | null)?.code === code;
}

function unavailable(error: unknown): TroupeError {
  if ((error as { name?: unknown } | null)?.name === 'TroupeError') return error as TroupeError;
  return new TroupeError('STORE_UNAVAILABLE', `DAG directory: ${(error as Error).message}`, { cause: error });
}
