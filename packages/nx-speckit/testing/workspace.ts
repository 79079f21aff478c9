/**
 * Real temporary Nx workspaces for end-to-end tests: the real `nx` binary, this repo's
 * node_modules (so `nx-speckit` resolves to the built package), no daemon, no cloud.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { homedir, tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '../../..');
// Read from nx's package.json: the binary moved (nx 24 ships it as dist/bin/nx.js).
const NX_PACKAGE = join(REPO_ROOT, 'node_modules', 'nx');
export const NX_BIN = join(NX_PACKAGE, JSON.parse(readFileSync(join(NX_PACKAGE, 'package.json'), 'utf8')).bin.nx);

/** No daemon, no cloud, no TUI, no colours: plain, reproducible nx output. */
export const NX_ENV = {
  NX_DAEMON: 'false',
  NX_NO_CLOUD: 'true',
  NX_TUI: 'false',
  NX_SKIP_LOG_GROUPING: 'true',
  FORCE_COLOR: '0',
  NO_COLOR: '1',
};

/**
 * Builds tasks-md and nx-speckit (the workspaces load the plugin from dist/). A failed build fails
 * the spec that asked for it: an older dist/ would make the tests pass or fail for the wrong code.
 */
export function buildPackages() {
  try {
    // `npm run build`'s own script: tsc alone would leave the markdown stack unbundled.
    execFileSync(process.execPath, [join(REPO_ROOT, 'tools/build.js')], { cwd: REPO_ROOT, stdio: 'pipe' });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(
      `the build failed, so dist/ is not the code under test:\n${`${stdout ?? ''}${stderr ?? ''}`.slice(0, 4000)}`,
      { cause: error },
    );
  }
}

/**
 * For one spec file: builds the packages before its tests and returns the `workspace()` factory to
 * use in them; every workspace it made is removed after them.
 */
export function useTempWorkspaces(): (options?: WorkspaceOptions) => TempWorkspace {
  const made: TempWorkspace[] = [];
  beforeAll(() => buildPackages());
  afterAll(() => made.forEach((ws) => ws.cleanup()));
  return (options) => {
    const ws = new TempWorkspace(options);
    made.push(ws);
    return ws;
  };
}

/** Temporary folders (real paths) removed after the file's tests: `const tempDir = useTempDirs(); tempDir('x-')`. */
export function useTempDirs(): (prefix: string) => string {
  const made: string[] = [];
  afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
  return (prefix) => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
    made.push(dir);
    return dir;
  };
}

export interface Feature {
  tasks: string;
  spec?: string | null; // null: leave the file out
  plan?: string | null;
  extra?: Record<string, string>;
}

export interface WorkspaceOptions {
  features?: Record<string, Feature>; // key: path of the feature folder, e.g. "specs/001-x"
  pluginOptions?: Record<string, unknown>;
  files?: Record<string, string>;
  git?: boolean;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  output: string;
}

/** Returns `r` when nx exited 0; otherwise throws with the end of its output (the part that says why). */
export function ok<R extends { code: number | null; output: string }>(r: R): R {
  if (r.code === 0) return r;
  // The last lines first: a CI log that shows only the head of a failure still shows why.
  const tail = r.output.trim().split('\n').slice(-3).join(' | ');
  throw new Error(`nx exited ${r.code}: ${tail || '(no output)'}\n${r.output.slice(-8000)}`);
}

export class TempWorkspace {
  readonly root: string;

