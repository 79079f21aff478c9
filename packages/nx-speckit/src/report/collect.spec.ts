import { parseTasks, planTasks } from '@nx-speckit/tasks-md';
import type { TaskRecord } from '../task-runner/run-task';
import { collectReport, errorFromOutput, type CollectInput, type FeatureInput, type NxTaskOutcome } from './collect';
import { packSlots } from './timeline';

const TASKS = (done: string[] = []) => `# Tasks

## Phase 1: Setup

- [${done.includes('T001') ? 'X' : ' '}] T001 Create package in src/pkg.json
- [${done.includes('T002') ? 'X' : ' '}] T002 [P] Lint in src/lint.json
- [${done.includes('T003') ? 'X' : ' '}] T003 [P] Format in src/format.json

## Phase 2: User Story 1 - Core (Priority: P1)

- [${done.includes('T004') ? 'X' : ' '}] T004 [US1] Model in src/model.ts
- [${done.includes('T005') ? 'X' : ' '}] T005 [US1] Service in src/service.ts

## Phase 3: User Story 2 - Extra (Priority: P2)

- [${done.includes('T006') ? 'X' : ' '}] T006 [US2] Extra in src/extra.ts
`;

function feature(done: string[], project = 'spec-001-x'): FeatureInput {
  const parsed = parseTasks(TASKS(done), 'specs/001-x/tasks.md');
  return { project, dir: 'specs/001-x', targetName: 'implement', parsed, plan: planTasks(parsed) };
}
const T0 = Date.parse('2026-01-01T10:00:00.000Z');
const at = (s: number) => T0 + s * 1000;
const iso = (s: number) => new Date(at(s)).toISOString();
function result(
  taskId: string,
  status: NxTaskOutcome['status'],
  from: number,
  to: number,
  extra: Partial<NxTaskOutcome> = {},
): NxTaskOutcome {
  return {
    project: 'spec-001-x',
    taskId,
    status,
    code: status === 'failure' ? 1 : 0,
    startTime: at(from),
    endTime: at(to),
    ...extra,
  };
}
function record(id: string, status: TaskRecord['status'], extra: Partial<TaskRecord> = {}): TaskRecord {
  return {
    project: 'spec-001-x',
    id,
    status,
    attempts: 1,
    startedAt: iso(0.5),
    endedAt: iso(1),
    agent: 'claude',
    log: `.speckit/logs/spec-001-x/${id}.log`,
    ...extra,
  };
}
const input = (over: Partial<CollectInput>): CollectInput => ({
  startTime: at(0),
  endTime: at(10),
  command: 'nx run-many -t implement',
  features: [],
  results: [],
  records: [],
  ...over,
});

