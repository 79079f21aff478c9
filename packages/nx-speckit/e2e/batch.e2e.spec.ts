/**
 * `--batch` through the real `nx` binary (no daemon): Nx hands the tasks to the executor's batch
 * implementation, which runs them in one process, in dependency order, at most `--parallel` at
 * once, with the same checkpoints, cache entries and run report as forked tasks.
 */
import { join } from 'node:path';
import { parseTasks } from '@nx-speckit/tasks-md';
import { ok, TempWorkspace, useTempWorkspaces } from '../testing/workspace';

jest.setTimeout(300_000);

const newWorkspace = useTempWorkspaces();

/**
 * Logs `start|end <id> <ms> <parent pid>` lines; sleeps $AGENT_SLEEP_MS; exits 1 for the ids in
 * $FAIL_IDS; else writes every declared file.
 */
const AGENT = `const fs = require('fs'), path = require('path');
const id = process.env.SPECKIT_TASK_ID;
// Beside this script, in the workspace: with worktree isolation the agent's own folder is a checkout of it.
const log = (kind) => fs.appendFileSync(path.join(__dirname, '.speckit/calls.log'), kind + ' ' + id + ' ' + Date.now() + ' ' + process.ppid + '\\n');
fs.mkdirSync(path.join(__dirname, '.speckit'), { recursive: true });
log('start');
setTimeout(() => {
  if ((process.env.FAIL_IDS || '').split(',').includes(id)) { log('fail'); process.exit(1); }
  for (const f of JSON.parse(process.env.SPECKIT_TASK_FILES)) {
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, '// written by ' + id + '\\n');
  }
  log('end');
}, Number(process.env.AGENT_SLEEP_MS || 0));
`;

// One setup task, six [P] tasks, then one that needs them all.
const TASKS = [
  '# Tasks: Batch',
  '',
  '## Phase 1: Setup',
  '',
  '- [ ] T001 Setup in src/setup.ts',
  '',
  '## Phase 2: Core',
  '',
  ...[2, 3, 4, 5, 6, 7].map((n) => `- [ ] T00${n} [P] Core ${n} in src/core${n}.ts`),
  '',
  '## Phase 3: Polish',
  '',
  '- [ ] T008 Docs in docs/batch.md',
  '',
].join('\n');
const ALL = ['T001', 'T002', 'T003', 'T004', 'T005', 'T006', 'T007', 'T008'];

function workspace(env: Record<string, string> = {}): TempWorkspace {
  const ws = newWorkspace({ git: true });
  ws.write('agent.js', AGENT);
  ws.addFeature('specs/001-batch', { tasks: TASKS });
  ws.setPluginOptions({
    agent: { command: [process.execPath, join(ws.root, 'agent.js')], env: { AGENT_SLEEP_MS: '400', ...env } },
  });
  ws.commitAll('the feature');
  return ws;
}

interface Call {
  kind: string;
  id: string;
  at: number;
  parent: number;
}
const calls = (ws: TempWorkspace): Call[] =>
  ws.lines('.speckit/calls.log').map((l) => {
    const [kind, id, at, parent] = l.split(' ');
    return { kind, id, at: Number(at), parent: Number(parent) };
  });
const marked = (ws: TempWorkspace) =>
  parseTasks(ws.read('specs/001-batch/tasks.md'))
    .tasks.filter((t) => t.done)
    .map((t) => t.id);

/** The most agents running at one moment. */
function peak(log: Call[]): number {
  let running = 0;
  let most = 0;
  for (const c of [...log].sort((a, b) => a.at - b.at || (a.kind === 'start' ? 1 : -1))) {
    running += c.kind === 'start' ? 1 : -1;
    most = Math.max(most, running);
  }
  return most;
}

