/**
 * The lossless cache: a task's changes outside its declared files, kept as a declared output of
 * its target (`.speckit/changesets/<project>/<task>.json`). Nx restores declared files itself on a
 * cache hit; the post-run hook then merges this file's patch with the same rules as a live task.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, posix } from 'node:path';
import { applyChangeset, writePatchFile, type ApplyResult } from './apply';
import type { Changeset, ChangedFile } from './changeset';
import { git, gitTopLevel } from './git';
import type { Transaction } from './transaction';
import { changesetFile } from './paths';

/** What the file holds: repository-relative files and their patch. */
interface CachedChangeset {
  files: ChangedFile[];
  patch: string;
}

/** Keeps the undeclared part of a landed changeset for the cache; none (and no stale file) when there is none. */
export function writeCachedChangeset(
  root: string,
  project: string,
  taskId: string,
  tx: Transaction,
  changeset: Changeset,
  undeclared: string[],
) {
  const file = join(root, changesetFile(project, taskId));
  const wanted = new Set(undeclared.map((p) => (tx.prefix ? posix.join(tx.prefix, p) : p)));
  const files = changeset.files.filter((f) => wanted.has(f.path));
  if (!files.length) {
    rmSync(file, { force: true });
    return;
  }
  const patch = git(tx.worktree.top, [
    'diff',
    '--binary',
    '--full-index',
    '--no-renames',
    changeset.baseTree,
    changeset.tree,
    '--',
    ...files.map((f) => `:(literal)${f.path}`),
  ]);
  writePatchFile(file, `${JSON.stringify({ files, patch } satisfies CachedChangeset, null, 2)}\n`);
}

/**
 * After a cache hit: merges the restored changeset into the workspace. Undefined when the task has
 * none (it changed only declared files, or ran without isolation).
 */
export async function restoreCachedChangeset(
  root: string,
  project: string,
  taskId: string,
): Promise<(ApplyResult & { files: string[] }) | undefined> {
  const file = join(root, changesetFile(project, taskId));
  if (!existsSync(file)) return undefined;
  const top = gitTopLevel(root);
  if (!top) throw new Error(`${changesetFile(project, taskId)} can only be applied in a git repository`);
  const cached = JSON.parse(readFileSync(file, 'utf8')) as CachedChangeset;
  const result = await applyChangeset(top, join(root, '.speckit'), cached.patch, cached.files);
  return { ...result, files: cached.files.map((f) => f.path) };
}
