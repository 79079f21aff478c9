import { parseTasks } from './parse';
import { openNonTasks } from './model';
import { fixture, md } from '../test/helpers';

const summary = (source: string) =>
  parseTasks(source).phases.map((p) => ({
    number: p.number,
    title: p.title,
    line: p.line,
    kind: p.kind,
    story: p.story,
    priority: p.priority,
    taskIds: p.taskIds,
  }));
const ids = (source: string) => parseTasks(source).tasks.map((t) => t.id);

describe('phases (contract rule 1)', () => {
  test('shapes-template.md: numbered ## phases, story phases by heading, priorities, the # title and legend skipped', () => {
    expect(summary(fixture('shapes-template.md'))).toEqual([
      {
        number: 1,
        title: 'Phase 1: Setup (Project Skeleton)',
        line: 17,
        kind: 'barrier',
        story: undefined,
        priority: undefined,
        taskIds: ['T001', 'T002', 'T003', 'T004'],
      },
      {
        number: 2,
        title: 'Phase 2: Foundational (Needed by Every Story)',
        line: 28,
        kind: 'barrier',
        story: undefined,
        priority: undefined,
        taskIds: ['T005', 'T006', 'T007'],
      },
      {
        number: 3,
        title: 'Phase 3: User Story 1 - Save a recipe (Priority: P1) 🎯 MVP',
        line: 40,
        kind: 'story',
        story: 'US1',
        priority: 'P1',
        taskIds: ['T008', 'T009', 'T010', 'T011', 'T012', 'T013'],
      },
      {
        number: 4,
        title: 'Phase 4: User Story 2 - Order the steps (Priority: P2)',
        line: 60,
        kind: 'story',
        story: 'US2',
        priority: 'P2',
        taskIds: ['T014', 'T015', 'T016'],
      },
      // Spanish heading without "User Story": a story phase because all its tasks carry [US3].
      {
        number: 5,
        title: 'Phase 5: Recetas compartidas — Historia 3 (Priority: P3)',
        line: 68,
        kind: 'story',
        story: 'US3',
        priority: 'P3',
        taskIds: ['T017', 'T018'],
      },
      {
        number: 6,
        title: 'Phase 6: Polish & Finishing Touches',
        line: 75,
        kind: 'barrier',
        story: undefined,
        priority: undefined,
        taskIds: ['T019', 'T020'],
      },
    ]);
  });

  test('shapes-priorities.md: `(P1)` in a heading is the phase priority; mixed [USn] labels make a barrier phase', () => {
    expect(summary(fixture('shapes-priorities.md'))).toEqual([
      {
        number: 1,
        title: 'Phase 1: Must Have (P1)',
        line: 1,
        kind: 'barrier',
        story: undefined,
        priority: 'P1',
        taskIds: ['T001', 'T002', 'T003'],
      },
      {
        number: 2,
        title: 'Phase 2: Should Have (P2)',
        line: 6,
        kind: 'barrier',
        story: undefined,
        priority: 'P2',
        taskIds: ['T004', 'T005', 'T006'],
      },
      {
        number: 3,
        title: 'Phase 3: Nice to Have (P3)',
        line: 11,
        kind: 'story',
        story: 'US5',
        priority: 'P3',
        taskIds: ['T007', 'T008'],
      },
    ]);
  });

  test('story phase by heading ("User Story 2", "US3") even with unlabelled tasks, by a common [USn] label, else barrier', () => {
    const source = md(
      '## Phase 1: User Story 2 - Sharing',
      '- [ ] T001 a',
      '## Phase 2: US3 quick wins',
      '- [ ] T002 b',
      '## Phase 3: Reports',
      '- [ ] T003 [US4] c',
      '- [ ] T004 [US4] d',
      '## Phase 4: Mixed',
      '- [ ] T005 [US4] e',
      '- [ ] T006 [US5] f',
      '## Phase 5: Partly labelled',
      '- [ ] T007 [US6] g',
      '- [ ] T008 h',
      '## Phase 6: Business rules',
      '- [ ] T009 BUS 7 is not a story',
    );
    expect(summary(source).map((p) => [p.kind, p.story])).toEqual([
      ['story', 'US2'],
      ['story', 'US3'],
      ['story', 'US4'],
      ['barrier', undefined],
      ['barrier', undefined],
      ['barrier', undefined],
    ]);
  });

  test('priority: heading `(Priority: P2)` is inherited; a task [P1] tag wins; a heading without one gives none', () => {
    const parsed = parseTasks(
      md(
        '## Phase 3: User Story 1 - Albums (Priority: P2)',
        '- [ ] T001 [US1] inherits',
        '- [ ] T002 [P1] [US1] tagged',
        '## Phase 4: Polish',
        '- [ ] T003 untagged',
        '- [ ] T004 [P3] tagged',
      ),
    );
    expect(parsed.phases.map((p) => p.priority)).toEqual(['P2', undefined]);
    expect(parsed.tasks.map((t) => [t.id, t.priority])).toEqual([
      ['T001', 'P2'],
      ['T002', 'P1'],
      ['T003', undefined],
      ['T004', 'P3'],
    ]);
    // [P1] is a priority, not the parallel marker.
    expect(parsed.tasks.map((t) => t.parallel)).toEqual([false, false, false, false]);
  });

  test('phases are numbered 1.. by position, skipping headings without tasks', () => {
    const source = md(
      '# Tasks: X',
      '',
      '## Overview',
      'prose',
      '',
      '## Phase 1: Setup',
      '- [ ] T001 a',
      '',
      '## Notes',
      'more prose',
      '',
      '## Phase 2: Core',
      '- [ ] T002 b',
      '',
      '## Appendix',
    );
    expect(summary(source).map((p) => [p.number, p.title])).toEqual([
      [1, 'Phase 1: Setup'],
      [2, 'Phase 2: Core'],
    ]);
  });

  test('tasks before the first heading form a preamble barrier phase; a file without headings is one phase', () => {
    const withPreamble = md('- [ ] T001 a', '', '## Phase 1: Core', '', '- [ ] T002 b');
    expect(summary(withPreamble)).toEqual([
      {
        number: 1,
        title: '(tasks before the first phase heading)',
        line: 0,
        kind: 'barrier',
        story: undefined,
        priority: undefined,
        taskIds: ['T001'],
      },
      {
        number: 2,
        title: 'Phase 1: Core',
        line: 3,
        kind: 'barrier',
        story: undefined,
        priority: undefined,
        taskIds: ['T002'],
      },
    ]);
    expect(summary(fixture('shapes-serial.md'))).toEqual([
      {
        number: 1,
        title: '(tasks before the first phase heading)',
        line: 0,
        kind: 'barrier',
        story: undefined,
        priority: undefined,
        taskIds: ['T001', 'T002', 'T003', 'T004', 'T005', 'T006', 'T007', 'T008'],
      },
    ]);
  });

  test('a lone `# Title` over `##` phases is not a phase; a lone `#` without deeper headings is', () => {
    expect(
      summary(md('# Tasks: Chat', '## Setup', '- [ ] T001 a', '## Core', '- [ ] T002 b')).map((p) => p.title),
    ).toEqual(['Setup', 'Core']);
    expect(summary(fixture('shapes-resume.md')).map((p) => [p.title, p.taskIds.length])).toEqual([
      ['Where the run stopped', 7],
    ]);
  });

  test('a lone `##` phase with `###` sub-headings stays one phase: the sub-headings are sections (regression)', () => {
    const parsed = parseTasks(
      md(
        '## Phase 3: User Story 1 - Albums (Priority: P1)',
        '### Tests for User Story 1',
        '- [ ] T001 [P] [US1] a',
        '### Implementation for User Story 1',
        '- [ ] T002 [US1] b',
      ),
    );
    expect(parsed.phases.map((p) => [p.title, p.kind, p.taskIds])).toEqual([
      ['Phase 3: User Story 1 - Albums (Priority: P1)', 'story', ['T001', 'T002']],
    ]);
    expect(parsed.tasks.map((t) => t.section)).toEqual(['Tests for User Story 1', 'Implementation for User Story 1']);
  });

  test('sub-headings set the task section; each sub-heading is a distinct section index', () => {
    const tasks = parseTasks(fixture('shapes-template.md')).tasks;
    const byId = Object.fromEntries(tasks.map((t) => [t.id, t]));
    expect(byId.T008.section).toBe('Tests for User Story 1 ⚠️');
    expect(byId.T010.section).toBe('Implementation for User Story 1');
    expect(byId.T001.section).toBeUndefined();
    expect(byId.T008.sectionIndex).toBe(byId.T009.sectionIndex);
    expect(byId.T010.sectionIndex).toBe(byId.T013.sectionIndex);
    expect(byId.T008.sectionIndex).not.toBe(byId.T010.sectionIndex);
    expect(byId.T008.sectionIndex).not.toBe(byId.T001.sectionIndex);
  });
});

