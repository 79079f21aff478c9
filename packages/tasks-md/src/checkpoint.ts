/**
 * Marks a task done in tasks.md: flips exactly one checkbox byte, locating the task afresh at write
 * time because people edit the file during runs. The only other writer of tasks.md is the guard;
 * both write under the same lock, atomically (tasks-file.ts).
 */
import { appendFileSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ParseFn } from './model';
import { parseTasks } from './parse';
import { withFileLock, writeAtomically } from './tasks-file';

/** What `markDone` did, and the file's progress afterwards. */
export interface MarkResult {
  /** False when the task was already `[x]`/`[X]` (marking is idempotent). */
  changed: boolean;
  line: number;
  /** Tasks in the file, and how many of them are done now (the progress line). */
  total: number;
  done: number;
}

/** `markDone` refused to write: the task is missing or duplicated, or the file is not UTF-8. The file is untouched. */
export class CheckpointError extends Error {}

/** How `markDone` parses the file, and where it journals its marks. */
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
  return withFileLock(file, () => {
    const result = markDoneUnlocked(file, taskId, options.parse ?? parseTasks);
    if (result.changed && options.journal) {
      mkdirSync(dirname(options.journal), { recursive: true });
      appendFileSync(options.journal, `${taskId}\n`);
    }
    return result;
  });
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

function markOnce(
  file: string,
  taskId: string,
  parse: ParseFn,
  changedMeanwhile: () => boolean,
): MarkResult | undefined {
  const bytes = readFileSync(file);
  const text = bytes.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(bytes)) {
    throw new CheckpointError(`${file}: not valid UTF-8; refusing to mark ${taskId}`);
  }
  const parsed = parse(text, file);
  const matches = parsed.tasks.filter((t) => t.id === taskId);
  const duplicate = parsed.diagnostics.find((d) => d.code === 'duplicate-id' && d.taskId === taskId);
  if (duplicate)
    throw new CheckpointError(
      `${file}:${duplicate.line}: ${taskId} appears more than once; refusing to guess which to mark`,
    );
  if (matches.length === 0)
    throw new CheckpointError(
      `${file}: task ${taskId} not found; it may have been renamed or removed since the run started`,
    );
  const task = matches[0];
  const total = parsed.tasks.length;
  const done = parsed.tasks.filter((t) => t.done).length;
  if (task.done) return { changed: false, line: task.line, total, done };
  if (bytes[task.checkboxByte] !== 0x20) {
    throw new CheckpointError(
      `${file}:${task.line}: ${taskId}: checkbox is not where the parser put it; file left untouched`,
    );
  }
  const updated = Buffer.from(bytes);
  updated[task.checkboxByte] = 0x58; // 'X'
  return writeAtomically(file, updated, { changedMeanwhile })
    ? { changed: true, line: task.line, total, done: done + 1 }
    : undefined;
}