describe('collectReport', () => {
  const failing = () =>
    collectReport(
      input({
        features: [feature(['T001'])],
        results: [
          result('T002', 'local-cache', 0, 0.1),
          result('T003', 'success', 0, 3),
          result('T004', 'failure', 3, 8, { terminalOutput: 'noise\n[T004] ✗ ignored: the record says why\n' }),
          result('T006', 'success', 3, 4),
        ],
        records: [
          record('T003', 'done', { usage: { costUsd: 0.5, inputTokens: 100, outputTokens: 10, turns: 3 } }),
          record('T004', 'failed', {
            attempts: 2,
            error: 'T004 not marked done: the agent failed',
            failureKind: 'rate-limit',
            usage: { costUsd: 0.25 },
          }),
          record('T006', 'done', {
            agent: 'codex',
            usage: { inputTokens: 7 },
            warnings: ['changes outside the declared files: x'],
          }),
        ],
      }),
    );

  it('a cache hit whose box could not be ticked is not done: it fails with why, and the run is not complete', () => {
    const why = 'T001 (local-cache) could not be marked [X]: specs/001-x/tasks.md: task T001 not found';
    const all = ['T001', 'T002', 'T003', 'T004', 'T005', 'T006'];
    const report = collectReport(
      input({
        features: [feature(all.slice(1))],
        results: all.map((id) => result(id, 'local-cache', 0, 0.1)),
        unmarked: new Map([['spec-001-x\0T001', why]]),
      }),
    );
    expect(report.tasks.find((t) => t.id === 'T001')).toMatchObject({ status: 'failed', error: why });
    expect(report.outcome).toBe('halted');
    expect(report.features[0].finished).toBe(5);
  });

  it('a failure halts: the failed task carries its error, its unfinished dependents are blocked by it', () => {
    const report = failing();
    expect(report.outcome).toBe('halted');
    expect(report.reason).toBe('1 task failed; 1 task that depends on it did not run');
    expect(
      report.tasks.map((t) => [
        t.id,
        t.status,
        t.inRun,
        t.attempts,
        t.blockedBy ?? null,
        t.slot ?? null,
        t.durationMs ?? null,
      ]),
    ).toEqual([
      ['T001', 'already-done', false, 0, null, null, null],
      ['T002', 'cached', true, 0, null, 0, 100],
      ['T003', 'done', true, 1, null, 1, 3000],
      ['T004', 'failed', true, 2, null, 1, 5000], // T006 (same start, ends first) took slot 0
      ['T005', 'blocked', true, 0, ['T004'], null, null], // Nx leaves skipped tasks out of its results
      ['T006', 'done', true, 1, null, 0, 1000], // User Story 2 does not wait for T004
    ]);
    expect(report.tasks[3]).toEqual({
      project: 'spec-001-x',
      id: 'T004',
      status: 'failed',
      attempts: 2,
      inRun: true,
      nxStatus: 'failure',
      description: 'Model in src/model.ts',
      phase: 2,
      wave: 3,
      dependsOn: ['T002', 'T003'],
      target: 'implement--T004',
      startedAt: iso(3),
      endedAt: iso(8),
      durationMs: 5000,
      slot: 1,
      agent: 'claude',
      usage: { costUsd: 0.25 },
      error: 'T004 not marked done: the agent failed',
      failureKind: 'rate-limit',
      log: '.speckit/logs/spec-001-x/T004.log',
    });
    expect(report.tasks[5].warnings).toEqual(['changes outside the declared files: x']);
    expect(report.counts).toEqual({ done: 2, cached: 1, 'already-done': 1, failed: 1, blocked: 1, 'not-run': 0 });
    expect(report.timing).toEqual({ wallMs: 10_000, sequentialMs: 9100, savedMs: 0, slots: 2 });
    expect(report.usage).toEqual({ costUsd: 0.75, inputTokens: 107, outputTokens: 10 });
    expect(report.agents).toEqual([
      { agent: 'claude', tasks: 2, costUsd: 0.75, inputTokens: 100, outputTokens: 10 },
      { agent: 'codex', tasks: 1, inputTokens: 7 },
    ]);
    expect(report.features).toEqual([
      {
        project: 'spec-001-x',
        dir: 'specs/001-x',
        total: 6,
        finished: 4,
        warnings: [],
        openItems: [],
        phases: [
          {
            number: 1,
            title: 'Phase 1: Setup',
            total: 3,
            counts: { done: 1, cached: 1, 'already-done': 1, failed: 0, blocked: 0, 'not-run': 0 },
          },
          {
            number: 2,
            title: 'Phase 2: User Story 1 - Core (Priority: P1)',
            total: 2,
            counts: { done: 0, cached: 0, 'already-done': 0, failed: 1, blocked: 1, 'not-run': 0 },
          },
          {
            number: 3,
            title: 'Phase 3: User Story 2 - Extra (Priority: P2)',
            total: 1,
            counts: { done: 1, cached: 0, 'already-done': 0, failed: 0, blocked: 0, 'not-run': 0 },
          },
        ],
      },
    ]);
    expect(report).toMatchObject({
      version: 1,
      startedAt: iso(0),
      endedAt: iso(10),
      command: 'nx run-many -t implement',
    });
  });

  it('a failure nothing depends on still halts', () => {
    const report = collectReport(
      input({
        features: [feature(['T001', 'T002', 'T003', 'T004', 'T005'])],
        results: [result('T006', 'failure', 0, 1, { terminalOutput: 'x\n[T006] ✗ the agent failed\n' })],
      }),
    );
    expect(report.outcome).toBe('halted');
    expect(report.reason).toBe('1 task failed; nothing waiting on it was left unrun');
    expect(report.tasks[5]).toMatchObject({ status: 'failed', error: '[T006] ✗ the agent failed', attempts: 0 });
  });

  it('every task done but open checkbox items that are not tasks: partial, naming the items and their lines', () => {
    const all = ['T001', 'T002', 'T003', 'T004', 'T005', 'T006'];
    const parsed = parseTasks(
      `${TASKS(all)}\n## Checklist\n\n- [ ] R001 review the API\n- [x] checked note\n- [ ] T-NEW-A later\n`,
      'specs/001-x/tasks.md',
    );
    const report = collectReport(input({ features: [{ ...feature(all), parsed, plan: planTasks(parsed) }] }));
    expect(report.outcome).toBe('partial');
    expect(report.reason).toBe(
      'every task is done, but not run: 2 open items that are not tasks, specs/001-x/tasks.md lines 20, 22',
    );
    expect(report.features[0].openItems).toEqual([20, 22]);
  });

  it('complete when every task of the features in the run is finished', () => {
    const report = collectReport(
      input({
        features: [feature(['T001', 'T002', 'T003', 'T004', 'T005', 'T006'])],
        results: [
          result('T004', 'success', 0, 1),
          result('T005', 'remote-cache', 1, 2),
          result('T006', 'success', 0, 2),
        ],
        records: [record('T004', 'done'), record('T006', 'already-done')],
      }),
    );
    expect(report.outcome).toBe('complete');
    expect(report.reason).toBe('every task of the 1 feature in the run is done');
    expect(report.tasks.map((t) => t.status)).toEqual([
      'already-done',
      'already-done',
      'already-done',
      'done',
      'cached',
      'already-done',
    ]);
    expect(report.agents).toEqual([{ agent: 'claude', tasks: 1 }]); // an already-done record is no agent run
    expect(report.timing).toEqual({ wallMs: 10_000, sequentialMs: 4000, savedMs: 0, slots: 2 });
  });

  it('partial when nothing failed but tasks are left; parallelism saved = sequential - wall', () => {
    const report = collectReport(
      input({
        endTime: at(3),
        features: [feature([])],
        results: [result('T001', 'success', 0, 1), result('T002', 'success', 1, 3), result('T003', 'success', 1, 3)],
        records: [record('T001', 'done'), record('T002', 'done'), record('T003', 'done')],
      }),
    );
    expect(report.outcome).toBe('partial');
    expect(report.reason).toBe('nothing failed, but 3 tasks of the features in the run were not part of this run');
    expect(report.tasks.map((t) => t.status)).toEqual(['done', 'done', 'done', 'not-run', 'not-run', 'not-run']);
    expect(report.timing).toEqual({ wallMs: 3000, sequentialMs: 5000, savedMs: 2000, slots: 2 });
  });

  // Nx 24 leaves skipped tasks out of the hook's results; a version that reports them gets the same answer.
  it('maps every Nx status: success without a local record ran elsewhere (cached), a failed cache entry, skipped', () => {
    const report = collectReport(
      input({
        features: [feature([])],
        results: [
          result('T001', 'success', 0, 1),
          result('T002', 'local-cache-kept-existing', 1, 1),
          result('T003', 'local-cache', 1, 1, { code: 1, terminalOutput: 'a\nb\nc\nd\n' }),
          result('T004', 'skipped', 1, 1),
        ],
      }),
    );
    expect(report.tasks.map((t) => [t.id, t.status, t.nxStatus, t.blockedBy ?? null, t.error ?? null])).toEqual([
      ['T001', 'cached', 'success', null, null],
      ['T002', 'cached', 'local-cache-kept-existing', null, null],
      ['T003', 'failed', 'local-cache', null, 'b\nc\nd'],
      ['T004', 'blocked', 'skipped', ['T003'], null],
      ['T005', 'blocked', undefined, ['T003'], null],
      ['T006', 'blocked', undefined, ['T003'], null],
    ]);
    expect([report.tasks[3].startedAt, report.tasks[3].endedAt]).toEqual([null, null]);
  });

  it('tasks Nx skipped with nothing failed (a prerequisite of another kind): halted, and the reason says so', () => {
    const report = collectReport(input({ features: [feature([])], results: [result('T001', 'skipped', 1, 1)] }));
    expect(report.tasks[0]).toMatchObject({ id: 'T001', status: 'blocked' });
    expect([report.outcome, report.reason]).toEqual([
      'halted',
      "nothing failed here, but Nx skipped 1 task (a prerequisite outside the features' tasks did not succeed)",
    ]);
  });

  it('a task Nx stopped did not run, and the run says it was interrupted', () => {
    const report = collectReport(
      input({
        features: [feature(['T001', 'T002', 'T003'])],
        results: [result('T006', 'stopped', 1, 2), result('T004', 'success', 1, 3)],
        records: [record('T004', 'done')],
      }),
    );
    expect(report.tasks.map((t) => [t.id, t.status, t.nxStatus ?? null])).toEqual([
      ['T001', 'already-done', null],
      ['T002', 'already-done', null],
      ['T003', 'already-done', null],
      ['T004', 'done', 'success'],
      ['T005', 'not-run', null],
      ['T006', 'not-run', 'stopped'],
    ]);
    expect([report.outcome, report.reason]).toEqual([
      'halted',
      'the run was interrupted: 1 task stopped before finishing',
    ]);
  });

  it('a task the command did not ask for is not blocked by a failure (nx run p:implement--T004 failing leaves T005 not run)', () => {
    const run = (requested: string[]) =>
      collectReport(
        input({
          features: [{ ...feature([]), requested: new Set(requested) }],
          results: [
            result('T001', 'success', 0, 1),
            result('T002', 'success', 1, 2),
            result('T003', 'success', 1, 2),
            result('T004', 'failure', 2, 3),
          ],
          records: [
            record('T001', 'done'),
            record('T002', 'done'),
            record('T003', 'done'),
            record('T004', 'failed', { error: 'boom' }),
          ],
        }),
      );
    const one = run(['T001', 'T002', 'T003', 'T004']);
    expect(one.tasks.slice(3).map((t) => [t.id, t.status, t.inRun, t.blockedBy ?? null])).toEqual([
      ['T004', 'failed', true, null],
      ['T005', 'not-run', false, null],
      ['T006', 'not-run', false, null],
    ]);
    expect([one.outcome, one.reason]).toEqual(['halted', '1 task failed; nothing waiting on it was left unrun']);
    // Asked for (`nx run p:implement`): the same failure blocks T005.
    const all = run(['T001', 'T002', 'T003', 'T004', 'T005', 'T006']);
    expect(all.tasks.slice(4).map((t) => [t.id, t.status, t.inRun, t.blockedBy ?? null])).toEqual([
      ['T005', 'blocked', true, ['T004']],
      ['T006', 'not-run', false, null],
    ]);
  });

  it('several features: tasks in feature order, a failure in one blocks nothing in the other', () => {
    const a = feature([], 'spec-001-x');
    const b = { ...feature([], 'spec-002-y'), dir: 'specs/002-y' };
    const report = collectReport(
      input({
        features: [a, b],
        results: [result('T001', 'failure', 0, 1), { ...result('T001', 'success', 0, 1), project: 'spec-002-y' }],
        records: [{ ...record('T001', 'done'), project: 'spec-002-y' }],
      }),
    );
    expect(report.tasks.filter((t) => t.status === 'blocked').map((t) => `${t.project}:${t.id}`)).toEqual(
      ['T002', 'T003', 'T004', 'T005', 'T006'].map((id) => `spec-001-x:${id}`),
    );
    expect(report.tasks.filter((t) => t.project === 'spec-002-y').map((t) => t.status)).toEqual([
      'done',
      'not-run',
      'not-run',
      'not-run',
      'not-run',
      'not-run',
    ]);
  });
});