describe('tasks', () => {
  test('shapes-template.md: every field of a task with [US1] and an inline (depends on …) clause', () => {
    const source = fixture('shapes-template.md');
    const t12 = parseTasks(source).tasks.find((t) => t.id === 'T012')!;
    const checkboxByte = Buffer.from(source).indexOf('- [ ] T012') + 3;
    expect(t12).toEqual({
      id: 'T012',
      checkbox: ' ',
      done: false,
      line: 53,
      checkboxOffset: source.indexOf('- [ ] T012') + 3,
      checkboxByte,
      // The whole list item: its line, up to the next task's.
      itemRange: [source.indexOf('- [ ] T012'), source.indexOf('\n', source.indexOf('- [ ] T012'))],
      parallel: false,
      story: 'US1',
      priority: 'P1',
      labels: [],
      description: 'Implement RecipeBook in src/services/recipe-book.ts',
      text: 'T012 [US1] Implement RecipeBook in src/services/recipe-book.ts (depends on T010, T011)',
      files: ['src/services/recipe-book.ts'],
      dependsOn: ['T010', 'T011'],
      phase: 2,
      section: 'Implementation for User Story 1',
      sectionIndex: expect.any(Number),
    });
  });

  test('checkbox states `[ ]`, `[x]`, `[X]`', () => {
    const tasks = parseTasks(md('- [ ] T001 open', '- [x] T002 lean preset', '- [X] T003 classic')).tasks;
    expect(tasks.map((t) => [t.id, t.checkbox, t.done])).toEqual([
      ['T001', ' ', false],
      ['T002', 'x', true],
      ['T003', 'X', true],
    ]);
  });

  test('`ID:` with a colon, [P] at the end of the line (shapes-colon-ids.md)', () => {
    const tasks = parseTasks(fixture('shapes-colon-ids.md')).tasks;
    expect(tasks.map((t) => t.id)).toEqual(Array.from({ length: 20 }, (_, i) => `T${String(i + 1).padStart(3, '0')}`));
    const t5 = tasks[4];
    expect([t5.parallel, t5.description, t5.files]).toEqual([
      true,
      'Contract test for the beds endpoint',
      ['tests/contract/test_beds.py'],
    ]);
    expect(tasks[0].description).toBe('Lay out the Flask project');
    expect(tasks.filter((t) => t.parallel).map((t) => t.id)).toEqual([
      'T005',
      'T006',
      'T007',
      'T013',
      'T014',
      'T015',
      'T016',
      'T017',
    ]);
    expect(tasks.find((t) => t.id === 'T010')!.dependsOn).toEqual(['T008', 'T005']);
  });

  test('tags before or after the id: [P], [USn], [Pn] and other labels such as [ALL]', () => {
    const tasks = parseTasks(
      md(
        '- [ ] T001 [P] [US1] a',
        '- [ ] [P] T002 b',
        '- [ ] T003 [ALL] Refresh the route index in docs/routes.md',
        '- [ ] T004 [P2] [US3] [DB] c [P]',
        '- [ ] T005 see [the guide](docs/x.md) and [P]',
      ),
    ).tasks;
    expect(tasks.map((t) => [t.id, t.parallel, t.story, t.priority, t.labels])).toEqual([
      ['T001', true, 'US1', undefined, []],
      ['T002', true, undefined, undefined, []],
      ['T003', false, undefined, undefined, ['ALL']],
      ['T004', true, 'US3', 'P2', ['DB']],
      ['T005', true, undefined, undefined, []],
    ]);
    expect(tasks[3].description).toBe('c');
    expect(tasks[2].description).toBe('Refresh the route index in docs/routes.md');
  });

  test('bold ids (`**T001**`, `**T002**:`) are tasks too (regression: the checkbox leaked into the text)', () => {
    const tasks = parseTasks(md('- [ ] **T001** Create model', '- [x] **T002**: Create service')).tasks;
    expect(tasks.map((t) => [t.id, t.done, t.description])).toEqual([
      ['T001', false, 'Create model'],
      ['T002', true, 'Create service'],
    ]);
  });

  test('nested task checkboxes are tasks of their own; the parent keeps its own sub-bullets', () => {
    const parsed = parseTasks(
      md(
        '- [ ] T001 Parent in src/a.ts',
        '  - [ ] T002 Child in src/b.ts',
        '    - Files: src/c.ts',
        '  - Files: src/d.ts',
        '  - Depends on: T003',
        '- [ ] T003 Next',
      ),
    );
    expect(parsed.tasks.map((t) => [t.id, t.files, t.dependsOn])).toEqual([
      ['T001', ['src/a.ts', 'src/d.ts'], ['T003']],
      ['T002', ['src/b.ts', 'src/c.ts'], []],
      ['T003', [], []],
    ]);
    expect(parsed.tasks.map((t) => t.line)).toEqual([1, 2, 6]);
  });

  test('a checkbox without a task id is a warning with its line, not a task', () => {
    const parsed = parseTasks(
      md(
        '## Checklist',
        '',
        '- [ ] Feature begins as standalone library?',
        '- [ ] T001 real task',
        '- [x] [P] no id either',
      ),
    );
    expect(parsed.tasks.map((t) => t.id)).toEqual(['T001']);
    expect(parsed.diagnostics).toEqual([
      {
        severity: 'warning',
        code: 'checkbox-without-id',
        file: 'tasks.md',
        line: 3,
        message: 'checkbox item has no task id (T###): it is not a task and is not run',
      },
      {
        severity: 'warning',
        code: 'checkbox-without-id',
        file: 'tasks.md',
        line: 5,
        message: 'checkbox item has no task id (T###): it is not a task and is not run',
      },
    ]);
    expect(openNonTasks(parsed)).toEqual([3]);
  });

  test('a duplicate id is an error on its second line, and only the first definition is kept', () => {
    const parsed = parseTasks(md('- [ ] T001 a', '- [ ] T002 b', '- [ ] T001 again'), 'specs/x/tasks.md');
    expect(parsed.tasks.map((t) => [t.id, t.description])).toEqual([
      ['T001', 'a'],
      ['T002', 'b'],
    ]);
    expect(parsed.diagnostics).toEqual([
      {
        severity: 'error',
        code: 'duplicate-id',
        file: 'specs/x/tasks.md',
        line: 3,
        taskId: 'T001',
        message: 'T001 is defined twice (first on line 1)',
      },
    ]);
  });

  test('plain list items and `Task T005` prose are not tasks', () => {
    expect(ids(md('- T001 no checkbox', '* [P] T002 no checkbox', 'Task T003 & Task T004', '- [ ] T005 yes'))).toEqual([
      'T005',
    ]);
  });
});

