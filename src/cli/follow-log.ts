import { closeSync, openSync, readSync } from 'node:fs';
import type { RunDetails } from '../actors/index.ts';
import { attemptLogDir, fileSize, runLogPath, stepLogPaths } from '../actors/run-logs.ts';
import type { CliBackend } from './backend.ts';
import { TERMINAL } from './backend.ts';
import { EXIT_OK } from './exit-codes.ts';
import type { CliIo } from './io.ts';

const POLL_MS = 150;
const STATUS_EVERY = 4; // polls between run status checks (~0.6 s)

function readRange(path: string, from: number, to: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(to - from);
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, from + got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/**
 * `troupe logs ... --follow`: prints the log (or its last `tail` lines), then every line
 * appended to it until the run has ended. It tails the file in the data directory, reading only
 * the bytes added since the last look; the data directory is on this machine whether or not a
 * server owns it. (When the live streams land, a server-side subscription can replace this.)
 */
export async function followLog(backend: CliBackend, io: CliIo, run: RunDetails, o: { step?: string; stream: 'stdout' | 'stderr'; tail?: number }): Promise<number> {
  const dir = attemptLogDir(backend.dataDir, run.name, run.dagRunId, run.attempt);
  const path = o.step === undefined ? runLogPath(dir) : stepLogPaths(dir, o.step)[o.stream];
  let offset = fileSize(path);
  let partial = '';
  if (offset > 0) {
    let text = readRange(path, 0, offset).toString('utf8');
    const lastNewline = text.lastIndexOf('\n');
    partial = text.slice(lastNewline + 1);
    text = text.slice(0, lastNewline + 1);
    let lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
    if (o.tail !== undefined) lines = lines.slice(-o.tail);
    for (const l of lines) io.out(l);
  }
  const drain = (final: boolean) => {
    const size = fileSize(path);
    if (size > offset) {
      const text = partial + readRange(path, offset, size).toString('utf8');
      offset = size;
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) io.out(l);
    }
    if (final && partial !== '') {
      io.out(partial);
      partial = '';
    }
  };
  let status = run.statusLabel as string;
  for (let tick = 0; !TERMINAL.has(status); tick++) {
    await new Promise((r) => setTimeout(r, POLL_MS));
    drain(false);
    if (tick % STATUS_EVERY === STATUS_EVERY - 1) {
      const d = await backend.getRun(run.name, run.dagRunId);
      status = d?.statusLabel ?? 'failed';
      // A run log gets its last lines right after the status changes: give it one more poll.
      if (TERMINAL.has(status)) await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }
  drain(true);
  return EXIT_OK;
}
