import { parseTasks } from './parse';
import { planTasks } from './plan';
import { edges, fixture, md, plan, rules } from '../test/helpers';

const diagnostics = (source: string, options = {}) =>
  planTasks(parseTasks(source), options).diagnostics.map(
    (d) => `${d.severity} ${d.code} ${d.line} ${d.taskId}: ${d.message}`,
  );

describe('shapes fixtures: exact dependsOn', () => {
  test('shapes-core.md: T018 waits for the [P] models T016 and T017', () => {
    const p = plan(fixture('shapes-core.md'));
    expect(edges(p)).toEqual({ T016: [], T017: [], T018: ['T016', 'T017'] });
    expect(rules(p)).toEqual({ 'T018<-T016': ['parallel-run'], 'T018<-T017': ['parallel-run'] });
  });

  test('shapes-serial.md: no [P], no phases: listed order', () => {
    expect(edges(plan(fixture('shapes-serial.md')))).toEqual({
      T001: [],
      T002: ['T001'],
      T003: ['T002'],
      T004: ['T003'],
      T005: ['T004'],
      T006: ['T005'],
      T007: ['T006'],
      T008: ['T007'],
    });
  });

  test('shapes-lanes.md without lanes: the [P] run T005-T008 between T004 and T009', () => {
    const p = plan(fixture('shapes-lanes.md'));
    expect(edges(p)).toEqual({
      T001: [],
      T002: ['T001'],
      T003: ['T002'],
      T004: ['T003'],
      T005: ['T004'],
      T006: ['T004'],
      T007: ['T004'],
      T008: ['T004'],
      T009: ['T005', 'T006', 'T007', 'T008'],
      T010: ['T009'],
      T011: ['T010'],
      T012: ['T011'],
    });
    expect(p.waves).toEqual([
      ['T001'],
      ['T002'],
      ['T003'],
      ['T004'],
      ['T005', 'T006', 'T007', 'T008'],
      ['T009'],
      ['T010'],
      ['T011'],
      ['T012'],
    ]);
  });

  test('shapes-lanes.md with lanes "story" is the graph its markers describe (T001→T005→T009, T003→T006→T010, T004→T007→T011, all→T012)', () => {
    const p = plan(fixture('shapes-lanes.md'), { lanes: 'story' });
    expect(edges(p)).toEqual({
      T001: [],
      T002: ['T001'],
      T003: [],
      T004: [],
      T005: ['T002'],
      T006: ['T003'],
      T007: ['T004'],
      T008: ['T002'],
      T009: ['T005', 'T008'],
      T010: ['T006'],
      T011: ['T007'],
      T012: ['T009', 'T010', 'T011'],
    });
    expect(p.dependsOn.T012.map((d) => d.reasons)).toEqual(
      Array(3).fill([{ rule: 'lane', cause: '[ALL] task T012 waits for every earlier task of the phase' }]),
    );
    expect(p.dependsOn.T006).toEqual([
      { id: 'T003', reasons: [{ rule: 'lane', cause: 'listed after T003 in lane US2' }] },
    ]);
    expect(p.waves).toEqual([
      ['T001', 'T003', 'T004'],
      ['T002', 'T006', 'T007'],
      ['T005', 'T008', 'T010', 'T011'],
      ['T009'],
      ['T012'],
    ]);
  });

  test('shapes-serial.md with lanes "story": one chain per story', () => {
    expect(edges(plan(fixture('shapes-serial.md'), { lanes: 'story' }))).toEqual({
      T001: [],
      T002: ['T001'],
      T003: ['T002'],
      T004: [],
      T005: ['T004'],
      T006: ['T005'],
      T007: [],
      T008: ['T007'],
    });
  });

  test('shapes-priorities.md: barrier, barrier, story phase; tasks in one folder also conflict', () => {
    const p = plan(fixture('shapes-priorities.md'));
    expect(edges(p)).toEqual({
      T001: [],
      T002: ['T001'],
      T003: ['T002'],
      T004: ['T003'],
      T005: ['T004'],
      T006: ['T005'],
      T007: ['T006'],
      T008: ['T007'],
    });
    expect(rules(p)).toEqual({
      'T002<-T001': ['sequence', 'file-conflict'],
      'T003<-T002': ['sequence'],
      'T004<-T003': ['barrier-phase'],
      'T005<-T004': ['sequence', 'file-conflict'],
      'T006<-T005': ['sequence'],
      'T007<-T006': ['story-phase'],
      'T008<-T007': ['sequence'],
    });
    expect(p.diagnostics).toEqual([]);
  });

  test('shapes-resume.md: done tasks are still in the graph (resume skips them, the plan does not)', () => {
    expect(edges(plan(fixture('shapes-resume.md')))).toEqual({
      T001: [],
      T002: ['T001'],
      T003: ['T002'],
      T004: ['T003'],
      T005: ['T004'],
      T006: ['T005'],
      T007: ['T006'],
    });
  });

  test('shapes-colon-ids.md: Setup → Core → Polish barriers, Depends on: sub-bullets, same-file tasks in order', () => {
    const p = plan(fixture('shapes-colon-ids.md'));
    expect(edges(p)).toEqual({
      T001: [],
      T002: ['T001'],
      T003: ['T002'],
      T004: ['T003'],
      T005: ['T004'],
      T006: ['T005'],
      T007: ['T005'],
      T008: ['T006', 'T007'],
      T009: ['T008'],
      T010: ['T009'],
      T011: ['T010'],
      T012: ['T011'],
      T013: ['T012'],
      T014: ['T012'],
      T015: ['T012'],
      T016: ['T013', 'T014', 'T015'],
      T017: ['T013', 'T014', 'T015'],
      T018: ['T016', 'T017'],
      T019: ['T018'],
      T020: ['T019'],
    });
    expect(rules(p)).toMatchObject({
      'T006<-T005': ['barrier-phase'],
      'T008<-T006': ['parallel-run', 'explicit'],
      'T008<-T007': ['parallel-run'],
      'T004<-T003': ['sequence', 'file-conflict'],
      'T011<-T010': ['sequence', 'file-conflict'],
      'T016<-T013': ['barrier-phase'],
    });
    expect(p.diagnostics).toEqual([]);
  });
});

