/**
 * The task executor across whole runs of the real `nx` binary: parallel run-many over several
 * features with a failure in one, resume, the checklist gate, agentRules and SPECKIT_AGENT, and
 * SIGTERM to nx mid-run. The agent is e2e/fixtures/agent.js (a command agent).
 */
import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ok, type RunResult, TempWorkspace, useTempWorkspaces } from '../testing/workspace';
import { isAlive } from '../testing/processes';

jest.setTimeout(240_000);

const AGENT = join(__dirname, 'fixtures', 'agent.js');
const workspace = useTempWorkspaces();

const STATIC = ['--outputStyle=static', '--skipNxCache'];
const agent = (modes: Record<string, string> = {}, label = 'agent', env: Record<string, string> = {}) => ({
  command: [process.execPath, AGENT, label],
  env: { AGENT_MODES: JSON.stringify(modes), ...env },
  retries: 0,
});

interface Event {
  event: 'start' | 'end';
  key: string;
  at: number;
  pid: number;
  label: string;
}
function events(ws: TempWorkspace): Event[] {
  return ws.lines('.speckit/agent-timeline.log').map((line) => {
    const [event, key, at, pid, label] = line.split(' ');
    return { event: event as Event['event'], key, at: Number(at), pid: Number(pid), label };
  });
}
const started = (ws: TempWorkspace) =>
  events(ws)
    .filter((e) => e.event === 'start')
    .map((e) => e.key);

/** The largest number of agents running at once, from the start/end lines. */
function maxConcurrency(evs: Event[]): number {
  let running = 0;
  let max = 0;
  for (const e of [...evs].sort((a, b) => a.at - b.at || (a.event === 'end' ? -1 : 1))) {
    running += e.event === 'start' ? 1 : -1;
    max = Math.max(max, running);
  }
  return max;
}

/** tasks.md with exactly the given tasks' `[ ]` turned into `[X]`. */
const tick = (text: string, ids: string[]) => ids.reduce((t, id) => t.replace(`- [ ] ${id} `, `- [X] ${id} `), text);

const ALPHA = `# Tasks: Alpha

## Phase 1: Setup

- [ ] T001 Create the alpha package in alpha/package.json

## Phase 2: User Story 1 - Core (Priority: P1)

- [ ] T002 [P] [US1] Model in alpha/model.ts
- [ ] T003 [P] [US1] Store in alpha/store.ts
- [ ] T004 [US1] Service in alpha/service.ts

## Phase 3: Polish

- [ ] T005 Docs in alpha/README.md
`;
const BETA = `# Tasks: Beta

## Phase 1: Setup

- [ ] T001 Create the beta package in beta/package.json

## Phase 2: User Story 1 - Import (Priority: P1)

- [ ] T002 [US1] Importer in beta/importer.ts
- [ ] T003 [US1] Import command in beta/import-cmd.ts

## Phase 3: User Story 2 - Export (Priority: P2)

- [ ] T004 [US2] Exporter in beta/exporter.ts
- [ ] T005 [US2] Export command in beta/export-cmd.ts

## Phase 4: Polish

- [ ] T006 Docs in beta/README.md
`;
const GAMMA = `# Tasks: Gamma

- [ ] T001 [P] One in gamma/one.ts
- [ ] T002 [P] Two in gamma/two.ts
- [ ] T003 Three in gamma/three.ts
`;

