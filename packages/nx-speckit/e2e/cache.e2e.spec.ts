/**
 * Nx's cache and spec-kit tasks, through the real `nx` binary (no daemon): what a CI retry, a
 * shared cache directory and a self-hosted remote cache save in agent calls, and what an edit
 * invalidates. Clones are real `git clone`s of one origin workspace; the agent is a node script
 * that counts its calls in a file outside every clone.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ok, TempWorkspace, useTempDirs, useTempWorkspaces } from '../testing/workspace';
import { startRemoteCacheServer, type RemoteCache } from '../testing/remote-cache';

jest.setTimeout(300_000);

const cleanups: Array<() => void> = [];
afterAll(() => cleanups.forEach((c) => c()));

const tempDir = useTempDirs();
const workspace = useTempWorkspaces();

/**
 * Writes its task's declared files, counts the call in $AGENT_COUNTER (outside the workspace),
 * fails the tasks listed in $FAIL_TASKS. The command is relative (`node agent.js`), so the agent
 * option, which every task's cache key includes, is the same in every clone.
 */
const AGENT = `const fs = require('fs'), path = require('path');
const id = process.env.SPECKIT_TASK_ID;
fs.appendFileSync(process.env.AGENT_COUNTER, process.env.SPECKIT_FEATURE_DIR + ' ' + id + '\\n');
if ((process.env.FAIL_TASKS || '').split(',').includes(id)) { console.error('agent: cannot do ' + id); process.exit(3); }
for (const f of JSON.parse(process.env.SPECKIT_TASK_FILES)) {
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, '// ' + id + ' of ' + process.env.SPECKIT_FEATURE_DIR + '\\n');
}
`;

const TASKS = `# Tasks: Orders

## Phase 1: Setup

- [ ] T001 Package in src/orders/package.ts

## Phase 2: Core

- [ ] T002 [P] Model in src/orders/model.ts
- [ ] T003 [P] Service in src/orders/service.ts
- [ ] T004 Routes in src/orders/routes.ts
- [ ] T005 Docs in docs/orders.md
`;
const OTHER = `# Tasks: Search

## Phase 1

- [ ] T001 Index in src/search/index.ts
- [ ] T002 Query in src/search/query.ts
`;

/** The team's repository: two features, the agent script, committed. */
function origin(): TempWorkspace {
  return workspace({
    features: { 'specs/001-orders': { tasks: TASKS }, 'specs/002-search': { tasks: OTHER } },
    files: { 'agent.js': AGENT },
    pluginOptions: { agent: { command: [process.execPath, 'agent.js'], retries: 0 } },
    git: true,
  });
}

/** A fresh checkout of `from` (what a CI job starts with): its own .nx, nothing from earlier runs. */
function clone(from: TempWorkspace): TempWorkspace {
  const ws = workspace(); // a temp root with node_modules linked
  ws.git('init', '-q', '-b', 'main');
  ws.git('fetch', '-q', from.root, 'main');
  ws.git('checkout', '-q', '-f', '-B', 'main', 'FETCH_HEAD');
  const status = ws.git('status', '--porcelain');
  if (status.stdout.trim()) throw new Error(`clone is not clean:\n${status.stdout}`);
  return ws;
}

/** Where a CI runner keeps Nx's state between jobs: the cache and its index (a sqlite db in workspace-data). */
function sharedCache(): Record<string, string> {
  return {
    NX_CACHE_DIRECTORY: tempDir('nx-speckit-cache-'),
    NX_WORKSPACE_DATA_DIRECTORY: tempDir('nx-speckit-wsdata-'),
  };
}

function counter(): { path: string; calls: () => string[] } {
  const path = join(tempDir('nx-speckit-counter-'), 'calls.log');
  return { path, calls: () => (existsSync(path) ? readFileSync(path, 'utf8').trim().split('\n').filter(Boolean) : []) };
}