describe('shapes-template.md', () => {
  const p = plan(fixture('shapes-template.md'));

  test('exact dependsOn: stories concurrent after Foundational, Polish after all stories, [P] runs split by sub-headings', () => {
    expect(edges(p)).toEqual({
      T001: [],
      T002: ['T001'],
      T003: ['T002'],
      T004: ['T002'],
      T005: ['T003', 'T004'],
      T006: ['T005'],
      T007: ['T005'],
      // User Story 1: "Tests for" run, then the "Implementation for" run, then the sequence.
      T008: ['T006', 'T007'],
      T009: ['T006', 'T007'],
      T010: ['T008', 'T009'],
      T011: ['T008', 'T009'],
      T012: ['T010', 'T011'],
      T013: ['T012'],
      // User Story 2 starts with Foundational too; its files overlap Story 1's, so those tasks wait.
      T014: ['T006', 'T007'],
      T015: ['T012', 'T014'],
      T016: ['T013', 'T015'],
      T017: ['T006', 'T007'],
      T018: ['T006', 'T007'],
      // Polish waits for every story (T013 is implied through T016).
      T019: ['T016', 'T017', 'T018'],
      T020: ['T019'],
    });
  });

  test('every kept edge carries its rule and cause', () => {
    expect(p.dependsOn.T005[0]).toEqual({
      id: 'T003',
      reasons: [
        {
          rule: 'barrier-phase',
          cause: 'phase "Phase 2: Foundational (Needed by Every Story)" starts after everything before it',
        },
      ],
    });
    expect(p.dependsOn.T006[0]).toEqual({ id: 'T005', reasons: [{ rule: 'sequence', cause: 'listed after T005' }] });
    expect(p.dependsOn.T008[0]).toEqual({
      id: 'T006',
      reasons: [
        {
          rule: 'story-phase',
          cause:
            'story phase "Phase 3: User Story 1 - Save a recipe (Priority: P1) 🎯 MVP" starts after phase "Phase 2: Foundational (Needed by Every Story)"',
        },
      ],
    });
    expect(p.dependsOn.T010[1]).toEqual({
      id: 'T009',
      reasons: [{ rule: 'parallel-run', cause: 'waits for the [P] run T008, T009' }],
    });
    expect(p.dependsOn.T012[0]).toEqual({
      id: 'T010',
      reasons: [
        { rule: 'parallel-run', cause: 'waits for the [P] run T010, T011' },
        { rule: 'explicit', cause: 'T012 depends on T010 (line 53)' },
      ],
    });
    expect(p.dependsOn.T015[0]).toEqual({
      id: 'T012',
      reasons: [{ rule: 'file-conflict', cause: 'both touch src/services/recipe-book.ts' }],
    });
    expect(p.dependsOn.T019[0]).toEqual({
      id: 'T016',
      reasons: [
        {
          rule: 'barrier-phase',
          cause: 'phase "Phase 6: Polish & Finishing Touches" starts after everything before it',
        },
      ],
    });
    expect(rules(p)).toEqual({
      'T002<-T001': ['sequence'],
      'T003<-T002': ['sequence'],
      'T004<-T002': ['sequence'],
      'T005<-T003': ['barrier-phase'],
      'T005<-T004': ['barrier-phase'],
      'T006<-T005': ['sequence'],
      'T007<-T005': ['sequence'],
      'T008<-T006': ['story-phase'],
      'T008<-T007': ['story-phase'],
      'T009<-T006': ['story-phase'],
      'T009<-T007': ['story-phase'],
      'T010<-T008': ['parallel-run'],
      'T010<-T009': ['parallel-run'],
      'T011<-T008': ['parallel-run'],
      'T011<-T009': ['parallel-run'],
      'T012<-T010': ['parallel-run', 'explicit'],
      'T012<-T011': ['parallel-run', 'explicit'],
      'T013<-T012': ['sequence'],
      'T014<-T006': ['story-phase'],
      'T014<-T007': ['story-phase'],
      'T015<-T012': ['file-conflict'],
      'T015<-T014': ['parallel-run'],
      'T016<-T013': ['file-conflict'],
      'T016<-T015': ['sequence'],
      'T017<-T006': ['story-phase'],
      'T017<-T007': ['story-phase'],
      'T018<-T006': ['story-phase'],
      'T018<-T007': ['story-phase'],
      'T019<-T016': ['barrier-phase'],
      'T019<-T017': ['barrier-phase'],
      'T019<-T018': ['barrier-phase'],
      'T020<-T019': ['parallel-run'],
    });
  });

  test('cross-story file overlaps are warnings that name both tasks and the file', () => {
    expect(p.diagnostics).toEqual([
      {
        severity: 'warning',
        code: 'file-conflict',
        file: 'tasks.md',
        line: 63,
        taskId: 'T015',
        message: 'T015 and T012 both touch src/services/recipe-book.ts: T015 waits for T012',
      },
      {
        severity: 'warning',
        code: 'file-conflict',
        file: 'tasks.md',
        line: 64,
        taskId: 'T016',
        message: 'T016 and T013 both touch src/api/recipes.ts: T016 waits for T013',
      },
    ]);
  });

  test('waves and the critical path by count', () => {
    expect(p.ok).toBe(true);
    expect(p.waves).toEqual([
      ['T001'],
      ['T002'],
      ['T003', 'T004'],
      ['T005'],
      ['T006', 'T007'],
      ['T008', 'T009', 'T014', 'T017', 'T018'],
      ['T010', 'T011'],
      ['T012'],
      ['T013', 'T015'],
      ['T016'],
      ['T019'],
      ['T020'],
    ]);
    expect(p.criticalPath).toEqual({
      ids: ['T001', 'T002', 'T003', 'T005', 'T006', 'T008', 'T010', 'T012', 'T013', 'T016', 'T019', 'T020'],
      length: 12,
    });
    // Without durations every task weighs 1: the weighted path is the same.
    expect(p.weightedCriticalPath).toEqual({ ids: p.criticalPath.ids, seconds: 12 });
  });

  test('lanes "story" changes nothing here: every story phase has a single label', () => {
    expect(edges(plan(fixture('shapes-template.md'), { lanes: 'story' }))).toEqual(edges(p));
  });
});

