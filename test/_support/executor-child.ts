// Child process for the local executor's crash tests: a stand-in "server" that submits one job
// with the given scope and command, prints the job id once the job has started, and then
// waits to be killed (with its launcher helper, as a SIGKILL of a whole machine would).
import { newJobId } from '../../src/actors/executors/port.ts';
import { createLocalProcessExecutor } from '../../src/actors/executors/local-process.ts';
import { createMemoryLogger } from '../../src/core/logger.ts';

const [scope, command] = process.argv.slice(2) as [string, string];
const executor = createLocalProcessExecutor({ scope, logger: createMemoryLogger() });
const jobId = newJobId();
const chunks: string[] = [];
executor
  .submit(
    { jobId, runName: 'crash', runId: 'r1', attempt: 1, step: 's', command, shell: ['/bin/sh'], env: { PATH: process.env['PATH'] ?? '' }, captureOutput: false },
    { log: { write: (_stream, chunk) => void chunks.push(Buffer.from(chunk).toString()) } },
  )
  .events$.subscribe((e) => {
    if (e.type !== 'started') process.stdout.write(`ended early: ${JSON.stringify(e)} ${chunks.join('')}\n`);
  });
// Report once the command said it is ready (its background children exist by then).
const timer = setInterval(() => {
  if (chunks.join('').includes('ready')) {
    clearInterval(timer);
    process.stdout.write(`${jobId}\n`);
  }
}, 5);
await new Promise(() => {});
