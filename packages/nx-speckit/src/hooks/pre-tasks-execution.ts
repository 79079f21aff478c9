/** Runs once before Nx starts any task (in the orchestrating process). */
import type { PreTasksExecution } from '@nx/devkit';
import type { SpeckitPluginOptions } from '../plugin/options';

export const preTasksExecution: PreTasksExecution<SpeckitPluginOptions> = async () => {
  // Filled in by issue 5 (stale-plan warning, missing agent CLI before any task starts).
};