describe('collectReport with failed targets that are not tasks (quality gates)', () => {
  it('a failed phase gate halts and blocks the tasks that wait for its phase', () => {
    const report = collectReport(
      input({
        features: [feature([])],
        results: [result('T001', 'success', 0, 1), result('T002', 'success', 1, 2), result('T003', 'success', 1, 2)],
        records: [record('T001', 'done'), record('T002', 'done'), record('T003', 'done')],
        failedTargets: [
          { project: 'spec-001-x', target: 'implement--phase1-gate', error: 'gate tests: npm test exited 1' },
        ],
      }),
    );
    expect(report.outcome).toBe('halted');
    expect(report.reason).toBe('1 other target failed; 3 tasks that depend on it did not run');
    expect(report.tasks.map((t) => [t.id, t.status, t.blockedBy ?? null])).toEqual([
      ['T001', 'done', null],
      ['T002', 'done', null],
      ['T003', 'done', null],
      ['T004', 'blocked', ['implement--phase1-gate']],
      ['T005', 'blocked', ['implement--phase1-gate']],
      ['T006', 'blocked', ['implement--phase1-gate']],
    ]);
    expect(report.failedTargets).toEqual([
      { project: 'spec-001-x', target: 'implement--phase1-gate', error: 'gate tests: npm test exited 1' },
    ]);
  });

  it('a failed gate of another feature, or the final feature gate, blocks no task but still halts', () => {
    const report = collectReport(
      input({
        features: [feature(['T001', 'T002', 'T003', 'T004', 'T005', 'T006'])],
        failedTargets: [
          { project: 'spec-001-x', target: 'implement--gate', error: 'lint failed' },
          { project: 'spec-002-y', target: 'implement--phase1-gate', error: 'x' },
        ],
      }),
    );
    expect(report.counts.blocked).toBe(0);
    expect(report.outcome).toBe('halted');
    expect(report.reason).toBe('2 other targets failed; nothing waiting on them was left unrun');
  });

  it('tasks and gates together', () => {
    const report = collectReport(
      input({
        features: [feature(['T001'])],
        results: [result('T002', 'failure', 0, 1), result('T003', 'success', 0, 1)],
        records: [record('T003', 'done')],
        failedTargets: [{ project: 'spec-001-x', target: 'implement--phase1-gate', error: 'x' }],
      }),
    );
    expect(report.reason).toBe('1 task and 1 other target failed; 3 tasks that depend on them did not run');
    expect(report.tasks.slice(3).map((t) => t.blockedBy)).toEqual([
      ['T002', 'implement--phase1-gate'],
      ['T002', 'implement--phase1-gate'],
      ['T002', 'implement--phase1-gate'],
    ]);
  });
});

