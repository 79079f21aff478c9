import * as fs from 'node:fs';
import * as path from 'node:path';

function isExecutableFile(p: string): boolean {
  try {
    if (!fs.statSync(p).isFile()) return false;
    fs.accessSync(p, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Where `exe` would run from, without a shell: a path containing a separator is taken relative to cwd;
 * a bare name is looked up in `<cwd>/node_modules/.bin` first (a project-pinned CLI wins, like npm scripts), then PATH.
 */
export function findExecutable(exe: string, cwd: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (!exe) return undefined;
  const exts = process.platform === 'win32' ? ['', ...(env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';')] : [''];
  const first = (base: string) => exts.map((e) => base + e).find(isExecutableFile);
  if (exe.includes('/') || exe.includes(path.sep)) return first(path.resolve(cwd, exe));
  const dirs = [path.join(cwd, 'node_modules', '.bin'), ...(env.PATH ?? '').split(path.delimiter).filter(Boolean)];
  for (const dir of dirs) {
    const hit = first(path.resolve(cwd, dir, exe));
    if (hit) return hit;
  }
  return undefined;
}