function implement(ws: TempWorkspace, env: Record<string, string>, args: string[] = []) {
  return ws.nx(['run-many', '-t', 'implement', '--outputStyle=static', '--parallel=2', ...args], env);
}
const ALL_DONE = TASKS.replace(/- \[ \]/g, '- [X]');
const ORDERS_FILES = [
  'src/orders/package.ts',
  'src/orders/model.ts',
  'src/orders/service.ts',
  'src/orders/routes.ts',
  'docs/orders.md',
];
const orders = (ids: string[]) => ids.map((id) => `specs/001-orders ${id}`);

describe('a CI retry after a failed job', () => {
  it('re-runs only what failed and what waited for it; finished tasks come back from the shared cache and are ticked', () => {
    const repo = origin();
    const count = counter();
    const env = { ...sharedCache(), AGENT_COUNTER: count.path };

    // Job 1: T003's agent fails; T002 (beside it) still finishes; T004, T005 wait for T003.
    const job1 = clone(repo);
    const failed = implement(job1, { ...env, FAIL_TASKS: 'T003' }, ['-p', 'spec-001-orders']);
    expect(failed.code).not.toBe(0);
    expect(count.calls().sort()).toEqual(orders(['T001', 'T002', 'T003']));
    job1.cleanup(); // the job's checkout (and its [X] marks) is thrown away

    // Job 2: a fresh clone, the agent fixed, the same cache directory.
    const job2 = clone(repo);
    expect(job2.read('specs/001-orders/tasks.md')).toBe(TASKS);
    const retry = ok(implement(job2, env, ['-p', 'spec-001-orders']));
    expect(count.calls().slice(3).sort()).toEqual(orders(['T003', 'T004', 'T005']));
    expect(retry.output).toMatch(/spec-001-orders:implement--T001 +\[local cache\]/);
    expect(retry.output).toMatch(/spec-001-orders:implement--T002 +\[local cache\]/);
    for (const f of ORDERS_FILES)
      expect(job2.read(f)).toBe(
        `// ${f.includes('package') ? 'T001' : f.includes('model') ? 'T002' : f.includes('service') ? 'T003' : f.includes('routes') ? 'T004' : 'T005'} of specs/001-orders\n`,
      );
    // Cache hits are checkpointed too (by the post-run hook): the whole feature is [X].
    expect(job2.read('specs/001-orders/tasks.md')).toBe(ALL_DONE);
  });
});

describe('two clones sharing one cache directory', () => {
  it('Nx 24 keeps its cache index in workspace-data: sharing only NX_CACHE_DIRECTORY shares nothing (see docs/caching.md)', () => {
    // Pins a measured Nx behaviour the docs rely on; if this starts failing, Nx shares bare cache
    // directories again and docs/caching.md should say so.
    const repo = origin();
    const count = counter();
    const env = { NX_CACHE_DIRECTORY: tempDir('nx-speckit-cache-'), AGENT_COUNTER: count.path };
    ok(implement(clone(repo), { ...env }, ['-p', 'spec-002-search']));
    ok(implement(clone(repo), { ...env }, ['-p', 'spec-002-search']));
    expect(count.calls()).toEqual([
      'specs/002-search T001',
      'specs/002-search T002',
      'specs/002-search T001',
      'specs/002-search T002',
    ]);
  });

  it('by default (no cache settings) clones of one repository on one machine share ~/.nx/<repo id>', () => {
    const repo = origin();
    const count = counter();
    ok(implement(clone(repo), { AGENT_COUNTER: count.path }, ['-p', 'spec-002-search']));
    const second = ok(implement(clone(repo), { AGENT_COUNTER: count.path }, ['-p', 'spec-002-search']));
    expect(count.calls()).toEqual(['specs/002-search T001', 'specs/002-search T002']);
    expect(second.output).toMatch(/spec-002-search:implement--T002 +\[local cache\]/);
  });

  it('with the cache and workspace-data directories shared, the second clone runs no agent at all and gets every file', () => {
    const repo = origin();
    const count = counter();
    const env = { ...sharedCache(), AGENT_COUNTER: count.path };
    const alice = clone(repo);
    ok(implement(alice, env));
    expect(count.calls()).toHaveLength(7);
    const bob = clone(repo);
    const r = ok(implement(bob, env));
    expect(count.calls()).toHaveLength(7);
    expect(r.output).toContain(
      'Nx read the output from the cache instead of running the command for 7 out of 9 tasks.',
    );
    for (const f of ORDERS_FILES) expect(bob.read(f)).toBe(alice.read(f));
    expect(bob.read('specs/001-orders/tasks.md')).toBe(ALL_DONE);
    expect(bob.read('specs/002-search/tasks.md')).toBe(OTHER.replace(/- \[ \]/g, '- [X]'));
  });
});

