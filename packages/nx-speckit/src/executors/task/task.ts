import type { ExecutorContext } from '@nx/devkit';
import type { TaskExecutorSchema } from './schema';
import { runTask } from '../../task-runner/run-task';

/** `nx-speckit:task`: one spec-kit task, run by a coding agent, verified and checkpointed. */
export default async function taskExecutor(options: TaskExecutorSchema, context: ExecutorContext): Promise<{ success: boolean }> {
  const project = context.projectName!;
  const config = context.projectsConfigurations!.projects[project];
  const featureDir = config.root;
  // Planned as the graph was: the plugin's `lanes` option decides a task's prerequisites.
  const lanes = (config.metadata as { speckit?: { lanes?: 'story' | 'none' } } | undefined)?.speckit?.lanes;
  // Ctrl-C or SIGTERM from Nx: stop the agent's whole process tree and mark nothing.
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const result = await runTask({
      workspaceRoot: context.root,
      featureDir,
      project,
      taskId: options.taskId,
      agent: options.agent,
      verify: options.verify,
      allowIncompleteChecklists: options.allowIncompleteChecklists,
      record: options.record,
      validateOnly: options.validateOnly,
      lanes,
      signal: controller.signal,
    });
    return { success: result.status !== 'failed' };
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
