import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What a running server leaves in its data directory so the CLI can reach it. */
export interface ServerFile {
  pid: number;
  /** Base URL including the base path, e.g. http://127.0.0.1:8080/troupe */
  url: string;
  /** A local credential for the CLI (the file is readable by its owner only). */
  token: string;
}

export const serverFilePath = (dataDir: string) => join(dataDir, 'server.json');

export function writeServerFile(dataDir: string, info: ServerFile): void {
  const path = serverFilePath(dataDir);
  writeFileSync(path, JSON.stringify(info), { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** The running server's file, or undefined when there is none or its process is gone. */
export function readServerFile(dataDir: string): ServerFile | undefined {
  try {
    const info = JSON.parse(readFileSync(serverFilePath(dataDir), 'utf8')) as ServerFile;
    process.kill(info.pid, 0);
    return info;
  } catch {
    return undefined;
  }
}

export function removeServerFile(dataDir: string): void {
  rmSync(serverFilePath(dataDir), { force: true });
}
