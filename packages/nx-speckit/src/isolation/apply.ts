/**
 * Lands a changeset in the workspace, whole or not at all, under one workspace-wide lock: a path
 * the workspace still has as in the task's snapshot takes the task's version; a path that changed
 * meanwhile (another task landed first) is merged three-way by git (`git apply --3way` on a
 * temporary index holding the workspace as it is now). Any conflict: nothing is written.
 */
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { lock } from 'proper-lockfile';
import { writeAtomically } from '@nx-speckit/tasks-md';
import { git, splitZ, withTempIndex } from './git';
import { addAll, seedIndex } from './snapshot';
import type { ChangedFile } from './changeset';

export interface ApplyResult {
  /** Repository-relative paths that could not be merged; empty when the changeset landed. */
  conflicts: string[];
  /** git's own words when it refused (a conflict, or a patch that does not apply at all). */
  detail?: string;
}

// Tasks queue here for the few milliseconds a merge takes (as checkpoints do for tasks.md).
export const LOCK_OPTIONS = {
  stale: 30_000,
  update: 5_000,
  retries: { retries: 1000, factor: 1.2, minTimeout: 5, maxTimeout: 200 },
  realpath: false,
};

/** Applies `patch` (touching exactly `files`) to the working tree at `top`; `lockDir` holds the lock. */
export async function applyChangeset(
  top: string,
  lockDir: string,
  patch: string,
  files: ChangedFile[],
): Promise<ApplyResult> {
  if (!files.length) return { conflicts: [] };
  mkdirSync(lockDir, { recursive: true });
  const release = await lock(lockDir, { ...LOCK_OPTIONS, lockfilePath: join(lockDir, 'apply.lock') });
  try {
    return applyUnlocked(top, lockDir, patch, files);
  } finally {
    await release();
  }
}

function applyUnlocked(top: string, stagingRoot: string, patch: string, files: ChangedFile[]): ApplyResult {
  return withTempIndex((env) => {
    seedIndex(top, env.GIT_INDEX_FILE);
    addAll(top, env);
    // Already there (a cache hit restored onto a workspace that has the change): nothing to do.
    if (reverseApplies(top, env, patch)) return { conflicts: [] };
    try {
      git(top, ['apply', '--3way', '--cached', '--whitespace=nowarn', '-'], { env, input: patch });
    } catch (error) {
      const unmerged = [...new Set(splitZ(git(top, ['diff', '--name-only', '-z', '--diff-filter=U'], { env })))];
      const detail = error instanceof Error ? error.message : String(error);
      return { conflicts: unmerged.length ? unmerged : refusedPaths(detail, files), detail };
    }
    writeFromIndex(top, env, files, stagingRoot);
    return { conflicts: [] };
  });
}

function reverseApplies(top: string, env: Record<string, string>, patch: string): boolean {
  try {
    git(top, ['apply', '--cached', '--reverse', '--check', '-'], { env, input: patch });
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes the merged versions of `files` from the temporary index into the working tree; removes
 * deleted ones. git writes them (content, mode, symlinks as it would) into a staging folder beside
 * the lock, on the workspace's file system, and a rename swaps each one in: whoever reads the
 * workspace meanwhile (an editor, a dev server) sees the old file or the new one, never none.
 */
function writeFromIndex(top: string, env: Record<string, string>, files: ChangedFile[], stagingRoot: string) {
  const present = new Set(
    splitZ(git(top, ['ls-files', '-z', '--', ...files.map((f) => `:(literal)${f.path}`)], { env })),
  );
  const write = files.filter((f) => present.has(f.path)).map((f) => f.path);
  for (const f of files.filter((f) => !present.has(f.path))) removeFile(top, f.path);
  if (!write.length) return;
  const staging = mkdtempSync(join(stagingRoot, 'apply-'));
  try {
    // Paths go on stdin, never argv.
    git(top, ['checkout-index', '-f', '-z', '--stdin', `--prefix=${staging}/`], { env, input: write.join('\0') });
    for (const path of write) {
      mkdirSync(dirname(join(top, path)), { recursive: true });
      renameSync(join(staging, path), join(top, path));
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Deletes a file and the folders it leaves empty, as git does. */
function removeFile(top: string, path: string) {
  rmSync(join(top, path), { force: true });
  for (let dir = dirname(path); dir !== '.' && dir !== ''; dir = dirname(dir)) {
    try {
      if (readdirSync(join(top, dir)).length) break;
      rmdirSync(join(top, dir));
    } catch {
      break;
    }
  }
}

/** The changeset's paths git names in a refusal that left no unmerged entry (e.g. "already exists"). */
function refusedPaths(detail: string, files: ChangedFile[]): string[] {
  const named = files.map((f) => f.path).filter((p) => detail.includes(p));
  return named.length ? named : files.map((f) => f.path);
}

/** For callers that keep the patch next to the run (the cache restores it): written whole or not at all. */
export function writePatchFile(file: string, patch: string) {
  writeAtomically(file, patch);
}
