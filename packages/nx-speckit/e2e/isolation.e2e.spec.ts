/**
 * Worktree isolation through the real `nx` binary (no daemon) and real git: each task runs in a
 * checkout of a snapshot and lands as one changeset, merged three-way or not at all; the user's
 * branch, index and stash never move; the cache restores undeclared changes too.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTasks } from '@nx-speckit/tasks-md';
import { ok, TempWorkspace, useTempDirs, useTempWorkspaces } from '../testing/workspace';
import { startRemoteCacheServer } from '../testing/remote-cache';

jest.setTimeout(300_000);

const newWorkspace = useTempWorkspaces();
const tempDir = useTempDirs();

/**
 * Per task (`$PLAN[id]`): waits until every id in `barrier` has started (journal $JOURNAL, outside
 * the workspace), then until `waitFor` ([file, text]) holds in the real workspace $REAL_WS; writes
 * the declared files, sets `json` keys in package.json, writes `write` files, removes `remove`
 * files, and runs each argv of `git`. On a re-run after a conflict (its prompt says so) it first
 * writes `rerunWritesWorkspace` ([file, text]) into the real workspace: someone else landing the
 * same lines again while it works. Each run reports $0.25 and 10 output tokens.
 */
const AGENT = `const fs = require('fs'), path = require('path'), cp = require('child_process');
const id = process.env.SPECKIT_TASK_ID, plan = JSON.parse(process.env.PLAN || '{}')[id] || {};
const journal = process.env.JOURNAL, ws = process.env.REAL_WS;
fs.appendFileSync(journal, 'start ' + id + ' ' + process.cwd() + '\\n');
const started = (t) => fs.readFileSync(journal, 'utf8').split('\\n').some((l) => l.startsWith('start ' + t + ' '));
// No try: a landing changeset swaps files in by rename, so the workspace never lacks one (a read that
// found none would crash this agent and fail its task).
const holds = ([file, text]) => fs.readFileSync(path.join(ws, file), 'utf8').includes(text);
const ready = () => (plan.barrier || []).every(started) && (!plan.waitFor || holds(plan.waitFor));
const rerun = fs.readFileSync(process.env.SPECKIT_PROMPT_FILE, 'utf8').includes('a first run of this task conflicted');
const work = () => {
  if (!ready()) return setTimeout(work, 20);
  if (rerun && plan.rerunWritesWorkspace) fs.writeFileSync(path.join(ws, plan.rerunWritesWorkspace[0]), plan.rerunWritesWorkspace[1]);
  for (const f of JSON.parse(process.env.SPECKIT_TASK_FILES)) {
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, '// written by ' + id + '\\n');
  }
  if (plan.json) {
    const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8'));
    for (const [key, value] of Object.entries(plan.json)) pkg[key] = typeof value === 'object' ? { ...pkg[key], ...value } : value;
    fs.writeFileSync('package.json', JSON.stringify(pkg, null, 2) + '\\n');
  }
  for (const [f, text] of Object.entries(plan.write || {})) { fs.mkdirSync(path.dirname(f), { recursive: true }); fs.writeFileSync(f, text); }
  for (const f of plan.remove || []) fs.rmSync(f);
  for (const argv of plan.git || []) cp.execFileSync('git', argv, { stdio: 'ignore' });
  fs.appendFileSync(journal, 'end ' + id + '\\n');
  fs.writeFileSync(process.env.SPECKIT_USAGE_FILE, JSON.stringify({ costUsd: 0.25, outputTokens: 10 }));
};
work();
`;

/** Spread out so that edits of its first and last lines merge cleanly. */
const PACKAGE_JSON = `${JSON.stringify(
  {
    name: 'e2e-workspace',
    private: true,
    version: '1.0.0',
    description: 'isolation',
    keywords: [],
    license: 'MIT',
    author: '',
    homepage: '',
    scripts: {},
  },
  null,
  2,
)}\n`;

interface Setup {
  tasks: string;
  plan: Record<string, unknown>;
  options?: Record<string, unknown>;
}

