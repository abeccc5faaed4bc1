import { appendFileSync, closeSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { maskText, parseOutputFile } from '../dag/index.ts';
import type { LaunchCommand, StepLaunchPlan, StepSpec } from '../dag/index.ts';
import { fileSize, safeFileName } from './run-logs.ts';

/**
 * The file side of a step launch planned by `planStepLaunch`: directories, the empty
 * `DAGU_OUTPUT_FILE`, script files, `stdout:`/`stderr:` copies, reading `output:` and
 * `outputs:` after success, and masking secrets in the step's logs.
 */

/** `DAGU_OUTPUT_FILE` of one attempt: a new file per attempt (§11.2). */
export function stepOutputPath(logDir: string, stepName: string, retry: number): string {
  return join(logDir, `${safeFileName(stepName)}.outputs.${retry}`);
}

/** How a step's last command ended (a spawn problem is `error`). */
export interface CommandExit {
  exitCode: number | null;
  signal: string | null;
  error?: string;
}

export interface LogPaths {
  stdout: string;
  stderr: string;
}

/** Creates the working directory (Dagu creates a run step's directory, §10.6.5), the output file and script files. */
export function prepareStepFiles(plan: StepLaunchPlan): void {
  if (plan.createCwd) {
    try {
      mkdirSync(plan.cwd, { recursive: true });
    } catch (error) {
      throw new Error(`cannot create the working directory ${plan.cwd}: ${(error as Error).message}`);
    }
  }
  for (const dir of plan.mkdirs) mkdirSync(dir, { recursive: true });
  mkdirSync(dirname(plan.outputFile), { recursive: true });
  writeFileSync(plan.outputFile, '', { mode: 0o600 });
  for (const c of plan.commands) if (c.script) writeFileSync(c.script.path, c.script.text, { mode: 0o700 });
}

export function logOffsets(logs: LogPaths): LogPaths & { out: number; err: number } {
  return { ...logs, out: fileSize(logs.stdout), err: fileSize(logs.stderr) };
}

function readFrom(path: string, offset: number, max: number): Buffer {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const length = Math.max(0, Math.min(fstatSync(fd).size - offset, max));
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, offset);
    return buf;
  } catch {
    return Buffer.alloc(0);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** After one command: removes its script and appends what it wrote to the `stdout:`/`stderr:` copies (mode 0600). */
export function afterCommand(plan: StepLaunchPlan, command: LaunchCommand, at: { out: number; err: number }, logs: LogPaths): void {
  if (command.script) rmSync(command.script.path, { force: true });
  const copy = (target: string | undefined, source: string, offset: number): void => {
    if (target === undefined) return;
    const bytes = readFrom(source, offset, Number.MAX_SAFE_INTEGER);
    appendFileSync(target, plan.mask.length > 0 ? maskText(bytes.toString('utf8'), plan.mask) : bytes, { mode: 0o600 });
  };
  try {
    copy(plan.stdoutCopy, logs.stdout, at.out);
    copy(plan.stderrCopy, logs.stderr, at.err);
  } finally {
    at.out = fileSize(logs.stdout);
    at.err = fileSize(logs.stderr);
  }
}

/**
 * The step's result once its commands are done: on success, the trimmed stdout for `output:`
 * and the parsed `$DAGU_OUTPUT_FILE` for `outputs:` (a parse failure or output above
 * `max_output_size` fails the step); secrets masked in the logs and values.
 */
export function collectResult(spec: StepSpec, plan: StepLaunchPlan, start: { out: number; err?: number }, logs: LogPaths, exit: CommandExit): { exitCode: number | null; output?: string; outputs?: Record<string, string>; error?: string } {
  if (plan.mask.length > 0) maskLogs(logs, plan.mask);
  const failed = exit.error !== undefined || exit.exitCode !== 0;
  const result: { exitCode: number | null; output?: string; outputs?: Record<string, string>; error?: string } = { exitCode: exit.exitCode };
  if (failed) {
    // A plain non-zero exit carries no error: the step machine words it and decides on retries.
    if (exit.error !== undefined) result.error = exit.error;
    return result;
  }
  if (spec.output !== undefined) {
    const size = fileSize(logs.stdout) - start.out;
    if (size > plan.maxOutputSize) return { exitCode: 0, error: `output is ${size} bytes, more than max_output_size ${plan.maxOutputSize}` };
    result.output = maskText(readFrom(logs.stdout, start.out, plan.maxOutputSize).toString('utf8').trim(), plan.mask);
  }
  if (plan.outputs) {
    let content: Buffer;
    try {
      content = readFileSync(plan.outputFile);
    } catch {
      content = Buffer.alloc(0);
    }
    const parsed = parseOutputFile(content, plan.outputs, plan.maxOutputSize);
    if ('error' in parsed) return { exitCode: 0, error: parsed.error };
    const values: Record<string, string> = {};
    for (const [k, v] of Object.entries(parsed.values)) values[k] = maskText(v, plan.mask);
    result.outputs = values;
  }
  if (plan.outputObject) {
    const composed = composeOutputObject(plan, start, logs);
    if ('error' in composed) return { exitCode: 0, error: maskText(composed.error, plan.mask) };
    result.outputs = { ...result.outputs, ...composed.values };
  }
  return result;
}

/**
 * The object form of `output:` (§11.1), one JSON value per key, stored as text (strings as
 * they are, other values as JSON): literals, this attempt's stdout/stderr or a file, decoded as
 * text (trimmed), JSON or YAML.
 */
function composeOutputObject(plan: StepLaunchPlan, start: { out: number; err?: number }, logs: LogPaths): { values: Record<string, string> } | { error: string } {
  const values: Record<string, string> = {};
  for (const [key, e] of Object.entries(plan.outputObject!)) {
    let value: unknown;
    if (e.kind === 'value') value = e.value;
    else {
      let text: string;
      if (e.kind === 'file') {
        try {
          const bytes = readFileSync(e.path);
          if (bytes.byteLength > plan.maxOutputSize) return { error: `output ${key}: ${e.path} is larger than max_output_size ${plan.maxOutputSize}` };
          text = bytes.toString('utf8');
        } catch (error) {
          return { error: `output ${key}: cannot read ${e.path}: ${(error as Error).message}` };
        }
      } else text = readFrom(e.from === 'stdout' ? logs.stdout : logs.stderr, e.from === 'stdout' ? start.out : (start.err ?? 0), plan.maxOutputSize).toString('utf8');
      try {
        value = e.decode === 'json' ? JSON.parse(text) : e.decode === 'yaml' ? parseYaml(text) : text.trim();
      } catch (error) {
        return { error: `output ${key}: cannot decode ${e.decode}: ${(error as Error).message.split('\n')[0]}` };
      }
    }
    values[key] = maskText(typeof value === 'string' ? value : JSON.stringify(value), plan.mask);
  }
  return { values };
}

/** Rewrites a step's log files with every secret value masked (§7.3, §10.9). */
function maskLogs(logs: LogPaths, mask: readonly string[]): void {
  for (const path of [logs.stdout, logs.stderr]) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      continue;
    }
    const masked = maskText(text, mask);
    if (masked !== text) writeFileSync(path, masked);
  }
}
