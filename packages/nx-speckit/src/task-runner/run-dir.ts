import { mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** `.speckit/runs/<project>`: a feature's task records, prompts, baselines and shared parses of its tasks.md. */
export function runDirOf(root: string, project: string): string {
  return join(root, '.speckit', 'runs', project);
}

/** The checkpoint journal: the `[X]` nx-speckit wrote into the feature's tasks.md and the agents' own ticks its guard removed. */
export function marksJournal(root: string, project: string): string {
  return join(runDirOf(root, project), 'marks.log');
}

/*
 * A notice for the feature's next task to print. With the Nx daemon on, Nx runs the pre-run hook
 * inside the daemon, whose output goes to its log: the hook leaves its warning here instead, and
 * the first task of the feature that starts prints it in the user's terminal. Exactly one does:
 * taking it is a rename, which only one process can win.
 */
const noticeFile = (root: string, project: string) => join(runDirOf(root, project), 'notice.txt');

/** Leaves `text` for the feature's next task to print, replacing a notice no task has taken yet. */
export function leaveNotice(root: string, project: string, text: string) {
  mkdirSync(runDirOf(root, project), { recursive: true });
  writeFileSync(noticeFile(root, project), text);
}

/** The notice left for this feature, removed so no other task prints it; undefined if none. */
export function takeNotice(root: string, project: string): string | undefined {
  const taken = `${noticeFile(root, project)}.${process.pid}`;
  try {
    renameSync(noticeFile(root, project), taken);
  } catch {
    return undefined; // none, or another task took it
  }
  try {
    return readFileSync(taken, 'utf8');
  } finally {
    try {
      unlinkSync(taken);
    } catch {
      /* gone */
    }
  }
}
