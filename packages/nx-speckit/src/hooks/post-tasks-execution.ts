/**
 * Runs once after Nx finished the run, in the orchestrating process (or its plugin worker, whose
 * stdout Nx pipes to the terminal). With the Nx daemon on, Nx runs this hook inside the daemon and
 * what it prints lands in the daemon's log; the report files are written either way.
 */
import type { PostTasksExecution } from '@nx/devkit';
import { normalizeOptions, type SpeckitPluginOptions } from '../plugin/options';

export const postTasksExecution: PostTasksExecution<SpeckitPluginOptions> = async (options, context) => {
  try {
    const normalized = normalizeOptions(options);
    // Loaded here, not at the top: loading the plugin for graph construction must not load the markdown parser.
    const { reportRun } = require('../report/run') as typeof import('../report/run');
    const result = await reportRun(context, { targetName: normalized.targetName, lanes: normalized.lanes });
    if (result) await print(`\n${result.summary}`);
  } catch (error) {
    // A report problem must not turn a good run into a failed one.
    await print(`\nnx-speckit: could not write the run report: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  }
};

/** process.stdout.write, waiting until it is handed to the OS (Nx exits soon after hooks return). */
function print(text: string): Promise<void> {
  return new Promise((resolve) => {
    process.stdout.write(text, () => resolve());
  });
}
