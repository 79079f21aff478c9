/**
 * How tasks.md is written. Two modules write it, the checkpoint (a task's `[X]`) and the guard
 * (putting back marks an agent changed); both hold the same cross-process lock and replace the
 * file atomically, so a reader never sees half a file and no write is lost to another. The same
 * atomic write serves every other file the plugin writes.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fchmodSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
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

export interface AtomicWriteOptions {
  /** Called after the data is written, before the rename: true means write nothing. */
  changedMeanwhile?: () => boolean;
  /** fsync before the rename (default). A cache that can be rebuilt skips it. */
  durable?: boolean;
}

/**
 * Writes `file` whole or not at all, and returns whether it did. The data goes to a hidden temp
 * file beside it (same file system; named per process and call, so racing writers never share
 * one), is fsynced, then renamed over the file: a reader sees the old content or the new, never
 * half, and of racing writers the last one wins. Missing folders are made. The file keeps its
 * mode; a new file gets the default one. Writes nothing and returns false when
 * `changedMeanwhile()` says the file changed since it was read. The temp file never outlives a
 * failure.
 */
export function writeAtomically(
  file: string,
  data: string | Uint8Array,
  { changedMeanwhile = () => false, durable = true }: AtomicWriteOptions = {},
): boolean {
  const mode = modeOf(file);
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true });
  const temp = join(dir, `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    writeTemp(temp, data, mode, durable);
    if (changedMeanwhile()) {
      rmSync(temp, { force: true });
      return false;
    }
    renameSync(temp, file);
    return true;
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

function writeTemp(temp: string, data: string | Uint8Array, mode: number | undefined, durable: boolean): void {
  const fd = openSync(temp, 'w', mode ?? 0o666);
  try {
    writeFileSync(fd, data);
    if (mode !== undefined) fchmodSync(fd, mode); // `open` applies the umask; keep the user's mode exactly
    if (durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
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