describe('rule 2-3: barrier and story phases', () => {
  test('story phases between two barriers start together; the next barrier waits for all their ends', () => {
    const source = md(
      '## Setup',
      '- [ ] T001 a',
      '- [ ] T002 [P] b',
      '- [ ] T003 [P] c',
      '## User Story 1',
      '- [ ] T004 d',
      '- [ ] T005 e',
      '## User Story 2',
      '- [ ] T006 [P] f',
      '- [ ] T007 [P] g',
      '## Checks',
      '- [ ] T008 h',
      '## User Story 3',
      '- [ ] T009 i',
      '## Polish',
      '- [ ] T010 j',
    );
    const p = plan(source);
    expect(edges(p)).toEqual({
      T001: [],
      T002: ['T001'],
      T003: ['T001'],
      T004: ['T002', 'T003'],
      T005: ['T004'],
      T006: ['T002', 'T003'],
      T007: ['T002', 'T003'],
      T008: ['T005', 'T006', 'T007'],
      T009: ['T008'],
      T010: ['T009'],
    });
    expect(rules(p)['T008<-T006']).toEqual(['barrier-phase']);
    expect(rules(p)['T009<-T008']).toEqual(['story-phase']);
  });

  test('story phases before any barrier start at once', () => {
    expect(
      edges(
        plan(md('## User Story 1', '- [ ] T001 a', '## User Story 2', '- [ ] T002 b', '## Polish', '- [ ] T003 c')),
      ),
    ).toEqual({ T001: [], T002: [], T003: ['T001', 'T002'] });
  });

  test('a barrier phase waits for every end of the barrier phase before it', () => {
    expect(edges(plan(md('## A', '- [ ] T001 [P] a', '- [ ] T002 [P] b', '## B', '- [ ] T003 c')))).toEqual({
      T001: [],
      T002: [],
      T003: ['T001', 'T002'],
    });
  });
});

