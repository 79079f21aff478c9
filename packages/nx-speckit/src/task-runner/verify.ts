/**
 * A clean agent exit is not proof of work. Before `[X]`: every declared file exists inside the
 * workspace, is non-empty and changed during the task (a folder: something inside changed).
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** Content hash per file under each declared path, taken before the agent runs. */
export type Snapshot = Map<string, string>;

const SKIP_DIRS = new Set(['node_modules', '.git', '.nx']);

export function snapshotPaths(root: string, paths: string[]): Snapshot {
  const snap: Snapshot = new Map();
  for (const p of paths) for (const file of filesUnder(root, p)) snap.set(file, hashFile(join(root, file)));
  return snap;
}

/** Problems with the declared paths after the agent ran (empty when all is well), and the files that changed. */
export function checkDeclaredPaths(root: string, paths: string[], before: Snapshot): { problems: string[]; changed: string[] } {
  const problems: string[] = [];
  const changed: string[] = [];
  const realRoot = realpathSync(root);
  for (const p of paths) {
    const abs = join(root, p);
    if (!existsSync(abs)) {
      problems.push(`${p} does not exist`);
      continue;
    }
    const real = realpathSync(abs);
    if (real !== realRoot && !real.startsWith(realRoot + sep)) {
      problems.push(`${p} resolves outside the workspace (${real})`);
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

/** Paths git reports as modified or new (empty outside a git repository). */
export function gitChanges(root: string): Set<string> {
  try {
    const out = execFileSync('git', ['status', '--porcelain', '-z', '--untracked-files=all'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return new Set(out.split('\0').filter(Boolean).map((entry) => entry.slice(3)));
  } catch {
    return new Set();
  }
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
