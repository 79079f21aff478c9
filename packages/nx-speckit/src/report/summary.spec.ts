import { parseTasks, planTasks } from '@nx-speckit/tasks-md';
import { collectReport, type NxTaskOutcome } from './collect';
import { usageText } from '../agents/usage';
import { duration, formatSummary } from './summary';

const TASKS = `# Tasks

## Phase 1: Setup

- [X] T001 Create package in src/pkg.json
- [ ] T002 [P] Lint in src/lint.json
- [ ] T003 [P] Format in src/format.json

## Phase 2: User Story 1 - Core (Priority: P1)

- [ ] T004 [US1] Model in src/model.ts
- [ ] T005 [US1] Service in src/service.ts
- [ ] T006 [US1] Page in src/page.ts

## Polish

- [ ] T007 Docs in docs/readme.md
`;
const T0 = Date.parse('2026-01-01T10:00:00.000Z');
const parsed = parseTasks(TASKS, 'specs/001-x/tasks.md');
const features = [
  {
    project: 'spec-001-x',
    dir: 'specs/001-x',
    targetName: 'implement',
    parsed,
    plan: planTasks(parsed),
    warnings: ['T003 (local-cache) could not be marked [X]: gone'],
  },
];
const r = (
  taskId: string,
  status: NxTaskOutcome['status'],
  from: number,
  to: number,
  terminalOutput?: string,
): NxTaskOutcome => ({
  project: 'spec-001-x',
  taskId,
  status,
  code: status === 'failure' ? 1 : 0,
  startTime: T0 + from,
  endTime: T0 + to,
  terminalOutput,
});
const rec = (id: string, status: 'done' | 'failed', extra: object = {}) => ({
  project: 'spec-001-x',
  id,
  status,
  attempts: 1,
  startedAt: new Date(T0).toISOString(),
  endedAt: new Date(T0).toISOString(),
  agent: 'claude',
  ...extra,
});

describe('formatSummary', () => {
  it('halted: phases, the failure with cause, log and next steps, the blocked tasks, time, cost per agent', () => {
    const report = collectReport({
      startTime: T0,
      endTime: T0 + 95_000,
      command: 'nx run-many -t implement',
      features,
      results: [
        r('T002', 'success', 0, 60_000),
        r('T003', 'local-cache', 0, 500),
        r('T004', 'failure', 60_000, 90_000),
      ],
      records: [
        rec('T002', 'done', { usage: { costUsd: 0.01234, inputTokens: 12345, outputTokens: 678 } }),
        rec('T004', 'failed', {
          error: 'T004 not marked done: verify command `npm test` failed (exit 1)\nsecond line',
          log: '.speckit/logs/spec-001-x/T004.log',
          usage: { costUsd: 0.5 },
        }),
      ],
    });
    expect(formatSummary(report, { files: ['.speckit/reports/latest.json', '.speckit/reports/latest.html'] }))
      .toBe(`nx-speckit run: HALTED (1 task failed; 3 tasks that depend on it did not run)

spec-001-x (specs/001-x): 3/7 tasks done
  Phase 1: Setup                               1 done, 1 cached, 1 already done
  Phase 2: User Story 1 - Core (Priority: P1)  1 failed, 2 blocked
  Phase 3: Polish                              1 blocked
  warning: T003 (local-cache) could not be marked [X]: gone

Failed:
  spec-001-x T004 Model in src/model.ts
    cause: T004 not marked done: verify command \`npm test\` failed (exit 1)
           second line
    log:   .speckit/logs/spec-001-x/T004.log
    next:  read the log, fix the cause, then run: npx nx run spec-001-x:implement--T004
           then the 3 tasks it blocked: npx nx run spec-001-x:implement

Blocked (not run because a prerequisite failed):
  spec-001-x T005 Service in src/service.ts  <- blocked by T004
  spec-001-x T006 Page in src/page.ts  <- blocked by T004
  spec-001-x T007 Docs in docs/readme.md  <- blocked by T004

Time: wall 1m 35s, sequential 1m 31s (sum of task durations), parallelism saved 0.0s
Cost: $0.5123, 12,345 in / 678 out tokens
  claude: 2 tasks, $0.5123, 12,345 in / 678 out tokens
Report: .speckit/reports/latest.json, .speckit/reports/latest.html
`);
  });

  it('complete without usage: says the agents reported none; a failure without a log suggests the re-run', () => {
    const done = parseTasks(TASKS.replace(/- \[ \]/g, '- [X]'), 'specs/001-x/tasks.md');
    const report = collectReport({
      startTime: T0,
      endTime: T0 + 1500,
      command: 'nx run spec-001-x:implement',
      features: [{ ...features[0], parsed: done, plan: planTasks(done), warnings: [] }],
      results: [r('T007', 'remote-cache', 0, 10)],
      records: [],
    });
    expect(formatSummary(report)).toBe(`nx-speckit run: COMPLETE (every task of the 1 feature in the run is done)

spec-001-x (specs/001-x): 7/7 tasks done
  Phase 1: Setup                               3 already done
  Phase 2: User Story 1 - Core (Priority: P1)  3 already done
  Phase 3: Polish                              1 cached

Time: wall 1.5s, sequential 0.0s (sum of task durations), parallelism saved 0.0s
Cost: not reported by the agents
`);
    const failed = collectReport({
      startTime: T0,
      endTime: T0 + 1500,
      command: 'nx',
      features,
      results: [r('T007', 'failure', 0, 10, 'boom\n')],
      records: [],
    });
    expect(formatSummary(failed)).toContain(`Failed:
  spec-001-x T007 Docs in docs/readme.md
    cause: boom
    next:  fix the cause, then run: npx nx run spec-001-x:implement--T007

Time:`);
  });
});

