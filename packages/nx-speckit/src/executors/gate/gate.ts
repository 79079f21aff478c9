import type { ExecutorContext } from '@nx/devkit';
import type { GateExecutorSchema } from './schema';
import { runGates } from '../../gates/run-gates';
import { readGateCommands } from '../../plugin/target-metadata';

/** `nx-speckit:gate`: a feature's quality-gate commands, after its tasks (or after one phase). */
export default async function gateExecutor(
  options: GateExecutorSchema,
  context: ExecutorContext,
): Promise<{ success: boolean }> {
  const project = context.projectName!;
  const config = context.projectsConfigurations!.projects[project];
  const commands = options.commands ?? readGateCommands(config.targets?.[context.targetName!]?.metadata) ?? [];
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const result = await runGates({
      workspaceRoot: context.root,
      featureDir: config.root,
      project,
      phase: options.phase,
      commands,
      signal: controller.signal,
    });
    return { success: result.ok };
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