async function startRemoteCache(token: string, readToken?: string): Promise<RemoteCache> {
  const remote = await startRemoteCacheServer(tempDir('nx-speckit-remote-'), token, readToken);
  cleanups.unshift(remote.stop);
  return remote;
}

describe('a self-hosted remote cache (HTTP, on loopback)', () => {
  it('two clones with separate local caches share agent work through it', async () => {
    const remote = await startRemoteCache('s3cr3t-token');
    const repo = origin();
    const count = counter();
    const env = {
      NX_SELF_HOSTED_REMOTE_CACHE_SERVER: remote.url,
      NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: 's3cr3t-token',
      AGENT_COUNTER: count.path,
    };

    // Separate local caches (each clone its own cache and workspace-data directory), else clones
    // of one repository on one machine share ~/.nx/<repo id> and never ask the server.
    const local = () => ({
      NX_CACHE_DIRECTORY: tempDir('nx-speckit-cache-'),
      NX_WORKSPACE_DATA_DIRECTORY: tempDir('nx-speckit-wsdata-'),
    });
    const alice = clone(repo);
    ok(implement(alice, { ...env, ...local() }, ['-p', 'spec-001-orders']));
    expect(count.calls()).toHaveLength(5);
    const puts = remote.journal().filter((l) => l.startsWith('PUT '));
    expect(puts).toHaveLength(5); // one tar per task target (aggregates are not cached)
    for (const line of puts) expect(line).toMatch(/^PUT \d+ 200 [1-9]\d* rw$/);

    const bob = clone(repo); // its own .nx/cache and workspace-data
    const r = ok(implement(bob, { ...env, ...local() }, ['-p', 'spec-001-orders']));
    expect(count.calls()).toHaveLength(5); // no agent ran for Bob
    expect(r.output).toMatch(/spec-001-orders:implement--T005 +\[remote cache\]/);
    const gets = remote.journal().filter((l) => l.startsWith('GET ') && / 200 /.test(l));
    expect(gets).toHaveLength(5);
    for (const f of ORDERS_FILES) expect(bob.read(f)).toBe(alice.read(f));
    expect(bob.read('specs/001-orders/tasks.md')).toBe(ALL_DONE);

    // A wrong token: the server answers 401 (text/plain, as Nx requires) and Nx stops the whole
    // run before any task, printing the server's message; no agent is paid for.
    const carol = clone(repo);
    const refused = implement(carol, { ...env, ...local(), NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: 'wrong' }, [
      '-p',
      'spec-001-orders',
    ]);
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain('Unauthorized: bad token');
    expect(remote.journal()).toContainEqual(expect.stringMatching(/ 401 /));
    expect(count.calls()).toHaveLength(5);
  });

  it('a read-only token (a branch run) restores hits and never writes (CVE-2025-36852: only trusted default-branch runs write)', async () => {
    const remote = await startRemoteCache('default-branch-token', 'branch-read-token');
    const repo = origin();
    const count = counter();
    const local = () => ({
      NX_CACHE_DIRECTORY: tempDir('nx-speckit-cache-'),
      NX_WORKSPACE_DATA_DIRECTORY: tempDir('nx-speckit-wsdata-'),
    });
    const server = { NX_SELF_HOSTED_REMOTE_CACHE_SERVER: remote.url, AGENT_COUNTER: count.path };

    // The trusted run of the default branch fills the cache for one feature.
    ok(
      implement(
        clone(repo),
        { ...server, ...local(), NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: 'default-branch-token' },
        ['-p', 'spec-001-orders'],
      ),
    );
    const written = remote.entries();
    expect(written).toHaveLength(5);
    expect(count.calls()).toHaveLength(5);

    // A branch run with the read-only token: the first feature comes from the cache (no agent),
    // the second runs its agents, and none of its results reach the shared cache.
    const branch = clone(repo);
    const r = implement(branch, {
      ...server,
      ...local(),
      NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: 'branch-read-token',
    });
    expect(r.code).toBe(0);
    expect(r.output).toMatch(/spec-001-orders:implement--T005 +\[remote cache\]/);
    expect(count.calls()).toHaveLength(7); // only the 2 tasks of spec-002-search ran
    expect(branch.read('specs/001-orders/tasks.md')).toBe(ALL_DONE);
    const branchRequests = remote.journal().filter((l) => l.endsWith(' ro'));
    expect(branchRequests.filter((l) => l.startsWith('GET ') && / 200 /.test(l))).toHaveLength(5);
    // Nx tried to store the 2 new results and the server refused both.
    expect(branchRequests.filter((l) => l.startsWith('PUT ')).map((l) => l.split(' ')[2])).toEqual(['403', '403']);
    expect(remote.entries()).toEqual(written); // nothing planted
  });
});

