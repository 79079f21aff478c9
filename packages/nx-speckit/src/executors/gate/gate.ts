import type { ExecutorContext } from '@nx/devkit';
import type { GateCommand, GateExecutorSchema } from './schema';
import { runGates } from '../../gates/run-gates';

/** `nx-speckit:gate`: a feature's quality-gate commands, after its tasks (or after one phase). */
export default async function gateExecutor(options: GateExecutorSchema, context: ExecutorContext): Promise<{ success: boolean }> {
  const project = context.projectName!;
  const config = context.projectsConfigurations!.projects[project];
  const metadata = config.targets?.[context.targetName!]?.metadata as { speckit?: { gates?: GateCommand[] } } | undefined;
  const commands = options.commands ?? metadata?.speckit?.gates ?? [];
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
