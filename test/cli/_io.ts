import type { CliIo } from '../../src/cli/io.ts';

/** A CliIo that captures lines, for commands run in-process. */
export function captureIo(stdin = '', env: NodeJS.ProcessEnv = {}): CliIo & { outLines: string[]; errLines: string[] } {
  const outLines: string[] = [];
  const errLines: string[] = [];
  return {
    outLines,
    errLines,
    out: (l) => void outLines.push(l),
    err: (l) => void errLines.push(l),
    readStdin: async () => stdin,
    env,
  };
}