describe('nx run-many --parallel=3 over three features, one task failing', () => {
  const FEATURES = { '001-alpha': ALPHA, '002-beta': BETA, '003-gamma': GAMMA };
  const project = (feature: string) => `spec-${feature}`;
  // The tasks ready at the start wait until three agents ran at once (so overlap is proven, not timed).
  const BARRIER = {
    '001-alpha:T001': 'barrier',
    '002-beta:T001': 'barrier',
    '003-gamma:T001': 'barrier',
    '003-gamma:T002': 'barrier',
  };
  let ws: TempWorkspace;
  let first: RunResult;
  /** "<feature>:<task>" → the keys of its dependsOn, from `nx show project --json`. */
  const deps = new Map<string, string[]>();

  beforeAll(async () => {
    ws = workspace({
      features: Object.fromEntries(Object.entries(FEATURES).map(([f, tasks]) => [`specs/${f}`, { tasks }])),
    });
    ws.setPluginOptions({
      agent: agent({ ...BARRIER, '002-beta:T002': 'fail' }, 'agent', { BARRIER_CONCURRENCY: '3' }),
    });
    for (const feature of Object.keys(FEATURES)) {
      const p = JSON.parse(ok(ws.nx(['show', 'project', project(feature), '--json'])).stdout);
      for (const [name, target] of Object.entries<any>(p.targets)) {
        const m = /^implement--(T\d+)$/.exec(name);
        if (m)
          deps.set(
            `${feature}:${m[1]}`,
            (target.dependsOn ?? []).map((d: string) => `${feature}:${d.replace('implement--', '')}`),
          );
      }
    }
    first = await ws.nxAsync(['run-many', '-t', 'implement', '--parallel=3', ...STATIC]);
  });

  it('the graph has the dependsOn the ordering assertions rely on', () => {
    expect(deps.get('002-beta:T003')).toEqual(['002-beta:T002']);
    expect(deps.get('002-beta:T006')?.sort()).toEqual(['002-beta:T003', '002-beta:T005']);
    expect(deps.get('002-beta:T004')).toEqual(['002-beta:T001']);
    expect(deps.get('003-gamma:T003')?.sort()).toEqual(['003-gamma:T001', '003-gamma:T002']);
    expect(deps.size).toBe(14);
  });

  it('every task started only after all its dependsOn ended; three agents ran at once, never more', () => {
    const evs = events(ws);
    const at = (event: string, key: string) => evs.find((e) => e.event === event && e.key === key)?.at;
    for (const e of evs.filter((x) => x.event === 'start')) {
      for (const dep of deps.get(e.key)!) {
        const depEnd = at('end', dep);
        expect({ task: e.key, dep, depEnded: depEnd !== undefined }).toEqual({ task: e.key, dep, depEnded: true });
        expect({ task: e.key, dep, startedAfterDepEnded: e.at > depEnd! }).toEqual({
          task: e.key,
          dep,
          startedAfterDepEnded: true,
        });
      }
    }
    expect(maxConcurrency(evs)).toBe(3);
  });

  it('only what depends on the failed task is left out; independent tasks in the same and other features finish and are marked', () => {
    expect(first.code).not.toBe(0);
    expect(started(ws).sort()).toEqual([
      '001-alpha:T001',
      '001-alpha:T002',
      '001-alpha:T003',
      '001-alpha:T004',
      '001-alpha:T005',
      '002-beta:T001',
      '002-beta:T002',
      '002-beta:T004',
      '002-beta:T005',
      '003-gamma:T001',
      '003-gamma:T002',
      '003-gamma:T003',
    ]);
    expect(ws.read('specs/001-alpha/tasks.md')).toBe(tick(ALPHA, ['T001', 'T002', 'T003', 'T004', 'T005']));
    expect(ws.read('specs/002-beta/tasks.md')).toBe(tick(BETA, ['T001', 'T004', 'T005']));
    expect(ws.read('specs/003-gamma/tasks.md')).toBe(tick(GAMMA, ['T001', 'T002', 'T003']));
    expect(ws.readJson('.speckit/runs/spec-002-beta/T002.json')).toMatchObject({
      status: 'failed',
      error: expect.stringContaining(
        'T002 not marked done: the agent failed: exited with code 1: scripted failure of T002',
      ),
    });
    for (const id of ['T003', 'T006'])
      expect(existsSync(join(ws.root, `.speckit/runs/spec-002-beta/${id}.json`))).toBe(false);
    expect(ws.readJson('.speckit/runs/spec-002-beta/T005.json')).toMatchObject({ status: 'done' });
  });

  it('a re-run after the cause is fixed runs only the unfinished tasks, in order; the run after that calls no agent', async () => {
    ws.setPluginOptions({ agent: agent() });
    const before = events(ws).length;
    ok(await ws.nxAsync(['run-many', '-t', 'implement', '--parallel=3', ...STATIC]));
    const second = events(ws).slice(before);
    expect(second.filter((e) => e.event === 'start').map((e) => e.key)).toEqual([
      '002-beta:T002',
      '002-beta:T003',
      '002-beta:T006',
    ]);
    expect(ws.read('specs/002-beta/tasks.md')).toBe(tick(BETA, ['T001', 'T002', 'T003', 'T004', 'T005', 'T006']));

    const r = ok(await ws.nxAsync(['run-many', '-t', 'implement', '--parallel=3', ...STATIC]));
    expect(events(ws).length).toBe(before + second.length);
    expect(ws.read('specs/001-alpha/tasks.md')).toBe(tick(ALPHA, ['T001', 'T002', 'T003', 'T004', 'T005']));
    expect(r.output).not.toContain('→ command');
  });
});

