/**
 * Runs once before Nx starts any task (in the orchestrating process, or its plugin worker). With
 * the Nx daemon on, Nx runs this hook inside the daemon (with the command's environment): a
 * missing agent still fails the run, and the stale-plan warning is left for the feature's first
 * task to print, since what the daemon prints goes to its log.
 */
import type { PreTasksExecution } from '@nx/devkit';
import { normalizeOptions, type SpeckitPluginOptions } from '../plugin/options';
import { onNxDaemon, print } from './print';

export const preTasksExecution: PreTasksExecution<SpeckitPluginOptions> = async (options, context) => {
  const { targetName } = normalizeOptions(options);
  // Loaded here: graph construction loads the plugin and must stay light.
  const { preRun } = require('./pre-run') as typeof import('./pre-run');
  const { leaveNotice } = require('../task-runner/run-dir') as typeof import('../task-runner/run-dir');
  const { readCachedProjectGraph } = require('@nx/devkit') as typeof import('@nx/devkit');
  let graph;
  try {
    graph = readCachedProjectGraph();
  } catch (error) {
    // Nx computes the graph before it runs tasks, so this should not happen; say what was skipped.
    await print(`nx-speckit: skipped the pre-run checks (stale task ids, missing agent CLIs): the project graph could not be read: ${error instanceof Error ? error.message : String(error)}\n`);
    return;
  }
  const result = preRun(context.workspaceRoot, context.argv, targetName, graph);
  if (onNxDaemon()) for (const w of result.warnings) leaveNotice(context.workspaceRoot, w.project, `${w.text}\n`);
  else if (result.warnings.length) await print(`${result.warnings.map((w) => w.text).join('\n')}\n`);
  if (result.error) throw new Error(result.error);
};