describe('rule 4: order within a phase', () => {
  test('a [P] run starts after the task before it; the task after waits for the whole run', () => {
    expect(
      edges(
        plan(
          md(
            '- [ ] T001 a',
            '- [ ] T002 [P] b',
            '- [ ] T003 [P] c',
            '- [ ] T004 [P] d',
            '- [ ] T005 e',
            '- [ ] T006 [P] f',
          ),
        ),
      ),
    ).toEqual({
      T001: [],
      T002: ['T001'],
      T003: ['T001'],
      T004: ['T001'],
      T005: ['T002', 'T003', 'T004'],
      T006: ['T005'],
    });
  });

  test('a sub-heading ends a run: "Tests for" finish before "Implementation for" starts', () => {
    const source = md(
      '## Phase 3: User Story 1 - X',
      '### Tests for User Story 1',
      '- [ ] T001 [P] [US1] a',
      '- [ ] T002 [P] [US1] b',
      '### Implementation for User Story 1',
      '- [ ] T003 [P] [US1] c',
      '- [ ] T004 [P] [US1] d',
      '- [ ] T005 [US1] e',
    );
    const p = plan(source);
    expect(edges(p)).toEqual({
      T001: [],
      T002: [],
      T003: ['T001', 'T002'],
      T004: ['T001', 'T002'],
      T005: ['T003', 'T004'],
    });
    expect(p.dependsOn.T003[0].reasons).toEqual([{ rule: 'parallel-run', cause: 'waits for the [P] run T001, T002' }]);
  });

  test('without the sub-heading the same tasks are one run', () => {
    const source = md(
      '## Phase 3: User Story 1 - X',
      '- [ ] T001 [P] [US1] a',
      '- [ ] T002 [P] [US1] b',
      '- [ ] T003 [P] [US1] c',
      '- [ ] T004 [P] [US1] d',
      '- [ ] T005 [US1] e',
    );
    expect(edges(plan(source))).toEqual({
      T001: [],
      T002: [],
      T003: [],
      T004: [],
      T005: ['T001', 'T002', 'T003', 'T004'],
    });
  });
});

