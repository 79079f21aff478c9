/**
 * Agents must not edit tasks.md. When one does anyway, its edits are undone while the marks
 * that other tasks legitimately wrote meanwhile are kept.
 */
import { readFileSync } from 'node:fs';
import { lock } from 'proper-lockfile';
import { LOCK_OPTIONS, writeAtomically } from './checkpoint';
import { parseTasks } from './parse';

/**
 * tasks.md with every checkbox blanked: equal for two versions that differ only in marks.
 * A BOM may precede the first line: without `\uFEFF?` a task there kept its mark, and another
 * task's legitimate mark on it looked like an agent's edit.
 */
export function withoutMarks(text: string): string {
  return text.replace(/^(\uFEFF?[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+\[)[xX](\])/gm, '$1 $2');
}

/**
 * Compares tasks.md with `snapshot` (taken before an agent ran). If anything other than other
 * tasks' checkboxes changed, or `taskId` was ticked by someone else, writes back the snapshot
 * plus the other tasks' new marks. Returns what the agent did, or undefined when nothing.
 */
export async function undoAgentEdits(file: string, snapshot: Buffer, taskId: string): Promise<string | undefined> {
  const release = await lock(file, { ...LOCK_OPTIONS, lockfilePath: `${file}.lock` });
  try {
    const current = readFileSync(file);
    if (current.equals(snapshot)) return undefined;
    const before = parseTasks(snapshot.toString('utf8'));
    const after = parseTasks(current.toString('utf8'));
    const ownBefore = before.tasks.find((t) => t.id === taskId);
    const ownAfter = after.tasks.find((t) => t.id === taskId);
    const edited = withoutMarks(current.toString('utf8')) !== withoutMarks(snapshot.toString('utf8'));
    const selfMarked = !!ownAfter?.done && !ownBefore?.done;
    if (!edited && !selfMarked) return undefined;

    const restored = Buffer.from(snapshot);
    const doneNow = new Set(after.tasks.filter((t) => t.done && t.id !== taskId).map((t) => t.id));
    for (const task of before.tasks) {
      if (!task.done && doneNow.has(task.id)) restored[task.checkboxByte] = 0x58; // keep others' [X]
    }
    writeAtomically(file, restored, () => false);
    return edited ? 'the agent edited tasks.md (only nx-speckit writes it); its edits were undone' : `the agent marked ${taskId} itself; the mark was removed until verification passes`;
  } finally {
    await release();
  }
}
