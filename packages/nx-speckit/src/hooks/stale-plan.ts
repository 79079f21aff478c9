/**
 * A stale plan: task ids that mean something else than at the feature's last run (tasks
 * renumbered or removed, as re-running /speckit.tasks does). Everything keyed by task id
 * (checkpoints, .speckit/runs records, replay recordings, cache entries) then points elsewhere.
 * The post-run hook records each feature's task list in `.speckit/plans/<project>.json`; the
 * pre-run hook compares against it and warns.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomically } from '@nx-speckit/tasks-md';

export interface PlanRecord {
  project: string;
  root: string;
  recordedAt: string;
  /** Task id → its description (the task's text without checkbox, id and labels). */
  tasks: Record<string, string>;
}

export interface StaleChange {
  /** `text` is the task's text at the last run (it may have been reworded since, too). */
  renumbered: Array<{ from: string; to: string; text: string }>;
  removed: Array<{ id: string; text: string }>;
}

/** Below this word overlap a changed text is a different task, not a rewording. */
const SAME_TASK = 0.5;

/**
 * Ids that mean something else than at the last run. Each task now is traced to the task it was:
 * the same text (whitespace and case aside), else the most similar text (word overlap ≥ 0.5, the
 * same id winning a tie), else it is new. An old task traced to another id was renumbered; one
 * traced to no task was removed. Added and reworded tasks are ordinary edits.
 */
export function staleChanges(before: Record<string, string>, now: Record<string, string>): StaleChange {
  const norm = (t: string) => t.replace(/\s+/g, ' ').trim().toLowerCase();
  const words = (t: string) => new Set(norm(t).split(' ').filter(Boolean));
  const overlap = (a: Set<string>, b: Set<string>) => {
    const shared = [...a].filter((w) => b.has(w)).length;
    return shared / (a.size + b.size - shared || 1);
  };
  const oldIds = Object.keys(before);
  const origin = new Map<string, string>(); // id now → id at the last run
  const taken = new Set<string>();
  const trace = (pairs: Array<{ now: string; old: string; score: number }>) => {
    pairs.sort((a, b) => b.score - a.score || Number(b.now === b.old) - Number(a.now === a.old));
    for (const p of pairs) {
      if (origin.has(p.now) || taken.has(p.old)) continue;
      origin.set(p.now, p.old);
      taken.add(p.old);
    }
  };
  trace(
    Object.entries(now).flatMap(([id, text]) =>
      oldIds.filter((old) => norm(before[old]) === norm(text)).map((old) => ({ now: id, old, score: 1 })),
    ),
  );
  trace(
    Object.entries(now)
      .filter(([id]) => !origin.has(id))
      .flatMap(([id, text]) =>
        oldIds
          .filter((old) => !taken.has(old))
          .map((old) => ({ now: id, old, score: overlap(words(text), words(before[old])) }))
          .filter((p) => p.score >= SAME_TASK),
      ),
  );

  const renumbered = [...origin]
    .filter(([id, old]) => id !== old)
    .map(([to, from]) => ({ from, to, text: before[from] }))
    .sort((a, b) => oldIds.indexOf(a.from) - oldIds.indexOf(b.from));
  const removed = oldIds.filter((id) => !taken.has(id)).map((id) => ({ id, text: before[id] }));
  return { renumbered, removed };
}

const isStale = (change: StaleChange) => change.renumbered.length > 0 || change.removed.length > 0;
const short = (t: string) => (t.length > 60 ? `${t.slice(0, 57)}…` : t);

/** The warning printed before a run (several lines), or undefined when nothing is stale. */
export function formatStaleWarning(
  project: string,
  root: string,
  change: StaleChange,
  recordedAt: string,
): string | undefined {
  if (!isStale(change)) return undefined;
  const lines = [
    `nx-speckit: warning: the task list of ${project} (${root}/tasks.md) changed since its last run (${recordedAt}):`,
  ];
  for (const r of change.renumbered) lines.push(`  ${r.from} → ${r.to} renumbered: "${short(r.text)}"`);
  for (const r of change.removed) lines.push(`  ${r.id} removed: "${short(r.text)}"`);
  lines.push(
    '  Task ids now mean other tasks: checkpoints, .speckit/runs records, replay recordings and cache entries of the old ids no longer match.' +
      ' Check that the [X] marks in tasks.md are on the tasks really done (re-running /speckit.tasks renumbers ids).',
  );
  return lines.join('\n');
}

/** The same finding in one line, for the run report. */
export function staleLine(change: StaleChange, recordedAt: string): string | undefined {
  if (!isStale(change)) return undefined;
  const parts = [
    ...change.renumbered.map((r) => `${r.from} → ${r.to} renumbered`),
    ...change.removed.map((r) => `${r.id} removed`),
  ];
  return `task ids changed since the run of ${recordedAt} (${parts.join(', ')}): check that the [X] marks are on the tasks really done`;
}

/** `.speckit/plans/<project>.json`: the task list recorded at the feature's last run. */
export function planFile(workspaceRoot: string, project: string): string {
  return join(workspaceRoot, '.speckit', 'plans', `${project}.json`);
}

/** The plan recorded at the feature's last run; undefined when there is none or it cannot be read (no warning then). */
export function readPlanRecord(workspaceRoot: string, project: string): PlanRecord | undefined {
  const file = planFile(workspaceRoot, project);
  if (!existsSync(file)) return undefined;
  try {
    const record = JSON.parse(readFileSync(file, 'utf8')) as PlanRecord;
    const tasks: unknown = record?.tasks;
    // A hand-edited or foreign file (`"tasks": null`, a list) is no record: the next run writes a good one.
    const isMap = typeof tasks === 'object' && tasks !== null && !Array.isArray(tasks);
    return isMap && Object.values(tasks).every((t) => typeof t === 'string') ? record : undefined;
  } catch {
    return undefined;
  }
}

/** Records the feature's task list, which the next run compares against to find renumbered or removed tasks. */
export function writePlanRecord(workspaceRoot: string, record: PlanRecord) {
  const file = planFile(workspaceRoot, record.project);
  // Two runs may finish together: never half a record.
  writeAtomically(file, `${JSON.stringify(record, null, 2)}\n`);
}
