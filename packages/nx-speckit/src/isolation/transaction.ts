/**
 * One task as a transaction: `beginTransaction` gives it a worktree of a fresh snapshot;
 * `commitTransaction` lands its changeset in the workspace whole or not at all; `endTransaction`
 * removes the worktree. The task runner decides what happens in between.
 */
import { join, relative } from 'node:path';
import { applyChangeset, type ApplyResult } from './apply';
import { computeChangeset, excludedPathspecs, workspacePath, type Changeset } from './changeset';
import { gitTopLevel } from './git';
import { snapshotCommit } from './snapshot';
import { closeWorktree, openWorktree, type TaskWorktree } from './worktree';

export interface IsolationSettings {
  /** Workspace-relative ignored folders shared into every worktree as links (default: node_modules). */
  links: string[];
}

export interface Transaction {
  /** The repository's top folder and the workspace's place in it. */
  top: string;
  prefix: string;
  worktree: TaskWorktree;
  settings: IsolationSettings;
  workspaceRoot: string;
}

export interface CommitResult extends ApplyResult {
  changeset: Changeset;
  /** Workspace-relative paths of every changed file. */
  changed: string[];
}

/** Snapshots the workspace and opens a worktree of it named after the task. */
export function beginTransaction(workspaceRoot: string, name: string, settings: IsolationSettings): Transaction {
  const top = gitTopLevel(workspaceRoot);
  if (!top) throw new Error(`isolation "worktree" needs a git repository, and ${workspaceRoot} is not in one`);
  const { commit, tree } = snapshotCommit(top);
  const worktree = openWorktree(top, workspaceRoot, commit, tree, name, settings.links);
  return { top, prefix: relative(top, workspaceRoot).split('\\').join('/'), worktree, settings, workspaceRoot };
}

/** Computes the task's changeset and merges it into the workspace (nothing of it when any path conflicts). */
export async function commitTransaction(tx: Transaction): Promise<CommitResult> {
  const changeset = computeChangeset(tx.worktree, excludedPathspecs(tx.prefix, tx.settings.links));
  const result = await applyChangeset(tx.top, join(tx.workspaceRoot, '.speckit'), changeset.patch, changeset.files);
  const local = (p: string) => workspacePath(tx.prefix, p);
  return { ...result, conflicts: result.conflicts.map(local), changeset, changed: changeset.files.map((f) => local(f.path)) };
}

/** Removes the task's worktree (call it on success; a failed task's stays for inspection until the next run). */
export function endTransaction(tx: Transaction) {
  closeWorktree(tx.worktree);
}
