import type { ExecutorContext } from '@nx/devkit';
import type { TaskExecutorSchema } from './schema';
import { runTask } from '../../task-runner/run-task';

/** `nx-speckit:task`: one spec-kit task, run by a coding agent, verified and checkpointed. */
export default async function taskExecutor(options: TaskExecutorSchema, context: ExecutorContext): Promise<{ success: boolean }> {
  const project = context.projectName!;
  const featureDir = context.projectsConfigurations!.projects[project].root;
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
      signal: controller.signal,
    });
    return { success: result.status !== 'failed' };
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
