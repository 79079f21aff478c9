/**
 * Nx's cache and spec-kit tasks, through the real `nx` binary (no daemon): what a CI retry, a
 * shared cache directory and a self-hosted remote cache save in agent calls, and what an edit
 * invalidates. Clones are real `git clone`s of one origin workspace; the agent is a node script
 * that counts its calls in a file outside every clone.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, TempWorkspace } from '../testing/workspace';

jest.setTimeout(300_000);

const cleanups: Array<() => void> = [];
afterAll(() => cleanups.forEach((c) => c()));
beforeAll(() => {
  execFileSync(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'packages/tasks-md', 'packages/nx-speckit'], { cwd: REPO_ROOT, stdio: 'pipe' });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

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
  const ws = new TempWorkspace({
    features: { 'specs/001-orders': { tasks: TASKS }, 'specs/002-search': { tasks: OTHER } },
    files: { 'agent.js': AGENT },
    pluginOptions: { agent: { command: [process.execPath, 'agent.js'], retries: 0 } },
    git: true,
  });
  cleanups.push(() => ws.cleanup());
  return ws;
}

/** A fresh checkout of `from` (what a CI job starts with): its own .nx, nothing from earlier runs. */
function clone(from: TempWorkspace): TempWorkspace {
  const ws = new TempWorkspace(); // a temp root with node_modules linked
  cleanups.push(() => ws.cleanup());
  ws.git('init', '-q', '-b', 'main');
  ws.git('fetch', '-q', from.root, 'main');
  ws.git('checkout', '-q', '-f', '-B', 'main', 'FETCH_HEAD');
  const status = ws.git('status', '--porcelain');
  if (status.stdout.trim()) throw new Error(`clone is not clean:\n${status.stdout}`);
  return ws;
}

/** Where a CI runner keeps Nx's state between jobs: the cache and its index (a sqlite db in workspace-data). */
function sharedCache(): Record<string, string> {
  return { NX_CACHE_DIRECTORY: tempDir('nx-speckit-cache-'), NX_WORKSPACE_DATA_DIRECTORY: tempDir('nx-speckit-wsdata-') };
}

function counter(): { path: string; calls: () => string[] } {
  const path = join(tempDir('nx-speckit-counter-'), 'calls.log');
  return { path, calls: () => (existsSync(path) ? readFileSync(path, 'utf8').trim().split('\n').filter(Boolean) : []) };
}

function implement(ws: TempWorkspace, env: Record<string, string>, args: string[] = []) {
  return ws.nx(['run-many', '-t', 'implement', '--outputStyle=static', '--parallel=2', ...args], env);
}
function ok(r: { code: number | null; output: string }) {
  if (r.code !== 0) throw new Error(`nx exited ${r.code}:\n${r.output}`);
  return r;
}
const ALL_DONE = TASKS.replace(/- \[ \]/g, '- [X]');
const ORDERS_FILES = ['src/orders/package.ts', 'src/orders/model.ts', 'src/orders/service.ts', 'src/orders/routes.ts', 'docs/orders.md'];
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
    for (const f of ORDERS_FILES) expect(job2.read(f)).toBe(`// ${f.includes('package') ? 'T001' : f.includes('model') ? 'T002' : f.includes('service') ? 'T003' : f.includes('routes') ? 'T004' : 'T005'} of specs/001-orders\n`);
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
    expect(count.calls()).toEqual(['specs/002-search T001', 'specs/002-search T002', 'specs/002-search T001', 'specs/002-search T002']);
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
    expect(r.output).toContain('Nx read the output from the cache instead of running the command for 7 out of 9 tasks.');
    for (const f of ORDERS_FILES) expect(bob.read(f)).toBe(alice.read(f));
    expect(bob.read('specs/001-orders/tasks.md')).toBe(ALL_DONE);
    expect(bob.read('specs/002-search/tasks.md')).toBe(OTHER.replace(/- \[ \]/g, '- [X]'));
  });
});
