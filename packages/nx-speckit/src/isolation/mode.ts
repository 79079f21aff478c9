/** Which isolation a run uses, and why (said once per run). */
import { gitTopLevel } from './git';

export type IsolationMode = 'worktree' | 'none';

/**
 * The configured mode, else `worktree` in a git repository where more than one task can run at
 * once (`parallel`), else `none`: one task at a time in the workspace needs no isolation.
 */
export function resolveIsolation(
  option: IsolationMode | undefined,
  workspaceRoot: string,
  parallel: number,
): { mode: IsolationMode; reason: string } {
  if (option) return { mode: option, reason: 'set in the plugin options' };
  if (!gitTopLevel(workspaceRoot)) return { mode: 'none', reason: 'the workspace is not a git repository' };
  if (parallel <= 1) return { mode: 'none', reason: 'one task runs at a time' };
  return { mode: 'worktree', reason: `a git workspace with up to ${parallel} tasks at once` };
}
