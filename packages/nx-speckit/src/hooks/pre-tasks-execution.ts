/**
 * Runs once before Nx starts any task (in the orchestrating process, or its plugin worker). With
 * the Nx daemon on, Nx runs this hook inside the daemon (with the command's environment): a
 * missing agent still fails the run, and the stale-plan warning is left for the feature's first
 * task to print, since what the daemon prints goes to its log.
 */
import type { PreTasksExecution, PreTasksExecutionContext } from '@nx/devkit';
import { BATCH_PARALLEL_ENV } from '../task-runner/batch-parallel';
import { normalizeOptions, type SpeckitPluginOptions } from '../plugin/options';
import { isPluginTarget } from '../names';
import { onNxDaemon, print } from './print';
import { requestedRun, runParallelism } from './requested-run';

/**
 * Nx's before-run hook, for runs of the plugin's targets only: hands `--parallel` on to batch runs, warns of
 * stale plans, fails the run before any task starts when an agent CLI is missing, tidies the worktree pool
 * and starts the run's spend ledger at zero.
 */
export const preTasksExecution: PreTasksExecution<SpeckitPluginOptions> = async (options, context) => {
  // A run of other targets (`nx build web`) is none of this plugin's business: nothing to check,
  // and nothing here may fail it.
  if (!runsOurTargets(options, context)) return;
  // The batch implementation runs many tasks in one process, and Nx does not tell it `--parallel`.
  // What this hook sets in process.env, Nx sets in the orchestrating process (from a plugin worker
  // or the daemon too) before it starts any task.
  const parallel = runParallelism(requestedRun(context.argv), context.nxJsonConfiguration);
  process.env[BATCH_PARALLEL_ENV] = String(parallel);
  await checkRun(options, context);
  await prepareIsolation(options, context, parallel);
  startRunLedger(context);
};

/** Whether the command runs this plugin's targets (`implement`, `implement--T001`, …). */
function runsOurTargets(options: SpeckitPluginOptions | undefined, context: PreTasksExecutionContext): boolean {
  const { targetName } = normalizeOptions(options);
  return requestedRun(context.argv).targets.some((t) => isPluginTarget(targetName, t));
}

/** Each run has its own budget: its spend ledger starts at zero (so a re-run after "budget reached" resumes). */
function startRunLedger(context: PreTasksExecutionContext): void {
  const { startLedger } = require('../task-runner/spend') as typeof import('../task-runner/spend');
  startLedger(context.workspaceRoot);
}

/**
 * Says once per run which isolation the tasks use, and tidies the pool of task worktrees: removes
 * the failed tasks' worktrees an earlier run kept for inspection and the claims a kill -9 left,
 * and keeps at most as many free worktrees as tasks can run at once.
 */
async function prepareIsolation(
  options: SpeckitPluginOptions | undefined,
  context: PreTasksExecutionContext,
  parallel: number,
): Promise<void> {
  const { isolation } = normalizeOptions(options);
  const { resolveIsolation } = require('../isolation/mode') as typeof import('../isolation/mode');
  const { tidyPool } = require('../isolation/pool') as typeof import('../isolation/pool');
  const { gitTopLevel } = require('../isolation/git') as typeof import('../isolation/git');
  const { mode, reason } = resolveIsolation(isolation, context.workspaceRoot, parallel);
  const top = gitTopLevel(context.workspaceRoot);
  const removed = top ? await tidyPool(top, parallel) : [];
  const cleaned = removed.length
    ? `; removed ${removed.length} task worktree${removed.length > 1 ? 's' : ''} left by an earlier run`
    : '';
  if (!onNxDaemon()) await print(`nx-speckit: isolation "${mode}" (${reason})${cleaned}\n`);
}

async function checkRun(options: SpeckitPluginOptions | undefined, context: PreTasksExecutionContext): Promise<void> {
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
    await print(
      `nx-speckit: skipped the pre-run checks (stale task ids, missing agent CLIs): the project graph could not be read: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return;
  }
  const result = preRun(context.workspaceRoot, context.argv, targetName, graph);
  if (onNxDaemon()) for (const w of result.warnings) leaveNotice(context.workspaceRoot, w.project, `${w.text}\n`);
  else if (result.warnings.length) await print(`${result.warnings.map((w) => w.text).join('\n')}\n`);
  if (result.error) throw new Error(result.error);
}