function workspace({ tasks, plan, options = {} }: Setup): {
  ws: TempWorkspace;
  journal: string;
  env: Record<string, string>;
} {
  const ws = newWorkspace({ git: true });
  const journal = join(tempDir('iso-journal-'), 'calls.log');
  ws.write('agent.js', AGENT);
  ws.write('package.json', PACKAGE_JSON);
  ws.addFeature('specs/001-iso', { tasks });
  const env = { PLAN: JSON.stringify(plan), JOURNAL: journal, REAL_WS: ws.root };
  ws.setPluginOptions({
    agent: { command: [process.execPath, join(ws.root, 'agent.js')], timeoutSeconds: 120, env },
    ...options,
  });
  ws.commitAll('the feature');
  execFileSync('touch', [journal]);
  return { ws, journal, env };
}

const marked = (ws: TempWorkspace) =>
  parseTasks(ws.read('specs/001-iso/tasks.md'))
    .tasks.filter((t) => t.done)
    .map((t) => t.id);
const starts = (journal: string, id: string) =>
  readFileSync(journal, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith(`start ${id} `)).length;
const record = (ws: TempWorkspace, id: string) => ws.readJson(`.speckit/runs/spec-001-iso/${id}.json`);
const pkg = (ws: TempWorkspace) => ws.readJson('package.json');

const TWO_PARALLEL =
  '# Tasks\n\n## Phase 1: Core\n\n- [ ] T001 [P] First in src/one.ts\n- [ ] T002 [P] Second in src/two.ts\n';

describe('two [P] tasks that both edit package.json, which neither declares', () => {
  it('different places: both changes land, merged, and each record lists package.json as undeclared', () => {
    const { ws } = workspace({
      tasks: TWO_PARALLEL,
      plan: {
        T001: { barrier: ['T001', 'T002'], json: { scripts: { build: 'tsc' } } },
        T002: { barrier: ['T001', 'T002'], json: { name: 'renamed' } },
      },
    });
    const run = ok(ws.nx(['run-many', '-t', 'implement', '--parallel=2', '--outputStyle=static']));
    expect(run.output).toContain('isolation "worktree" (a git workspace with up to 2 tasks at once)');
    expect(pkg(ws)).toEqual({ ...JSON.parse(PACKAGE_JSON), name: 'renamed', scripts: { build: 'tsc' } });
    expect(marked(ws)).toEqual(['T001', 'T002']);
    expect(ws.read('src/one.ts')).toBe('// written by T001\n');
    expect(record(ws, 'T001').changes).toEqual({ declared: ['src/one.ts'], undeclared: ['package.json'] });
    expect(record(ws, 'T002').changes).toEqual({ declared: ['src/two.ts'], undeclared: ['package.json'] });
  });

  it("the same lines: the later one re-runs on a fresh snapshot, sees the first one's change and lands", () => {
    const { ws, journal } = workspace({
      tasks: TWO_PARALLEL,
      plan: {
        T001: { barrier: ['T001', 'T002'], json: { scripts: { build: 'tsc' } } },
        // Writes only after T001 landed, from a snapshot without it: a conflict on the scripts line.
        T002: { barrier: ['T001', 'T002'], waitFor: ['package.json', '"build"'], json: { scripts: { test: 'jest' } } },
      },
    });
    const run = ok(ws.nx(['run-many', '-t', 'implement', '--parallel=2', '--outputStyle=static']));
    expect(run.output).toContain('[T002] conflicts with work that landed meanwhile in package.json');
    expect(pkg(ws).scripts).toEqual({ build: 'tsc', test: 'jest' });
    expect([starts(journal, 'T001'), starts(journal, 'T002')]).toEqual([1, 2]);
    expect(marked(ws)).toEqual(['T001', 'T002']);
    // The re-run's record (and so the budget) counts both rounds.
    expect(record(ws, 'T002')).toMatchObject({ attempts: 2, usage: { costUsd: 0.5, outputTokens: 20 } });
    expect(record(ws, 'T001')).toMatchObject({ attempts: 1, usage: { costUsd: 0.25, outputTokens: 10 } });
    expect(ws.readJson('.speckit/runs/spend.json')).toMatchObject({ costUsd: 0.75, tokens: 30 });
  });

  it('a conflict that persists (onConflict "fail"): the task fails naming the file, and not one byte of it is applied', () => {
    const { ws } = workspace({
      tasks: TWO_PARALLEL,
      options: { onConflict: 'fail' },
      plan: {
        T001: { barrier: ['T001', 'T002'], json: { scripts: { build: 'tsc' } } },
        T002: {
          barrier: ['T001', 'T002'],
          waitFor: ['package.json', '"build"'],
          json: { scripts: { test: 'jest' } },
          write: { 'src/extra.ts': 'extra\n' },
          remove: ['.gitignore'],
        },
      },
    });
    const run = ws.nx(['run-many', '-t', 'implement', '--parallel=2', '--outputStyle=static']);
    expect(run.code).not.toBe(0);
    expect(run.output).toMatch(
      /T002 not marked done: its changes conflict with work that landed meanwhile in package\.json; nothing of it was applied/,
    );
    expect(pkg(ws).scripts).toEqual({ build: 'tsc' });
    expect(existsSync(join(ws.root, 'src/two.ts'))).toBe(false);
    expect(existsSync(join(ws.root, 'src/extra.ts'))).toBe(false);
    expect(existsSync(join(ws.root, '.gitignore'))).toBe(true);
    expect(marked(ws)).toEqual(['T001']);
  });
});