describe('nx run-many -t implement --batch', () => {
  it('one process runs every task, prerequisites first, at most --parallel (2, not the default 3) agents at once; each task checkpointed', () => {
    const ws = workspace();
    const r = ok(ws.nx(['run-many', '-t', 'implement', '--batch', '--parallel=2', '--outputStyle=static']));
    expect(marked(ws)).toEqual(ALL);
    const log = calls(ws);
    // Every agent was started by the same process: the batch, not one forked executor per task.
    expect(new Set(log.map((c) => c.parent)).size).toBe(1);
    for (const id of ALL)
      expect([id, log.filter((c) => c.id === id).map((c) => c.kind)]).toEqual([id, ['start', 'end']]);
    const at = (kind: string, id: string) => log.find((c) => c.kind === kind && c.id === id)!.at;
    for (const id of ALL.slice(1, 7)) expect(at('start', id)).toBeGreaterThanOrEqual(at('end', 'T001'));
    for (const id of ALL.slice(1, 7)) expect(at('start', 'T008')).toBeGreaterThanOrEqual(at('end', id));
    // Six [P] tasks of 400 ms, --parallel=2: two at a time, never more.
    expect(peak(log)).toBe(2);
    expect(r.output).toContain('[T008] Docs in docs/batch.md → marked [X]');
    expect(r.output).toContain('Progress: 8/8 (100%)');
    // The run report sees every task, as without --batch.
    const report = ws.readJson('.speckit/reports/latest.json');
    expect(report.outcome).toBe('complete');
    expect(report.tasks.map((t: { id: string; status: string }) => `${t.id} ${t.status}`)).toEqual(
      ALL.map((id) => `${id} done`),
    );
  });

  it('a failed task: its dependents are skipped and stay open, the rest finish; the re-run does only what is left', () => {
    const ws = workspace({ FAIL_IDS: 'T003' });
    const r = ws.nx(['run-many', '-t', 'implement', '--batch', '--parallel=4', '--outputStyle=static']);
    expect(r.code).not.toBe(0);
    expect(marked(ws)).toEqual(['T001', 'T002', 'T004', 'T005', 'T006', 'T007']);
    expect(calls(ws).map((c) => c.id)).not.toContain('T008');
    const report = ws.readJson('.speckit/reports/latest.json');
    expect(
      report.tasks.map((t: { id: string; status: string; blockedBy?: string[] }) => [t.id, t.status, t.blockedBy]),
    ).toEqual([
      ['T001', 'done', undefined],
      ['T002', 'done', undefined],
      ['T003', 'failed', undefined],
      ['T004', 'done', undefined],
      ['T005', 'done', undefined],
      ['T006', 'done', undefined],
      ['T007', 'done', undefined],
      ['T008', 'blocked', ['T003']],
    ]);
    expect(r.output).toMatch(/\[T003\] ✗ .*agent/);

    // The agent fixed: only T003 and T008 run.
    ws.setPluginOptions({
      agent: { command: [process.execPath, join(ws.root, 'agent.js')], env: { AGENT_SLEEP_MS: '0' } },
    });
    const before = calls(ws).length;
    ok(ws.nx(['run-many', '-t', 'implement', '--batch', '--outputStyle=static']));
    expect(marked(ws)).toEqual(ALL);
    expect(
      calls(ws)
        .slice(before)
        .filter((c) => c.kind === 'start')
        .map((c) => c.id)
        .sort(),
    ).toEqual(['T003', 'T008']);
  });

  it('cache entries are written per task: a retry that lost its checkpoints calls no agent and restores every file', () => {
    const ws = workspace({ AGENT_SLEEP_MS: '0' });
    ok(ws.nx(['run-many', '-t', 'implement', '--batch', '--outputStyle=static']));
    // A CI retry: tasks.md and the written files as they were committed, the Nx cache kept.
    ws.git('checkout', '--', 'specs/001-batch/tasks.md');
    ws.git('clean', '-fdq', 'src', 'docs');
    const before = calls(ws).length;
    const r = ok(ws.nx(['run-many', '-t', 'implement', '--batch', '--outputStyle=static']));
    expect(calls(ws).length).toBe(before);
    expect(r.output).toContain(
      'Nx read the output from the cache instead of running the command for 8 out of 9 tasks.',
    ); // the 9th is the nx:noop aggregate
    expect(ws.read('src/core5.ts')).toBe('// written by T005\n');
    expect(marked(ws)).toEqual(ALL);
  });
});
