import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checklistTable, readChecklists } from './checklists';

let feature: string;
beforeEach(() => {
  feature = mkdtempSync(join(tmpdir(), 'checklists-'));
  mkdirSync(join(feature, 'checklists'));
});
afterEach(() => rmSync(feature, { recursive: true, force: true }));

test('counts checkbox items per checklist; an example in a code fence is not an item', () => {
  writeFileSync(
    join(feature, 'checklists', 'ux.md'),
    '# UX\n\n- [x] CHK001 a\n- [ ] CHK002 b\n\n```md\n- [ ] example\n- [ ] example\n```\n',
  );
  writeFileSync(join(feature, 'checklists', 'api.md'), '# API\n\n* [X] CHK001 a\n  + [x] CHK002 nested\n');
  writeFileSync(join(feature, 'checklists', 'notes.txt'), '- [ ] not a checklist file\n');
  const rows = readChecklists(feature);
  expect(rows).toEqual([
    { file: 'api.md', total: 2, checked: 2, unchecked: 0 },
    { file: 'ux.md', total: 2, checked: 1, unchecked: 1 },
  ]);
  expect(checklistTable(rows).split('\n').slice(2)).toEqual([
    '| api.md | 2 | 2 | 0 | ✓ PASS |',
    '| ux.md | 2 | 1 | 1 | ✗ FAIL |',
  ]);
});

test('a checklist whose only open boxes sit in a code example passes', () => {
  writeFileSync(join(feature, 'checklists', 'done.md'), '- [x] CHK001 a\n\n~~~\n- [ ] how an open item looks\n~~~\n');
  expect(readChecklists(feature)).toEqual([{ file: 'done.md', total: 1, checked: 1, unchecked: 0 }]);
});

test('no checklists folder: no rows', () => {
  rmSync(join(feature, 'checklists'), { recursive: true });
  expect(readChecklists(feature)).toEqual([]);
});