describe('tolerance', () => {
  test('CRLF + BOM: checkboxByte is the checkbox byte in the Buffer, checkboxOffset the index in the string', () => {
    const source =
      '\uFEFF# Tasks\r\n\r\n## Phase 1: Setup\r\n\r\n- [ ] T001 a in src/a.ts\r\n- [x] T002 [P] b\r\n  - Depends on: T001\r\n- [X] T003 c\r\n';
    const parsed = parseTasks(source);
    const bytes = Buffer.from(source, 'utf8');
    expect(parsed.bom).toBe(true);
    expect(parsed.tasks.map((t) => [t.id, t.line, t.checkboxOffset, t.checkboxByte])).toEqual([
      ['T001', 5, source.indexOf('[ ] T001') + 1, bytes.indexOf('[ ] T001') + 1],
      ['T002', 6, source.indexOf('[x] T002') + 1, bytes.indexOf('[x] T002') + 1],
      ['T003', 8, source.indexOf('[X] T003') + 1, bytes.indexOf('[X] T003') + 1],
    ]);
    // The BOM is 1 char but 3 bytes: the two offsets differ by exactly 2.
    expect(parsed.tasks.map((t) => t.checkboxByte - t.checkboxOffset)).toEqual([2, 2, 2]);
    expect(parsed.tasks.map((t) => String.fromCharCode(bytes[t.checkboxByte]))).toEqual([' ', 'x', 'X']);
    expect(parsed.tasks[1].dependsOn).toEqual(['T001']);
    expect(parsed.tasks[0].files).toEqual(['src/a.ts']);
  });

  test('emoji and other multibyte text before tasks: offsets still land on the checkbox', () => {
    const source = md(
      '# Tâches 🚀📸',
      '',
      '## Fase 1 — Configuración 🎯',
      '',
      '- [ ] T001 Crear 😀 modelo',
      '  - Files: `src/ñandú.ts`',
      '- [ ] T002 [P] 中文 in src/b.ts',
    );
    const parsed = parseTasks(source);
    const bytes = Buffer.from(source, 'utf8');
    expect(parsed.bom).toBe(false);
    for (const t of parsed.tasks) {
      expect(bytes.subarray(t.checkboxByte - 1, t.checkboxByte + 7).toString()).toBe(`[ ] ${t.id}`);
      expect(source.slice(t.checkboxOffset - 1, t.checkboxOffset + 7)).toBe(`[ ] ${t.id}`);
    }
    expect(parsed.tasks[1].checkboxByte - parsed.tasks[1].checkboxOffset).toBeGreaterThan(10);
    expect(parsed.phases.map((p) => p.title)).toEqual(['Fase 1 — Configuración 🎯']);
    expect(parsed.tasks[0].files).toEqual(['src/ñandú.ts']);
  });

  test('shapes-template.md with CRLF and a BOM parses to the same tasks and phases, offsets shifted exactly', () => {
    const lf = fixture('shapes-template.md');
    const crlf = `\uFEFF${lf.replace(/\n/g, '\r\n')}`;
    const a = parseTasks(lf);
    const b = parseTasks(crlf);
    const strip = (t: (typeof a.tasks)[number]) => ({
      ...t,
      checkboxOffset: 0,
      checkboxByte: 0,
      sectionIndex: 0,
      itemRange: [0, 0],
    });
    expect(b.tasks.map(strip)).toEqual(a.tasks.map(strip));
    expect(b.phases).toEqual(a.phases);
    const bytes = Buffer.from(crlf, 'utf8');
    for (const t of b.tasks) {
      // BOM (3 bytes) plus one `\r` for every line before the task's.
      expect(t.checkboxByte).toBe(a.tasks.find((x) => x.id === t.id)!.checkboxByte + 3 + (t.line - 1));
      expect(bytes.subarray(t.checkboxByte - 1, t.checkboxByte + 2).toString()).toMatch(/^\[[ xX]\]$/);
      // The item's range is the same text, shifted by the BOM and the `\r`s before and inside it.
      expect(crlf.slice(...t.itemRange).replace(/\r\n/g, '\n')).toBe(
        lf.slice(...a.tasks.find((x) => x.id === t.id)!.itemRange),
      );
    }
  });

  test('shapes-template.md: front matter, legend, `---`, checkpoint paragraphs and the prose dependency section add nothing', () => {
    const parsed = parseTasks(fixture('shapes-template.md'));
    expect(parsed.tasks).toHaveLength(20);
    expect(parsed.diagnostics).toEqual([]);
    // The prose "T012 depends on T010-T011" is not a task and adds no dependency.
    expect(parsed.tasks.find((t) => t.id === 'T020')!.dependsOn).toEqual(['T013', 'T016', 'T018']);
  });

  test('fenced and indented code blocks never hold tasks (```, ~~~, ````markdown with a nested fence)', () => {
    const source = md(
      '# Guide',
      '',
      '```bash',
      '- [ ] T001 [US1] Add the member record in src/models/member.js',
      '```',
      '',
      '~~~',
      '- [ ] T002 tilde fence',
      '~~~',
      '',
      '````markdown',
      '## Setup Phase',
      '- [ ] T003: Lay out the project',
      '```python',
      '- [ ] T004 nested fence',
      '```',
      '- [X] T005: still inside the outer fence',
      '````',
      '',
      '    - [ ] T006 indented code',
      '',
      '## Real',
      '',
      '- [ ] T007 real one',
      '',
      '> - [ ] T008 quoted task list item',
    );
    expect(ids(source)).toEqual(['T007', 'T008']);
  });

  test('the same id in a code example and in the list: only the list item counts (no duplicate)', () => {
    const parsed = parseTasks(fixture('shapes-template.md'));
    expect(parsed.tasks.filter((t) => t.id === 'T008').map((t) => t.line)).toEqual([46]);
    expect(parsed.diagnostics.filter((d) => d.code === 'duplicate-id')).toEqual([]);
  });

  test('ordered lists and `*`/`+` bullets carry tasks too', () => {
    const parsed = parseTasks(md('1. [ ] T001 a', '2. [x] T002 b', '', '* [ ] T003 c', '+ [X] T004 d'));
    const bytes = Buffer.from(md('1. [ ] T001 a', '2. [x] T002 b', '', '* [ ] T003 c', '+ [X] T004 d'));
    expect(parsed.tasks.map((t) => [t.id, String.fromCharCode(bytes[t.checkboxByte])])).toEqual([
      ['T001', ' '],
      ['T002', 'x'],
      ['T003', ' '],
      ['T004', 'X'],
    ]);
  });
});

