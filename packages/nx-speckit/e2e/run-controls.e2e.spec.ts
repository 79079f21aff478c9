/**
 * Run controls for agents that cost money, through the real `nx` binary on temporary workspaces:
 * fallback agents, the usage file of any executable, run budgets and exclusive resources. The agents are e2e/fixtures/agent.js (a command agent), one label per listed agent.
 */
import { join } from 'node:path';
import { type RunResult, TempWorkspace, useTempWorkspaces } from '../testing/workspace';

jest.setTimeout(240_000);

const AGENT = join(__dirname, 'fixtures', 'agent.js');
const workspace = useTempWorkspaces();
const STATIC = ['--outputStyle=static', '--skipNxCache'];

/** A listed agent; `usage` is what it reports through $SPECKIT_USAGE_FILE on every run. */
const listed = (name: string, modes: Record<string, string>, usage: object) => ({
  name,
  command: [process.execPath, AGENT, name],
  env: { AGENT_MODES: JSON.stringify(modes), AGENT_USAGE: JSON.stringify(usage) },
  retries: 0,
});
const starts = (ws: TempWorkspace) =>
  ws
    .lines('.speckit/agent-timeline.log')
    .filter((l) => l.startsWith('start '))
    .map((l) => `${l.split(' ')[1]} ${l.split(' ')[4]}`)
    .sort();

describe('fallback agents: a quota failure moves the task to the next agent, a plain failure does not', () => {
  const TASKS = `# Tasks: Fallback

## Phase 1: Core

- [ ] T001 [P] Create the parser in src/parser.ts
- [ ] T002 [P] Create the printer in src/printer.ts
- [ ] T003 [P] Create the lexer in src/lexer.ts
`;
  let ws: TempWorkspace;
  let run: RunResult;
  beforeAll(async () => {
    ws = workspace({ features: { 'specs/001-fallback': { tasks: TASKS } } });
    // primary: out of quota on T001, a plain (syntax-like) failure on T002, fine on T003.
    const modes = { 'primary/T001': 'quota', 'primary/T002': 'fail' };
    ws.setPluginOptions({
      agent: [
        listed('primary', modes, { costUsd: 0.5, inputTokens: 100, outputTokens: 10 }),
        listed('backup', modes, { costUsd: 0.25, inputTokens: 200, outputTokens: 20 }),
      ],
    });
    run = await ws.nxAsync(['run', 'spec-001-fallback:implement', ...STATIC]);
  });

  it('the quota failure ran the backup, which did the task; the plain failure did not; the rest stayed with the first agent', () => {
    expect(run.code).not.toBe(0);
    expect(starts(ws)).toEqual([
      '001-fallback:T001 backup',
      '001-fallback:T001 primary',
      '001-fallback:T002 primary',
      '001-fallback:T003 primary',
    ]);
    expect(ws.read('src/parser.ts')).toBe('backup T001 attempt 1\n');
    expect(ws.read('src/lexer.ts')).toBe('primary T003 attempt 1\n');
    expect(ws.read('specs/001-fallback/tasks.md')).toBe(
      TASKS.replace('- [ ] T001', '- [X] T001').replace('- [ ] T003', '- [X] T003'),
    );
  });

  it('the task records say which agent did the task and why the others were skipped', () => {
    const t1 = ws.readJson('.speckit/runs/spec-001-fallback/T001.json');
    expect(t1).toMatchObject({ status: 'done', agent: 'backup', attempts: 2 });
    expect(t1.skippedAgents).toEqual([
      {
        agent: 'primary',
        failureKind: 'quota',
        error: 'exited with code 1: Error: quota exceeded for this API key (primary)',
      },
    ]);
    const t2 = ws.readJson('.speckit/runs/spec-001-fallback/T002.json');
    expect(t2).toMatchObject({ status: 'failed', agent: 'primary', failureKind: 'other' });
    expect(t2.skippedAgents).toBeUndefined();
    expect(ws.readJson('.speckit/runs/spec-001-fallback/T003.json')).toMatchObject({
      status: 'done',
      agent: 'primary',
    });
  });

  it('usage comes from $SPECKIT_USAGE_FILE; a task that fell back counts what every agent it tried spent', () => {
    expect(ws.readJson('.speckit/runs/spec-001-fallback/T001.json').usage).toEqual({
      costUsd: 0.75,
      inputTokens: 300,
      outputTokens: 30,
    });
    expect(ws.readJson('.speckit/runs/spec-001-fallback/T002.json').usage).toEqual({
      costUsd: 0.5,
      inputTokens: 100,
      outputTokens: 10,
    });
    expect(ws.readJson('.speckit/runs/spec-001-fallback/T003.json').usage).toEqual({
      costUsd: 0.5,
      inputTokens: 100,
      outputTokens: 10,
    });
    expect(run.stdout).toContain(
      '[T003] Create the lexer in src/lexer.ts → marked [X] ($0.5000, 100 in / 10 out tokens)',
    );
  });

  it('the summary, the JSON report and the HTML report name the fallback and its reason', () => {
    expect(run.stdout).toContain('[T001] primary failed (quota): backup takes the task');
    expect(run.stdout).toContain(
      'Fallback agents (an agent failed for quota, rate limit, overload or auth; the next took the task):\n' +
        '  spec-001-fallback T001: done by backup; skipped primary (quota: exited with code 1: Error: quota exceeded for this API key (primary))\n',
    );
    const report = ws.readJson('.speckit/reports/latest.json');
    expect(report.tasks.find((t: { id: string }) => t.id === 'T001')).toMatchObject({
      agent: 'backup',
      skippedAgents: [{ agent: 'primary', failureKind: 'quota' }],
    });
    expect(report.tasks.find((t: { id: string }) => t.id === 'T002').skippedAgents).toBeUndefined();
    const html = ws.read('.speckit/reports/latest.html');
    expect(html).toContain('<h2>Fallback agents</h2><table id="fallbacks">');
    expect(html).toContain(
      '<td>done by backup</td><td>skipped primary (quota: exited with code 1: Error: quota exceeded for this API key (primary))</td>',
    );
  });
});