describe('what an edit to one task invalidates', () => {
  it('measured: other features keep every entry; within the feature, see docs/caching.md', () => {
    const repo = origin();
    const count = counter();
    const env = { AGENT_COUNTER: count.path };
    const ws = clone(repo);
    ok(implement(ws, env));
    expect(count.calls()).toHaveLength(7);

    // Reword T003 and start both features over (boxes cleared, files gone), as a new branch would.
    const reworded = TASKS.replace(
      'T003 [P] Service in src/orders/service.ts',
      'T003 [P] Service with retries in src/orders/service.ts',
    );
    ws.write('specs/001-orders/tasks.md', reworded);
    ws.write('specs/002-search/tasks.md', OTHER);
    for (const f of [...ORDERS_FILES, 'src/search/index.ts', 'src/search/query.ts']) rmSync(join(ws.root, f));
    const r = ok(implement(ws, env));
    const rerun = count.calls().slice(7).sort();
    // Nx hashes every target's options of a project into each of its tasks, and T003's options
    // carry a hash of its text: every task of the edited feature misses; the other feature hits.
    expect(rerun).toEqual(orders(['T001', 'T002', 'T003', 'T004', 'T005']));
    expect(r.output).toMatch(/spec-002-search:implement--T001 +\[local cache\]/);
    expect(r.output).toMatch(/spec-002-search:implement--T002 +\[local cache\]/);

    // The same start again, except spec.md of the other feature: the boxes ticked by the last run
    // change no key (every orders task hits); the prompt document invalidates its whole feature.
    ws.write('specs/001-orders/tasks.md', reworded);
    ws.write('specs/002-search/tasks.md', OTHER);
    ws.write('specs/002-search/spec.md', '# Feature Specification\n\nSearch, refined.\n');
    for (const f of [...ORDERS_FILES, 'src/search/index.ts', 'src/search/query.ts']) rmSync(join(ws.root, f));
    const again = ok(implement(ws, env));
    expect(count.calls().slice(12).sort()).toEqual(['specs/002-search T001', 'specs/002-search T002']);
    for (const id of ['T001', 'T002', 'T003', 'T004', 'T005'])
      expect(again.output).toMatch(new RegExp(`spec-001-orders:implement--${id} +\\[local cache\\]`));
  });
});

