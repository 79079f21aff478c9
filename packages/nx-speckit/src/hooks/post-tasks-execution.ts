/** Runs once after Nx finished the run (in the orchestrating process). */
import type { PostTasksExecution } from '@nx/devkit';
import type { SpeckitPluginOptions } from '../plugin/options';

export const postTasksExecution: PostTasksExecution<SpeckitPluginOptions> = async () => {
  // Filled in by issue 5 (summary, reports, checkpoints for cache hits and distributed tasks).
};
