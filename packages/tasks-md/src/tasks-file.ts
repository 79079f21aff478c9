/**
 * How tasks.md is written. Two modules write it, the checkpoint (a task's `[X]`) and the guard
 * (putting back marks an agent changed); both hold the same cross-process lock and replace the
 * file atomically, so a reader never sees half a file and no write is lost to another.
 */
import { closeSync, fchmodSync, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { lock } from 'proper-lockfile';

const LOCK_OPTIONS = {
  // Dozens of task processes may queue for one tasks.md; each holds the lock for a few milliseconds.
  retries: { retries: 400, minTimeout: 5, maxTimeout: 100, factor: 1.3, randomize: true },
  stale: 15_000,
  // The file may be missing (an agent deleted it) when the guard takes the lock to restore it.
  realpath: false,
};

/**
 * Runs `fn` holding `<file>.lock` (waited for, stale after 15 s): the lock every write of tasks.md
 * holds, also used for other files that parallel task processes update (the run's spend ledger).
 */
export async function withFileLock<T>(file: string, fn: () => T | Promise<T>): Promise<T> {
  const release = await lock(file, { ...LOCK_OPTIONS, lockfilePath: `${file}.lock` });
  try {
    return await fn();
  } finally {
    await release();
  }
}

/**
 * Temp file in the same folder, fsync, rename: readers see the old or the new file, never half of
 * one. The file keeps its mode; a missing file gets the default one. Writes nothing and returns
 * false when `changedMeanwhile()` says the file changed since it was read.
 */
export function writeAtomically(file: string, data: Buffer, changedMeanwhile: () => boolean = () => false): boolean {
  const mode = modeOf(file);
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  const fd = openSync(temp, 'w', mode ?? 0o666);
  try {
    writeSync(fd, data);
    if (mode !== undefined) fchmodSync(fd, mode); // `open` applies the umask; keep the user's mode exactly
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    if (changedMeanwhile()) {
      unlinkSync(temp);
      return false;
    }
    renameSync(temp, file);
    return true;
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      /* already gone */
    }
    throw error;
  }
}

function modeOf(file: string): number | undefined {
  try {
    return statSync(file).mode & 0o7777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
