import { appendFile, createWriteStream, mkdir, mkdirSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { isoTime } from '../core/index.ts';
import type { Logger } from '../core/index.ts';
import type { RunLifecycleEvent } from './events.ts';
import { attemptLogDir, runLogPath } from './run-logs.ts';

/** The text of one run-log line for a lifecycle fact. */
export function runLogLine(event: RunLifecycleEvent): string {
  switch (event.type) {
    case 'run.queued':
      return `run queued (queue ${event.queue})`;
    case 'run.started':
      return `run started (${event.trigger})`;
    case 'step.started':
      return `step ${event.step} running${event.retryCount > 0 ? ` (retry ${event.retryCount})` : ''}${event.job?.where ? ` on ${event.job.where}` : ''}`;
    case 'step.subrun':
      return `step ${event.step} started sub-DAG run ${event.subRun.name}/${event.subRun.dagRunId}`;
    case 'step.retrying':
      return `step ${event.step} retrying${event.exitCode !== null ? ` exit=${event.exitCode}` : ''} in ${event.delayMs}ms`;
    case 'step.finished':
      return `step ${event.step} ${event.status}${event.exitCode !== null ? ` exit=${event.exitCode}` : ''}${event.error ? ` (${event.error})` : ''}`;
    case 'run.finished':
      return `finished ${event.status}${event.error ? ` (${event.error})` : ''}${event.skippedHandler ? `; handler_on.${event.skippedHandler.handler} skipped: ${event.skippedHandler.reason}` : ''}`;
    case 'run.interrupted':
      return 'interrupted by restart';
  }
}

interface OpenLog {
  stream?: WriteStream;
  /** Lines of the current tick, written together. */
  buffer?: string;
}

/**
 * The run log (`<data>/logs/<dag>/<run>/<attempt>/run.log`), a subscriber of the lifecycle
 * facts: one line per fact. A live run keeps one append stream open and writes the lines of
 * one tick in one write; a queued run holds no file descriptor (thousands may wait at once).
 */
export class RunLog {
  private readonly open = new Map<string, OpenLog>();

  constructor(
    private readonly dataDir: string,
    private readonly logger: Logger,
  ) {}

  write(event: RunLifecycleEvent): void {
    const { name, dagRunId, attempt } = event.run;
    const dir = attemptLogDir(this.dataDir, name, dagRunId, attempt);
    const key = `${name}/${dagRunId}/${attempt}`;
    const text = `${isoTime(event.at)} ${runLogLine(event)}\n`;
    if (event.type === 'run.queued' || event.type === 'run.interrupted') {
      mkdir(dir, { recursive: true }, () => appendFile(runLogPath(dir), text, (e) => e && this.logger.warn('cannot write the run log', { run: key, error: e })));
      return;
    }
    let log = this.open.get(key);
    if (!log) {
      log = {};
      try {
        mkdirSync(dir, { recursive: true });
        const stream = createWriteStream(runLogPath(dir), { flags: 'a' });
        stream.on('error', (e) => this.logger.warn('cannot write the run log', { run: key, error: e }));
        log.stream = stream;
      } catch (error) {
        this.logger.warn('cannot open the run log', { run: key, error });
      }
      this.open.set(key, log);
    }
    const l = log;
    if (l.buffer === undefined) {
      l.buffer = '';
      setImmediate(() => this.flush(l));
    }
    l.buffer += text;
    if (event.type === 'run.finished') {
      this.flush(l);
      l.stream?.end();
      this.open.delete(key);
    }
  }

  private flush(log: OpenLog): void {
    if (log.buffer) log.stream?.write(log.buffer);
    log.buffer = undefined;
  }

  /** Flushes and closes every open log (shutdown). */
  close(): void {
    for (const log of this.open.values()) {
      this.flush(log);
      log.stream?.end();
    }
    this.open.clear();
  }
}
