import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTasks } from './parse';
import { reusingParser } from './reuse';
import { fixture, FIXTURES } from '../test/helpers';

let folder: string;
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'reuse-'));
});
afterEach(() => rmSync(folder, { recursive: true, force: true }));

const TASKS =
  '# Tasks\r\n\r\n## Phase 1: Setup\r\n\r\n- [ ] T001 Create src/a.ts\r\n- [x] T002 [P] Create src/b.ts\r\n';
const stored = () => readdirSync(folder).map((name) => join(folder, name));

/** Edits the stored parse so that reading it back is visible (a fresh parse would not say this). */
function tamperStoredDescriptions(to: string) {
  for (const path of stored()) {
    const data = JSON.parse(readFileSync(path, 'utf8'));
    for (const t of data.parsed.tasks) t.description = to;
    writeFileSync(path, JSON.stringify(data));
  }
}

test('a parse stored by one process is read by the next, with the marks of the text at hand', () => {
  expect(reusingParser(folder)(TASKS, 'specs/x/tasks.md')).toEqual(parseTasks(TASKS, 'specs/x/tasks.md'));
  expect(stored()).toHaveLength(1);
  tamperStoredDescriptions('from the store');

  const ticked = TASKS.replace('[ ] T001', '[X] T001').replace('[x] T002', '[ ] T002');
  const next = reusingParser(folder)(ticked, 'specs/x/tasks.md'); // a new process: empty memory
  expect(next.tasks.map((t) => [t.id, t.checkbox, t.done, t.description])).toEqual([
    ['T001', 'X', true, 'from the store'],
    ['T002', ' ', false, 'from the store'],
  ]);
});

test('any change besides marks, another file name, or a box not where the parse says: a fresh parse', () => {
  reusingParser(folder)(TASKS, 'specs/x/tasks.md');
  tamperStoredDescriptions('from the store');
  const fresh = (text: string, file = 'specs/x/tasks.md') =>
    reusingParser(folder)(text, file).tasks.map((t) => t.description);
  expect(fresh(TASKS.replace('src/a.ts', 'src/c.ts'))).toEqual(['Create src/c.ts', 'Create src/b.ts']);
  expect(fresh(TASKS, 'specs/y/tasks.md')).toEqual(['Create src/a.ts', 'Create src/b.ts']);

  // A stored parse whose checkbox offsets point at a letter (the `T` of the id), not at a box.
  reusingParser(folder)(TASKS, 'specs/x/tasks.md');
  for (const path of stored()) {
    const data = JSON.parse(readFileSync(path, 'utf8'));
    for (const t of data.parsed.tasks) {
      t.checkboxOffset += 3;
      t.description = 'from the store';
    }
    writeFileSync(path, JSON.stringify(data));
  }
  expect(fresh(TASKS)).toEqual(['Create src/a.ts', 'Create src/b.ts']);
});

test('a corrupt or foreign stored file is ignored and replaced', () => {
  reusingParser(folder)(TASKS, 'specs/x/tasks.md');
  const [path] = stored();
  for (const junk of ['{not json', '{"key":"x"}', '[]', JSON.stringify({ key: 'x', parsed: { tasks: 3 } })]) {
    writeFileSync(path, junk);
    expect(reusingParser(folder)(TASKS, 'specs/x/tasks.md')).toEqual(parseTasks(TASKS, 'specs/x/tasks.md'));
  }
  expect(JSON.parse(readFileSync(path, 'utf8')).parsed).toEqual(parseTasks(TASKS, 'specs/x/tasks.md'));
});

test('an unwritable folder only costs a parse', () => {
  const file = join(folder, 'not-a-folder');
  writeFileSync(file, '');
  expect(reusingParser(file)(TASKS)).toEqual(parseTasks(TASKS));
});

test.each(readdirSync(FIXTURES).filter((name) => name.endsWith('.md')))(
  '%s: every mark combination read back from a stored parse equals a fresh parse',
  (name) => {
    const source = fixture(name);
    reusingParser(folder)(source, name);
    // Flip every box one way, then the other, then alternate: each is a different mark state of the same structure.
    const states = [/\[[xX ]\]/g, /\[ \]/g].map((box, i) =>
      source.replace(new RegExp(`^(\\s*[-*+] )${box.source}`, 'gm'), `$1[${i ? 'x' : ' '}]`),
    );
    let n = 0;
    states.push(source.replace(/^(\s*[-*+] )\[[xX ]\]/gm, (_m, lead) => `${lead}[${n++ % 2 ? 'X' : ' '}]`));
    for (const text of states) expect(reusingParser(folder)(text, name)).toEqual(parseTasks(text, name));
  },
);