describe('a run budget: no new task starts once the reported spend reaches it; the next run resumes', () => {
  const TASKS = `# Tasks: Budget

## Phase 1: Steps

- [ ] T001 Create step one in src/one.ts
- [ ] T002 Create step two in src/two.ts
- [ ] T003 Create step three in src/three.ts
- [ ] T004 Create step four in src/four.ts
- [ ] T005 Create step five in src/five.ts
`;
  const tick = (ids: string[]) => ids.reduce((text, id) => text.replace(`- [ ] ${id}`, `- [X] ${id}`), TASKS);
  const summary = (r: RunResult) => r.stdout.slice(r.stdout.indexOf('nx-speckit run: ')).split('\n')[0];
  let ws: TempWorkspace;
  beforeAll(() => {
    ws = workspace({ features: { 'specs/001-budget': { tasks: TASKS } } });
    // Every agent run reports $1.50; each task is its own process, so the sum crosses processes.
    ws.setPluginOptions({
      agent: listed('agent', {}, { costUsd: 1.5, inputTokens: 100, outputTokens: 10 }),
      budgetUsd: 4,
    });
  });

  it('$4 stops the run after the third task ($4.50): the rest are not started, not ticked, and the run is halted', async () => {
    const r = await ws.nxAsync(['run', 'spec-001-budget:implement', ...STATIC]);
    expect(r.code).not.toBe(0);
    expect(starts(ws)).toEqual(['001-budget:T001 agent', '001-budget:T002 agent', '001-budget:T003 agent']);
    expect(ws.read('specs/001-budget/tasks.md')).toBe(tick(['T001', 'T002', 'T003']));
    expect(ws.readJson('.speckit/runs/spec-001-budget/T004.json')).toMatchObject({
      status: 'failed',
      notStarted: 'budget reached: $4.50 of $4.00',
      error: 'T004 not started: budget reached: $4.50 of $4.00',
    });
    expect(r.stdout).toContain('[T004] ✗ not started: budget reached: $4.50 of $4.00');
    expect(summary(r)).toBe('nx-speckit run: HALTED (budget reached: $4.50 of $4.00, 2 tasks not started)');
    expect(r.stdout).toContain(
      '\nNot started (budget reached: $4.50 of $4.00; the next run resumes them):\n  spec-001-budget T004 Create step four in src/four.ts\n',
    );
    expect(r.stdout).not.toContain('\nFailed:\n');
    const html = ws.read('.speckit/reports/latest.html');
    expect(html).toContain(
      '<tr class="not-started" data-task="spec-001-budget:T004"><td>spec-001-budget</td><td>T004</td><td>not started</td><td>budget reached: $4.50 of $4.00; the next run resumes it</td></tr>',
    );
    expect(html).not.toContain('<tr class="failed"');
    expect(ws.readJson('.speckit/reports/latest.json')).toMatchObject({
      outcome: 'halted',
      reason: 'budget reached: $4.50 of $4.00, 2 tasks not started',
    });
    // The budget's own section: limit, spend, what it refused; this agent reports a cost, so nothing is unenforced.
    expect(r.stdout).toContain('\nBudget: $4.50 of $4.00 spent; reached, 1 task refused\n');
    expect(r.stdout).not.toContain('budget not enforced');
    expect(ws.readJson('.speckit/reports/latest.json').budget).toEqual({
      usd: 4,
      spent: { costUsd: 4.5, tokens: 330, unpriced: 0 },
      reached: 'budget reached: $4.50 of $4.00',
      refused: ['spec-001-budget T004'],
      notEnforced: [],
    });
    expect(html).toContain('<h2>Budget</h2><p id="budget">$4.50 of $4.00 spent; reached, 1 task refused</p>');
  });

  it('a dollar budget cannot see an agent that reports only tokens: the summary and reports say so', async () => {
    const tokensOnly = workspace({ features: { 'specs/001-budget': { tasks: TASKS } } });
    tokensOnly.setPluginOptions({
      agent: listed('codexish', {}, { inputTokens: 1000, outputTokens: 100 }),
      budgetUsd: 1,
    });
    const r = await tokensOnly.nxAsync(['run', 'spec-001-budget:implement', ...STATIC]);
    expect(r.code).toBe(0);
    expect(starts(tokensOnly).length).toBe(5);
    expect(r.stdout).toContain(
      '\nBudget: $0.00 of $1.00 spent\n  budget not enforced for codexish: it reports no cost\n',
    );
    expect(tokensOnly.readJson('.speckit/reports/latest.json').budget).toMatchObject({
      spent: { costUsd: 0, tokens: 5500, unpriced: 5 },
      notEnforced: [{ agent: 'codexish', reason: 'it reports no cost' }],
    });
    expect(tokensOnly.read('.speckit/reports/latest.html')).toContain(
      '<ul id="budget-not-enforced"><li>budget not enforced for codexish: it reports no cost</li></ul>',
    );
  });

  it('the next run has its own budget (SPECKIT_BUDGET_USD overrides the option) and resumes where the last stopped', async () => {
    const r = await ws.nxAsync(['run', 'spec-001-budget:implement', ...STATIC], { SPECKIT_BUDGET_USD: '1' });
    expect(r.code).not.toBe(0);
    expect(starts(ws)).toEqual([
      '001-budget:T001 agent',
      '001-budget:T002 agent',
      '001-budget:T003 agent',
      '001-budget:T004 agent',
    ]);
    expect(summary(r)).toBe('nx-speckit run: HALTED (budget reached: $1.50 of $1.00, 1 task not started)');

    const last = await ws.nxAsync(['run', 'spec-001-budget:implement', ...STATIC]);
    expect(last.code).toBe(0);
    expect(ws.read('specs/001-budget/tasks.md')).toBe(tick(['T001', 'T002', 'T003', 'T004', 'T005']));
    expect(summary(last)).toMatch(/^nx-speckit run: COMPLETE/);
  });

  it('with --batch (every task in one process, two at once) the same ledger counts: $1 lets only the first two tasks start', async () => {
    const batch = workspace({
      features: { 'specs/001-budget': { tasks: TASKS.replace(/- \[ \] (T00\d) /g, '- [ ] $1 [P] ') } },
    });
    batch.setPluginOptions({
      agent: listed(
        'agent',
        Object.fromEntries(['T001', 'T002', 'T003', 'T004', 'T005'].map((id) => [id, 'barrier'])),
        { costUsd: 1.5 },
      ),
      budgetUsd: 1,
    });
    const r = await batch.nxAsync(['run-many', '-t', 'implement', '--batch', '--parallel=2', ...STATIC]);
    expect(r.code).not.toBe(0);
    // Five independent tasks, two slots: the first two start together ($0 spent; each waits for the other), each reports $1.50; then nothing starts.
    expect(starts(batch).length).toBe(2);
    // The refusals saw $1.50 or $3.00, depending on whether the second task had reported yet; both count in the end.
    expect(summary(r)).toMatch(
      /^nx-speckit run: HALTED \(budget reached: \$(1\.50|3\.00) of \$1\.00, 3 tasks not started\)$/,
    );
    expect(batch.readJson('.speckit/runs/spend.json')).toMatchObject({ costUsd: 3 });
  });
});

