import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// `./corpus` would resolve to the launcher corpus.js: load the module itself.
const { checkFile, scanCheckboxIds } = require('./corpus.ts') as typeof import('./corpus');

const CORPUS = join(__dirname, 'corpus.js');

test('the line scan finds ids as the first word of checkbox items, with suffixes, outside code', () => {
  const source = [
    '- [ ] T001 a',
    '1. [X] **T002 [P]** b',
    '[x] T003 - c',
    '- [ ] [P] T013a d',
    '* [ ] T008.1 e',
    '- [ ] see T009',
    '```',
    '- [ ] T010 code',
    '```',
    '',
  ].join('\n');
  expect(scanCheckboxIds(source)).toEqual(['T001', 'T002', 'T003', 'T013a', 'T008.1']);
});

test('a file read right: every scanned id found, the stated dependency an edge on its line', () => {
  const ok = checkFile(
    'a/tasks.md',
    [
      '## Phase 1: Setup',
      '- [ ] T001 a',
      '## Phase 2: User Story 1',
      '- [ ] T002 [US1] b',
      '## Phase 3: User Story 2',
      '- [ ] T003 [US2] c',
      '',
      '- **User Story 2**: Depends on User Story 1',
      '',
    ].join('\n'),
  );
  expect(ok).toMatchObject({
    scanned: 3,
    found: 3,
    missing: [],
    errors: [],
    empty: false,
    stated: { edges: [8], warned: [], none: [], missed: [] },
  });
});

test('npm run corpus -- <folder>: one line per file, the totals, exit 1 when a file fails', () => {
  const dir = mkdtempSync(join(tmpdir(), 'corpus-'));
  try {
    writeFileSync(join(dir, 'good.tasks.md'), '- [ ] T001 a\n- [ ] T001a b\n');
    writeFileSync(join(dir, 'tasks.md'), '### T001 - a heading task without a box\n');
    writeFileSync(join(dir, 'notes.md'), '- [ ] T001 not a tasks file\n');
    const run = spawnSync(process.execPath, [CORPUS, dir], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(1);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toBe(
      'ok   good.tasks.md: 2 tasks, 2 checkbox ids scanned, 0 missing, 0 errors, 0 warnings, stated deps 0 edges / 0 warned / 0 none / 0 missed',
    );
    expect(lines[1]).toBe(
      'FAIL tasks.md: 0 tasks, 0 checkbox ids scanned, 0 missing, 1 errors, 0 warnings, stated deps 0 edges / 0 warned / 0 none / 0 missed, EMPTY',
    );
    expect(lines[2]).toMatch(/^ {7}line 1: no-tasks-read: /);
    expect(lines[lines.length - 1]).toBe(
      'Total: 2 files, 2 tasks, 2 checkbox ids scanned, 0 missing in 0 files, 1 errors in 1 files, 1 empty features, stated dependencies: 0 edges, 0 warned, 0 none, 0 missed',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
