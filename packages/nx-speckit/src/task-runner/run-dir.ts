import { join } from 'node:path';

/** `.speckit/runs/<project>`: a feature's task records, prompts, baselines and shared parses of its tasks.md. */
export function runDirOf(root: string, project: string): string {
  return join(root, '.speckit', 'runs', project);
}

/** The checkpoint journal: the `[X]` nx-speckit wrote into the feature's tasks.md and the agents' own ticks its guard removed. */
export function marksJournal(root: string, project: string): string {
  return join(runDirOf(root, project), 'marks.log');
}
