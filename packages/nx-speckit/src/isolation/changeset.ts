/**
 * A task's exact changeset: its worktree against the snapshot it started from (added, modified,
 * deleted, mode and binary changes), as a binary git patch with full blob ids, so it can later be
 * merged three-way into a workspace that moved on.
 */
import { relative } from 'node:path';
import { git, splitZ, withTempIndex } from './git';
import { addAll, seedIndex } from './snapshot';
import type { TaskWorktree } from './worktree';

export interface ChangedFile {
  /** `A` added, `M` modified, `D` deleted, `T` type changed (file ↔ symlink). */
  status: string;
  /** Repository-relative path. */
  path: string;
}

export interface Changeset {
  baseTree: string;
  tree: string;
  files: ChangedFile[];
  /** `git diff --binary --full-index` output; empty when the task changed nothing. */
  patch: string;
}

/**
 * Never part of a changeset: tasks.md files (only the checkpoint writer edits them), the run
 * artefacts under .speckit/, Nx's .nx/ folder, and the shared links (node_modules and the like).
 */
export function excludedPathspecs(prefix: string, links: string[]): string[] {
  const at = (p: string) => (prefix ? `${prefix}/${p}` : p);
  return [
    ':(exclude,glob)**/specs/*/tasks.md',
    `:(exclude)${at('.speckit')}`,
    `:(exclude)${at('.nx')}`,
    ...links.map((link) => `:(exclude)${at(link)}`),
  ];
}

/** What the task changed in its worktree since its snapshot, without the excluded paths. */
export function computeChangeset(worktree: TaskWorktree, excluded: string[]): Changeset {
  const tree = withTempIndex((env) => {
    seedIndex(worktree.top, env.GIT_INDEX_FILE);
    addAll(worktree.top, env);
    return git(worktree.top, ['write-tree'], { env }).trim();
  });
  const range = [worktree.baseTree, tree, '--', '.', ...excluded];
  const names = splitZ(git(worktree.top, ['diff', '--name-status', '-z', '--no-renames', ...range]));
  const files: ChangedFile[] = [];
  for (let i = 0; i + 1 < names.length; i += 2) files.push({ status: names[i], path: names[i + 1] });
  const patch = files.length ? git(worktree.top, ['diff', '--binary', '--full-index', '--no-renames', ...range]) : '';
  return { baseTree: worktree.baseTree, tree, files, patch };
}

/** `path` (repository-relative) relative to the workspace root, which sits at `prefix` in the repository. */
export function workspacePath(prefix: string, path: string): string {
  return prefix ? relative(prefix, path).split('\\').join('/') : path;
}