describe('rule 5: explicit dependencies', () => {
  test('backward: an explicit edge inside a [P] run orders the two tasks; the redundant entry edge is reduced away', () => {
    const p = plan(md('- [ ] T001 a', '- [ ] T002 [P] b', '- [ ] T003 [P] c (depends on T002)', '- [ ] T004 d'));
    expect(edges(p)).toEqual({ T001: [], T002: ['T001'], T003: ['T002'], T004: ['T003'] });
    expect(rules(p)['T003<-T002']).toEqual(['explicit']);
    expect(rules(p)['T004<-T003']).toEqual(['parallel-run']);
  });

  test('forward: a task may depend on a later task of a concurrent story phase', () => {
    const p = plan(
      md(
        '## Setup',
        '- [ ] T001 setup',
        '## User Story 1',
        '- [ ] T002 [US1] a',
        '- [ ] T003 [US1] b (depends on T005)',
        '## User Story 2',
        '- [ ] T004 [US2] c',
        '- [ ] T005 [US2] d',
        '## Polish',
        '- [ ] T006 polish',
      ),
    );
    expect(edges(p)).toEqual({
      T001: [],
      T002: ['T001'],
      T003: ['T002', 'T005'],
      T004: ['T001'],
      T005: ['T004'],
      T006: ['T003'],
    });
    expect(p.dependsOn.T003[1]).toEqual({
      id: 'T005',
      reasons: [{ rule: 'explicit', cause: 'T003 depends on T005 (line 5)' }],
    });
  });

  test('ranges and Depends on: sub-bullets add one edge per task in the range', () => {
    const p = plan(
      md(
        '## User Story 1',
        '- [ ] T001 [US1] a',
        '## User Story 2',
        '- [ ] T002 [US2] b',
        '## User Story 3',
        '- [ ] T003 [US3] c',
        '## User Story 4',
        '- [ ] T005 [US4] d (depends on T001-T003)',
        '## User Story 5',
        '- [ ] T006 [US5] e',
        '  - Depends on: T002–T003',
      ),
    );
    expect(edges(p)).toEqual({ T001: [], T002: [], T003: [], T005: ['T001', 'T002', 'T003'], T006: ['T002', 'T003'] });
  });

  test('a dependency that closes a cycle is an error naming the cycle; no waves are produced', () => {
    const source = md('## Core', '- [ ] T003 a (depends on T008)', '- [ ] T008 b');
    const p = plan(source);
    expect(p.ok).toBe(false);
    expect(p.diagnostics).toEqual([
      {
        severity: 'error',
        code: 'cycle',
        file: 'tasks.md',
        line: 2,
        taskId: 'T003',
        message: 'dependency cycle: T003 → T008 → T003',
      },
    ]);
    expect([p.waves, p.criticalPath]).toEqual([[], { ids: [], length: 0 }]);
  });

  test('a longer cycle through explicit edges between concurrent phases is named in full', () => {
    const source = md(
      '## User Story 1',
      '- [ ] T001 [US1] a (depends on T003)',
      '## User Story 2',
      '- [ ] T002 [US2] b (depends on T001)',
      '## User Story 3',
      '- [ ] T003 [US3] c (depends on T002)',
      '## User Story 4',
      '- [ ] T004 [US4] d',
    );
    expect(diagnostics(source)).toEqual(['error cycle 2 T001: dependency cycle: T001 → T002 → T003 → T001']);
  });

  test('depending on a later barrier phase is a cycle too', () => {
    expect(diagnostics(md('## A', '- [ ] T001 a (depends on T002)', '## B', '- [ ] T002 b'))).toEqual([
      'error cycle 2 T001: dependency cycle: T001 → T002 → T001',
    ]);
  });

  test('an unknown id is an error naming both ids; a range end that does not exist too', () => {
    expect(
      diagnostics(
        md(
          '- [ ] T001 a',
          '- [ ] T002 b (depends on T099)',
          '- [ ] T003 c',
          '- [ ] T010 d',
          '  - Depends on: T001-T007',
        ),
      ),
    ).toEqual([
      'error unknown-dependency 2 T002: T002 depends on T099, which is not a task in this file',
      'error unknown-dependency 4 T010: T010 depends on T007, which is not a task in this file',
    ]);
  });

  test('a task depending on itself is a cycle error', () => {
    const p = plan(md('- [ ] T001 a', '- [ ] T002 b (depends on T002)'));
    expect(p.ok).toBe(false);
    expect(p.diagnostics.map((d) => [d.severity, d.code, d.line, d.taskId, d.message])).toEqual([
      ['error', 'cycle', 2, 'T002', 'dependency cycle: T002 depends on itself'],
    ]);
  });
});

