/**
 * Runs once after Nx finished the run, in the orchestrating process (or its plugin worker, whose
 * stdout Nx pipes to the terminal). With the Nx daemon on, Nx runs this hook inside the daemon and
 * what it prints lands in the daemon's log; the report files (with latest.txt, the summary) are
 * written either way.
 */
import type { PostTasksExecution } from '@nx/devkit';
import { normalizeOptions, type SpeckitPluginOptions } from '../plugin/options';
import { print } from './print';
import { resolveBudget } from '../task-runner/spend';

/**
 * Nx's after-run hook: writes the run report and prints its summary. A problem with the report is printed,
 * never thrown, so it cannot fail a run whose tasks succeeded.
 */
export const postTasksExecution: PostTasksExecution<SpeckitPluginOptions> = async (options, context) => {
  try {
    const normalized = normalizeOptions(options);
    // Loaded here, not at the top: loading the plugin for graph construction must not load the markdown parser.
    const { reportRun } = require('./post-run') as typeof import('./post-run');
    const { readCachedProjectGraph } = require('@nx/devkit') as typeof import('@nx/devkit');
    let graph;
    try {
      graph = readCachedProjectGraph();
    } catch {
      /* without it, every task downstream of a failure counts as blocked */
    }
    let budget;
    try {
      budget = resolveBudget(normalized);
    } catch {
      /* a bad SPECKIT_BUDGET_* failed every task already, naming it */
    }
    const result = await reportRun(context, {
      targetName: normalized.targetName,
      lanes: normalized.lanes,
      graph,
      budget,
    });
    if (result) await print(`\n${result.summary}`);
  } catch (error) {
    // A report problem must not turn a good run into a failed one.
    await print(
      `\nnx-speckit: could not write the run report: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
  }
};
