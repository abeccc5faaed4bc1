// The launcher helper process: a small, idle Node process that starts step processes for the
// local executor, so that forking never happens from the big, busy server process (fork cost
// grows with the parent's memory, and a spawn blocks the parent's event loop until exec).
// Started once per executor by `local-process.ts` with an IPC channel; it lives as long as
// that channel: when the executor's process goes away (even by SIGKILL), the channel closes
// and the helper kills every job it runs, then exits.
import { createLauncher } from './launcher.ts';
import type { FromLauncher, ToLauncher } from './launcher-protocol.ts';

function send(message: FromLauncher): void {
  // With a callback, a channel closed meanwhile is an error here, not an 'error' event that
  // would crash the helper before it has killed its jobs (the 'disconnect' handler does that).
  if (process.connected) process.send!(message, undefined, undefined, () => {});
}

const launcher = createLauncher(send);
let stopping = false;

async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await launcher.shutdown();
  process.exit(code);
}

process.on('message', (message: ToLauncher) => launcher.handle(message));
process.on('disconnect', () => void stop(0));
// The executor decides when steps stop: a terminal's Ctrl-C reaches the whole foreground
// group, and the server handles it (persists, then closes the executor).
process.on('SIGINT', () => {});
process.on('SIGTERM', () => void stop(0));
send({ t: 'ready' });