describe('rule 6: file conflicts', () => {
  test('[P] siblings on one file: the later waits for the earlier, with a warning; the run otherwise stays parallel', () => {
    const p = plan(
      md(
        '- [ ] T001 setup',
        '- [ ] T002 [P] a in src/x.ts',
        '- [ ] T003 [P] b in `src/x.ts`',
        '- [ ] T004 [P] c in src/y.ts',
        '- [ ] T005 d',
      ),
    );
    expect(edges(p)).toEqual({ T001: [], T002: ['T001'], T003: ['T002'], T004: ['T001'], T005: ['T003', 'T004'] });
    expect(p.dependsOn.T003).toEqual([
      { id: 'T002', reasons: [{ rule: 'file-conflict', cause: 'both touch src/x.ts' }] },
    ]);
    expect(p.diagnostics).toEqual([
      {
        severity: 'warning',
        code: 'file-conflict',
        file: 'tasks.md',
        line: 3,
        taskId: 'T003',
        message: 'T003 and T002 both touch src/x.ts: T003 waits for T002 although marked [P]',
      },
    ]);
  });

  test('a folder and a file inside it conflict, in either order', () => {
    const p = plan(
      md(
        '## Story A: US1',
        '- [ ] T001 [US1] Scaffold `src/api/`',
        '## Story B: US2',
        '- [ ] T002 [US2] Users in src/api/users.ts',
        '## Story C: US3',
        '- [ ] T003 [US3] Orders in src/web/orders.ts',
        '## Story D: US4',
        '- [ ] T004 [US4] Web shell in src/web/',
        '## Story E: US5',
        '- [ ] T005 [US5] Other in lib/other.ts',
      ),
    );
    expect(edges(p)).toEqual({ T001: [], T002: ['T001'], T003: [], T004: ['T003'], T005: [] });
    expect(p.diagnostics.map((d) => d.message)).toEqual([
      'T002 and T001 both touch src/api/users.ts (inside src/api/): T002 waits for T001',
      'T004 and T003 both touch src/web/orders.ts (inside src/web/): T004 waits for T003',
    ]);
  });

  test('a folder and a sub-folder conflict; sibling folders and look-alike prefixes do not', () => {
    const p = plan(
      md(
        '- [ ] T001 [P] a in src/auth/',
        '- [ ] T002 [P] b in src/auth/social/',
        '- [ ] T003 [P] c in src/authz/',
        '- [ ] T004 [P] d in src/auth.ts',
      ),
    );
    expect(edges(p)).toEqual({ T001: [], T002: ['T001'], T003: [], T004: [] });
  });

  test('a folder task waits for every earlier task inside it; a later file waits for the folder task', () => {
    const p = plan(
      md(
        '- [ ] T001 [P] a in src/a.ts',
        '- [ ] T002 [P] b in src/b.ts',
        '- [ ] T003 [P] c in src/',
        '- [ ] T004 [P] d in src/a.ts',
        '- [ ] T005 [P] e in src/c.ts',
      ),
    );
    expect(edges(p)).toEqual({ T001: [], T002: [], T003: ['T001', 'T002'], T004: ['T003'], T005: ['T003'] });
  });

  test('a folder named without its trailing slash (`src/cli` in backticks) still contains its files', () => {
    const p = plan(
      md(
        '- [ ] T001 [P] Scaffold `src/cli`',
        '- [ ] T002 [P] Entry in src/cli/main.ts',
        '- [ ] T003 [P] Help in `src/cli/help.ts`',
        '- [ ] T004 [P] Wire `src/cli`',
      ),
    );
    expect(edges(p)).toEqual({ T001: [], T002: ['T001'], T003: ['T001'], T004: ['T002', 'T003'] });
    expect(p.diagnostics.map((d) => d.message)).toEqual([
      'T002 and T001 both touch src/cli/main.ts (inside src/cli): T002 waits for T001 although marked [P]',
      'T003 and T001 both touch src/cli/help.ts (inside src/cli): T003 waits for T001 although marked [P]',
      'T004 and T001 both touch src/cli: T004 waits for T001 although marked [P]',
      'T004 and T002 both touch src/cli/main.ts (inside src/cli): T004 waits for T002 although marked [P]',
      'T004 and T003 both touch src/cli/help.ts (inside src/cli): T004 waits for T003 although marked [P]',
    ]);
  });

  test('tasks already in order get the file-conflict reason but no warning', () => {
    const p = plan(md('- [ ] T001 a in src/x.ts', '- [ ] T002 b in src/x.ts'));
    expect(rules(p)).toEqual({ 'T002<-T001': ['sequence', 'file-conflict'] });
    expect(p.diagnostics).toEqual([]);
  });
});