describe('resume and the checklist gate', () => {
  const RESUME =
    '# Tasks: Resume\n\n- [x] T001 Done by hand in src/a.ts\n- [X] T002 Done earlier in src/b.ts\n- [ ] T003 Still open in src/c.ts\n';
  const GATED = '# Tasks: Gated\n\n- [ ] T001 First in gated/one.ts\n- [ ] T002 Second in gated/two.ts\n';
  const CHECKLIST =
    '# Requirements checklist\n\n- [ ] CHK001 Every requirement is testable\n- [x] CHK002 No implementation details\n- [X] CHK003 Scope is bounded\n';
  let ws: TempWorkspace;
  let gatedRun: RunResult;

  beforeAll(async () => {
    ws = workspace({
      features: {
        'specs/001-resume': { tasks: RESUME },
        'specs/002-gated': {
          tasks: GATED,
          extra: { 'checklists/requirements.md': CHECKLIST, 'checklists/ux.md': '- [x] CHK010 Done\n' },
        },
      },
    });
    ws.setPluginOptions({ agent: agent() });
    gatedRun = await ws.nxAsync([
      'run-many',
      '-t',
      'implement',
      'implement--T001',
      'implement--T002',
      '--parallel=1',
      ...STATIC,
    ]);
  });

  it('tasks already [x] or [X] call no agent, even when their target is run by name; open ones run', () => {
    expect(started(ws).filter((k) => k.startsWith('001-resume'))).toEqual(['001-resume:T003']);
    expect(ws.read('specs/001-resume/tasks.md')).toBe(RESUME.replace('- [ ] T003', '- [X] T003'));
    expect(gatedRun.output).toContain('[T001] already marked [x] in tasks.md: skipped');
    expect(gatedRun.output).toContain('[T002] already marked [X] in tasks.md: skipped');
    expect(existsSync(join(ws.root, 'src/a.ts'))).toBe(false);
  });

  it('unchecked checklist items stop the task with the table, before any agent runs', () => {
    expect(gatedRun.code).not.toBe(0);
    expect(started(ws).filter((k) => k.startsWith('002-gated'))).toEqual([]);
    expect(ws.read('specs/002-gated/tasks.md')).toBe(GATED);
    const table = [
      '| Checklist | Total | Checked | Unchecked | Status |',
      '|-----------|-------|---------|-----------|--------|',
      '| requirements.md | 3 | 2 | 1 | ✗ FAIL |',
      '| ux.md | 1 | 1 | 0 | ✓ PASS |',
    ].join('\n');
    expect(gatedRun.output).toContain(table);
    const rec = ws.readJson('.speckit/runs/spec-002-gated/T001.json');
    expect(rec).toMatchObject({ status: 'failed' });
    expect(rec.error).toContain('checklists in specs/002-gated/checklists have unchecked items');
    expect(rec.error).toContain(table);
    expect(rec.error).toContain('"allowIncompleteChecklists": true');
  });

  it('allowIncompleteChecklists lets the tasks run (the table is still shown)', async () => {
    ws.setPluginOptions({ agent: agent(), allowIncompleteChecklists: true });
    const r = ok(await ws.nxAsync(['run-many', '-t', 'implement', ...STATIC]));
    expect(started(ws).filter((k) => k.startsWith('002-gated'))).toEqual(['002-gated:T001', '002-gated:T002']);
    expect(ws.read('specs/002-gated/tasks.md')).toBe(tick(GATED, ['T001', 'T002']));
    expect(r.output).toContain(
      '| requirements.md | 3 | 2 | 1 | ✗ FAIL |\n| ux.md | 1 | 1 | 0 | ✓ PASS |\n(continuing: allowIncompleteChecklists is set)',
    );
  });
});

describe('agentRules and SPECKIT_AGENT', () => {
  const RULES = `# Tasks: Rules

## Phase 1: Parser

- [ ] T001 Write tests for the parser in tests/parser.test.ts
- [ ] T002 Implement the parser in src/parser.ts

## Phase 2: Printer

- [ ] T003 Write tests for the printer in tests/printer.test.ts
- [ ] T004 Implement the printer in src/printer.ts
`;
  let ws: TempWorkspace;
  beforeAll(() => {
    ws = workspace({ features: { 'specs/001-rules': { tasks: RULES } } });
    ws.setPluginOptions({
      agent: agent({}, 'builder'),
      agentRules: [{ text: '\\btests?\\b', agent: agent({}, 'tester') }],
    });
  });

  it('test tasks go to one agent, the others to the configured one', async () => {
    ok(await ws.nxAsync(['run', 'spec-001-rules:implement--T002', ...STATIC]));
    expect(
      events(ws)
        .filter((e) => e.event === 'start')
        .map((e) => `${e.key} ${e.label}`),
    ).toEqual(['001-rules:T001 tester', '001-rules:T002 builder']);
    expect(ws.read('tests/parser.test.ts')).toBe('tester T001 attempt 1\n');
    expect(ws.read('src/parser.ts')).toBe('builder T002 attempt 1\n');
  });

  it('SPECKIT_AGENT=replay overrides both for one run', async () => {
    for (const id of ['T003', 'T004']) {
      const path = id === 'T003' ? 'tests/printer.test.ts' : 'src/printer.ts';
      ws.write(
        `.speckit/recordings/001-rules/${id}.json`,
        JSON.stringify({ taskId: id, files: [{ path, content: `replayed ${id}\n` }] }),
      );
    }
    const before = events(ws).length;
    ok(await ws.nxAsync(['run', 'spec-001-rules:implement', ...STATIC], { SPECKIT_AGENT: 'replay' }));
    expect(events(ws).length).toBe(before); // neither command agent ran
    expect(ws.read('tests/printer.test.ts')).toBe('replayed T003\n');
    expect(ws.read('src/printer.ts')).toBe('replayed T004\n');
    expect(ws.readJson('.speckit/runs/spec-001-rules/T003.json')).toMatchObject({ status: 'done', agent: 'replay' });
    expect(ws.readJson('.speckit/runs/spec-001-rules/T004.json')).toMatchObject({ status: 'done', agent: 'replay' });
    expect(ws.read('specs/001-rules/tasks.md')).toBe(tick(RULES, ['T001', 'T002', 'T003', 'T004']));
  });
});