describe('formatSummary with a failed gate', () => {
  it('names the gate target with its cause and the tasks it blocked', () => {
    const report = collectReport({
      startTime: T0,
      endTime: T0 + 1000,
      command: 'nx',
      features: [{ ...features[0], warnings: [] }],
      results: [r('T002', 'success', 0, 10), r('T003', 'success', 0, 10)],
      records: [rec('T002', 'done'), rec('T003', 'done')],
      failedTargets: [
        { project: 'spec-001-x', target: 'implement--phase1-gate', error: 'gate "tests" failed: npm test (exit 1)' },
      ],
    });
    const text = formatSummary(report);
    expect(text.split('\n')[0]).toBe(
      'nx-speckit run: HALTED (1 other target failed; 4 tasks that depend on it did not run)',
    );
    expect(text).toContain(`
Failed:
  spec-001-x:implement--phase1-gate
    cause: gate "tests" failed: npm test (exit 1)
    next:  fix the cause, then run: npx nx run spec-001-x:implement--phase1-gate
           then the 4 tasks it blocked: npx nx run spec-001-x:implement

Blocked (not run because a prerequisite failed):
  spec-001-x T004 Model in src/model.ts  <- blocked by implement--phase1-gate
  spec-001-x T005 Service in src/service.ts  <- blocked by implement--phase1-gate
  spec-001-x T006 Page in src/page.ts  <- blocked by implement--phase1-gate
  spec-001-x T007 Docs in docs/readme.md  <- blocked by implement--phase1-gate
`);
  });
});

describe('duration and usageText', () => {
  it('formats', () => {
    expect([0, 999, 59_949, 60_000, 61_500, 3_599_000, 3_600_000, 7_380_000].map(duration)).toEqual([
      '0.0s',
      '1.0s',
      '59.9s',
      '1m 00s',
      '1m 02s',
      '59m 59s',
      '1h 00m',
      '2h 03m',
    ]);
    expect(usageText({})).toBe('');
    expect(usageText({ costUsd: 1 })).toBe('$1.0000');
    expect(usageText({ outputTokens: 1234567 })).toBe('0 in / 1,234,567 out tokens');
  });
});

describe('formatSummary with worktree isolation', () => {
  it("lists what each task changed outside its declared files, and a failed task's kept worktree", () => {
    const report = collectReport({
      startTime: T0,
      endTime: T0 + 10_000,
      command: 'nx run-many -t implement',
      features,
      results: [r('T002', 'success', 0, 5_000), r('T003', 'failure', 0, 6_000)],
      records: [
        rec('T002', 'done', { changes: { declared: ['src/lint.json'], undeclared: ['package.json', 'src/index.ts'] } }),
        rec('T003', 'failed', {
          error: 'T003 not marked done: verify failed',
          worktree: '/tmp/nx-speckit-worktrees/abc/spec-001-x-T003-123456',
        }),
      ],
    });
    const text = formatSummary(report);
    expect(text).toContain(
      'Changed outside the files the task declares:\n  spec-001-x T002: package.json, src/index.ts',
    );
    expect(text).toContain(
      '    worktree (kept until the next run): /tmp/nx-speckit-worktrees/abc/spec-001-x-T003-123456',
    );
    expect(report.tasks.find((t) => t.id === 'T002')!.changes).toEqual({
      declared: ['src/lint.json'],
      undeclared: ['package.json', 'src/index.ts'],
    });
  });
});