describe('rule 7: lanes "story"', () => {
  test('labelled tasks wait for their own lane and unlabelled earlier tasks; [ALL] waits for everything', () => {
    const source = md(
      '- [ ] T001 [US1] a',
      '- [ ] T002 [US2] b',
      '- [ ] T003 shared c',
      '- [ ] T004 [US1] d',
      '- [ ] T005 [US2] e',
      '- [ ] T006 unlabelled f',
      '- [ ] T007 [US3] g',
      '- [ ] T008 [ALL] h',
      '- [ ] T009 [US1] i',
    );
    const p = plan(source, { lanes: 'story' });
    // Regression: T004 lost T001 and T008 lost T004/T005 when an unlabelled task replaced a
    // lane's last task although it never waited for it.
    expect(edges(p)).toEqual({
      T001: [],
      T002: [],
      T003: [],
      T004: ['T001', 'T003'],
      T005: ['T002', 'T003'],
      T006: ['T003'],
      T007: ['T006'],
      T008: ['T004', 'T005', 'T007'],
      T009: ['T008'],
    });
    expect(edges(plan(source))).toEqual({
      T001: [],
      T002: ['T001'],
      T003: ['T002'],
      T004: ['T003'],
      T005: ['T004'],
      T006: ['T005'],
      T007: ['T006'],
      T008: ['T007'],
      T009: ['T008'],
    });
  });

  test("an unlabelled [P] run inside a story lane: the lane's own earlier tasks are not forgotten (regression)", () => {
    const p = plan(
      md(
        '- [ ] T001 [US1] a',
        '- [ ] T002 [P] shared b',
        '- [ ] T003 [P] [US1] c',
        '- [ ] T004 [US1] d',
        '- [ ] T005 [US2] e',
      ),
      { lanes: 'story' },
    );
    expect(edges(p)).toEqual({ T001: [], T002: [], T003: ['T001'], T004: ['T002', 'T003'], T005: ['T002'] });
    expect(p.dependsOn.T003[0].reasons).toEqual([{ rule: 'lane', cause: 'the [P] run of T002 starts after T001' }]);
  });

  test('lanes stay inside a phase: the next barrier phase still waits for all lanes', () => {
    const p = plan(md('## Core', '- [ ] T001 [US1] a', '- [ ] T002 [US2] b', '## Polish', '- [ ] T003 c'), {
      lanes: 'story',
    });
    expect(edges(p)).toEqual({ T001: [], T002: [], T003: ['T001', 'T002'] });
  });

  test('[P] runs work per lane', () => {
    const p = plan(
      md(
        '- [ ] T001 [US1] a',
        '- [ ] T002 [P] [US1] b',
        '- [ ] T003 [P] [US2] c',
        '- [ ] T004 [P] [US1] d',
        '- [ ] T005 [US1] e',
        '- [ ] T006 [US2] f',
      ),
      { lanes: 'story' },
    );
    expect(edges(p)).toEqual({
      T001: [],
      T002: ['T001'],
      T003: [],
      T004: ['T001'],
      T005: ['T002', 'T004'],
      T006: ['T003'],
    });
  });

  test('file conflicts still order tasks across lanes', () => {
    const p = plan(md('- [ ] T001 [US1] a in src/shared.ts', '- [ ] T002 [US2] b in src/shared.ts'), {
      lanes: 'story',
    });
    expect(edges(p)).toEqual({ T001: [], T002: ['T001'] });
    expect(p.diagnostics.map((d) => d.code)).toEqual(['file-conflict']);
  });
});

