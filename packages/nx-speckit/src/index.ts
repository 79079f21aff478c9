/** The nx-speckit Nx plugin: every task of every spec-kit tasks.md becomes an Nx target. */
export const name = 'nx-speckit';
export { createNodes, createNodesV2, TASKS_GLOB } from './plugin/create-nodes';
export { createDependencies } from './plugin/create-dependencies';
export type { SpeckitPluginOptions, AgentRule } from './plugin/options';
export { preTasksExecution } from './hooks/pre-tasks-execution';
export { postTasksExecution } from './hooks/post-tasks-execution';
