import { checkboxItems, codeLines } from './outline';
import { md } from '../test/helpers';

const CHECKLIST = md(
  '\uFEFF# Requirements checklist',
  '',
  '- [x] CHK001 Every requirement is testable',
  '* [ ] CHK002 No implementation detail in the spec',
  '1. [X] CHK003 Numbered items count too',
  '   - [ ] CHK004 So do nested ones',
  '',
  'How to tick an item:',
  '',
  '```markdown',
  '- [ ] an example inside a fence',
  '- [x] another one',
  '```',
  '',
  '    - [ ] indented code is an example too',
  '',
  '> - [ ] CHK005 a quoted item is still an item',
  'Text with [ ] brackets is not an item.',
);

test('checkboxItems: items in lists (any bullet, numbered, nested, quoted), never in code blocks', () => {
  expect(checkboxItems(CHECKLIST)).toEqual([
    { line: 3, checked: true },
    { line: 4, checked: false },
    { line: 5, checked: true },
    { line: 6, checked: false },
    { line: 17, checked: false },
  ]);
});

test('checkboxItems refuses a document nested too deeply to read', () => {
  const deep = Array.from({ length: 40 }, (_, i) => `${'  '.repeat(i)}- [ ] level ${i}`).join('\n');
  expect(() => checkboxItems(deep)).toThrow('lists or blockquotes nest too deeply to read the checkboxes');
});

test('codeLines: every line of fenced and indented code blocks, fences included', () => {
  expect([...codeLines(CHECKLIST)]).toEqual([10, 11, 12, 13, 15]);
  expect([...codeLines('# No code\n\n- [ ] a\n')]).toEqual([]);
});
