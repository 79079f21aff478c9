import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeFeature, formatDiagnostic, readFeature, type FeatureDocuments } from './feature';
import { fixture, md } from '../test/helpers';

const feature = (tasks: string | undefined, extra: Partial<FeatureDocuments['documents']> = {}): FeatureDocuments => ({
  dir: 'specs/001-recipe-box',
  documents: {
    ...(tasks === undefined ? {} : { 'tasks.md': tasks }),
    'plan.md': '# Plan\n',
    'spec.md': '# Spec\n',
    ...extra,
  },
});
const printed = (f: FeatureDocuments) => analyzeFeature(f).diagnostics.map(formatDiagnostic);

describe('analyzeFeature', () => {
  test('shapes-template.md: runnable, two warnings in `file:line: severity: T###: message` form', () => {
    const analysis = analyzeFeature(feature(fixture('shapes-template.md')));
    expect(analysis.ok).toBe(true);
    expect(analysis.diagnostics.map(formatDiagnostic)).toEqual([
      'specs/001-recipe-box/tasks.md:63: warning: T015: T015 and T012 both touch src/services/recipe-book.ts: T015 waits for T012',
      'specs/001-recipe-box/tasks.md:64: warning: T016: T016 and T013 both touch src/api/recipes.ts: T016 waits for T013',
    ]);
    expect(analysis.parsed.tasks).toHaveLength(20);
    expect(analysis.plan.waves).toHaveLength(12);
  });

  test('missing required documents are errors naming each file', () => {
    const analysis = analyzeFeature({ dir: 'specs/002-x', documents: {} });
    expect(analysis.ok).toBe(false);
    expect(analysis.diagnostics.map(formatDiagnostic)).toEqual([
      'specs/002-x/plan.md: error: plan.md is required to implement this feature but does not exist',
      'specs/002-x/spec.md: error: spec.md is required to implement this feature but does not exist',
      'specs/002-x/tasks.md: error: tasks.md is required to implement this feature but does not exist',
    ]);
    expect(analysis.diagnostics.map((d) => d.code)).toEqual([
      'missing-document',
      'missing-document',
      'missing-document',
    ]);
  });

  test('[NEEDS CLARIFICATION] left in tasks.md, plan.md or spec.md is an error with its line (CRLF too)', () => {
    const f = feature(md('- [ ] T001 a', '- [ ] T002 b [NEEDS CLARIFICATION: which database?]'), {
      'plan.md': '# Plan\r\n\r\nStorage: [NEEDS CLARIFICATION: S3 or disk]\r\n',
      'spec.md': '# Spec\n- FR-001 [needs clarification]\n',
    });
    expect(printed(f)).toEqual([
      'specs/001-recipe-box/plan.md:3: error: unresolved [NEEDS CLARIFICATION: S3 or disk]: run /clarify first',
      'specs/001-recipe-box/spec.md:2: error: unresolved [needs clarification]: run /clarify first',
      'specs/001-recipe-box/tasks.md:2: error: unresolved [NEEDS CLARIFICATION: which database?]: run /clarify first',
    ]);
  });

  test('[NEEDS CLARIFICATION] quoted in a code block is an example, not an open question', () => {
    const f = feature(md('- [ ] T001 a'), {
      'spec.md': md(
        '# Spec',
        '',
        'Mark open points like this:',
        '',
        '```markdown',
        '- FR-002 [NEEDS CLARIFICATION: the question]',
        '```',
        '',
        '    [NEEDS CLARIFICATION: indented code]',
        '',
        '- FR-003 [NEEDS CLARIFICATION: a real one]',
      ),
    });
    expect(printed(f)).toEqual([
      'specs/001-recipe-box/spec.md:11: error: unresolved [NEEDS CLARIFICATION: a real one]: run /clarify first',
    ]);
  });

  test('declared paths that are absolute or climb out of the workspace are errors with line and task id', () => {
    const f = feature(
      md(
        '- [ ] T001 Write `/etc/app.conf`',
        '- [ ] T002 Copy to ../shared/config.json',
        '- [ ] T003 Fine in src/ok.ts',
        '  - Files: C:\\temp\\x.log',
      ),
    );
    expect(printed(f)).toEqual([
      'specs/001-recipe-box/tasks.md:1: error: T001: declared path /etc/app.conf is absolute; use a workspace-relative path',
      'specs/001-recipe-box/tasks.md:2: error: T002: declared path ../shared/config.json is outside the workspace; use a workspace-relative path',
      'specs/001-recipe-box/tasks.md:3: error: T003: declared path C:/temp/x.log is absolute; use a workspace-relative path',
    ]);
  });

  test('duplicate ids, unknown ids and cycles are errors; file conflicts and id-less checkboxes are warnings; errors come first', () => {
    const f = feature(
      md(
        '- [ ] T001 [P] a in src/x.ts',
        '- [ ] T002 [P] b in src/x.ts',
        '- [ ] checklist item',
        '- [ ] T003 c (depends on T404)',
        '- [ ] T001 again',
      ),
    );
    const analysis = analyzeFeature(f);
    expect(analysis.ok).toBe(false);
    expect(analysis.diagnostics.map((d) => [d.severity, d.code, d.line, d.taskId])).toEqual([
      ['error', 'unknown-dependency', 4, 'T003'],
      ['error', 'duplicate-id', 5, 'T001'],
      ['warning', 'file-conflict', 2, 'T002'],
      ['warning', 'checkbox-without-id', 3, undefined],
    ]);
    expect(analysis.diagnostics.map(formatDiagnostic)[0]).toBe(
      'specs/001-recipe-box/tasks.md:4: error: T003: T003 depends on T404, which is not a task in this file',
    );
  });

  test('a cycle is reported with the file and the ids in order', () => {
    expect(printed(feature(md('## Core', '- [ ] T003 a (depends on T008)', '- [ ] T008 b')))).toEqual([
      'specs/001-recipe-box/tasks.md:2: error: T003: dependency cycle: T003 → T008 → T003',
    ]);
  });

  test('warnings alone leave the feature runnable', () => {
    const analysis = analyzeFeature(feature(md('- [ ] T001 [P] a in src/x.ts', '- [ ] T002 [P] b in src/x.ts')));
    expect([analysis.ok, analysis.diagnostics.map((d) => d.severity)]).toEqual([true, ['warning']]);
  });

  test('lanes are passed to the planner', () => {
    const analysis = analyzeFeature(feature(fixture('shapes-lanes.md')), { lanes: 'story' });
    expect(analysis.plan.dependsOn.T003).toEqual([]);
  });
});