describe('SIGTERM to nx mid-run', () => {
  const LONG = `# Tasks: Long

## Phase 1: Work

- [ ] T001 [P] Slow one in slow/one.ts
- [ ] T002 [P] Slow two in slow/two.ts
- [ ] T003 [P] Quick three in quick/three.ts

## Phase 2: After

- [ ] T004 Afterwards in after/four.ts
`;
  let ws: TempWorkspace;
  const pids = (id: string): { agent: number; grandchild: number } => ws.readJson(`.speckit/pids/001-long-${id}.json`);

  it('ends the agents (their whole process groups), marks nothing unfinished; a re-run completes the rest', async () => {
    ws = workspace({ features: { 'specs/001-long': { tasks: LONG } } });
    // Slow agents run while .speckit/slow exists, each with a grandchild that ignores SIGTERM.
    ws.setPluginOptions({ agent: agent({ T001: 'slow', T002: 'slow' }) });
    ws.write('.speckit/slow', '');
    const nx = ws.spawnNx(['run-many', '-t', 'implement', '--parallel=3', ...STATIC]);
    let output = '';
    nx.stdout!.on('data', (b) => (output += b));
    nx.stderr!.on('data', (b) => (output += b));
    const exited = new Promise<number | null>((resolve) => nx.on('close', (code) => resolve(code)));

    const ready = () =>
      ['T001', 'T002'].every((id) => existsSync(join(ws.root, `.speckit/pids/001-long-${id}.json`))) &&
      ws.read('specs/001-long/tasks.md').includes('- [X] T003 ');
    for (let i = 0; i < 1200 && !ready(); i++) await new Promise((r) => setTimeout(r, 100));
    expect(ready()).toBe(true);

    nx.kill('SIGTERM');
    const code = await exited;
    expect(code).not.toBe(0);
    const processes = ['T001', 'T002'].flatMap((id) => [pids(id).agent, pids(id).grandchild]);
    // SIGKILL takes effect asynchronously, and Nx may return while its task processes still run
    // their exit hooks: allow 1 s, well under the 3 s SIGTERM→SIGKILL grace, so a grandchild that
    // ignores SIGTERM must have been killed on the executor's exit, not left to the grace timer.
    for (let i = 0; i < 20 && processes.some(isAlive); i++) await new Promise((r) => setTimeout(r, 50));
    expect({ aliveOneSecondAfterNxExited: processes.filter(isAlive), output }).toEqual({
      aliveOneSecondAfterNxExited: [],
      output,
    });

    expect(ws.read('specs/001-long/tasks.md')).toBe(tick(LONG, ['T003']));
    expect(started(ws).sort()).toEqual(['001-long:T001', '001-long:T002', '001-long:T003']);
    for (const id of ['T001', 'T002'])
      expect(existsSync(join(ws.root, `slow/${id === 'T001' ? 'one' : 'two'}.ts`))).toBe(false);

    unlinkSync(join(ws.root, '.speckit/slow'));
    const before = events(ws).length;
    ok(await ws.nxAsync(['run-many', '-t', 'implement', '--parallel=3', ...STATIC]));
    expect(
      events(ws)
        .slice(before)
        .filter((e) => e.event === 'start')
        .map((e) => e.key)
        .sort(),
    ).toEqual(['001-long:T001', '001-long:T002', '001-long:T004']);
    expect(ws.read('specs/001-long/tasks.md')).toBe(tick(LONG, ['T001', 'T002', 'T003', 'T004']));
    expect(readFileSync(join(ws.root, 'after/four.ts'), 'utf8')).toBe('agent T004 attempt 1\n');
  });
});
