/** Kept apart from the git code: the plugin names this output while it builds the graph. */
import { posix } from 'node:path';

/** Workspace-relative path of a task's cached changeset (its target lists it among its outputs). */
export function changesetFile(project: string, taskId: string): string {
  return posix.join('.speckit', 'changesets', project, `${taskId}.json`);
}