describe('formatDiagnostic', () => {
  test('every part is optional except severity and message', () => {
    expect(
      formatDiagnostic({ severity: 'error', code: 'x', message: 'm', file: 'a/tasks.md', line: 7, taskId: 'T007' }),
    ).toBe('a/tasks.md:7: error: T007: m');
    expect(formatDiagnostic({ severity: 'warning', code: 'x', message: 'm', file: 'a/plan.md' })).toBe(
      'a/plan.md: warning: m',
    );
    expect(formatDiagnostic({ severity: 'error', code: 'x', message: 'm' })).toBe('error: m');
  });
});

describe('readFeature', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'feature-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test('reads the required documents that exist, byte for byte, and reports the rest as missing', () => {
    mkdirSync(join(root, 'specs/003-chat'), { recursive: true });
    const tasks = '\uFEFF- [ ] T001 a\r\n';
    writeFileSync(join(root, 'specs/003-chat/tasks.md'), tasks);
    writeFileSync(join(root, 'specs/003-chat/spec.md'), '# Spec\n');
    const docs = readFeature(root, 'specs/003-chat');
    expect(docs).toEqual({ dir: 'specs/003-chat', documents: { 'tasks.md': tasks, 'spec.md': '# Spec\n' } });
    expect(analyzeFeature(docs).diagnostics.map(formatDiagnostic)).toEqual([
      'specs/003-chat/plan.md: error: plan.md is required to implement this feature but does not exist',
    ]);
  });
  test('a document that exists but cannot be read is an error naming it, not an exception', () => {
    mkdirSync(join(root, 'specs/004-odd/plan.md'), { recursive: true }); // a folder named plan.md
    writeFileSync(join(root, 'specs/004-odd/tasks.md'), '- [ ] T001 a\n');
    writeFileSync(join(root, 'specs/004-odd/spec.md'), '# Spec\n');
    const docs = readFeature(root, 'specs/004-odd');
    expect(docs.unreadable).toEqual({ 'plan.md': expect.stringContaining('EISDIR') });
    const analysis = analyzeFeature(docs);
    expect(analysis.ok).toBe(false);
    expect(analysis.diagnostics.map(formatDiagnostic)).toEqual([
      expect.stringMatching(/^specs\/004-odd\/plan\.md: error: plan\.md cannot be read: EISDIR/),
    ]);
    expect(analysis.diagnostics[0].code).toBe('unreadable-document');
  });
});
