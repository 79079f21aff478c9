/**
 * git through execFile (never a shell): arguments reach git as they are, so no path or task text
 * can become a command.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface GitOptions {
  /** Extra environment, e.g. `GIT_INDEX_FILE` for a temporary index. */
  env?: Record<string, string>;
  input?: string | Buffer;
}

/** Runs git in `cwd` and returns its stdout; throws with git's stderr on a non-zero exit. */
export function git(cwd: string, args: string[], options: GitOptions = {}): string {
  try {
    // Hooks of the user's repository must not run for our internal checkouts.
    return execFileSync('git', ['-c', 'core.hooksPath=/dev/null', ...args], {
      cwd,
      env: { ...process.env, ...IDENTITY, ...options.env },
      input: options.input,
      encoding: 'utf8',
      maxBuffer: 1024 * 1024 * 1024,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`git ${args[0]} failed in ${cwd}: ${(e.stderr || e.message).trim()}`, { cause: error });
  }
}

/** Snapshots are commit objects of our own: they need an author, whatever the user configured. */
const IDENTITY = {
  GIT_AUTHOR_NAME: 'nx-speckit',
  GIT_AUTHOR_EMAIL: 'nx-speckit@localhost',
  GIT_COMMITTER_NAME: 'nx-speckit',
  GIT_COMMITTER_EMAIL: 'nx-speckit@localhost',
};

/** The top folder of the git repository holding `dir`, or undefined outside one. */
export function gitTopLevel(dir: string): string | undefined {
  try {
    return git(dir, ['rev-parse', '--show-toplevel']).trim();
  } catch {
    return undefined;
  }
}

/**
 * Calls `use` with the environment of a fresh temporary index (seeded by `seed`), so the user's
 * own index is never read for writing nor changed; the index file is removed afterwards.
 */
export function withTempIndex<T>(use: (env: Record<string, string>) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'nx-speckit-index-'));
  try {
    return use({ GIT_INDEX_FILE: join(dir, 'index') });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** NUL-separated git output as a list. */
export const splitZ = (out: string) => out.split('\0').filter(Boolean);
