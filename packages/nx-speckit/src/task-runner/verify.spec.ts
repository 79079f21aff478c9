import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive } from '../../testing/processes';
import {
  checkDeclaredPaths,
  clearBaseline,
  DEFAULT_VERIFY_TIMEOUT_SECONDS,
  escapingPaths,
  firstAttemptBaseline,
  gitChanges,
  snapshotPaths,
  statusPaths,
  verifyTimeoutMs,
} from './verify';

let root: string;
let outside: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'verify-ws-'));
  outside = mkdtempSync(join(tmpdir(), 'verify-outside-'));
  mkdirSync(join(root, 'src/inner'), { recursive: true });
  writeFileSync(join(root, 'src/a.ts'), 'a');
  symlinkSync(join(root, 'src/a.ts'), join(root, 'src/inner/alias.ts')); // inside: fine
});
afterEach(() => [root, outside].forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('symlinks that lead out of the workspace', () => {
  test('a declared file under a linked folder, the linked folder, and a folder holding such a link are refused before the agent runs', () => {
    symlinkSync(outside, join(root, 'src/evil'), 'dir');
    symlinkSync(join(outside, 'gone.ts'), join(root, 'dangling.ts'));
    expect(
      escapingPaths(root, [
        'src/a.ts',
        'src/inner/',
        'new/file.ts',
        'src/evil/x.ts',
        'src/evil/',
        'src/',
        'dangling.ts',
      ]),
    ).toEqual([
      `src/evil/x.ts: src/evil resolves outside the workspace (${outside})`,
      `src/evil/: src/evil resolves outside the workspace (${outside})`,
      `src/: src/evil resolves outside the workspace (${outside})`,
      'dangling.ts: dangling.ts is a dangling symlink',
    ]);
    expect(() => snapshotPaths(root, ['src/evil/x.ts'])).toThrow(
      `refusing to run: src/evil/x.ts: src/evil resolves outside the workspace (${outside}); an agent told to write there would write outside the workspace`,
    );
    expect(readdirSync(outside)).toEqual([]);
  });

  test('a link created by the agent inside a declared folder fails verification', () => {
    const before = snapshotPaths(root, ['src/']);
    writeFileSync(join(root, 'src/b.ts'), 'b');
    symlinkSync(outside, join(root, 'src/evil'), 'dir');
    expect(checkDeclaredPaths(root, ['src/'], before).problems).toEqual([
      `src/: src/evil resolves outside the workspace (${outside})`,
    ]);
  });
});

describe("the first attempt's baseline", () => {
  const paths = ['src/a.ts', 'src/new.ts'];

  test("an attempt killed after its agent wrote the files: the re-run's agent may leave them as they are", () => {
    const baseline = () => join(root, '.speckit/runs/p/T001.baseline.json');
    // Attempt 1: baseline taken, the agent writes both files, then the process dies before the checkpoint.
    firstAttemptBaseline(baseline(), paths, snapshotPaths(root, paths));
    writeFileSync(join(root, 'src/a.ts'), 'a, implemented');
    writeFileSync(join(root, 'src/new.ts'), 'new');
    // Attempt 2: its agent finds the work done and changes nothing.
    const before = firstAttemptBaseline(baseline(), paths, snapshotPaths(root, paths));
    expect(checkDeclaredPaths(root, paths, before)).toEqual({ problems: [], changed: ['src/a.ts', 'src/new.ts'] });
    // Checkpointed: the baseline is gone, so a task unticked later must change its files again.
    clearBaseline(baseline());
    expect(existsSync(baseline())).toBe(false);
    const fresh = firstAttemptBaseline(baseline(), paths, snapshotPaths(root, paths));
    expect(checkDeclaredPaths(root, paths, fresh).problems).toEqual([
      'src/a.ts did not change',
      'src/new.ts did not change',
    ]);
  });

  test('a torn baseline file or a changed list of paths starts afresh', () => {
    const file = join(root, 'b.json');
    writeFileSync(file, '{"paths": ["src/a.ts"], "hash');
    expect(
      checkDeclaredPaths(
        root,
        ['src/a.ts'],
        firstAttemptBaseline(file, ['src/a.ts'], snapshotPaths(root, ['src/a.ts'])),
      ).problems,
    ).toEqual(['src/a.ts did not change']);
    writeFileSync(join(root, 'src/a.ts'), 'changed since');
    expect(
      checkDeclaredPaths(
        root,
        ['src/a.ts', 'src/new.ts'],
        firstAttemptBaseline(file, ['src/a.ts', 'src/new.ts'], snapshotPaths(root, ['src/a.ts', 'src/new.ts'])),
      ).problems,
    ).toEqual(['src/a.ts did not change', 'src/new.ts does not exist']);
  });
});

describe('what git reports as changed, within the verify timeout', () => {
  test("a repository's new and modified files; outside a repository git cannot tell", async () => {
    expect(await gitChanges(root)).toBeUndefined();
    execFileSync('git', ['init', '-q'], { cwd: root });
    expect(await gitChanges(root)).toEqual(new Set(['src/a.ts', 'src/inner/alias.ts']));
  });

  test('a warning or trace on stderr does not hide the list; a rename counts its source and its new path', async () => {
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: root });
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'base');
    git('mv', 'src/a.ts', 'src/renamed.ts');
    process.env.GIT_TRACE = '1'; // git writes its trace to stderr
    try {
      expect(await gitChanges(root)).toEqual(new Set(['src/renamed.ts', 'src/a.ts']));
    } finally {
      delete process.env.GIT_TRACE;
    }
  });

  test('a copy names its source in the next field too', () => {
    expect(statusPaths('C  b.ts\0a.ts\0 M c.ts\0?? d e.ts\0')).toEqual(['b.ts', 'a.ts', 'c.ts', 'd e.ts']);
  });

  test('a git that hangs is stopped at the timeout, with everything it started, and git cannot tell', async () => {
    const bin = join(outside, 'bin');
    const pidFile = join(outside, 'grandchild.pid');
    mkdirSync(bin);
    // A fake git that leaves a grandchild ignoring SIGTERM, then hangs.
    writeFileSync(
      join(bin, 'git'),
      `#!/bin/sh\nsh -c 'trap "" TERM; echo $$ > ${pidFile}; while :; do sleep 1; done' &\nwhile :; do sleep 1; done\n`,
    );
    chmodSync(join(bin, 'git'), 0o755);
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path}`;
    try {
      expect(await gitChanges(root, 300)).toBeUndefined();
    } finally {
      process.env.PATH = path;
    }
    // The run ends after the grace period that follows SIGTERM with SIGKILL to the whole group.
    expect(isAlive(Number(readFileSync(pidFile, 'utf8')))).toBe(false);
  }, 15_000);

  test('SPECKIT_VERIFY_TIMEOUT_SECONDS sets the timeout; without a valid one it is the default', () => {
    expect(verifyTimeoutMs({ SPECKIT_VERIFY_TIMEOUT_SECONDS: '5' })).toBe(5000);
    expect(verifyTimeoutMs({ SPECKIT_VERIFY_TIMEOUT_SECONDS: 'soon' })).toBe(DEFAULT_VERIFY_TIMEOUT_SECONDS * 1000);
    expect(verifyTimeoutMs({})).toBe(DEFAULT_VERIFY_TIMEOUT_SECONDS * 1000);
  });
});
