import { isoTime } from '../core/index.ts';
import type { RunLifecycleEvent } from './events.ts';
import type { RunRecord, StepRecord } from './records.ts';

/**
 * The pure observer mapping from lifecycle facts to the run record: the record writer folds
 * each fact of a live run into its record, in place (the steps array and its entries keep
 * their identity, so a 200-step run updates one entry per fact instead of rebuilding them).
 * Returns true when the record changed.
 */
export function foldRunEvent(record: RunRecord, event: RunLifecycleEvent, index: Map<string, number>): boolean {
  if (event.run.attempt !== record.attempt) return false;
  const at = isoTime(event.at);
  switch (event.type) {
    case 'run.queued':
      record.status = 'queued';
      record.queuedAt ??= at;
      return true;
    case 'run.started':
      record.status = 'running';
      record.startedAt ??= at;
      return true;
    case 'step.started': {
      const s = stepOf(record, index, event.step, event.handler);
      s.status = 'running';
      s.startedAt ??= at;
      s.retryCount = event.retryCount;
      if (event.job) s.job = event.job;
      else delete s.job;
      if (event.job?.where) s.where = event.job.where;
      return true;
    }
    case 'step.subrun': {
      const s = stepOf(record, index, event.step, false);
      const list = (s.subRuns ??= []);
      if (!list.some((r) => r.name === event.subRun.name && r.dagRunId === event.subRun.dagRunId)) list.push({ ...event.subRun });
      return true;
    }
    case 'step.retrying': {
      const s = stepOf(record, index, event.step, false);
      s.status = 'retrying';
      s.exitCode = event.exitCode;
      s.retryCount = event.retryCount;
      delete s.job;
      return true;
    }
    case 'step.finished': {
      const s = stepOf(record, index, event.step, event.handler);
      s.status = event.status;
      s.exitCode = event.exitCode;
      s.retryCount = event.retryCount;
      s.startedAt = event.startedAt === null ? s.startedAt : isoTime(event.startedAt);
      s.finishedAt = event.finishedAt === null ? at : isoTime(event.finishedAt);
      if (event.error !== undefined) s.error = event.error;
      else delete s.error;
      if (event.outputs) s.outputs = event.outputs;
      if (event.repeatCount) s.repeatCount = event.repeatCount;
      if (event.logTruncated) s.logTruncated = true;
      delete s.job;
      delete s.pid;
      delete s.pidStart;
      return true;
    }
    case 'run.finished':
      record.status = event.status;
      record.finishedAt = isoTime(event.finishedAt);
      if (event.error !== undefined) record.error = event.error;
      else delete record.error;
      if (event.skippedHandler) record.skippedHandler = { ...event.skippedHandler };
      else delete record.skippedHandler;
      return true;
    case 'run.interrupted':
      return false;
  }
}

/** The record's entry for a step; handler steps are appended the first time they run. */
function stepOf(record: RunRecord, index: Map<string, number>, name: string, handler: boolean): StepRecord {
  if (index.size !== record.steps.length) {
    index.clear();
    record.steps.forEach((s, i) => index.set(s.name, i));
  }
  const i = index.get(name);
  if (i !== undefined) return record.steps[i]!;
  const s: StepRecord = { name, status: 'not_started', exitCode: null, startedAt: null, finishedAt: null, retryCount: 0 };
  if (handler) s.handler = true;
  index.set(name, record.steps.push(s) - 1);
  return s;
}
