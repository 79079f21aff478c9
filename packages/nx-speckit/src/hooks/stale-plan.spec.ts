import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { formatStaleWarning, planFile, readPlanRecord, staleChanges, staleLine, writePlanRecord } from './stale-plan';

describe('staleChanges', () => {
  const before = { T001: 'Model in src/a.ts', T002: 'Page in src/b.ts', T003: 'Docs in docs/a.md' };
  it('finds renumbered and removed ids; added and reworded tasks are ordinary edits', () => {
    expect(
      staleChanges(before, { T001: 'Model in src/a.ts', T002: 'Service in src/s.ts', T003: 'Page in src/b.ts' }),
    ).toEqual({
      renumbered: [{ from: 'T002', to: 'T003', text: 'Page in src/b.ts' }],
      removed: [{ id: 'T003', text: 'Docs in docs/a.md' }],
    });
    expect(staleChanges(before, { ...before, T004: 'New in src/n.ts' })).toEqual({ renumbered: [], removed: [] });
    expect(staleChanges(before, { ...before, T003: 'Docs in docs/a.md and docs/b.md' })).toEqual({
      renumbered: [],
      removed: [],
    });
    expect(staleChanges(before, { T001: 'Model in src/a.ts', T002: 'Page  in src/b.ts' })).toEqual({
      renumbered: [],
      removed: [{ id: 'T003', text: 'Docs in docs/a.md' }],
    });
  });

  it('one edit removing T002 and rewording T003 (now T002): T002 removed and T003 → T002, not "T003 removed"', () => {
    expect(staleChanges(before, { T001: 'Model in src/a.ts', T002: 'Docs in docs/a.md and docs/b.md' })).toEqual({
      renumbered: [{ from: 'T003', to: 'T002', text: 'Docs in docs/a.md' }],
      removed: [{ id: 'T002', text: 'Page in src/b.ts' }],
    });
  });

  it('two tasks with the same text keep their ids; swapped tasks are both renumbered', () => {
    expect(staleChanges({ T001: 'Add tests', T002: 'Add tests' }, { T001: 'Add tests', T002: 'Add tests' })).toEqual({
      renumbered: [],
      removed: [],
    });
    expect(
      staleChanges(
        { T001: 'Model in src/a.ts', T002: 'Page in src/b.ts' },
        { T001: 'Page in src/b.ts', T002: 'Model in src/a.ts' },
      ),
    ).toEqual({
      renumbered: [
        { from: 'T001', to: 'T002', text: 'Model in src/a.ts' },
        { from: 'T002', to: 'T001', text: 'Page in src/b.ts' },
      ],
      removed: [],
    });
  });
});

describe('the warning and the report line', () => {
  const change = {
    renumbered: [{ from: 'T002', to: 'T003', text: 'Page in src/b.ts' }],
    removed: [{ id: 'T003', text: 'Docs in docs/a.md' }],
  };
  it('name every id, and nothing when nothing is stale', () => {
    expect(formatStaleWarning('spec-a', 'specs/a', change, '2026-01-01T00:00:00.000Z'))
      .toBe(`nx-speckit: warning: the task list of spec-a (specs/a/tasks.md) changed since its last run (2026-01-01T00:00:00.000Z):
  T002 → T003 renumbered: "Page in src/b.ts"
  T003 removed: "Docs in docs/a.md"
  Task ids now mean other tasks: checkpoints, .speckit/runs records, replay recordings and cache entries of the old ids no longer match. Check that the [X] marks in tasks.md are on the tasks really done (re-running /speckit.tasks renumbers ids).`);
    expect(staleLine(change, '2026-01-01T00:00:00.000Z')).toBe(
      'task ids changed since the run of 2026-01-01T00:00:00.000Z (T002 → T003 renumbered, T003 removed): check that the [X] marks are on the tasks really done',
    );
    expect(formatStaleWarning('spec-a', 'specs/a', { renumbered: [], removed: [] }, 'x')).toBeUndefined();
    expect(staleLine({ renumbered: [], removed: [] }, 'x')).toBeUndefined();
  });
});

describe('the recorded plan', () => {
  const roots: string[] = [];
  afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));
  const workspaceWith = (content: string) => {
    const root = mkdtempSync(join(tmpdir(), 'plan-record-'));
    roots.push(root);
    mkdirSync(dirname(planFile(root, 'spec-001')), { recursive: true });
    writeFileSync(planFile(root, 'spec-001'), content);
    return root;
  };

  it('reads back what was written', () => {
    const root = mkdtempSync(join(tmpdir(), 'plan-record-'));
    roots.push(root);
    const record = {
      project: 'spec-001',
      root: 'specs/001',
      recordedAt: '2026-12-05T00:00:00.000Z',
      tasks: { T001: 'a' },
    };
    writePlanRecord(root, record);
    expect(readPlanRecord(root, 'spec-001')).toEqual(record);
  });

  it.each([['{"tasks": null}'], ['{"tasks": ["T001"]}'], ['{"tasks": {"T001": 3}}'], ['null'], ['{ torn']])(
    'a file that is no record (%s) is ignored instead of failing the run',
    (content) => {
      expect(readPlanRecord(workspaceWith(content), 'spec-001')).toBeUndefined();
    },
  );
});