describe('what every task shares in its key (the project-level named input speckit-task)', () => {
  it("a feature's contracts invalidate its tasks, the constitution every task, SPECKIT_AGENT every task; an unchanged start hits", () => {
    const ws = origin();
    const count = counter();
    const env = { AGENT_COUNTER: count.path, SPECKIT_AGENT: '' }; // unset for the plugin, whatever this shell has
    const SEARCH_FILES = ['src/search/index.ts', 'src/search/query.ts'];
    const search = (ids: string[]) => ids.map((id) => `specs/002-search ${id}`);
    const everyTask = [...orders(['T001', 'T002', 'T003', 'T004', 'T005']), ...search(['T001', 'T002'])].sort();
    const hits = (output: string, project: string, ids: string[]) => {
      for (const id of ids) expect(output).toMatch(new RegExp(`${project}:implement--${id} +\\[local cache\\]`));
    };
    // The same start as a fresh branch: every box open, no task's file on disk.
    const startOver = () => {
      ws.write('specs/001-orders/tasks.md', TASKS);
      ws.write('specs/002-search/tasks.md', OTHER);
      for (const f of [...ORDERS_FILES, ...SEARCH_FILES]) rmSync(join(ws.root, f), { force: true });
    };
    const newCalls = (() => {
      let seen = 0;
      return () => {
        const all = count.calls();
        const fresh = all.slice(seen).sort();
        seen = all.length;
        return fresh;
      };
    })();

    ok(implement(ws, env));
    expect(newCalls()).toEqual(everyTask);
    startOver();
    const again = ok(implement(ws, env));
    hits(again.output, 'spec-001-orders', ['T001', 'T002', 'T003', 'T004', 'T005']);
    hits(again.output, 'spec-002-search', ['T001', 'T002']);
    expect(newCalls()).toEqual([]);

    // A contract of one feature ({projectRoot}/contracts/**/*): that feature's tasks miss, the other's hit.
    ws.write('specs/001-orders/contracts/orders-api.md', '# Orders API\n\nGET /orders\n');
    startOver();
    hits(ok(implement(ws, env)).output, 'spec-002-search', ['T001', 'T002']);
    expect(newCalls()).toEqual(orders(['T001', 'T002', 'T003', 'T004', 'T005']));

    // The constitution ({workspaceRoot}/.specify/memory/constitution.md): every task of every feature misses.
    ws.write('.specify/memory/constitution.md', '# Constitution\n\nTests first.\n');
    startOver();
    ok(implement(ws, env));
    expect(newCalls()).toEqual(everyTask);

    // SPECKIT_AGENT=replay: every task misses (the replayed files prove the replay agent ran, not
    // the cache); the same value again hits; unset again, the entries of the command agent hit.
    for (const [dir, id, file] of [
      ...ORDERS_FILES.map((f, i) => ['001-orders', `T00${i + 1}`, f]),
      ...SEARCH_FILES.map((f, i) => ['002-search', `T00${i + 1}`, f]),
    ]) {
      ws.write(
        `.speckit/recordings/${dir}/${id}.json`,
        JSON.stringify({ taskId: id, files: [{ path: file, content: `replayed ${dir} ${id}\n` }] }),
      );
    }
    startOver();
    const replayed = ok(implement(ws, { ...env, SPECKIT_AGENT: 'replay' }));
    expect(replayed.output).not.toMatch(/\[local cache\]/);
    expect(newCalls()).toEqual([]);
    expect(ws.read('src/orders/routes.ts')).toBe('replayed 001-orders T004\n');
    expect(ws.read('src/search/query.ts')).toBe('replayed 002-search T002\n');
    startOver();
    hits(ok(implement(ws, { ...env, SPECKIT_AGENT: 'replay' })).output, 'spec-001-orders', [
      'T001',
      'T002',
      'T003',
      'T004',
      'T005',
    ]);
    expect(ws.read('src/orders/routes.ts')).toBe('replayed 001-orders T004\n');
    startOver();
    const unset = ok(implement(ws, env));
    hits(unset.output, 'spec-001-orders', ['T001', 'T002', 'T003', 'T004', 'T005']);
    hits(unset.output, 'spec-002-search', ['T001', 'T002']);
    expect(newCalls()).toEqual([]);
    expect(ws.read('src/orders/routes.ts')).toBe('// T004 of specs/001-orders\n');
  });
});