describe('a conflict that persists after the re-run', () => {
  it('the task fails naming the file, and not one byte of either run is applied', () => {
    const landedMeanwhile = `${JSON.stringify({ ...JSON.parse(PACKAGE_JSON), scripts: { build: 'tsc', lint: 'eslint' } }, null, 2)}\n`;
    const { ws, journal } = workspace({
      tasks: TWO_PARALLEL,
      plan: {
        T001: { barrier: ['T001', 'T002'], json: { scripts: { build: 'tsc' } } },
        T002: {
          barrier: ['T001', 'T002'],
          waitFor: ['package.json', '"build"'],
          json: { scripts: { test: 'jest' } },
          write: { 'src/extra.ts': 'extra\n' },
          rerunWritesWorkspace: ['package.json', landedMeanwhile],
        },
      },
    });
    const run = ws.nx(['run-many', '-t', 'implement', '--parallel=2', '--outputStyle=static']);
    expect(run.code).not.toBe(0);
    expect(run.output).toContain(
      'T002 not marked done: its changes conflict with work that landed meanwhile in package.json; nothing of it was applied (also after a re-run on a fresh snapshot)',
    );
    expect(starts(journal, 'T002')).toBe(2);
    expect(record(ws, 'T002')).toMatchObject({ status: 'failed', attempts: 2, usage: { costUsd: 0.5 } });
    expect(ws.read('package.json')).toBe(landedMeanwhile);
    expect(existsSync(join(ws.root, 'src/two.ts'))).toBe(false);
    expect(existsSync(join(ws.root, 'src/extra.ts'))).toBe(false);
    expect(marked(ws)).toEqual(['T001']);
  });
});

describe('an agent that uses git in its worktree', () => {
  it("commits, branches, stashes and deletes files: the user's HEAD, branch, index, stash and worktrees stay as they were", () => {
    const id = ['-c', 'user.email=agent@example.com', '-c', 'user.name=agent'];
    const { ws } = workspace({
      tasks: '# Tasks\n\n- [ ] T001 Work in src/one.ts\n',
      options: { isolation: 'worktree' },
      plan: {
        T001: {
          write: { 'notes.txt': 'scratch\n' },
          remove: ['specs/001-iso/plan.md'],
          // The stash takes back the `git rm`: notes.txt stays, as the working tree is what lands.
          git: [
            [...id, 'add', '-A'],
            [...id, 'commit', '-qm', 'agent commit'],
            ['checkout', '-qb', 'agent-branch'],
            ['rm', '-q', 'notes.txt'],
            [...id, 'stash'],
          ],
        },
      },
    });
    // The user has a staged change and a stash entry of their own.
    ws.write('staged.txt', 'staged\n');
    ws.git('add', 'staged.txt');
    ws.write('stashed.txt', 'x\n');
    ws.git('add', 'stashed.txt');
    ws.exec(
      'git',
      ['-c', 'user.email=u@example.com', '-c', 'user.name=u', 'stash', 'push', '-q', '--', 'stashed.txt'],
      {},
    );
    const state = () =>
      [
        'rev-parse HEAD',
        'symbolic-ref HEAD',
        'stash list',
        'diff --cached --name-status',
        'for-each-ref',
        'worktree list --porcelain',
      ].map((c) => ws.git(...c.split(' ')).stdout);
    const before = state();

    ok(ws.nx(['run', 'spec-001-iso:implement--T001', '--outputStyle=static']));
    expect(state()).toEqual(before);
    expect(marked(ws)).toEqual(['T001']);
    expect(record(ws, 'T001').changes).toEqual({
      declared: ['src/one.ts'],
      undeclared: ['notes.txt', 'specs/001-iso/plan.md'],
    });
    expect(ws.read('notes.txt')).toBe('scratch\n');
    expect(existsSync(join(ws.root, 'specs/001-iso/plan.md'))).toBe(false);
  });
});

