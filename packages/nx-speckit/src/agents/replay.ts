import * as fs from 'node:fs';
import * as path from 'node:path';

/** One recorded change: new text, new bytes, or a deletion. Paths are workspace-relative. */
export type RecordedFile =
  { path: string; content: string } | { path: string; base64: string } | { path: string; deleted: true };

export interface Recording {
  taskId: string;
  files: RecordedFile[];
  /** Wait this long before applying (demos, timeout tests). */
  delayMs?: number;
}

/** A recording that must not be applied (unsafe path); replay exits 2 for these. */
export class ReplayRefusedError extends Error {}

const TASK_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

function checkTaskId(taskId: string): void {
  // The id becomes a file name: keep it from naming anything outside the recordings folder.
  if (!TASK_ID.test(taskId) || taskId.includes('..'))
    throw new Error(`invalid task id for a recording: ${JSON.stringify(taskId)}`);
}

/** `$SPECKIT_REPLAY_DIR`, else `<workspaceRoot>/.speckit/recordings/<feature folder name>`. */
export function recordingDir(workspaceRoot: string, featureDir: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.SPECKIT_REPLAY_DIR) return path.resolve(workspaceRoot, env.SPECKIT_REPLAY_DIR);
  return path.join(workspaceRoot, '.speckit', 'recordings', path.basename(featureDir));
}

/** `<dir>/<taskId>.json`; throws when the task id is not a plain name that stays inside the recordings folder. */
export function recordingFile(dir: string, taskId: string): string {
  checkTaskId(taskId);
  return path.join(dir, `${taskId}.json`);
}

/** Writes `<dir>/<taskId>.json` (creating dir); returns its path. */
export function writeRecording(dir: string, taskId: string, files: RecordedFile[], delayMs?: number): string {
  const file = recordingFile(dir, taskId);
  files.forEach(checkEntry);
  const rec: Recording = { taskId, files, ...(delayMs ? { delayMs } : {}) };
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify(rec, null, 2) + '\n');
  return file;
}

/** The current state of the given workspace-relative paths, ready for writeRecording (what a real run changed). */
export function snapshotFiles(workspaceRoot: string, paths: string[]): RecordedFile[] {
  return paths.map((p) => {
    const abs = path.join(workspaceRoot, p);
    if (!fs.existsSync(abs)) return { path: p, deleted: true as const };
    const bytes = fs.readFileSync(abs);
    const text = bytes.toString('utf8');
    // Keep text readable in the recording; anything that does not round-trip as UTF-8 goes as base64.
    return Buffer.from(text, 'utf8').equals(bytes)
      ? { path: p, content: text }
      : { path: p, base64: bytes.toString('base64') };
  });
}

function checkEntry(f: unknown): asserts f is RecordedFile {
  const e = f as Record<string, unknown>;
  const kinds = ['content', 'base64', 'deleted'].filter((k) => e && e[k] !== undefined);
  if (!e || typeof e.path !== 'string' || kinds.length !== 1) {
    throw new Error(
      `recording entry needs a string "path" and exactly one of content/base64/deleted: ${JSON.stringify(f)}`,
    );
  }
  if (kinds[0] === 'content' && typeof e.content !== 'string')
    throw new Error(`"content" must be a string for ${e.path}`);
  if (kinds[0] === 'base64' && typeof e.base64 !== 'string') throw new Error(`"base64" must be a string for ${e.path}`);
  if (kinds[0] === 'deleted' && e.deleted !== true) throw new Error(`"deleted" must be true for ${e.path}`);
}

/**
 * Reads a recording and checks the shape of every entry; throws when it is malformed. Its paths are
 * checked later, by applyRecording, before anything is written.
 */
export function loadRecording(file: string): Recording {
  const rec = JSON.parse(fs.readFileSync(file, 'utf8')) as Recording;
  if (!rec || !Array.isArray(rec.files)) throw new Error(`${file}: not a recording (no "files" array)`);
  rec.files.forEach(checkEntry);
  return rec;
}

function inside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Absolute target for a recorded path, or ReplayRefusedError when it could land outside the workspace. */
export function safeTarget(workspaceRoot: string, rel: string): string {
  const refuse = (why: string) => new ReplayRefusedError(`refusing recorded path ${JSON.stringify(rel)}: ${why}`);
  if (!rel || rel.includes('\0')) throw refuse('empty or contains NUL');
  if (path.posix.isAbsolute(rel) || path.win32.isAbsolute(rel)) throw refuse('absolute paths are not allowed');
  if (rel.split(/[\\/]+/).includes('..')) throw refuse('".." is not allowed');
  const root = fs.realpathSync(workspaceRoot);
  const target = path.join(root, rel);
  if (target === root) throw refuse('names the workspace root itself');
  // Follow symlinks on the way: the deepest existing ancestor (or the file itself) must resolve inside the workspace.
  let existing = target;
  for (;;) {
    try {
      fs.lstatSync(existing);
      break;
    } catch {
      existing = path.dirname(existing);
    }
  }
  let real: string;
  try {
    real = fs.realpathSync(existing);
  } catch {
    throw refuse('goes through a dangling symlink');
  }
  if (!inside(root, real)) throw refuse('escapes the workspace through a symlink');
  return target;
}

/** Applies a recording: every path is checked before anything is written, so a refusal changes nothing. */
export function applyRecording(rec: Recording, workspaceRoot: string): string[] {
  const targets = rec.files.map((f) => safeTarget(workspaceRoot, f.path));
  rec.files.forEach((f, i) => {
    const target = targets[i];
    if ('deleted' in f) {
      fs.rmSync(target, { force: true, recursive: true });
      return;
    }
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, 'base64' in f ? Buffer.from(f.base64, 'base64') : f.content);
  });
  return rec.files.map((f) => f.path);
}

/** The replay agent: reads the protocol env, applies `<dir>/<taskId>.json`. Exit 0 ok, 1 missing/invalid, 2 refused. */
export async function replayMain(env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<number> {
  const { SPECKIT_TASK_ID: taskId, SPECKIT_FEATURE_DIR: featureDir, SPECKIT_WORKSPACE_ROOT: root } = env;
  if (!taskId || !featureDir || !root) {
    log('replay: SPECKIT_TASK_ID, SPECKIT_FEATURE_DIR and SPECKIT_WORKSPACE_ROOT must be set');
    return 1;
  }
  try {
    const file = recordingFile(recordingDir(root, featureDir, env), taskId);
    if (!fs.existsSync(file)) {
      log(`replay: no recording for task ${taskId}: ${file} does not exist`);
      return 1;
    }
    const rec = loadRecording(file);
    if (rec.delayMs) await new Promise((r) => setTimeout(r, rec.delayMs));
    const changed = applyRecording(rec, root);
    log(`replay: applied ${changed.length} change(s) for ${taskId} from ${file}: ${changed.join(', ')}`);
    return 0;
  } catch (e) {
    log(`replay: ${(e as Error).message}`);
    return e instanceof ReplayRefusedError ? 2 : 1;
  }
}
