import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { LogTail } from './types.ts';

/** A file-name-safe form of a step name; a short hash keeps distinct names distinct. */
export function safeFileName(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9_.-]/g, '_');
  if (safe === name && name !== '.' && name !== '..') return name;
  return `${safe}-${createHash('sha256').update(name).digest('hex').slice(0, 8)}`;
}

/** Where one attempt of a run keeps its logs. */
export function attemptLogDir(dataDir: string, name: string, dagRunId: string, attempt: number): string {
  return join(dataDir, 'logs', name, dagRunId, String(attempt));
}

export function stepLogPaths(logDir: string, stepName: string): { stdout: string; stderr: string } {
  const base = join(logDir, safeFileName(stepName));
  return { stdout: `${base}.stdout.log`, stderr: `${base}.stderr.log` };
}

export function runLogPath(logDir: string): string {
  return join(logDir, 'run.log');
}

/** Size of a file, 0 when it does not exist. */
export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** Reads at most the last `maxBytes` of a file. */
function readEnd(path: string, maxBytes: number): { text: string; truncated: boolean } {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    const length = Math.min(size, maxBytes);
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, size - length);
    return { text: buf.toString('utf8'), truncated: size > length };
  } catch {
    return { text: '', truncated: false };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * The last `tail` lines of a log file. Reads at most 8 MiB from the end, so a huge log costs
 * a bounded read; `totalLines` then counts only what was read (and `hasMore` is true).
 */
export function tailFile(path: string, tail: number): LogTail {
  const { text, truncated } = readEnd(path, 8 * 1024 * 1024);
  if (text === '') return { content: '', lineCount: 0, totalLines: 0, hasMore: false };
  let lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (truncated) lines = lines.slice(1); // the first line is probably cut
  const kept = lines.slice(Math.max(0, lines.length - tail));
  return { content: kept.join('\n'), lineCount: kept.length, totalLines: lines.length, hasMore: truncated || kept.length < lines.length };
}