describe('the lossless cache', () => {
  it('a task that changed declared and undeclared files, restored from a shared cache in a fresh clone: byte-identical, no agent call', () => {
    const { ws, journal } = workspace({
      tasks: '# Tasks\n\n- [ ] T001 Register the route in src/one.ts\n',
      options: { isolation: 'worktree' },
      plan: {
        T001: {
          json: { dependencies: { 'left-pad': '1.3.0' } },
          write: { 'src/registry.ts': 'export const routes = ["one"];\n', 'bin.dat': '\u0000\u0001binary\u00ff' },
          remove: ['specs/001-iso/plan.md'],
        },
      },
    });
    const shared = { NX_CACHE_DIRECTORY: tempDir('iso-cache-'), NX_WORKSPACE_DATA_DIRECTORY: tempDir('iso-wsdata-') };
    ok(ws.nx(['run', 'spec-001-iso:implement--T001', '--outputStyle=static'], shared));
    expect(starts(journal, 'T001')).toBe(1);

    // A fresh checkout of the same commit, as a CI retry or a colleague gets it.
    const second = newWorkspace();
    second.git('init', '-q', '-b', 'main');
    second.git('fetch', '-q', ws.root, 'main');
    second.git('checkout', '-q', '-f', '-B', 'main', 'FETCH_HEAD');
    const run = ok(second.nx(['run', 'spec-001-iso:implement--T001', '--outputStyle=static'], shared));
    expect(run.output).toMatch(/existing outputs match the cache|local cache/);
    expect(starts(journal, 'T001')).toBe(1);
    for (const file of ['package.json', 'src/one.ts', 'src/registry.ts', 'bin.dat', 'specs/001-iso/tasks.md']) {
      expect([file, readFileSync(join(second.root, file)).equals(readFileSync(join(ws.root, file)))]).toEqual([
        file,
        true,
      ]);
    }
    expect(pkg(second).dependencies).toEqual({ 'left-pad': '1.3.0' });
    expect(existsSync(join(second.root, 'specs/001-iso/plan.md'))).toBe(false);
    expect(marked(second)).toEqual(['T001']);
  });
});

describe('clean-up', () => {
  it("a failed task's worktree is kept and named; the next run removes it, and a good run leaves only a free pooled worktree", () => {
    const { ws } = workspace({
      tasks: '# Tasks\n\n- [ ] T001 Work in src/one.ts\n',
      options: {
        isolation: 'worktree',
        verify: [
          process.execPath,
          '-e',
          'process.exit(require("fs").existsSync("src/one.ts") && process.env.BREAK !== "1" ? 0 : 1)',
        ],
      },
      plan: {},
    });
    const failed = ws.nx(['run', 'spec-001-iso:implement--T001', '--outputStyle=static'], { BREAK: '1' });
    expect(failed.code).not.toBe(0);
    const kept = /its worktree is kept for inspection until the next run: (\S+)/.exec(failed.output)![1];
    expect(readFileSync(join(kept, 'src/one.ts'), 'utf8')).toBe('// written by T001\n');
    expect(existsSync(join(ws.root, 'src/one.ts'))).toBe(false);

    const again = ok(ws.nx(['run', 'spec-001-iso:implement--T001', '--outputStyle=static', '--skip-nx-cache']));
    expect(again.output).toContain('removed 1 task worktree left by an earlier run');
    expect(existsSync(kept)).toBe(false);
    // The good run's worktree went back to the pool, unclaimed, with the state it was left in.
    expect(
      readdirSync(join(kept, '..'))
        .map((e) => e.replace(/^pool-[0-9a-f]+/, 'pool-<id>'))
        .sort(),
    ).toEqual(['pool-<id>', 'pool-<id>.json']);
    expect(ws.git('worktree', 'list', '--porcelain').stdout.match(/^worktree /gm)).toHaveLength(1);
    expect(marked(ws)).toEqual(['T001']);
  });
});

