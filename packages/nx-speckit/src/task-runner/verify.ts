/**
 * A clean agent exit is not proof of work. Before `[X]`: every declared file exists inside the
 * workspace, is non-empty and changed since the task's first unfinished attempt began (a folder:
 * something inside changed).
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { writeAtomically } from '@nx-speckit/tasks-md';
import { runCommand } from '../process/run-command';

/** Content hash per file under each declared path, taken before the agent runs. */
export type Snapshot = Map<string, string>;

const SKIP_DIRS = new Set(['node_modules', '.git', '.nx']);
/** A status listing larger than this is not read (what changed outside the declared files goes unchecked). */
const GIT_STATUS_LIMIT = 256 * 1024 * 1024;

/** Taken before the agent runs; refuses (throws) declared paths that lead outside the workspace through a symlink. */
export function snapshotPaths(root: string, paths: string[]): Snapshot {
  const escaping = escapingPaths(root, paths);
  if (escaping.length) {
    throw new Error(
      `refusing to run: ${escaping.join('; ')}; an agent told to write there would write outside the workspace`,
    );
  }
  const snap: Snapshot = new Map();
  for (const p of paths) for (const file of filesUnder(root, p)) snap.set(file, hashFile(join(root, file)));
  return snap;
}

/**
 * The snapshot verification compares against: the one taken before the task's FIRST attempt, kept
 * in `file` until the task is checkpointed. An attempt killed after its agent finished (kill -9,
 * a crashed CI job) leaves correct files behind, and the re-run's agent may rightly leave them as
 * they are; its work still counts. A task that never changed its files still fails.
 */
export function firstAttemptBaseline(file: string, paths: string[], current: Snapshot): Snapshot {
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { paths: string[]; hashes: Record<string, string> };
    if (JSON.stringify(saved.paths) === JSON.stringify(paths)) return new Map(Object.entries(saved.hashes));
  } catch {
    /* none yet, or torn by a crash: start from now */
  }
  writeAtomically(file, JSON.stringify({ paths, hashes: Object.fromEntries(current) }));
  return current;
}

/** Forgets the baseline once the task is checkpointed: unticking it later starts afresh. */
export function clearBaseline(file: string) {
  rmSync(file, { force: true });
}

/** Problems with the declared paths after the agent ran (empty when all is well), and the files that changed. */
export function checkDeclaredPaths(
  root: string,
  paths: string[],
  before: Snapshot,
): { problems: string[]; changed: string[] } {
  const problems: string[] = [];
  const changed: string[] = [];
  for (const p of paths) {
    const abs = join(root, p);
    if (!existsSync(abs)) {
      problems.push(`${p} does not exist`);
      continue;
    }
    // The path itself, or a link inside a declared folder, leading out (the agent may have made it).
    const escaping = escapingPaths(root, [p]);
    if (escaping.length) {
      problems.push(...escaping);
      continue;
    }
    const files = filesUnder(root, p);
    const touched = files.filter((f) => before.get(f) !== hashFile(join(root, f)));
    changed.push(...touched);
    if (p.endsWith('/') || statSync(abs).isDirectory()) {
      if (!touched.length) problems.push(`nothing inside ${p} changed`);
    } else if (statSync(abs).size === 0) {
      problems.push(`${p} is empty`);
    } else if (!touched.length) {
      problems.push(`${p} did not change`);
    }
  }
  return { problems, changed };
}

/**
 * Declared paths that resolve outside the workspace through a symlink: the path itself or its
 * deepest existing ancestor (a file about to be created), and for folders any symlink inside.
 */
export function escapingPaths(root: string, paths: string[]): string[] {
  const realRoot = realpathSync(root);
  const outside = (abs: string) => {
    let real: string;
    try {
      real = realpathSync(abs);
    } catch {
      return `${relative(root, abs).split(sep).join('/')} is a dangling symlink`;
    }
    return real === realRoot || real.startsWith(realRoot + sep)
      ? undefined
      : `${relative(root, abs).split(sep).join('/')} resolves outside the workspace (${real})`;
  };
  const found: string[] = [];
  for (const p of paths) {
    let existing = join(root, p);
    while (existing !== root && lstatSync(existing, { throwIfNoEntry: false }) === undefined)
      existing = dirname(existing);
    const problem = outside(existing);
    if (problem) {
      found.push(`${p}: ${problem}`);
      continue;
    }
    if (lstatSync(join(root, p), { throwIfNoEntry: false })?.isDirectory()) {
      for (const link of linksUnder(join(root, p))) {
        const bad = outside(link);
        if (bad) found.push(`${p}: ${bad}`);
      }
    }
  }
  return found;
}

function linksUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP_DIRS.has(e.name)) continue;
    const full = join(dir, e.name);
    if (e.isSymbolicLink()) out.push(full);
    else if (e.isDirectory()) out.push(...linksUnder(full));
  }
  return out;
}

/** How long `git status` may take before verification goes without it (SPECKIT_VERIFY_TIMEOUT_SECONDS). */
export const DEFAULT_VERIFY_TIMEOUT_SECONDS = 60;

/** The `git status` timeout in ms: SPECKIT_VERIFY_TIMEOUT_SECONDS when it is a positive number, else the default. */
export function verifyTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const seconds = Number(env.SPECKIT_VERIFY_TIMEOUT_SECONDS);
  return (
    (env.SPECKIT_VERIFY_TIMEOUT_SECONDS && Number.isFinite(seconds) && seconds > 0
      ? seconds
      : DEFAULT_VERIFY_TIMEOUT_SECONDS) * 1000
  );
}

/**
 * Paths git reports as modified or new; undefined when git cannot tell in time (not a
 * repository, git missing, a status slower than the verify timeout).
 */
export async function gitChanges(root: string, timeoutMs = verifyTimeoutMs()): Promise<Set<string> | undefined> {
  const result = await runCommand('git', ['status', '--porcelain', '-z', '--untracked-files=all'], {
    cwd: root,
    timeoutMs,
    stdoutLimit: GIT_STATUS_LIMIT,
    stderrLimit: 0,
  });
  // What git says on stderr (a warning, a trace) does not matter; a cut-off list would.
  if (result.exitCode !== 0 || result.truncated.stdout) return undefined;
  return new Set(statusPaths(result.stdout));
}

/** The paths in `git status --porcelain -z`; a rename or copy names its source in the next field, which has no status. */
export function statusPaths(output: string): string[] {
  const fields = output.split('\0');
  const paths: string[] = [];
  for (let i = 0; i < fields.length; i++) {
    if (!fields[i]) continue;
    paths.push(fields[i].slice(3));
    if (/[RC]/.test(fields[i].slice(0, 2)) && fields[i + 1]) paths.push(fields[++i]);
  }
  return paths;
}

function filesUnder(root: string, p: string): string[] {
  const abs = join(root, p);
  if (!existsSync(abs)) return [];
  const st = lstatSync(abs);
  if (!st.isDirectory()) return [p.replace(/\/$/, '')];
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (SKIP_DIRS.has(e.name)) continue;
      const full = join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else out.push(relative(root, full).split(sep).join('/'));
    }
  };
  walk(abs);
  return out.sort();
}

function hashFile(abs: string): string {
  try {
    return createHash('sha1').update(readFileSync(abs)).digest('hex');
  } catch {
    return 'unreadable';
  }
}
