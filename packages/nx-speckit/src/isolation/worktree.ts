/**
 * Task worktrees: a checkout of a snapshot per task attempt, detached, in the OS temp folder:
 * outside the workspace, so neither Nx's project discovery nor the user's `git status` sees them.
 */
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { git } from './git';

export interface TaskWorktree {
  /** The worktree's top folder (the repository's top, checked out). */
  top: string;
  /** The workspace root inside it (differs from `top` when the Nx workspace is a subfolder of the repository). */
  root: string;
  /** The tree the task started from. */
  baseTree: string;
}

/** Where this repository's task worktrees live: one folder per repository, so clean-up touches only ours. */
export function worktreesHome(top: string): string {
  const id = createHash('sha256').update(realpathSync(top)).digest('hex').slice(0, 12);
  return join(realpathSync(tmpdir()), 'nx-speckit-worktrees', id);
}

/**
 * Checks out `commit` in a new private repository named after the task, and links each of `links`
 * (workspace-relative ignored folders such as node_modules) to the workspace's own: shared, never
 * copied. Not `git worktree add`: worktrees share branches and the stash with the user's
 * repository, so an agent's `git checkout -b` or `git stash` there would change the user's. The
 * private repository borrows the objects instead (git alternates): nothing is copied, and whatever
 * the agent does with git stays in it.
 */
export function openWorktree(top: string, workspaceRoot: string, commit: string, baseTree: string, name: string, links: string[]): TaskWorktree {
  const home = worktreesHome(top);
  mkdirSync(home, { recursive: true });
  const dir = join(home, `${name.replace(/[^\w.-]+/g, '_')}-${randomBytes(3).toString('hex')}`);
  git(home, ['init', '--quiet', dir]);
  const common = git(top, ['rev-parse', '--path-format=absolute', '--git-common-dir']).trim();
  writeFileSync(join(dir, '.git', 'objects', 'info', 'alternates'), `${join(common, 'objects')}\n`);
  // The user's own ignore rules, so the task's `add -A` ignores what the workspace's ignores.
  const exclude = join(common, 'info', 'exclude');
  if (existsSync(exclude)) copyFileSync(exclude, join(dir, '.git', 'info', 'exclude'));
  git(dir, ['read-tree', '--reset', '-u', baseTree]);
  git(dir, ['update-ref', '--no-deref', 'HEAD', commit]);
  const prefix = relative(top, workspaceRoot);
  const root = prefix ? join(dir, prefix) : dir;
  for (const link of links) {
    const source = join(workspaceRoot, link);
    const target = join(root, link);
    if (!existsSync(source) || lstatSync(target, { throwIfNoEntry: false }) !== undefined) continue;
    mkdirSync(dirname(target), { recursive: true });
    symlinkSync(source, target, 'dir');
  }
  return { top: dir, root, baseTree };
}

/** Removes the task's worktree (the links go with it; what they point at stays). */
export function closeWorktree(worktree: TaskWorktree) {
  rmSync(worktree.top, { recursive: true, force: true });
}

/**
 * Removes every task worktree of this repository left by an earlier run (a failed task's, kept for
 * inspection, or one a `kill -9` left behind). Returns the removed paths.
 */
export function removeStaleWorktrees(top: string): string[] {
  const home = worktreesHome(top);
  const removed = existsSync(home) ? readdirSync(home).map((entry) => join(home, entry)) : [];
  for (const path of removed) rmSync(path, { recursive: true, force: true });
  return removed;
}

