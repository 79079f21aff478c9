/**
 * Runs once before Nx starts any task (in the orchestrating process, or its plugin worker). With
 * the Nx daemon on, Nx runs this hook inside the daemon: a missing agent still fails the run, but
 * the stale-plan warning lands in the daemon's log (the daemon is off in CI and containers).
 */
import type { PreTasksExecution } from '@nx/devkit';
import { normalizeOptions, type SpeckitPluginOptions } from '../plugin/options';

export const preTasksExecution: PreTasksExecution<SpeckitPluginOptions> = async (options, context) => {
  const { targetName } = normalizeOptions(options);
  // Loaded here: graph construction loads the plugin and must stay light.
  const { preRun } = require('./pre-run') as typeof import('./pre-run');
  const { readCachedProjectGraph } = require('@nx/devkit') as typeof import('@nx/devkit');
  let graph;
  try {
    graph = readCachedProjectGraph();
  } catch {
    return; // no graph to read (should not happen: Nx computes it before running tasks)
  }
  const result = preRun(context.workspaceRoot, context.argv, targetName, graph);
  if (result.warnings.length) await print(`${result.warnings.join('\n')}\n`);
  if (result.error) throw new Error(result.error);
};

function print(text: string): Promise<void> {
  return new Promise((resolve) => {
    process.stdout.write(text, () => resolve()); // stdout, like the run summary: in order with Nx's own output
  });
}