describe('exclusive resources: tasks on one resource never overlap, across features and processes, while the others still do', () => {
  const A = `# Tasks: A

## Phase 1: Work

- [ ] T001 [P] Run the simulator tests in tests/a.test.ts
- [ ] T002 [P] Run the simulator screenshots in tests/b.test.ts
- [ ] T003 [P] Create the parser in src/parser.ts
- [ ] T004 [P] Create the printer in src/printer.ts
`;
  const B = `# Tasks: B

## Phase 1: Work

- [ ] T001 [P] Record the simulator walkthrough in tests/c.test.ts
`;
  const SIMULATOR = ['001-a:T001', '001-a:T002', '002-b:T001'];
  const PLAIN = ['001-a:T003', '001-a:T004'];
  // A simulator task holds on until another task waits for the lock (or all three started: without the lock they would overlap);
  // the others wait until three agents run at once.
  const modes = Object.fromEntries([...SIMULATOR.map((k) => [k, 'hold']), ...PLAIN.map((k) => [k, 'barrier'])]);
  const agent = {
    name: 'agent',
    command: [process.execPath, AGENT, 'agent'],
    env: {
      AGENT_MODES: JSON.stringify(modes),
      BARRIER_CONCURRENCY: '3',
      AGENT_USAGE: JSON.stringify({ costUsd: 0.1 }),
    },
    retries: 0,
  };

  /** Each agent's [start, end] from the timeline, by `<feature>:<task>`. */
  const intervals = (ws: TempWorkspace) => {
    const spans: Record<string, number[]> = {};
    for (const line of ws.lines('.speckit/agent-timeline.log')) {
      const [event, key, at] = line.split(' ');
      spans[key] = spans[key] ?? [];
      spans[key][event === 'start' ? 0 : 1] = Number(at);
    }
    return spans;
  };
  const overlap = (a: number[], b: number[]) => a[0] < b[1] && b[0] < a[1];
  const pairs = (keys: string[]) => keys.flatMap((a, i) => keys.slice(i + 1).map((b) => [a, b]));

  async function runBoth(extra: string[]) {
    const ws = workspace({ features: { 'specs/001-a': { tasks: A }, 'specs/002-b': { tasks: B } } });
    ws.setPluginOptions({ agent, exclusive: [{ name: 'simulator', text: '\\bsimulator\\b' }] });
    const run = await ws.nxAsync(['run-many', '-t', 'implement', '--parallel=3', ...extra, ...STATIC]);
    return { ws, run };
  }

  function expectExclusive(ws: TempWorkspace, run: RunResult) {
    expect(run.code).toBe(0);
    const spans = intervals(ws);
    expect(Object.keys(spans).sort()).toEqual([...SIMULATOR, ...PLAIN].sort());
    for (const [a, b] of pairs(SIMULATOR)) expect(`${a} ${b} ${overlap(spans[a], spans[b])}`).toBe(`${a} ${b} false`);
    expect(overlap(spans['001-a:T003'], spans['001-a:T004'])).toBe(true);
    // Three at once with at most one simulator task: both others ran beside one of them.
    expect(
      SIMULATOR.filter((k) => overlap(spans[k], spans['001-a:T003']) && overlap(spans[k], spans['001-a:T004'])).length,
    ).toBeGreaterThan(0);
  }

  function expectWaitsRecorded(ws: TempWorkspace, run: RunResult) {
    const record = (key: string) => ws.readJson(`.speckit/runs/spec-${key.split(':')[0]}/${key.split(':')[1]}.json`);
    for (const key of SIMULATOR) {
      expect(record(key)).toMatchObject({
        status: 'done',
        resources: [{ name: 'simulator', waitedMs: expect.any(Number) }],
      });
    }
    for (const key of PLAIN) expect(record(key).resources).toBeUndefined();
    // Each holder but the last held on until another task waited for it, and that waiter says so.
    // (Who waited for whom depends on arrival order: a newcomer may take the lock before an older waiter's next poll.)
    const waited = SIMULATOR.map(record).filter((r) => r.resources[0].heldBy);
    expect(waited.length).toBeGreaterThan(0);
    const waitedFor = new Set<string>();
    for (const r of waited) {
      expect(r.resources[0].waitedMs).toBeGreaterThan(0);
      for (const holder of r.resources[0].heldBy) waitedFor.add(holderKey(r.project, holder));
      expect(run.stdout).toContain(`[${r.id}] waiting for resource simulator held by ${r.resources[0].heldBy[0]}`);
    }
    const byStart = [...SIMULATOR].sort((a, b) => intervals(ws)[a][0] - intervals(ws)[b][0]);
    expect([...waitedFor].sort()).toEqual(byStart.slice(0, -1).sort());
  }

  /** `<feature>:<task>` of a heldBy entry: `T001` in the waiter's own project, `spec-002-b T001` in another. */
  function holderKey(waiterProject: string, holder: string) {
    const [project, id] = holder.includes(' ') ? holder.split(' ') : [waiterProject, holder];
    return `${project.replace(/^spec-/, '')}:${id}`;
  }

  it('a broken entry fails only the feature it names, saying which entry of nx.json; the other feature loads and runs', async () => {
    const ws = workspace({ features: { 'specs/001-a': { tasks: A }, 'specs/002-b': { tasks: B } } });
    ws.setPluginOptions({
      agent: { ...agent, env: {} },
      exclusive: [{ name: 'simulator', feature: '002-b', text: '(simulator' }],
    });
    const projects = ws.nx(['show', 'projects']);
    expect(projects.code).toBe(0);
    expect(projects.stdout.trim().split('\n').sort()).toEqual(['spec-001-a', 'spec-002-b']);
    const broken = await ws.nxAsync(['run', 'spec-002-b:implement--T001', ...STATIC]);
    expect(broken.code).not.toBe(0);
    expect(broken.stdout).toContain(
      'nx.json: error: nx-speckit option exclusive[0] {"name":"simulator","feature":"002-b","text":"(simulator"}: text is not a regular expression: ',
    );
    const fine = await ws.nxAsync(['run', 'spec-001-a:implement', ...STATIC]);
    expect(fine.code).toBe(0);
    expect(ws.read('specs/001-a/tasks.md')).toBe(A.replace(/- \[ \]/g, '- [X]'));
    expect(
      ws
        .lines('.speckit/agent-timeline.log')
        .filter((l) => l.startsWith('start '))
        .map((l) => l.split(' ')[1])
        .sort(),
    ).toEqual(['001-a:T001', '001-a:T002', '001-a:T003', '001-a:T004']);
  });

  it('one process per task (--parallel=3): the simulator tasks run one at a time, in both features; the parser and printer overlap', async () => {
    const { ws, run } = await runBoth([]);
    expectExclusive(ws, run);
    expectWaitsRecorded(ws, run);
    // The summary, the JSON report and the HTML report list the resource, its tasks in turn, and the waits.
    const report = ws.readJson('.speckit/reports/latest.json');
    expect(report.resources.map((r: { name: string }) => r.name)).toEqual(['simulator']);
    const turns = report.resources[0].tasks as { project: string; id: string; waitedMs: number; heldBy?: string[] }[];
    expect(turns.map((t) => `${t.project.slice(5)}:${t.id}`).sort()).toEqual(SIMULATOR);
    // The report's waits are the records' waits.
    const waiters = (list: { project: string; id: string; heldBy?: string[] }[]) =>
      list.filter((t) => t.heldBy).map((t) => `${t.project} ${t.id} ${t.heldBy!.join(',')}`);
    const records = SIMULATOR.map((k) => ws.readJson(`.speckit/runs/spec-${k.replace(':', '/')}.json`));
    expect(waiters(turns).sort()).toEqual(
      waiters(records.map((r) => ({ project: r.project, id: r.id, heldBy: r.resources[0].heldBy }))).sort(),
    );
    expect(run.stdout).toContain(
      '\nExclusive resources (the tasks on each ran one at a time):\n  simulator: 3 tasks, waited ',
    );
    for (const t of turns.filter((w) => w.heldBy)) expect(run.stdout).toContain(`    ${t.project} ${t.id} waited `);
    expect(ws.read('.speckit/reports/latest.html')).toMatch(/<table id="resources">(<tr.*?<\/tr>){4}<\/table>/);
  });

  it('the same in one --batch process', async () => {
    const { ws, run } = await runBoth(['--batch']);
    expectExclusive(ws, run);
    expectWaitsRecorded(ws, run);
  });
});

