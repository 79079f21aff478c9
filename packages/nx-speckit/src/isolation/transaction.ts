/**
 * One task as a transaction: `beginTransaction` gives it a pooled worktree holding a fresh
 * snapshot; `commitTransaction` lands its changeset in the workspace whole or not at all;
 * `endTransaction` gives the worktree back to the pool, `keepWorktree` keeps a failed task's for
 * inspection. The task runner decides what happens in between.
 */
import { join, relative } from 'node:path';
import { applyChangeset, type ApplyResult } from './apply';
import { computeChangeset, excludedPathspecs, workspacePath, type Changeset } from './changeset';
import { gitTopLevel } from './git';
import { snapshotCommit } from './snapshot';
import { keepPooledWorktree, openPooledWorktree, releasePooledWorktree, type PooledWorktree } from './pool';

export interface IsolationSettings {
  /** Workspace-relative ignored folders shared into every worktree as links (default: node_modules). */
  links: string[];
}

export interface Transaction {
  /** The repository's top folder and the workspace's place in it. */
  top: string;
  prefix: string;
  worktree: PooledWorktree;
  settings: IsolationSettings;
  workspaceRoot: string;
}

export interface CommitResult extends ApplyResult {
  changeset: Changeset;
  /** Workspace-relative paths of every changed file. */
  changed: string[];
}

/** Snapshots the workspace and checks it out in a worktree of the pool, claimed for the task `name`. */
export async function beginTransaction(
  workspaceRoot: string,
  name: string,
  settings: IsolationSettings,
): Promise<Transaction> {
  const top = gitTopLevel(workspaceRoot);
  if (!top) throw new Error(`isolation "worktree" needs a git repository, and ${workspaceRoot} is not in one`);
  const { commit, tree } = snapshotCommit(top);
  const worktree = await openPooledWorktree(top, workspaceRoot, commit, tree, name, settings.links);
  return { top, prefix: relative(top, workspaceRoot).split('\\').join('/'), worktree, settings, workspaceRoot };
}

/** Computes the task's changeset and merges it into the workspace (nothing of it when any path conflicts). */
export async function commitTransaction(tx: Transaction): Promise<CommitResult> {
  const changeset = computeChangeset(tx.worktree, excludedPathspecs(tx.prefix, tx.settings.links));
  const result = await applyChangeset(tx.top, join(tx.workspaceRoot, '.speckit'), changeset.patch, changeset.files);
  const local = (p: string) => workspacePath(tx.prefix, p);
  return {
    ...result,
    conflicts: result.conflicts.map(local),
    changeset,
    changed: changeset.files.map((f) => local(f.path)),
  };
}

/** Gives the task's worktree back to the pool (call it on success; see `keepWorktree` for a failed task). */
export function endTransaction(tx: Transaction) {
  releasePooledWorktree(tx.top, tx.worktree);
}

/** Keeps a failed task's worktree as it is until the next run; returns the workspace root in it. */
export function keepWorktree(tx: Transaction, name: string): string {
  return keepPooledWorktree(tx.worktree, name);
}