describe('errorFromOutput', () => {
  it("prefers the executor's last ✗ line with its indented details, else the last three lines, without colours", () => {
    expect(
      errorFromOutput('\u001b[2m> nx run x\u001b[22m\n[T001] ✗ first\nmore\n[T001] ✗ \u001b[31msecond\u001b[39m\n'),
    ).toBe('[T001] ✗ second');
    expect(errorFromOutput('1\n2\n\n3\n4\n')).toBe('2\n3\n4');
    expect(errorFromOutput('')).toBeUndefined();
    expect(errorFromOutput(`✗ ${'x'.repeat(1200)}`)).toHaveLength(1000);
    expect(
      errorFromOutput(
        '> nx run p:implement--gate\n\n✗ nx-speckit gate "tests" failed: `npm test` exited 1.\n  Last output:\n    3 failed\n  Full output: .speckit/logs/p/gate.log\nafter\n',
      ),
    ).toBe(
      '✗ nx-speckit gate "tests" failed: `npm test` exited 1.\n  Last output:\n    3 failed\n  Full output: .speckit/logs/p/gate.log',
    );
  });
});

describe('packSlots', () => {
  it('puts each interval in the lowest slot free at its start', () => {
    expect(
      packSlots([
        { start: 0, end: 5 },
        { start: 1, end: 2 },
        { start: 2, end: 4 },
        { start: 3, end: 6 },
        { start: 5, end: 7 },
      ]),
    ).toEqual([0, 1, 1, 2, 0]);
    expect(
      packSlots([
        { start: 4, end: 5 },
        { start: 0, end: 4 },
      ]),
    ).toEqual([0, 0]);
    expect(packSlots([])).toEqual([]);
  });
});
