import { createLogger } from '../core/index.ts';
import type { Logger } from '../core/index.ts';

/** Where a command writes; tests capture it. */
export interface CliIo {
  /** One line to stdout (results). */
  out(line: string): void;
  /** One line to stderr (progress notes, warnings, errors). */
  err(line: string): void;
  readStdin(): Promise<string>;
  /**
   * Set when stdout is a terminal: raw writes for the live progress display (cursor movement),
   * and the terminal's width. Absent when stdout is a pipe or a file.
   */
  tty?: { write(text: string): void; columns: number };
  /** The environment the command sees (TROUPE_* variables, TROUPE_DEBUG). */
  env: NodeJS.ProcessEnv;
}

export const processIo: CliIo = {
  out: (line) => void process.stdout.write(`${line}\n`),
  err: (line) => void process.stderr.write(`${line}\n`),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
  ...(process.stdout.isTTY ? { tty: { write: (text: string) => void process.stdout.write(text), get columns() { return process.stdout.columns || 80; } } } : {}),
  env: process.env,
};

/** The structured logger of a command: JSON lines on the command's stderr. */
export function cliLogger(io: CliIo): Logger {
  return createLogger({ write: (line) => io.err(line) });
}
