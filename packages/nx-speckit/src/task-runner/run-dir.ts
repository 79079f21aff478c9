import { join } from 'node:path';

/** `.speckit/runs/<project>`: a feature's task records, prompts, baselines and shared parses of its tasks.md. */
export function runDirOf(root: string, project: string): string {
  return join(root, '.speckit', 'runs', project);
}

/** The checkpoint journal: every `[X]` nx-speckit wrote into the feature's tasks.md, so the guard can tell it from an agent's. */
export function marksJournal(root: string, project: string): string {
  return join(runDirOf(root, project), 'marks.log');
}