describe('the shapes fixtures', () => {
  test.each([
    ['shapes-core.md', 3, ['T016', 'T017']],
    ['shapes-serial.md', 8, []],
    ['shapes-lanes.md', 12, []],
    ['shapes-priorities.md', 8, []],
    ['shapes-resume.md', 7, ['T001', 'T002', 'T003', 'T004', 'T005', 'T006']],
    ['shapes-colon-ids.md', 20, []],
    ['shapes-template.md', 20, ['T001']],
  ])('%s parses: %i tasks, done %j, no diagnostics', (name, count, done) => {
    const parsed = parseTasks(fixture(name));
    expect(parsed.tasks).toHaveLength(count);
    expect(parsed.tasks.filter((t) => t.done).map((t) => t.id)).toEqual(done);
    expect(parsed.diagnostics).toEqual([]);
  });

  test("shapes-resume.md: the continuation line belongs to the failed task's text", () => {
    const t7 = parseTasks(fixture('shapes-resume.md')).tasks[6];
    expect([t7.id, t7.done, t7.story, t7.description]).toEqual([
      'T007',
      false,
      'US2',
      'Coupon table migration Error: connect ETIMEDOUT on port 5432',
    ]);
  });
});

describe('tasks as people write them (issue 14)', () => {
  test('letter and dotted suffixes are ids of their own, kept in listed order', () => {
    const parsed = parseTasks(
      md('- [ ] T013 a', '- [ ] T013a b', '- [ ] T013B c', '- [x] **T008.1** d', '- [ ] T008.1.2 e', '- [ ] T014 f'),
    );
    expect(parsed.tasks.map((t) => [t.id, t.description])).toEqual([
      ['T013', 'a'],
      ['T013a', 'b'],
      ['T013B', 'c'],
      ['T008.1', 'd'],
      ['T008.1.2', 'e'],
      ['T014', 'f'],
    ]);
    expect(parsed.diagnostics).toEqual([]);
  });

  test('bold around the id and tags, or around the whole line, is not left in the description', () => {
    const parsed = parseTasks(
      md(
        '- [ ] **T001 [P]** Add `a.ts` with **care**',
        '- [ ] **T002 [P] [US1]**: Add b',
        '- [ ] **T003 Add c**',
        '- [ ] **T004**: Add d',
      ),
    );
    expect(parsed.tasks.map((t) => [t.id, t.parallel, t.story, t.description])).toEqual([
      ['T001', true, undefined, 'Add `a.ts` with **care**'],
      ['T002', true, 'US1', 'Add b'],
      ['T003', false, undefined, 'Add c'],
      ['T004', false, undefined, 'Add d'],
    ]);
  });

  test('`[X] T001 - …` lines without a list marker are tasks, with exact checkbox offsets, also under CRLF', () => {
    const source = '## Phase 1\r\n\r\n[X] T001 - Create `a.yml`  \r\n[ ] T002 - Add b [P]  \r\n[ ] T003 - Add c\r\n';
    const parsed = parseTasks(source);
    expect(parsed.tasks.map((t) => [t.id, t.line, t.checkbox, t.parallel, t.description])).toEqual([
      ['T001', 3, 'X', false, 'Create `a.yml`'],
      ['T002', 4, ' ', true, 'Add b'],
      ['T003', 5, ' ', false, 'Add c'],
    ]);
    for (const t of parsed.tasks)
      expect(source[t.checkboxOffset - 1] + source[t.checkboxOffset] + source[t.checkboxOffset + 1]).toBe(
        `[${t.checkbox}]`,
      );
  });

  test('a task line with another mark in its box is a warning naming the line and an open item, not a silent skip', () => {
    const parsed = parseTasks(md('[X] T001 - a', '[#] T002 - b'), 'specs/x/tasks.md');
    expect(parsed.tasks.map((t) => t.id)).toEqual(['T001']);
    expect(openNonTasks(parsed)).toEqual([2]);
    expect(parsed.diagnostics).toEqual([
      {
        severity: 'warning',
        code: 'unknown-checkbox',
        file: 'specs/x/tasks.md',
        line: 2,
        taskId: 'T002',
        message: 'T002 has the box [#], neither open nor done: it is not run; write [ ] to run it or [X] if it is done',
      },
    ]);
  });

  test('a task list repeated as a checklist is a warning per copy, not a duplicate-id error; reused ids with new text still are', () => {
    const copied = parseTasks(
      md(
        '## Tasks',
        '- [ ] T001 Add a',
        '- [ ] T002 Add b',
        '- [ ] T003 Add c',
        '## Checklist',
        '- [ ] T001 Add a',
        '- [ ] T002 Add b',
        '- [ ] T003 Add c (in short)',
      ),
    );
    expect(copied.tasks.map((t) => t.line)).toEqual([2, 3, 4]);
    expect(copied.diagnostics.map((d) => [d.severity, d.code, d.line])).toEqual([
      ['warning', 'repeated-task', 6],
      ['warning', 'repeated-task', 7],
      ['warning', 'repeated-task', 8],
    ]);
    expect(copied.diagnostics[2].message).toBe(
      'T003 restates line 4 in a repeated task list (in other words): it is not run, and only line 4 is marked done',
    );
    const reused = parseTasks(
      md('## A', '- [ ] T001 Add a', '- [ ] T002 Add b', '## B', '- [ ] T001 Wire c', '- [ ] T002 Wire d'),
    );
    expect(reused.diagnostics.map((d) => [d.severity, d.code, d.line])).toEqual([
      ['error', 'duplicate-id', 5],
      ['error', 'duplicate-id', 6],
    ]);
  });
});

