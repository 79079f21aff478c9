import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const FIXTURES = join(__dirname, '../packages/tasks-md/test/fixtures');
const PLAN = join(__dirname, 'plan.js');

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'plan-cli-'));
  const dir = join(root, 'specs/001-recipe-box');
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(FIXTURES, 'shapes-template.md'), join(dir, 'tasks.md'));
  writeFileSync(join(dir, 'plan.md'), '# Plan\n');
  writeFileSync(join(dir, 'spec.md'), '# Spec\n');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const run = (...args: string[]) =>
  spawnSync(process.execPath, [PLAN, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });

test('tools/plan.js prints phases, waves, critical path, reasons and diagnostics; exit 1 only on errors', () => {
  const ok = run('specs/001-recipe-box');
  expect(ok.stderr).toBe('');
  expect(ok.status).toBe(0);
  const lines = ok.stdout.split('\n');
  expect(lines[0]).toBe('Feature specs/001-recipe-box: 20 tasks (1 done) in 6 phases');
  expect(lines).toContain(
    '  phase3 (story US1 P1) Phase 3: User Story 1 - Save a recipe (Priority: P1) 🎯 MVP: T008 T009 T010 T011 T012 T013',
  );
  expect(lines).toContain('  phase6 (barrier) Phase 6: Polish & Finishing Touches: T019 T020');
  expect(lines).toContain('Waves (12)');
  expect(lines).toContain('  6: T008 T009 T014 T017 T018');
  expect(lines).toContain(
    'Critical path (12 tasks): T001 → T002 → T003 → T005 → T006 → T008 → T010 → T012 → T013 → T016 → T019 → T020',
  );
  const t015 = lines.indexOf("  [ ] T015 Keep a recipe's steps in order in src/services/recipe-book.ts");
  expect(t015).toBeGreaterThan(0);
  expect(lines.slice(t015 + 1, t015 + 3)).toEqual([
    '        after T012: file-conflict: both touch src/services/recipe-book.ts',
    '        after T014: parallel-run: waits for the [P] run T014',
  ]);
  expect(ok.stdout.slice(ok.stdout.lastIndexOf('Diagnostics ('))).toBe(
    [
      'Diagnostics (0 errors, 2 warnings)',
      'specs/001-recipe-box/tasks.md:63: warning: T015: T015 and T012 both touch src/services/recipe-book.ts: T015 waits for T012',
      'specs/001-recipe-box/tasks.md:64: warning: T016: T016 and T013 both touch src/api/recipes.ts: T016 waits for T013',
      '',
    ].join('\n'),
  );

  // The tasks.md path works as well; --json gives the same plan to machines.
  const json = run('specs/001-recipe-box/tasks.md', '--json');
  expect(json.status).toBe(0);
  const parsed = JSON.parse(json.stdout);
  expect(parsed.tasks.find((t: { id: string }) => t.id === 'T019').dependsOn.map((d: { id: string }) => d.id)).toEqual([
    'T016',
    'T017',
    'T018',
  ]);
  expect(parsed.diagnostics.map((d: { text: string }) => d.text)[0]).toMatch(
    /^specs\/001-recipe-box\/tasks\.md:63: warning: T015: /,
  );

  // An unknown dependency and an unanswered question: errors, exit code 1, no waves.
  writeFileSync(
    join(root, 'specs/001-recipe-box/tasks.md'),
    '## Core\n\n- [ ] T001 a\n- [ ] T002 b (depends on T404)\n',
  );
  writeFileSync(join(root, 'specs/001-recipe-box/spec.md'), '# Spec\n\nAuth: [NEEDS CLARIFICATION: which provider?]\n');
  const bad = run('specs/001-recipe-box', '--lanes', 'story');
  expect(bad.status).toBe(1);
  expect(bad.stdout).toContain('Waves: none, the dependency graph has errors (below)');
  expect(bad.stdout.slice(bad.stdout.lastIndexOf('Diagnostics ('))).toBe(
    [
      'Diagnostics (2 errors, 0 warnings)',
      'specs/001-recipe-box/spec.md:3: error: unresolved [NEEDS CLARIFICATION: which provider?]: run /clarify first',
      'specs/001-recipe-box/tasks.md:4: error: T002: T002 depends on T404, which is not a task in this file',
      '',
    ].join('\n'),
  );

  expect(run('specs/nope').status).toBe(2);
});

test('command-line mistakes exit 2 with what was wrong and the usage', () => {
  for (const [args, said] of [
    [['specs/001-recipe-box', '--bogus'], "Unknown option '--bogus'\n"],
    [['specs/001-recipe-box', '--lanes'], "Option '--lanes <value>' argument missing\n"],
    [['specs/001-recipe-box', '--lanes=phase'], '--lanes must be "story" or "none", not "phase"\n'],
    [['specs/a', 'specs/b'], 'one feature at a time (got specs/a and specs/b)\n'],
    [[], 'which feature? give its folder or its tasks.md\n'],
    [['specs/001-recipe-box', '--durations', 'missing.json'], /^--durations .*missing\.json: ENOENT/],
    [['specs/001-recipe-box', '--durations', 'torn.json'], /^--durations .*torn\.json: .*JSON/],
    [
      ['specs/001-recipe-box', '--durations', 'list.json'],
      /^--durations .*list\.json: expected task ids with non-negative numbers/,
    ],
  ] as const) {
    writeFileSync(join(root, 'torn.json'), '{ "T001": ');
    writeFileSync(join(root, 'list.json'), '[30, 40]');
    const result = run(...args);
    expect(result.status).toBe(2);
    const [message, usage] = result.stderr.split(/\n(?=usage:)/);
    if (typeof said === 'string') expect(`${message}\n`).toBe(said);
    else expect(message).toMatch(said);
    expect(usage).toBe(
      'usage: nx-speckit-plan <feature folder | tasks.md> [--lanes story|none] [--durations <file.json>] [--json]\n',
    );
  }
  expect(run('specs/001-recipe-box', '--lanes', 'story', '--json').status).toBe(0);
});