describe('model routing: agentRules send the test tasks to a cheaper model of the same preset', () => {
  const TASKS = `# Tasks: Routing

## Phase 1: Parser

- [ ] T001 [P] Write tests for the parser in tests/parser.test.ts
- [ ] T002 [P] Create the parser in src/parser.ts
- [ ] T003 [P] Write tests for the printer in tests/printer.test.ts
- [ ] T004 [P] Create the printer in src/printer.ts
`;
  // The claude preset with its program replaced by a stand-in: the preset's flags, --model included, reach it.
  const claude = (name: string, model: string, extra: object = {}) => ({
    preset: 'claude',
    command: [process.execPath, join(__dirname, 'fixtures', 'claude-like.js')],
    name,
    model,
    retries: 0,
    ...extra,
  });
  let ws: TempWorkspace;
  let run: RunResult;
  beforeAll(async () => {
    ws = workspace({ features: { 'specs/001-routing': { tasks: TASKS } } });
    ws.setPluginOptions({
      agent: claude('claude-main', 'claude-opus-4'),
      agentRules: [{ text: '\\btests?\\b', agent: claude('claude-cheap', 'claude-haiku-4', { maxBudgetUsd: 0.05 }) }],
    });
    run = await ws.nxAsync(['run', 'spec-001-routing:implement', '--parallel=2', ...STATIC]);
  });

  it('each task record names the model it ran with: haiku for the tests, opus for the code', () => {
    expect(run.code).toBe(0);
    const ran = (id: string) => {
      const record = ws.readJson(`.speckit/runs/spec-001-routing/${id}.json`);
      return `${record.status} ${record.agent} ${record.usage.model} $${record.usage.costUsd}`;
    };
    expect(['T001', 'T002', 'T003', 'T004'].map(ran)).toEqual([
      'done claude-cheap claude-haiku-4 $0.01',
      'done claude-main claude-opus-4 $0.1',
      'done claude-cheap claude-haiku-4 $0.01',
      'done claude-main claude-opus-4 $0.1',
    ]);
    expect(ws.read('tests/parser.test.ts')).toBe('claude-haiku-4 T001\n');
  });

  it("the cheap agent's per-run dollar limit reached its command line as claude's --max-budget-usd; the other has none", () => {
    const argv = (id: string) => ws.readJson(`.speckit/argv/001-routing-${id}.json`) as string[];
    expect(argv('T001').slice(-4)).toEqual(['--model', 'claude-haiku-4', '--max-budget-usd', '0.05']);
    expect(argv('T002').slice(-2)).toEqual(['--model', 'claude-opus-4']);
    expect(argv('T002')).not.toContain('--max-budget-usd');
  });

  it('the summary and the JSON report count each agent (so each model) apart', () => {
    expect(run.stdout).toContain(
      '  claude-cheap: 2 tasks, $0.0200, 2,000 in / 200 out tokens\n  claude-main: 2 tasks, $0.2000, 2,000 in / 200 out tokens\n',
    );
    expect(ws.readJson('.speckit/reports/latest.json').agents).toEqual([
      { agent: 'claude-cheap', tasks: 2, costUsd: 0.02, inputTokens: 2000, outputTokens: 200 },
      { agent: 'claude-main', tasks: 2, costUsd: 0.2, inputTokens: 2000, outputTokens: 200 },
    ]);
  });
});
