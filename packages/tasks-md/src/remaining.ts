/**
 * What is left to run. Finished tasks drop out of the graph; a remaining task that waited on a
 * finished one inherits that task's own prerequisites, so nothing unfinished is ever skipped.
 */
import type { Task } from './model';
import type { Dependency, Plan } from './plan';
import { topologicalOrder, transitiveReduction } from './graph';

/**
 * Unfinished prerequisites of each task (finished or not), looking through finished ones:
 * what still has to run before the task's work, and its own, is in place.
 */
export function openPrerequisites(tasks: Task[], plan: Plan): (id: string) => Dependency[] {
  const done = new Set(tasks.filter((t) => t.done).map((t) => t.id));
  const memo = new Map<string, Map<string, Dependency>>();
  const open = (id: string): Map<string, Dependency> => {
    let found = memo.get(id);
    if (found) return found;
    found = new Map();
    memo.set(id, found);
    for (const dep of plan.dependsOn[id] ?? []) {
      if (!done.has(dep.id)) {
        found.set(dep.id, dep);
        continue;
      }
      for (const [inner, via] of open(dep.id)) {
        if (!found.has(inner))
          found.set(inner, {
            id: inner,
            reasons: via.reasons.map((r) => ({ ...r, cause: `${r.cause} (through finished ${dep.id})` })),
          });
      }
    }
    return found;
  };
  return (id) => [...open(id).values()];
}

/**
 * The plan's edges for the tasks still open: a done task drops out, and whoever waited for it
 * inherits its open prerequisites, so the remaining graph keeps every ordering the full one had.
 */
export function remainingDependsOn(tasks: Task[], plan: Plan): Record<string, Dependency[]> {
  const done = new Set(tasks.filter((t) => t.done).map((t) => t.id));
  const open = openPrerequisites(tasks, plan);
  const remaining = tasks.filter((t) => !done.has(t.id));
  const index = new Map(remaining.map((t, i) => [t.id, i]));
  const preds = remaining.map((t) => open(t.id));
  const succ: number[][] = remaining.map(() => []);
  preds.forEach((list, i) => list.forEach((d) => succ[index.get(d.id)!].push(i)));
  const { order } = topologicalOrder(remaining.length, succ);
  const reduced = transitiveReduction(remaining.length, succ, order);
  const keep = new Set<string>();
  reduced.forEach((list, from) => list.forEach((to) => keep.add(`${from}>${to}`)));

  const out: Record<string, Dependency[]> = {};
  for (const t of tasks) out[t.id] = [];
  remaining.forEach((t, i) => {
    out[t.id] = preds[i]
      .filter((d) => keep.has(`${index.get(d.id)}>${i}`))
      .sort((a, b) => index.get(a.id)! - index.get(b.id)!);
  });
  return out;
}
