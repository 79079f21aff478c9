import { parseTasks } from './parse';
import { planTasks } from './plan';
import { md } from '../test/helpers';

// Setup, Foundational, then three story phases, Polish: the user-story template's shape.
const FEATURE = [
  '## Phase 1: Setup',
  '- [ ] T001 Init',
  '## Phase 2: Foundational',
  '- [ ] T002 Base',
  '## Phase 3: User Story 1 - Browse (Priority: P1)',
  '- [ ] T003 [US1] List',
  '- [ ] T004 [US1] Page',
  '## Phase 4: User Story 2 - Filter (Priority: P2)',
  '- [ ] T005 [US2] Filter',
  '## Phase 5: User Story 3 - Detail (Priority: P3)',
  '- [ ] T006 [US3] Detail',
  '## Phase 6: Polish',
  '- [ ] T007 Docs',
];
const read = (...prose: string[]) => {
  const parsed = parseTasks(md(...FEATURE, '## Dependencies & Execution Order', ...prose), 'specs/x/tasks.md');
  return { parsed, plan: planTasks(parsed, {}, 'specs/x/tasks.md') };
};
const prereqs = (p: ReturnType<typeof read>, id: string) =>
  p.plan.dependsOn[id].map((d) => `${d.id} ${d.reasons.map((r) => r.rule).join('+')}`);
const line = FEATURE.length + 2;

describe('stated story and phase dependencies (contract rule 3)', () => {
  test('without a statement, story phases run concurrently after Foundational', () => {
    const p = read('Stories are independent.');
    expect(prereqs(p, 'T005')).toEqual(['T002 story-phase']);
    expect(p.parsed.statements).toEqual([]);
  });

  test.each([
    ['- **User Story 2 (P2)**: Depends on User Story 1 (needs the list)'],
    ['- **US2**: Requires US1'],
    ['**Phase 4 must wait for Phase 3** (filters extend the list)'],
    ['- US2 (Filter) should wait for US1 to validate the list'],
    ['Phase 4 (US2) ← Builds on US1'],
    ['| US2 — Filter | Phase 4 | Depends on US1 |'],
  ])('"%s": the dependent story waits for every task of the prerequisite, the line is the reason', (statement) => {
    const p = read(statement);
    expect(p.parsed.statements).toEqual([{ line, kind: 'edge', dependents: [4], prerequisites: [3] }]);
    expect(prereqs(p, 'T005')).toEqual(['T004 stated']);
    expect(p.plan.dependsOn.T005[0].reasons[0].cause).toBe(
      `phase "Phase 4: User Story 2 - Filter (Priority: P2)" waits for phase "Phase 3: User Story 1 - Browse (Priority: P1)": stated in specs/x/tasks.md:${line}`,
    );
    // Story 3 is untouched, and Polish still waits for all of them.
    expect(prereqs(p, 'T006')).toEqual(['T002 story-phase']);
    expect(prereqs(p, 'T007')).toEqual(['T005 barrier-phase', 'T006 barrier-phase']);
  });

  test('lists and ranges: "User Stories 1 and 2", "US1-2", "US1, US2"', () => {
    for (const statement of [
      '- **User Story 3**: Depends on User Stories 1 and 2',
      '- US3 can implement after US1-2',
      '- **US3 (Detail)**: Depends on US1 (list), US2 (filters)',
    ]) {
      const p = read(statement);
      expect(p.parsed.statements).toEqual([{ line, kind: 'edge', dependents: [5], prerequisites: [3, 4] }]);
      expect(prereqs(p, 'T006')).toEqual(['T004 stated', 'T005 stated']);
    }
  });

  test('a clause ends at "because", "while", ";": later stories it mentions are not prerequisites', () => {
    const p = read(
      '- **User Story 3**: Depends on User Story 1 parsing; it may run beside User Story 2 after User Story 1 is done, while US2 changes storage',
    );
    expect(p.parsed.statements).toEqual([{ line, kind: 'edge', dependents: [5], prerequisites: [3] }]);
    const q = read(
      '- **User Story 2 (Phase 4)**: Depends on Foundational completion AND User Story 1 (reuses its list)',
    );
    expect(q.parsed.statements).toEqual([{ line, kind: 'edge', dependents: [4], prerequisites: [3] }]);
  });

  test('"can start after Foundational - no dependencies on other stories" and other restated barriers add nothing', () => {
    const p = read(
      '- **Foundational (Phase 2)**: Depends on Setup completion - BLOCKS all user stories',
      '- **User Stories (Phase 3+)**: All depend on Foundational phase completion',
      '- **User Story 2 (P2)**: Can start after Foundational (Phase 2) - No dependencies on other stories',
      '- **User Story 3 (P3)**: Can start after Foundational - Independent of US1/US2, does not require US1',
    );
    expect(p.parsed.statements.map((s) => s.kind)).toEqual(['none', 'none', 'none', 'none']);
    expect(prereqs(p, 'T005')).toEqual(['T002 story-phase']);
    expect(prereqs(p, 'T006')).toEqual(['T002 story-phase']);
  });

  test("a statement in a phase's intro has that phase as its subject", () => {
    const parsed = parseTasks(
      md(...FEATURE.slice(0, 8), 'These build on the list from User Story 1.', ...FEATURE.slice(8)),
    );
    expect(parsed.statements).toEqual([{ line: 9, kind: 'edge', dependents: [4], prerequisites: [3] }]);
  });

  test('a statement naming a story no phase holds is a warning naming the line and how to write it', () => {
    const p = read('- **US2**: Depends on US9');
    expect(p.parsed.statements).toEqual([]);
    expect(p.parsed.diagnostics).toEqual([
      {
        severity: 'warning',
        code: 'unread-dependency',
        file: 'specs/x/tasks.md',
        line,
        message:
          'this line looks like a dependency between stories or phases but is not read (US9 is not a phase of this file): write "User Story 2 depends on User Story 1", or put (depends on T012) on the first task that waits',
      },
    ]);
  });

  test('task ids and code blocks are not statements', () => {
    const p = read(
      '- **Phase 2**: T006, T007 in parallel; T010 after types complete',
      '```',
      'US2 depends on US1',
      '```',
    );
    expect(p.parsed.statements).toEqual([]);
    expect(p.parsed.diagnostics).toEqual([]);
  });
});
