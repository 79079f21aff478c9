/**
 * The pool of task checkouts, one per repository under the temp folder: a task claims a free
 * checkout and brings it to its snapshot (only the files that differ are written), and gives it
 * back when it succeeded. A failed task's checkout leaves the pool, kept for inspection until the
 * next run. So a warm task costs about the size of what changed, not the size of the repository.
 *
 * Beside each checkout `pool-<id>/`: `pool-<id>.claim` (the pid of the process using it) and
 * `pool-<id>.json` (the HEAD and index checksum it was left with, written when a task gives it
 * back). A checkout without that record (its holder died), or whose git state no longer matches
 * it (damaged, or changed while nobody held it), is made again from scratch, never trusted.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lock } from 'proper-lockfile';
import { LOCK_OPTIONS } from './apply';
import { checkOut, checkoutState, resetRepository, worktreesHome, type TaskWorktree } from './worktree';

const SLOT = /^pool-[0-9a-f]+$/;

/** A checkout of the pool, claimed by this process. */
export interface PooledWorktree extends TaskWorktree {
  home: string;
  slot: string;
  /** Whether an earlier task's checkout was reused (false: written from scratch). */
  reused: boolean;
}

interface Claim {
  pid: number;
  task: string;
}

interface PoolRecord {
  head: string;
  index: string;
}

const claimFile = (home: string, slot: string) => join(home, `${slot}.claim`);
const recordFile = (home: string, slot: string) => join(home, `${slot}.json`);

/** Claims a free checkout (or a new one when all are taken) and checks `commit` out in it. */
export async function openPooledWorktree(
  top: string,
  workspaceRoot: string,
  commit: string,
  baseTree: string,
  task: string,
  links: string[],
): Promise<PooledWorktree> {
  const home = worktreesHome(top);
  const slot = await claimSlot(home, task);
  const dir = join(home, slot);
  let reused = trustworthy(home, slot);
  // While a task holds it the state is the task's: with no record, a checkout whose holder died
  // (kill -9) is never trusted, whatever its agent did to it.
  rmSync(recordFile(home, slot), { force: true });
  if (!reused) rmSync(dir, { recursive: true, force: true });
  let worktree: TaskWorktree;
  try {
    worktree = checkOut(top, workspaceRoot, dir, commit, baseTree, links, reused);
  } catch (error) {
    if (!reused) throw error;
    // Whatever went wrong in the reused checkout, a fresh one does not inherit it.
    rmSync(dir, { recursive: true, force: true });
    reused = false;
    worktree = checkOut(top, workspaceRoot, dir, commit, baseTree, links, false);
  }
  return { ...worktree, home, slot, reused };
}

/** Gives a succeeded task's checkout back to the pool, its git state made afresh (the agent's commits, branches and stash gone). */
export function releasePooledWorktree(top: string, worktree: PooledWorktree) {
  resetRepository(top, worktree.top, worktree.commit);
  record(worktree.home, worktree.slot);
  rmSync(claimFile(worktree.home, worktree.slot), { force: true });
}

/**
 * Takes a failed task's checkout out of the pool, kept as it is for inspection until the next run
 * removes it. Returns the workspace root inside it, at its new place.
 */
export function keepPooledWorktree(worktree: PooledWorktree, task: string): string {
  const kept = join(worktree.home, `failed-${task.replace(/[^\w.-]+/g, '_')}-${randomBytes(3).toString('hex')}`);
  renameSync(worktree.top, kept);
  rmSync(recordFile(worktree.home, worktree.slot), { force: true });
  rmSync(claimFile(worktree.home, worktree.slot), { force: true });
  return join(kept, worktree.root.slice(worktree.top.length));
}

/**
 * At the start of a run: removes the failed tasks' checkouts an earlier run kept (returned), the
 * claims of processes that are gone (a `kill -9`), and free checkouts beyond `keep`.
 */
export async function tidyPool(top: string, keep: number): Promise<string[]> {
  const home = worktreesHome(top);
  if (!existsSync(home)) return [];
  return withPoolLock(home, () => {
    const removed: string[] = [];
    let free = 0;
    for (const entry of readdirSync(home)) {
      const path = join(home, entry);
      if (SLOT.test(entry)) {
        if (holder(home, entry) !== undefined) continue;
        rmSync(claimFile(home, entry), { force: true });
        if (++free <= keep) continue;
        rmSync(path, { recursive: true, force: true });
        rmSync(recordFile(home, entry), { force: true });
      } else if (entry.startsWith('failed-')) {
        rmSync(path, { recursive: true, force: true });
        removed.push(path);
      }
    }
    // Claims and records whose checkout is gone.
    for (const entry of readdirSync(home)) {
      const slot = entry.replace(/\.(claim|json)$/, '');
      if (slot !== entry && SLOT.test(slot) && !existsSync(join(home, slot)) && holder(home, slot) === undefined)
        rmSync(join(home, entry), { force: true });
    }
    return removed;
  });
}

/** The first checkout nobody alive holds, else a new one; claimed for this process. */
async function claimSlot(home: string, task: string): Promise<string> {
  mkdirSync(home, { recursive: true });
  return withPoolLock(home, () => {
    const free = readdirSync(home).find((entry) => SLOT.test(entry) && holder(home, entry) === undefined);
    const slot = free ?? `pool-${randomBytes(4).toString('hex')}`;
    writeFileSync(claimFile(home, slot), JSON.stringify({ pid: process.pid, task } satisfies Claim));
    return slot;
  });
}

/** The live process holding `slot`, if any (a claim of a process that is gone does not count). */
function holder(home: string, slot: string): number | undefined {
  let claim: Claim;
  try {
    claim = JSON.parse(readFileSync(claimFile(home, slot), 'utf8')) as Claim;
  } catch {
    return undefined;
  }
  return isAlive(claim.pid) ? claim.pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the checkout's git state is the one the pool recorded when it was last left. */
function trustworthy(home: string, slot: string): boolean {
  try {
    const recorded = JSON.parse(readFileSync(recordFile(home, slot), 'utf8')) as PoolRecord;
    const now = checkoutState(join(home, slot));
    return now.head === recorded.head && now.index === recorded.index;
  } catch {
    return false;
  }
}

function record(home: string, slot: string) {
  const now = checkoutState(join(home, slot));
  writeFileSync(recordFile(home, slot), JSON.stringify({ head: now.head, index: now.index } satisfies PoolRecord));
}

/** Claims and clean-up change the pool under one short lock (milliseconds: no checkout happens under it). */
async function withPoolLock<T>(home: string, use: () => T): Promise<T> {
  const release = await lock(home, { ...LOCK_OPTIONS, lockfilePath: join(home, 'pool.lock') });
  try {
    return use();
  } finally {
    await release();
  }
}