describe('the lossless cache through a remote cache', () => {
  it('a second clone with its own empty local cache downloads the task and ends byte-identical, no agent call', async () => {
    const remote = await startRemoteCacheServer(tempDir('iso-remote-'), 'token');
    try {
      const { ws, journal } = workspace({
        tasks: '# Tasks\n\n- [ ] T001 Register the route in src/one.ts\n',
        options: { isolation: 'worktree' },
        plan: {
          T001: {
            json: { dependencies: { 'left-pad': '1.3.0' } },
            write: { 'src/registry.ts': 'export const routes = ["one"];\n' },
          },
        },
      });
      const env = () => ({
        NX_SELF_HOSTED_REMOTE_CACHE_SERVER: remote.url,
        NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: 'token',
        NX_CACHE_DIRECTORY: tempDir('iso-local-'),
        NX_WORKSPACE_DATA_DIRECTORY: tempDir('iso-wsdata-'),
      });
      ok(ws.nx(['run', 'spec-001-iso:implement--T001', '--outputStyle=static'], env()));
      const second = newWorkspace();
      second.git('init', '-q', '-b', 'main');
      second.git('fetch', '-q', ws.root, 'main');
      second.git('checkout', '-q', '-f', '-B', 'main', 'FETCH_HEAD');
      const run = ok(second.nx(['run', 'spec-001-iso:implement--T001', '--outputStyle=static'], env()));
      expect(run.output).toContain('[remote cache]');
      expect(starts(journal, 'T001')).toBe(1);
      for (const file of ['package.json', 'src/one.ts', 'src/registry.ts', 'specs/001-iso/tasks.md']) {
        expect([file, readFileSync(join(second.root, file)).equals(readFileSync(join(ws.root, file)))]).toEqual([
          file,
          true,
        ]);
      }
    } finally {
      remote.stop();
    }
  });
});

describe('shared ignored folders (isolationLinks)', () => {
  it('an "install" into a linked folder lands in the workspace\'s own folder at once; only package.json is in the changeset', () => {
    // A stand-in for node_modules (the test workspaces link the repository's own node_modules).
    const { ws } = workspace({
      tasks: '# Tasks\n\n- [ ] T001 Add a dependency in src/one.ts\n',
      options: { isolation: 'worktree', isolationLinks: ['vendor'] },
      plan: {
        T001: {
          json: { dependencies: { 'new-pkg': '1.0.0' } },
          write: { 'vendor/new-pkg/index.js': 'module.exports = 1;\n' },
        },
      },
    });
    ws.write('.gitignore', `${ws.read('.gitignore')}vendor\n`);
    ws.write('vendor/existing/index.js', 'module.exports = 0;\n');
    ws.commitAll('ignore vendor');
    ok(ws.nx(['run', 'spec-001-iso:implement--T001', '--outputStyle=static']));
    expect(ws.read('vendor/new-pkg/index.js')).toBe('module.exports = 1;\n');
    expect(ws.read('vendor/existing/index.js')).toBe('module.exports = 0;\n');
    expect(pkg(ws).dependencies).toEqual({ 'new-pkg': '1.0.0' });
    expect(record(ws, 'T001').changes).toEqual({ declared: ['src/one.ts'], undeclared: ['package.json'] });
  });
});