  constructor(options: WorkspaceOptions = {}) {
    this.root = mkdtempSync(join(tmpdir(), 'nx-speckit-e2e-'));
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(this.root, 'node_modules'), 'dir');
    this.write('package.json', JSON.stringify({ name: 'e2e-workspace', private: true }, null, 2));
    this.write(
      'nx.json',
      JSON.stringify(
        {
          analytics: false,
          neverConnectToCloud: true,
          plugins: [{ plugin: 'nx-speckit', options: options.pluginOptions ?? {} }],
        },
        null,
        2,
      ),
    );
    this.write('.gitignore', 'node_modules\n.nx\n.speckit/runs\n.speckit/logs\n');
    for (const [dir, feature] of Object.entries(options.features ?? {})) this.addFeature(dir, feature);
    for (const [path, content] of Object.entries(options.files ?? {})) this.write(path, content);
    if (options.git) {
      this.git('init', '-q', '-b', 'main');
      // Nx 24 keys its default cache folder (~/.nx/<id>) by the first commit: a commit unique to this
      // workspace keeps two tests with equal files from sharing cache entries (their clones still do).
      this.commitAll(`initial (${basename(this.root)})`);
    }
  }

  addFeature(dir: string, feature: Feature) {
    this.write(`${dir}/tasks.md`, feature.tasks);
    if (feature.spec !== null)
      this.write(`${dir}/spec.md`, feature.spec ?? '# Feature Specification\n\nA small feature.\n');
    if (feature.plan !== null)
      this.write(`${dir}/plan.md`, feature.plan ?? '# Implementation Plan\n\nKeep it simple.\n');
    for (const [path, content] of Object.entries(feature.extra ?? {})) this.write(`${dir}/${path}`, content);
  }

  /** Replaces the options of the nx-speckit entry in nx.json. */
  setPluginOptions(options: Record<string, unknown>) {
    const nxJson = this.readJson('nx.json');
    nxJson.plugins[0].options = options;
    this.write('nx.json', JSON.stringify(nxJson, null, 2));
  }

  write(path: string, content: string | Buffer) {
    const abs = join(this.root, path);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, content);
  }

  read(path: string): string {
    return readFileSync(join(this.root, path), 'utf8');
  }

  /** The non-empty lines of a journal the test's agents or gates append to; none if it does not exist yet. */
  lines(path: string): string[] {
    return existsSync(join(this.root, path)) ? this.read(path).split('\n').filter(Boolean) : [];
  }

  readJson<T = any>(path: string): T {
    return JSON.parse(this.read(path));
  }

  /** Runs the real nx binary in this workspace. */
  nx(args: string[], env: Record<string, string> = {}, timeoutMs = 240_000): RunResult {
    return this.exec(process.execPath, [NX_BIN, ...args], env, timeoutMs);
  }

  /**
   * The real nx binary without blocking this process (needed when the test itself serves requests,
   * e.g. a scripted model API the agent talks to). Resolves when nx exits.
   */
  nxAsync(args: string[], env: Record<string, string> = {}, timeoutMs = 240_000): Promise<RunResult> {
    const child = this.spawnNx(args, env);
    return new Promise((resolve) => {
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
      child.stderr!.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr, output: `${stdout}${stderr}` });
      });
    });
  }

  /** Starts the real nx binary and returns the process (stdout/stderr piped), e.g. to signal it mid-run. */
  spawnNx(args: string[], env: Record<string, string> = {}): ChildProcess {
    return spawn(process.execPath, [NX_BIN, ...args], {
      cwd: this.root,
      env: { ...process.env, ...NX_ENV, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  git(...args: string[]): RunResult {
    return this.exec('git', args, {});
  }

  commitAll(message: string) {
    this.git('add', '-A');
    this.git('-c', 'user.email=e2e@example.com', '-c', 'user.name=e2e', 'commit', '-q', '--allow-empty', '-m', message);
  }

  exec(command: string, args: string[], env: Record<string, string>, timeoutMs = 240_000): RunResult {
    const r: SpawnSyncReturns<string> = spawnSync(command, args, {
      cwd: this.root,
      encoding: 'utf8',
      timeout: timeoutMs,
      env: { ...process.env, ...NX_ENV, ...env },
    });
    return {
      code: r.status,
      stdout: r.stdout ?? '',
      stderr: r.stderr ?? '',
      output: `${r.stdout ?? ''}${r.stderr ?? ''}`,
    };
  }

  cleanup() {
    const shared = nxUserDataDir(this.root);
    if (shared) rmSync(shared, { recursive: true, force: true });
    rmSync(this.root, { recursive: true, force: true });
  }
}

/**
 * Where Nx 24 keeps a git workspace's cache and databases by default: `~/.nx/<id>`, the id derived
 * from the first commit when there is no remote (nx/src/utils/workspace-id.js, cache-directory.js).
 * Removed with the workspace so test runs do not grow a developer's home. Every test workspace has
 * a first commit of its own (clones of it share it, and are removed in the same afterAll).
 */
function nxUserDataDir(root: string): string | undefined {
  if (!existsSync(join(root, '.git'))) return undefined;
  const first = spawnSync('git', ['rev-list', '--max-parents=0', 'HEAD'], {
    cwd: root,
    encoding: 'utf8',
  }).stdout?.trim();
  const remotes = spawnSync('git', ['remote'], { cwd: root, encoding: 'utf8' }).stdout?.trim();
  if (!first || first.includes('\n') || remotes) return undefined;
  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
  return join(homedir(), '.nx', sha256(sha256(`${first}#`)).slice(0, 16));
}
