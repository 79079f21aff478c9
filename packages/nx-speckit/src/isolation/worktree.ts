/**
 * Task worktrees: a checkout of a snapshot per task attempt, detached, in the OS temp folder:
 * outside the workspace, so neither Nx's project discovery nor the user's `git status` sees them.
 * The pool (pool.ts) decides which folder a task gets; this file makes it hold the snapshot.
 */
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
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
  /** The snapshot commit checked out (detached HEAD). */
  commit: string;
}

/** Where this repository's task worktrees live: one folder per repository, so clean-up touches only ours. */
export function worktreesHome(top: string): string {
  const id = createHash('sha256').update(realpathSync(top)).digest('hex').slice(0, 12);
  return join(realpathSync(tmpdir()), 'nx-speckit-worktrees', id);
}

/**
 * Brings the private repository at `dir` (new, or a pooled one a finished task left) to exactly
 * `commit`: its git state made afresh, the snapshot's files where they differ, every other file
 * removed, and each of `links` (workspace-relative ignored folders such as node_modules) linked to
 * the workspace's own: shared, never copied. A reused checkout has most files right already, so
 * this writes about what differs between the two snapshots, not the whole repository.
 *
 * Not `git worktree add`: worktrees share branches and the stash with the user's repository, so
 * an agent's `git checkout -b` or `git stash` there would change the user's. The private
 * repository borrows the objects instead (git alternates): nothing is copied, and whatever the
 * agent does with git stays in it.
 */
export function checkOut(
  top: string,
  workspaceRoot: string,
  dir: string,
  commit: string,
  baseTree: string,
  links: string[],
  reuse: boolean,
): TaskWorktree {
  if (reuse) borrowObjects(top, dir);
  else resetRepository(top, dir, commit);
  inCheckout(dir, ['read-tree', '--reset', '-u', baseTree]);
  // Also removes the links (git never follows them): they are made again below.
  inCheckout(dir, ['clean', '-ffdxq']);
  inCheckout(dir, ['update-ref', '--no-deref', 'HEAD', commit]);
  const prefix = relative(top, workspaceRoot);
  const root = prefix ? join(dir, prefix) : dir;
  for (const link of links) {
    const source = join(workspaceRoot, link);
    const target = join(root, link);
    if (!existsSync(source) || lstatSync(target, { throwIfNoEntry: false }) !== undefined) continue;
    mkdirSync(dirname(target), { recursive: true });
    symlinkSync(source, target, 'dir');
  }
  return { top: dir, root, baseTree, commit };
}

/**
 * Everything in `.git` but the objects and the index (kept: git's stat cache spares rehashing)
 * is made anew, HEAD detached at `commit`: an agent's commits, branches, stash, reflogs, config
 * and in-progress merges of an earlier task are gone.
 */
export function resetRepository(top: string, dir: string, commit: string) {
  const gitDir = join(dir, '.git');
  mkdirSync(gitDir, { recursive: true });
  for (const entry of readdirSync(gitDir))
    if (entry !== 'objects' && entry !== 'index') rmSync(join(gitDir, entry), { recursive: true, force: true });
  // Not through inCheckout: with GIT_WORK_TREE set, init would record the folder's path in the config.
  git(dir, ['init', '--quiet', dir]);
  borrowObjects(top, dir);
  inCheckout(dir, ['update-ref', '--no-deref', 'HEAD', commit]);
}

/** The checkout reads the repository's objects (alternates) and ignores what the user's `info/exclude` ignores, as they are now. */
function borrowObjects(top: string, dir: string) {
  const common = commonDir(top);
  writeFileSync(join(dir, '.git', 'objects', 'info', 'alternates'), `${join(common, 'objects')}\n`);
  const exclude = join(common, 'info', 'exclude');
  if (existsSync(exclude)) copyFileSync(exclude, join(dir, '.git', 'info', 'exclude'));
  else rmSync(join(dir, '.git', 'info', 'exclude'), { force: true });
}

// A repository's git folder does not move while a process runs: asked once.
const commonDirs = new Map<string, string>();
function commonDir(top: string): string {
  if (!commonDirs.has(top))
    commonDirs.set(top, git(top, ['rev-parse', '--path-format=absolute', '--git-common-dir']).trim());
  return commonDirs.get(top)!;
}

/**
 * git on the checkout at `dir` and nothing else: should its `.git` be damaged, git must fail
 * rather than find a repository further up (a `clean -ffdx` there would be a disaster).
 */
export function inCheckout(dir: string, args: string[]): string {
  return git(dir, args, { env: { GIT_DIR: join(dir, '.git'), GIT_WORK_TREE: dir } });
}

/**
 * What identifies a checkout's git state: its HEAD (the file: a detached HEAD holds the commit id
 * itself) and the checksum git keeps at the end of its index. Read, not asked of git: it is
 * checked before and after every task.
 */
export function checkoutState(dir: string): { head: string; index: string } {
  const head = readFileSync(join(dir, '.git', 'HEAD'), 'utf8').trim();
  const index = readFileSync(join(dir, '.git', 'index'));
  return { head, index: index.subarray(index.length - 20).toString('hex') };
}
