import { createLogger } from '../core/index.ts';
import type { Logger } from '../core/index.ts';

/** Where a command writes; tests capture it. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  readStdin(): Promise<string>;
}

export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
};

/** The structured logger of a command: JSON lines on the command's stderr. */
export function cliLogger(io: CliIo): Logger {
  return createLogger({ write: (line) => io.err(line) });
}