describe('nothing vanishes (issue 14)', () => {
  test('a task whose checkbox sits in its heading is a task; what follows up to the next heading is its detail', () => {
    const source = md(
      '## Phase 1: Setup',
      '',
      '### T001: [X] Create the counter',
      '**Depends On**: None',
      '**Files**: `db/counter.sql`',
      '- [ ] returns 1 first',
      '',
      '### T002 [ ] [P] Wire it',
      '**Depends On**: T001',
      '',
      '### [ ] T003 Ship',
    );
    const parsed = parseTasks(source);
    expect(
      parsed.tasks.map((t) => [t.id, t.line, t.checkbox, t.parallel, t.description, t.files, t.dependsOn]),
    ).toEqual([
      ['T001', 3, 'X', false, 'Create the counter', ['db/counter.sql'], []],
      ['T002', 8, ' ', true, 'Wire it', [], ['T001']],
      ['T003', 11, ' ', false, 'Ship', [], []],
    ]);
    for (const t of parsed.tasks) expect(source[t.checkboxOffset]).toBe(t.checkbox);
    // The acceptance box under T001 belongs to it: not an open item of its own.
    expect(openNonTasks(parsed)).toEqual([]);
    expect(parsed.diagnostics).toEqual([]);
  });

  test('ids only in headings or table rows without a checkbox: an error naming the lines and the shape to write', () => {
    const parsed = parseTasks(
      md(
        '## Phase 1',
        '### T001 [P] - Review',
        '- [ ] reviewed',
        '### T002 - Write',
        '',
        '| Task | What |',
        '| --- | --- |',
        '| **T003** | Build |',
      ),
      'specs/x/tasks.md',
    );
    expect(parsed.tasks).toEqual([]);
    expect(parsed.diagnostics.filter((d) => d.severity === 'error')).toEqual([
      {
        severity: 'error',
        code: 'no-tasks-read',
        file: 'specs/x/tasks.md',
        line: 2,
        message:
          'tasks without a checkbox are not read: task ids appear as a heading and a table row without one (lines 2, 4, 8); write each task as a checkbox item, `- [ ] T001 Description`, or put the box in the heading, `### T001: [ ] Title`',
      },
    ]);
    // Beside real tasks, such ids are a warning; ids that are tasks are not mentioned.
    const mixed = parseTasks(md('- [ ] T001 a', '### T002 - b', '| T001 | a |', '| --- | --- |'));
    expect(mixed.diagnostics.map((d) => [d.severity, d.code, d.line])).toEqual([['warning', 'ids-not-tasks', 2]]);
    // Beside tasks written as headings with a box, a heading without one is a task that cannot be read: an error.
    const headings = parseTasks(md('### T001: [X] Done one', '### T002: Open one', '- [ ] T003 c'));
    expect(headings.tasks.map((t) => t.id)).toEqual(['T001', 'T003']);
    expect(headings.diagnostics.map((d) => [d.severity, d.code, d.line])).toEqual([['error', 'no-tasks-read', 2]]);
  });

  test('open checkbox items that are not tasks, and tasks with another mark in the box, are listed as open items', () => {
    const parsed = parseTasks(
      md(
        '- [ ] T001 a',
        '- [ ] R001 review the spec',
        '- [x] checked note',
        '- [ ] T-NEW-A later',
        '- [~] T002 half done',
      ),
    );
    expect(parsed.tasks.map((t) => t.id)).toEqual(['T001']);
    expect(openNonTasks(parsed)).toEqual([2, 4, 5]);
    expect(parsed.diagnostics.map((d) => [d.code, d.line])).toEqual([
      ['checkbox-without-id', 2],
      ['checkbox-without-id', 3],
      ['checkbox-without-id', 4],
      ['unknown-checkbox', 5],
    ]);
  });
});