describe('formatSummary: run controls', () => {
  const budgetRun = (budget: { usd?: number; tokens?: number }) =>
    collectReport({
      startTime: T0,
      endTime: T0 + 10_000,
      command: 'nx run-many -t implement',
      features,
      results: [r('T002', 'success', 0, 5_000), r('T003', 'success', 0, 6_000), r('T004', 'failure', 6_000, 6_001)],
      records: [
        rec('T002', 'done', { usage: { costUsd: 4.5, inputTokens: 100, outputTokens: 10 } }),
        rec('T003', 'done', { agent: 'codex', usage: { inputTokens: 2000, outputTokens: 300 } }),
        rec('T004', 'failed', {
          agent: undefined,
          error: 'T004 not started: budget reached: $4.50 of $4.00',
          notStarted: 'budget reached: $4.50 of $4.00',
        }),
      ],
      budget,
      spend: { costUsd: 4.5, tokens: 2410, unpriced: 1 },
    });

  it('a dollar budget: its limit and spend, the refused tasks, and the agent that reports no cost', () => {
    const report = budgetRun({ usd: 4 });
    expect(report.budget).toEqual({
      usd: 4,
      spent: { costUsd: 4.5, tokens: 2410, unpriced: 1 },
      reached: 'budget reached: $4.50 of $4.00',
      refused: ['spec-001-x T004'],
      notEnforced: [{ agent: 'codex', reason: 'it reports no cost' }],
    });
    expect(formatSummary(report)).toContain(
      '\nBudget: $4.50 of $4.00 spent; reached, 1 task refused\n  budget not enforced for codex: it reports no cost\n',
    );
  });

  it('a token budget beside it counts the agent without a cost: nothing is left unenforced', () => {
    const report = budgetRun({ usd: 4, tokens: 10_000 });
    expect(report.budget!.notEnforced).toEqual([]);
    expect(formatSummary(report)).toContain(
      '\nBudget: $4.50 of $4.00, 2,410 of 10,000 tokens spent; reached, 1 task refused\n\n',
    );
  });

  it('no budget, no section', () => {
    const report = budgetRun({});
    expect(report.budget).toBeUndefined();
    expect(formatSummary(report)).not.toContain('Budget:');
  });

  it('exclusive resources: each with its tasks in the order they held it, and whom each waited for', () => {
    const report = collectReport({
      startTime: T0,
      endTime: T0 + 10_000,
      command: 'nx run-many -t implement',
      features,
      results: [r('T002', 'success', 0, 5_000), r('T003', 'success', 0, 9_000)],
      records: [
        rec('T002', 'done', { resources: [{ name: 'simulator', waitedMs: 0 }] }),
        rec('T003', 'done', {
          resources: [
            { name: 'db', waitedMs: 0 },
            { name: 'simulator', waitedMs: 4_200, heldBy: ['T002'] },
          ],
        }),
      ],
    });
    expect(report.resources).toEqual([
      { name: 'db', waitedMs: 0, tasks: [{ project: 'spec-001-x', id: 'T003', waitedMs: 0 }] },
      {
        name: 'simulator',
        waitedMs: 4_200,
        tasks: [
          { project: 'spec-001-x', id: 'T002', waitedMs: 0 },
          { project: 'spec-001-x', id: 'T003', waitedMs: 4_200, heldBy: ['T002'] },
        ],
      },
    ]);
    expect(report.tasks.find((t) => t.id === 'T003')!.resources).toEqual([
      { name: 'db', waitedMs: 0 },
      { name: 'simulator', waitedMs: 4_200, heldBy: ['T002'] },
    ]);
    expect(formatSummary(report)).toContain(`
Exclusive resources (the tasks on each ran one at a time):
  db: 1 task, waited 0.0s in all
  simulator: 2 tasks, waited 4.2s in all
    spec-001-x T003 waited 4.2s for T002
`);
  });
});

test('durations round before they pick their form, so no value reads 60.0s or 60m', () => {
  expect([0, 42_049, 59_949, 59_960, 65_000, 3_599_400, 3_599_600, 3_725_000].map(duration)).toEqual([
    '0.0s',
    '42.0s',
    '59.9s',
    '1m 00s',
    '1m 05s',
    '59m 59s',
    '1h 00m',
    '1h 02m',
  ]);
});
