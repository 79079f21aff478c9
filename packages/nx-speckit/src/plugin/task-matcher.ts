/**
 * Which tasks a rule applies to: shared by `agentRules` (which agent) and `exclusive` (which
 * named resources a task holds while it runs), so both read `feature`, `story` and `text` alike.
 */
import type { Task } from '@nx-speckit/tasks-md';

export interface TaskMatcher {
  /** Feature folder name (`001-albums`) or a prefix ending in `*` (`00*`). */
  feature?: string;
  /** Story label (`US1`). */
  story?: string;
  /** Case-insensitive regular expression on the task text (`\\btests?\\b`). */
  text?: string;
}

/** Whether `feature` (a folder name) is the matcher's feature, or starts with its `*` prefix; true without one. */
export function matchesFeature(matcher: TaskMatcher, feature: string): boolean {
  const wanted = matcher.feature;
  if (!wanted) return true;
  return wanted.endsWith('*') ? feature.startsWith(wanted.slice(0, -1)) : feature === wanted;
}

/** Every field the matcher sets holds for the task of `feature`; a matcher with none matches every task. */
export function matchesTask(matcher: TaskMatcher, task: Pick<Task, 'story' | 'text'>, feature: string): boolean {
  return (
    matchesFeature(matcher, feature) &&
    (!matcher.story || matcher.story === task.story) &&
    (!matcher.text || new RegExp(matcher.text, 'i').test(task.text))
  );
}
