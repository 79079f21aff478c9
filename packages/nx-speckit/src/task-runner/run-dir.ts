import { join } from 'node:path';

/** `.speckit/runs/<project>`: a feature's task records, prompts, baselines and shared parses of its tasks.md. */
export function runDirOf(root: string, project: string): string {
  return join(root, '.speckit', 'runs', project);
}
