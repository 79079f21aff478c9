/**
 * The one writer of tasks.md: flips exactly one checkbox byte, under a cross-process lock,
 * locating the task afresh at write time because people edit the file during runs.
 */
import { appendFileSync, closeSync, fchmodSync, mkdirSync, fsyncSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { lock } from 'proper-lockfile';
import { parseTasks } from './parse';
import type { ParseFn } from './reuse';

export interface MarkResult {
  /** False when the task was already `[x]`/`[X]` (marking is idempotent). */
  changed: boolean;
  line: number;
  /** Tasks in the file, and how many of them are done now (the progress line). */
  total: number;
  done: number;
}

export class CheckpointError extends Error {}

export const LOCK_OPTIONS = {
  // 50+ processes may queue for one tasks.md; each holds the lock for a few milliseconds.
  retries: { retries: 400, minTimeout: 5, maxTimeout: 100, factor: 1.3, randomize: true },
  stale: 15_000,
  realpath: false,
};

/**
 * Runs `fn` holding the lock checkpoints hold (`<file>.lock`, waited for, stale after 15 s), for
 * other files that parallel task processes update (e.g. the run's spend ledger).
 */
export async function withFileLock<T>(file: string, fn: () => T | Promise<T>): Promise<T> {
  const release = await lock(file, { ...LOCK_OPTIONS, lockfilePath: `${file}.lock` });
  try {
    return await fn();
  } finally {
    await release();
  }
}

export interface MarkOptions {
  /** How to parse tasks.md (a `reusingParser` shares parses between a feature's tasks). */
  parse?: ParseFn;
  /**
   * A file each mark is appended to (`T012` per line) under the lock. The guard (`undoAgentEdits`)
   * adds `!T012` when it removes an agent's own tick, and keeps such a tick removed until this
   * writer marks the task.
   */
  journal?: string;
}

/** Marks `taskId` done (`[X]`) in `file`. Throws `CheckpointError`, leaving the file untouched, when the id is missing or ambiguous. */
export async function markDone(file: string, taskId: string, options: MarkOptions = {}): Promise<MarkResult> {
  const release = await lock(file, { ...LOCK_OPTIONS, lockfilePath: `${file}.lock` });
  try {
    const result = markDoneUnlocked(file, taskId, options.parse ?? parseTasks);
    if (result.changed && options.journal) {
      mkdirSync(dirname(options.journal), { recursive: true });
      appendFileSync(options.journal, `${taskId}\n`);
    }
    return result;
  } finally {
    await release();
  }
}

function markDoneUnlocked(file: string, taskId: string, parse: ParseFn): MarkResult {
  // An editor does not take our lock: if the file changes while we work, start over from its new content.
  for (let attempt = 0; ; attempt++) {
    const before = statSync(file);
    const result = markOnce(file, taskId, parse, () => {
      const now = statSync(file);
      return attempt < 5 && (now.mtimeMs !== before.mtimeMs || now.size !== before.size);
    });
    if (result) return result;
  }
}

function markOnce(file: string, taskId: string, parse: ParseFn, changedMeanwhile: () => boolean): MarkResult | undefined {
  const bytes = readFileSync(file);
  const text = bytes.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(bytes)) {
    throw new CheckpointError(`${file}: not valid UTF-8; refusing to mark ${taskId}`);
  }
  const parsed = parse(text, file);
  const matches = parsed.tasks.filter((t) => t.id === taskId);
  const duplicate = parsed.diagnostics.find((d) => d.code === 'duplicate-id' && d.taskId === taskId);
  if (duplicate) throw new CheckpointError(`${file}:${duplicate.line}: ${taskId} appears more than once; refusing to guess which to mark`);
  if (matches.length === 0) throw new CheckpointError(`${file}: task ${taskId} not found; it may have been renamed or removed since the run started`);
  const task = matches[0];
  const total = parsed.tasks.length;
  const done = parsed.tasks.filter((t) => t.done).length;
  if (task.done) return { changed: false, line: task.line, total, done };
  if (bytes[task.checkboxByte] !== 0x20) {
    throw new CheckpointError(`${file}:${task.line}: ${taskId}: checkbox is not where the parser put it; file left untouched`);
  }
  const updated = Buffer.from(bytes);
  updated[task.checkboxByte] = 0x58; // 'X'
  return writeAtomically(file, updated, changedMeanwhile) ? { changed: true, line: task.line, total, done: done + 1 } : undefined;
}

/** Temp file in the same folder, fsync, rename: readers see the old or the new file, never half of one. */
export function writeAtomically(file: string, data: Buffer, changedMeanwhile: () => boolean): boolean {
  const mode = statSync(file).mode & 0o7777;
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  const fd = openSync(temp, 'w', mode);
  try {
    writeSync(fd, data);
    fchmodSync(fd, mode); // `open` applies the umask; keep the user's mode exactly
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    if (changedMeanwhile()) {
      unlinkSync(temp);
      return false;
    }
    renameSync(temp, file);
    return true;
  } catch (error) {
    try { unlinkSync(temp); } catch { /* already gone */ }
    throw error;
  }
}
