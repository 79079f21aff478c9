/**
 * Exclusive resources (the `exclusive` option): a task holds each named resource for its whole
 * run, through a lock folder `.speckit/locks/<name>` that every process of the workspace sees
 * (forked task processes, `--batch`, another `nx` run). Names are taken in sorted order, so two
 * tasks needing the same pair never hold one each and wait for the other.
 *
 * The holder writes `holder.json` inside its lock folder. That file makes the folder non-empty,
 * so proper-lockfile's age-based stale check can never remove a live holder's lock, even when a
 * synchronous step (a long verify command) kept it from refreshing the lock's time. A lock whose
 * holder process is gone (killed with its `nx` run) is taken over at once instead.
 *
 * While a task waits, `.speckit/locks/<name>.waiting/` holds a file named after it: a run that
 * seems stuck shows on disk who waits for what.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { lock } from 'proper-lockfile';
import { withFileLock } from '@nx-speckit/tasks-md';

/** One resource a task held, and how long it waited for it. */
export interface ResourceUse {
  name: string;
  waitedMs: number;
  /** The tasks it waited for (`T012`, or `spec-002-x T012` in another feature), in order. */
  heldBy?: string[];
}

export interface Holder {
  project: string;
  taskId: string;
  pid: number;
  host: string;
}

export interface AcquireOptions {
  signal?: AbortSignal;
  /** Called once for each holder the task starts waiting behind. */
  onWait?: (name: string, heldBy: string) => void;
  pollMs?: number;
}

export interface HeldResources {
  uses: ResourceUse[];
  release(): Promise<void>;
}

/** `.speckit/locks`: one lock folder per exclusive resource, seen by every process of the workspace. */
export const locksDir = (root: string) => join(root, '.speckit', 'locks');

const LOCK_OPTIONS = { stale: 60_000, update: 10_000, realpath: false, retries: 0 };
/** How long a waiter gives a holder that has just locked to write its holder.json. */
const HOLDER_WRITE_MS = 20;

/**
 * Takes every named resource, in sorted order, waiting as long as another task holds one.
 * @throws when the signal aborts while waiting (whatever was taken is released)
 */
export async function acquireResources(
  root: string,
  names: string[],
  self: Omit<Holder, 'pid' | 'host'>,
  options: AcquireOptions = {},
): Promise<HeldResources> {
  const held: Array<() => Promise<void>> = [];
  const release = async () => {
    for (const free of held.reverse()) await free();
  };
  const uses: ResourceUse[] = [];
  try {
    for (const name of [...new Set(names)].sort()) {
      const { free, use } = await acquireOne(root, name, { ...self, pid: process.pid, host: hostname() }, options);
      held.push(free);
      uses.push(use);
    }
  } catch (error) {
    await release();
    throw error;
  }
  return { uses, release };
}

async function acquireOne(
  root: string,
  name: string,
  self: Holder,
  options: AcquireOptions,
): Promise<{ free: () => Promise<void>; use: ResourceUse }> {
  const dir = join(locksDir(root), name);
  mkdirSync(locksDir(root), { recursive: true });
  const started = Date.now();
  const heldBy: string[] = [];
  let announced = false;
  const waiting = join(`${dir}.waiting`, `${self.project}--${self.taskId}`);
  try {
    for (;;) {
      if (options.signal?.aborted) throw new Error(`interrupted while waiting for resource ${name}`);
      const free = await tryLock(dir, self);
      if (free) return { free, use: { name, waitedMs: Date.now() - started, ...(heldBy.length ? { heldBy } : {}) } };
      const holder = readHolder(dir);
      if (!holder) {
        // Taken a moment ago: its holder.json follows at once. Learn whom we wait for before saying we wait.
        await sleep(HOLDER_WRITE_MS, options.signal);
        continue;
      }
      if (isGone(holder)) {
        await takeOver(dir, holder);
        continue;
      }
      const label = holderLabel(holder, self.project);
      if (heldBy[heldBy.length - 1] !== label) {
        heldBy.push(label);
        options.onWait?.(name, label);
      }
      if (!announced) announced = announceWaiting(waiting);
      await sleep(options.pollMs ?? 200, options.signal);
    }
  } finally {
    rmSync(waiting, { force: true });
  }
}

/** The marker a waiting task leaves, written once whom it waits for is known (the record says the same). */
function announceWaiting(marker: string): true {
  mkdirSync(dirname(marker), { recursive: true });
  writeFileSync(marker, '');
  return true;
}

/** The lock's release function, or undefined while another holder has it. */
async function tryLock(dir: string, self: Holder): Promise<(() => Promise<void>) | undefined> {
  let unlock: () => Promise<void>;
  try {
    // A compromised lock (its time not refreshed during a long synchronous step) is still ours: holder.json keeps it.
    unlock = await lock(dir, { ...LOCK_OPTIONS, lockfilePath: dir, onCompromised: () => undefined });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // ENOTEMPTY: proper-lockfile found the lock old and tried to remove it, but a holder is in it.
    if (code === 'ELOCKED' || code === 'ENOTEMPTY' || code === 'EEXIST') return undefined;
    throw error;
  }
  writeFileSync(join(dir, 'holder.json'), `${JSON.stringify(self)}\n`);
  return async () => {
    rmSync(join(dir, 'holder.json'), { force: true });
    try {
      await unlock();
    } catch {
      rmSync(dir, { recursive: true, force: true }); // compromised: proper-lockfile forgot it, the folder is still ours
    }
  };
}

/** Who holds the lock in `dir`, from its holder.json; undefined when it is free or not yet written by its holder. */
export function readHolder(dir: string): Holder | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'holder.json'), 'utf8')) as Holder;
  } catch {
    return undefined; // free, or taken a moment ago and not written yet
  }
}

/** A holder on this machine whose process no longer exists. */
export function isGone(holder: Holder): boolean {
  if (holder.host !== hostname()) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Removes a dead holder's lock. Waiters take over one at a time, and the folder moves away in
 * one rename before it is deleted, so a waiter that read the dead holder late never removes the
 * lock a live task took meanwhile.
 */
async function takeOver(dir: string, dead: Holder) {
  const guard = `${dir}.takeover`;
  writeFileSync(guard, '', { flag: 'a' });
  await withFileLock(guard, () => {
    const now = readHolder(dir);
    if (!now || now.pid !== dead.pid || now.host !== dead.host || now.taskId !== dead.taskId) return;
    const grave = `${dir}.gone-${process.pid}-${Date.now()}`;
    renameSync(dir, grave);
    rmSync(grave, { recursive: true, force: true });
  });
}

const holderLabel = (holder: Holder, project: string) =>
  holder.project === project ? holder.taskId : `${holder.project} ${holder.taskId}`;

function sleep(ms: number, signal?: AbortSignal) {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
