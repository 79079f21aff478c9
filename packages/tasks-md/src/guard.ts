/**
 * Agents must not edit tasks.md, but people may, during a run. After an agent ran, only the
 * checkbox states the agent must not change are put back; every other change is kept:
 * - this task's own box goes back to how it was before the agent ran (no false `[X]`: only a
 *   verified run marks it);
 * - a task that was done before the agent ran is done again if its box was cleared (completed work
 *   stays marked);
 * - with the checkpoint journal, a mark a guard removed stays removed until a checkpoint writes it:
 *   an agent's stale read-modify-write of the file can put back a self-tick a guard just cleared
 *   (a person's own tick of a task no agent ticked is kept);
 * - a person's notes, rewordings, new tasks, and other tasks' concurrent checkpoints are kept byte
 *   for byte: the fix flips single checkbox bytes of the current file, never rewrites it.
 * The task fails (no `[X]`) when its own box or its own line needed that, since what the agent
 * was asked to do is no longer what the file says, or the agent tried to mark itself. Another
 * task's box put back is a warning: this task's work is not in question.
 * Only a destructive change (tasks.md deleted, no longer UTF-8, or tasks that were done gone from
 * it) restores the pre-agent snapshot, still keeping the marks other tasks wrote meanwhile; the
 * file as it was is kept in `replacedCopy` first, so a person's concurrent edits are not lost.
 * Its writes take the checkpoint's lock and replace the file atomically (tasks-file.ts).
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ParsedTasks, ParseFn, Task } from './model';
import { parseTasks } from './parse';
import { withFileLock, writeAtomically } from './tasks-file';

const SPACE = 0x20;

/** Where `undoAgentEdits` keeps a damaged file, how it parses, and the checkpoint journal it reads. */
export interface GuardOptions {
  /** Where the damaged file is saved before the snapshot is restored. */
  replacedCopy?: string;
  parse?: ParseFn;
  /**
   * The checkpoint journal (`markDone`'s `journal`): the guard adds `!T012` when it clears an
   * agent's tick of its own task, and clears any tick of a task whose last entry is such a line.
   */
  journal?: string;
}

/** What the guard decided about the task, and what it put back that concerns other tasks. */
export interface GuardResult {
  /** Why the task must not be marked done; undefined when nothing stands in the way. */
  refusal?: string;
  /** What was put back that does not concern this task's own work. */
  warnings: string[];
}

/**
 * Compares tasks.md with `snapshot` (taken before the agent for `taskId` ran) and undoes what the
 * agent must not do (see the file comment).
 */
export async function undoAgentEdits(
  file: string,
  snapshot: Buffer,
  taskId: string,
  options: GuardOptions = {},
): Promise<GuardResult> {
  return withFileLock(file, () => undoAgentEditsLocked(file, snapshot, taskId, options));
}

function undoAgentEditsLocked(file: string, snapshot: Buffer, taskId: string, options: GuardOptions): GuardResult {
  const { replacedCopy, parse = parseTasks } = options;
  if (!existsSync(file)) return restoreDeleted(file, snapshot);
  const current = readFileSync(file);
  if (current.equals(snapshot)) return { warnings: [] };
  const before = parse(snapshot.toString('utf8'));
  const text = current.toString('utf8');
  const after = parse(text);
  const afterById = new Map(after.tasks.map((t) => [t.id, t]));

  const damage = damageOf(before, afterById, text, current);
  if (damage) {
    if (replacedCopy) saveCopy(replacedCopy, current);
    restoreSnapshot(file, snapshot, before, after, taskId);
    const kept = replacedCopy ? `; the file as it was is saved in ${replacedCopy}` : '';
    return {
      refusal: `tasks.md was damaged during the run (${damage}); it was restored from before the agent ran, keeping other tasks' new marks${kept}`,
      warnings: [],
    };
  }

  const own = ownTaskFix(before, after, afterById, taskId);
  const unmarked = unmarkedDoneTasks(before, afterById, current, taskId);
  const refused = options.journal ? refusedMarks(options.journal) : new Set<string>();
  const reticked = reTickedRefusedMarks(before, afterById, refused, taskId);
  if (own.selfTicked && options.journal) journalRefusal(options.journal, taskId);
  writeFlips(file, current, [...own.flips, ...unmarked.flips, ...reticked.flips]);
  return { refusal: own.refusal, warnings: otherTaskWarnings(reticked.ids, unmarked.ids, taskId) };
}

/** A checkbox byte to put back: its offset in the current file, and the byte it gets. */
type Flip = [offset: number, byte: number];

/** Checkbox bytes to put back for some tasks, and which tasks they are. */
interface TaskFlips {
  ids: string[];
  flips: Flip[];
}

function restoreDeleted(file: string, snapshot: Buffer): GuardResult {
  writeAtomically(file, snapshot);
  return {
    refusal: 'the agent deleted tasks.md (only nx-speckit writes it); it was restored from before the agent ran',
    warnings: [],
  };
}

/** Why the file can no longer be fixed byte by byte (done tasks gone, not UTF-8), or undefined. */
function damageOf(before: ParsedTasks, afterById: Map<string, Task>, text: string, current: Buffer) {
  const lostDone = before.tasks.filter((t) => t.done && !afterById.has(t.id)).map((t) => t.id);
  if (lostDone.length) return `completed task${lostDone.length > 1 ? 's' : ''} ${list(lostDone)} disappeared from it`;
  // Decoding replaced invalid bytes, so the text no longer encodes back to the file.
  if (!Buffer.from(text, 'utf8').equals(current)) return 'it is no longer valid UTF-8';
  return undefined;
}

function saveCopy(path: string, content: Buffer) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