describe('rule 8: transitive reduction', () => {
  test('a redundant explicit edge disappears; its reason goes with it', () => {
    const p = plan(md('- [ ] T001 a', '- [ ] T002 b', '- [ ] T003 c (depends on T001)'));
    expect(edges(p)).toEqual({ T001: [], T002: ['T001'], T003: ['T002'] });
    expect(rules(p)).toEqual({ 'T002<-T001': ['sequence'], 'T003<-T002': ['sequence'] });
  });

  test('a redundant file-conflict edge across phases disappears too', () => {
    const p = plan(md('## A', '- [ ] T001 a in src/x.ts', '- [ ] T002 b', '## B', '- [ ] T003 c in src/x.ts'));
    expect(edges(p)).toEqual({ T001: [], T002: ['T001'], T003: ['T002'] });
  });

  test('an explicit edge that is the only path is kept', () => {
    const p = plan(
      md('## User Story 1', '- [ ] T001 [US1] a', '## User Story 2', '- [ ] T002 [US2] b (depends on T001)'),
    );
    expect(edges(p)).toEqual({ T001: [], T002: ['T001'] });
  });
});

describe('waves and critical paths', () => {
  const durations = {
    T001: 14,
    T002: 12,
    T003: 11,
    T004: 13,
    T005: 15,
    T006: 12,
    T007: 40,
    T008: 5,
    T009: 9,
    T010: 8,
    T011: 10,
    T012: 4,
  };

  test('by count and by durations they can differ (shapes-lanes.md, lanes "story", example timings with T007 slower)', () => {
    const p = plan(fixture('shapes-lanes.md'), { lanes: 'story', durations });
    expect(p.criticalPath).toEqual({ ids: ['T001', 'T002', 'T005', 'T009', 'T012'], length: 5 });
    expect(p.weightedCriticalPath).toEqual({ ids: ['T004', 'T007', 'T011', 'T012'], seconds: 13 + 40 + 10 + 4 });
  });

  test('with the example timings the weighted path follows story 1', () => {
    const p = plan(fixture('shapes-lanes.md'), { lanes: 'story', durations: { ...durations, T007: 18 } });
    expect(p.weightedCriticalPath).toEqual({
      ids: ['T001', 'T002', 'T005', 'T009', 'T012'],
      seconds: 14 + 12 + 15 + 9 + 4,
    });
  });

  test('missing durations count 1 second', () => {
    const p = plan(md('- [ ] T001 [P] a', '- [ ] T002 [P] b', '- [ ] T003 c'), { durations: { T002: 30 } });
    expect(p.weightedCriticalPath).toEqual({ ids: ['T002', 'T003'], seconds: 31 });
    expect(p.waves).toEqual([['T001', 'T002'], ['T003']]);
  });

  test('an empty file plans to nothing', () => {
    const p = plan('');
    expect([p.ok, p.dependsOn, p.waves, p.criticalPath]).toEqual([true, {}, [], { ids: [], length: 0 }]);
  });
});

describe('performance sanity (not timed)', () => {
  test('5,000 tasks in a few phases with [P] runs, shared files and explicit dependencies parse and plan', () => {
    const lines: string[] = ['# Tasks: Big'];
    let n = 0;
    const id = () => `T${String(++n).padStart(4, '0')}`;
    const phases = ['Setup', 'Foundational', 'User Story 1', 'User Story 2', 'User Story 3', 'Integration', 'Polish'];
    for (const [p, title] of phases.entries()) {
      lines.push('', `## Phase ${p + 1}: ${title}`, '');
      for (let k = 0; n < ((p + 1) * 5000) / phases.length; k++) {
        if (k % 40 === 0) lines.push('', `### Section ${k / 40}`, '');
        const task = id();
        const parallel = k % 6 !== 0 ? ' [P]' : '';
        const story = title.startsWith('User Story') ? ` [US${title.slice(-1)}]` : '';
        const file = k % 9 === 0 ? 'src/shared.ts' : k % 50 === 0 ? `src/mod${p}/` : `src/mod${p}/file${k}.ts`;
        const dep = k % 25 === 24 ? ` (depends on T${String(n - 20).padStart(4, '0')})` : '';
        lines.push(`- [ ] ${task}${parallel}${story} Task ${k} in ${file}${dep}`);
      }
    }
    const parsed = parseTasks(lines.join('\n'));
    expect(parsed.tasks).toHaveLength(5000);
    expect(parsed.phases).toHaveLength(7);
    const p = planTasks(parsed, { lanes: 'story' });
    expect(p.ok).toBe(true);
    expect(p.waves.flat()).toHaveLength(5000);
    expect(Object.keys(p.dependsOn)).toHaveLength(5000);
  });
});
