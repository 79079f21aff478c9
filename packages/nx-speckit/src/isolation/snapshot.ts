/**
 * The workspace as it is now (tracked changes and untracked, not-ignored files included) as a git
 * tree and commit object, made through a temporary index: the user's branch, index, stash and refs
 * are left alone, and no ref points at the commit.
 */
import { copyFileSync, existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { git, withTempIndex } from './git';

/** The tree of the working tree at `top` (a repository's top folder), `.gitignore` respected. */
export function workingTree(top: string): string {
  return withTempIndex((env) => {
    seedIndex(top, env.GIT_INDEX_FILE);
    addAll(top, env);
    return git(top, ['write-tree'], { env }).trim();
  });
}

/** A commit object of the working tree at `top` (parent: HEAD, when there is one). */
export function snapshotCommit(top: string): { commit: string; tree: string } {
  const tree = workingTree(top);
  const head = headCommit(top);
  const commit = git(top, [
    'commit-tree',
    tree,
    ...(head ? ['-p', head] : []),
    '-m',
    'nx-speckit task snapshot',
  ]).trim();
  return { commit, tree };
}

function headCommit(top: string): string | undefined {
  try {
    return git(top, ['rev-parse', '--verify', '-q', 'HEAD^{commit}']).trim();
  } catch {
    return undefined; // a repository without commits yet
  }
}

/**
 * Starts the temporary index from the repository's own (a copy keeps git's file stat cache, so
 * `add -A` rehashes only what changed), else from HEAD, else empty.
 */
function seedIndex(top: string, indexFile: string) {
  const own = git(top, ['rev-parse', '--git-path', 'index']).trim();
  const abs = isAbsolute(own) ? own : join(top, own);
  if (existsSync(abs)) copyFileSync(abs, indexFile);
  else if (headCommit(top)) git(top, ['read-tree', 'HEAD'], { env: { GIT_INDEX_FILE: indexFile } });
}

/**
 * The checkpoint writer's temporary copies of tasks.md (`.tasks.md.<pid>.<random>.tmp`, renamed
 * over tasks.md a moment later): git would list one and then fail to read it.
 */
const TRANSIENT = [':(exclude,glob)**/.tasks.md.*.tmp'];

/**
 * `git add -A` of the whole working tree into the index in `env`. Other writers (a checkpoint, a
 * person's editor) may make and remove a file while git walks the tree; git then fails with
 * "unable to stat": a second walk no longer meets that file.
 */
export function addAll(top: string, env: Record<string, string>) {
  for (let attempt = 1; ; attempt++) {
    try {
      git(top, ['add', '-A', '--', '.', ...TRANSIENT], { env });
      return;
    } catch (error) {
      if (attempt >= 5 || !/unable to stat|No such file or directory/.test(String(error))) throw error;
    }
  }
}

export { seedIndex };