/** This task's own box: an agent's self-tick is cleared; a changed own line or a self-tick refuses the task. */
function ownTaskFix(before: ParsedTasks, after: ParsedTasks, afterById: Map<string, Task>, taskId: string) {
  const ownBefore = before.tasks.find((t) => t.id === taskId);
  const ownAfter = afterById.get(taskId);
  const selfTicked = !!(ownBefore && ownAfter && !ownBefore.done && ownAfter.done);
  const flips: Flip[] = selfTicked ? [[ownAfter!.checkboxByte, SPACE]] : [];
  const ownChange = ownLineChange(ownBefore, ownAfter, after, taskId);
  const refusal = ownChange
    ? `tasks.md was edited during the run and ${ownChange}; not marking ${taskId} done: re-run it to implement the task as it now reads`
    : selfTicked
      ? `the agent marked ${taskId} itself; the mark was removed until verification passes`
      : undefined;
  return { selfTicked, flips, refusal };
}

/** Other tasks that were done before the run and lost their mark: completed work stays marked. */
function unmarkedDoneTasks(
  before: ParsedTasks,
  afterById: Map<string, Task>,
  current: Buffer,
  taskId: string,
): TaskFlips {
  const result: TaskFlips = { ids: [], flips: [] };
  for (const t of before.tasks) {
    const now = afterById.get(t.id);
    if (t.id !== taskId && t.done && now && !now.done && current[now.checkboxByte] === SPACE) {
      result.flips.push([now.checkboxByte, t.checkbox.charCodeAt(0)]);
      result.ids.push(t.id);
    }
  }
  return result;
}

/** Other tasks ticked again after a guard removed their agent's self-tick (a stale write of the file). */
function reTickedRefusedMarks(
  before: ParsedTasks,
  afterById: Map<string, Task>,
  refused: Set<string>,
  taskId: string,
): TaskFlips {
  const result: TaskFlips = { ids: [], flips: [] };
  for (const t of before.tasks) {
    const now = afterById.get(t.id);
    if (t.id !== taskId && !t.done && now?.done && refused.has(t.id)) {
      result.flips.push([now.checkboxByte, SPACE]);
      result.ids.push(t.id);
    }
  }
  return result;
}

function otherTaskWarnings(reticked: string[], unmarked: string[], taskId: string): string[] {
  const warnings: string[] = [];
  if (reticked.length)
    warnings.push(
      `${list(reticked)} ${reticked.length > 1 ? 'were' : 'was'} ticked again in tasks.md while ${taskId} ran, after a guard had removed the agent's own tick (a stale write of the file); the mark was removed until a verified run makes it`,
    );
  if (unmarked.length)
    warnings.push(
      `${list(unmarked)} ${unmarked.length > 1 ? 'were' : 'was'} done but un-marked in tasks.md while ${taskId} ran (completed work stays marked); the mark was restored. To redo a task, untick it before the run`,
    );
  return warnings;
}

/** `!T012`: a later guard clears a stale write's re-tick of it until a checkpoint writes `T012`. */
function journalRefusal(journal: string, taskId: string) {
  mkdirSync(dirname(journal), { recursive: true });
  appendFileSync(journal, `!${taskId}\n`); // under the lock, like markDone's entries
}

/** Flips single bytes of the current file, so every other concurrent edit is kept as it is. */
function writeFlips(file: string, current: Buffer, flips: Flip[]) {
  if (!flips.length) return;
  const fixed = Buffer.from(current);
  for (const [offset, byte] of flips) fixed[offset] = byte;
  writeAtomically(file, fixed);
}

/** What changed in the task's own entry (text, declared files, dependencies), or undefined. */
function ownLineChange(
  before: Task | undefined,
  after: Task | undefined,
  parsed: ParsedTasks,
  taskId: string,
): string | undefined {
  if (!before) return undefined; // not in the snapshot: runTask reports that itself
  if (!after) return `${taskId} is no longer in it`;
  if (parsed.diagnostics.some((d) => d.code === 'duplicate-id' && d.taskId === taskId))
    return `${taskId} now appears more than once`;
  if (before.text !== after.text) return `${taskId}'s line now reads "${after.text}" (was "${before.text}")`;
  if (before.files.join('\0') !== after.files.join('\0')) return `${taskId}'s declared files changed`;
  if (before.dependsOn.join('\0') !== after.dependsOn.join('\0')) return `${taskId}'s dependencies changed`;
  return undefined;
}

/** The snapshot, with the marks other tasks gained meanwhile (never this task's own). */
function restoreSnapshot(file: string, snapshot: Buffer, before: ParsedTasks, after: ParsedTasks, taskId: string) {
  const restored = Buffer.from(snapshot);
  const doneNow = new Set(after.tasks.filter((t) => t.done && t.id !== taskId).map((t) => t.id));
  for (const task of before.tasks) {
    if (!task.done && doneNow.has(task.id) && restored[task.checkboxByte] === SPACE) restored[task.checkboxByte] = 0x58;
  }
  writeAtomically(file, restored);
}

function list(ids: string[]): string {
  return ids.length > 5 ? `${ids.slice(0, 5).join(', ')} and ${ids.length - 5} more` : ids.join(', ');
}

/** Tasks whose latest journal entry is a guard's removal (`!T012`), not a checkpoint (`T012`). */
function refusedMarks(file: string): Set<string> {
  const last = new Map<string, boolean>();
  if (existsSync(file))
    for (const line of readFileSync(file, 'utf8').split('\n'))
      if (line) last.set(line.replace(/^!/, ''), line.startsWith('!'));
  return new Set([...last].filter(([, refused]) => refused).map(([id]) => id));
}
