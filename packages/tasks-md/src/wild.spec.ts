/**
 * Fixture folders with the shapes real tasks.md files take (test/fixtures/wild/<name>/tasks.md):
 * each parse and plan is compared exactly with its expected.json. After a deliberate change,
 * regenerate with `UPDATE_WILD=1 npx jest packages/tasks-md/src/wild.spec.ts` and read the diff.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeFeature, formatDiagnostic } from './feature';
import { FIXTURES } from '../test/helpers';

const WILD = join(FIXTURES, 'wild');
const names = readdirSync(WILD).sort();

/** What a user sees of a feature: tasks, direct prerequisites with rules and causes, statements, diagnostics. */
function view(source: string, name: string) {
  const dir = `specs/${name}`;
  const { parsed, plan, diagnostics } = analyzeFeature({
    dir,
    documents: { 'tasks.md': source, 'plan.md': '', 'spec.md': '' },
  });
  return {
    phases: parsed.phases.map((p) => `${p.number} ${p.kind}${p.story ? ` ${p.story}` : ''}: ${p.title}`),
    tasks: parsed.tasks.map((t) => ({
      id: t.id,
      line: t.line,
      checkbox: t.checkbox,
      description: t.description,
      files: t.files,
      after: (plan.dependsOn[t.id] ?? []).map(
        (d) => `${d.id} (${d.reasons.map((r) => `${r.rule}: ${r.cause}`).join('; ')})`,
      ),
    })),
    statements: parsed.statements,
    openItems: parsed.nonTasks.filter((n) => n.open).map((n) => n.line),
    diagnostics: diagnostics.map(formatDiagnostic),
  };
}

test('the wild fixtures cover the shapes of issue 14', () => {
  expect(names).toEqual([
    'crlf-bom',
    'hand-written',
    'heading-ids-only',
    'japanese',
    'old-template',
    'user-story-template',
  ]);
});

test.each(names)('%s: parse and plan match expected.json exactly', (name) => {
  const source = readFileSync(join(WILD, name, 'tasks.md'), 'utf8');
  const actual = view(source, name);
  const expectedFile = join(WILD, name, 'expected.json');
  if (process.env.UPDATE_WILD || !existsSync(expectedFile))
    writeFileSync(expectedFile, `${JSON.stringify(actual, null, 2)}\n`);
  expect(actual).toEqual(JSON.parse(readFileSync(expectedFile, 'utf8')));
  // Every box is where the parse says, whatever the line ends and BOM.
  for (const t of analyzeFeature({ dir: 'x', documents: { 'tasks.md': source } }).parsed.tasks)
    expect(source[t.checkboxOffset]).toMatch(/[ xX]/);
});
