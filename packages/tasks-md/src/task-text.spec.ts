import { parseTasks } from './parse';
import {
  compareIds,
  expandDependencyRefs,
  extractDeclaredPaths,
  extractDependencyRefs,
  extractFilesBullet,
  isUnsafePath,
  normalizeDeclaredPath,
} from './task-text';
import { md } from '../test/helpers';

const filesOf = (line: string, ...subBullets: string[]) =>
  parseTasks(md(`- [ ] T001 ${line}`, ...subBullets.map((b) => `  - ${b}`))).tasks[0].files;
const depsOf = (line: string, ...subBullets: string[]) =>
  parseTasks(
    md(
      '- [ ] T001 a',
      '- [ ] T002 b',
      '- [ ] T003 c',
      '- [ ] T004 d',
      `- [ ] T009 ${line}`,
      ...subBullets.map((b) => `  - ${b}`),
      '- [ ] T010 e',
    ),
  ).tasks[4].dependsOn;

describe('declared paths', () => {
  test('bare paths, with trailing punctuation and parentheses trimmed', () => {
    expect(filesOf('Create user model in src/models/user.py, then edit (src/app.py).')).toEqual([
      'src/models/user.py',
      'src/app.py',
    ]);
  });

  test('declared = what the task says it writes; other paths are context, with or without backticks (issue 14)', () => {
    expect(
      filesOf('Update `apps/web/tsconfig.json` to extend `../../tsconfig.base.json` and add path aliases'),
    ).toEqual(['apps/web/tsconfig.json']);
    expect(
      filesOf(
        'Configure `apps/web/.storybook/main.ts` to load stories from both `apps/web/src/components/` and `../../packages/shared-ui/`',
      ),
    ).toEqual(['apps/web/.storybook/main.ts']);
    expect(
      filesOf(
        'Port the decoder of src/importers/drp.lua to src/exporters/drt.lua, src/exporters/zip.lua and `src/exporters/xml.lua`; see docs/format.md',
      ),
    ).toEqual(['src/exporters/drt.lua', 'src/exporters/zip.lua', 'src/exporters/xml.lua']);
    expect(filesOf('`tests/test_roundtrip.lua` — round-trip per blob type, like tests/test_decode.lua')).toEqual([
      'tests/test_roundtrip.lua',
    ]);
    // An absolute or escaping path the task writes is kept (and refused later) whatever its markup.
    expect(filesOf('Update /srv/app/page.tsx and `../x/y.ts`')).toEqual(['/srv/app/page.tsx', '../x/y.ts']);
    expect(filesOf('Add rate limiting in /api/auth/login')).toEqual([]);
    // Other languages: "en" before the path, or a Japanese particle after it.
    expect(filesOf('Servicio de compartir en src/services/share.ts')).toEqual(['src/services/share.ts']);
    expect(filesOf('契約テストを `tests/csv.test.ts` に作成 (`docs/csv.md` 参照)')).toEqual(['tests/csv.test.ts']);
    // A backticked name that is no path (`App.sln` before .sln was known, `xunit`) keeps a declared list going.
    expect(filesOf('Create projects: `App.sln`, `xunit`, `src/App/App.csproj`')).toEqual([
      'App.sln',
      'src/App/App.csproj',
    ]);
  });

  test('paths in backticks, including dotfiles and extensionless files that only backticks make paths', () => {
    expect(filesOf('Configure `.eslintrc.json`, `.env` and `bin/cli` plus `Dockerfile`')).toEqual([
      '.eslintrc.json',
      '.env',
      'bin/cli',
      'Dockerfile',
    ]);
  });

  test('folders end with `/`, bare or in backticks', () => {
    expect(filesOf('Create project structure in src/ and `tests/unit/`')).toEqual(['src/', 'tests/unit/']);
  });

  test('`Files:` sub-bullets: backticked or bare, comma/and separated, notes in parentheses dropped (regression)', () => {
    expect(filesOf('Implement service', 'Files: `src/a.py`, `tests/`')).toEqual(['src/a.py', 'tests/']);
    expect(filesOf('Implement service', '**Files**: src/a.py (modify) and `src/b.py` (new); src/c.py')).toEqual([
      'src/a.py',
      'src/b.py',
      'src/c.py',
    ]);
    expect(filesOf('Implement service', 'File: Makefile')).toEqual(['Makefile']);
    expect(filesOf('Implement service', 'Files: none')).toEqual([]);
  });

  test('`Files:` followed by a nested list: each nested item is a path', () => {
    const parsed = parseTasks(md('- [ ] T001 a', '  - Files:', '    - `src/a.ts`', '    - src/b/', '- [ ] T002 b'));
    expect(parsed.tasks.map((t) => t.files)).toEqual([['src/a.ts', 'src/b/'], []]);
  });

  test('other sub-bullets (Contract:, Schema:, Scenario:) declare nothing', () => {
    expect(
      filesOf(
        'x',
        'Contract: `contracts/messages.yaml`',
        'Schema: `data-model.md: Message entity`',
        'Scenario: `quickstart.md: Send Message`',
      ),
    ).toEqual([]);
  });

  test('HTTP routes are not paths: `POST /rooms`, bare /rooms, and `/albums` in backticks (regression)', () => {
    expect(filesOf('Implement POST /rooms and GET /messages/{id} endpoints in src/api/rooms.py')).toEqual([
      'src/api/rooms.py',
    ]);
    expect(filesOf('Contract test for `POST /rooms` and `/albums` in `tests/contract/test_rooms.py`')).toEqual([
      'tests/contract/test_rooms.py',
    ]);
  });

  test("framework names, the feature's own documents named bare, URLs, prose with slashes and numbers are not paths", () => {
    expect(filesOf('Initialize TypeScript project with Vite and Node.js, Socket.io and Vue.js')).toEqual([]);
    expect(filesOf('Run quickstart.md validation against plan.md and spec.md')).toEqual([]);
    expect(filesOf('See https://example.com/docs/setup.md and http://x.io/a.js for details')).toEqual([]);
    expect(filesOf('Performance test for 1000 req/s and I/O, client/server, and/or Python 3.11, e.g. v1.2')).toEqual(
      [],
    );
    expect(filesOf('Depends on T001 per T002')).toEqual([]);
  });

  test('dependency clauses are not scanned for paths', () => {
    expect(filesOf('Implement in src/a.ts (depends on T001, T002)')).toEqual(['src/a.ts']);
  });

  test('normalisation: posix separators, no `./`, `..` resolved inside the path, folders keep `/`', () => {
    expect(extractDeclaredPaths('in ./src/x/../y.ts and `.\\win\\file.ts` and ./lib/')).toEqual([
      'src/y.ts',
      'win/file.ts',
      'lib/',
    ]);
    expect(normalizeDeclaredPath('./')).toBe('./');
    expect(normalizeDeclaredPath('a//b/./c/')).toBe('a/b/c/');
  });

  test('absolute and escaping paths are kept (for validation) and recognised as unsafe', () => {
    expect(filesOf('Write `/etc/app.conf` and ../outside/secrets.json', 'Files: C:\\Windows\\x.ini')).toEqual([
      '/etc/app.conf',
      '../outside/secrets.json',
      'C:/Windows/x.ini',
    ]);
    expect(
      ['/etc/app.conf', '../outside/secrets.json', 'C:/Windows/x.ini', '..', 'src/a.ts', 'src/..hidden/x.ts', './'].map(
        isUnsafePath,
      ),
    ).toEqual([true, true, true, true, false, false, false]);
  });

  test('extractFilesBullet ignores bullets that are not file lists', () => {
    expect(extractFilesBullet('Depends on: T001')).toEqual([]);
    expect(extractFilesBullet('Paths: a.ts, b/')).toEqual(['a.ts', 'b/']);
  });
});

describe('explicit dependencies', () => {
  test('inline `(depends on T002, T003)` and `and`/`&`/`;` separators', () => {
    expect(depsOf('x (depends on T002, T003)')).toEqual(['T002', 'T003']);
    expect(depsOf('x (depends on T001 and T003 & T004; T002)')).toEqual(['T001', 'T003', 'T004', 'T002']);
  });

  test('`Depends on:` sub-bullets, also in bold (regression) and with trailing notes', () => {
    expect(depsOf('x', 'Depends on: T004, T002 (test exists)')).toEqual(['T004', 'T002']);
    expect(depsOf('x', '**Depends on**: T003')).toEqual(['T003']);
    expect(depsOf('x', 'Depends on T001')).toEqual(['T001']);
  });

  test('ranges `T001-T004` (also – and —) expand to the known ids inside them, in order', () => {
    expect(depsOf('x (depends on T001-T004)')).toEqual(['T001', 'T002', 'T003', 'T004']);
    expect(depsOf('x (depends on T002–T003)')).toEqual(['T002', 'T003']);
    expect(depsOf('x', 'Depends on: T004—T002')).toEqual(['T004', 'T003', 'T002']);
  });

  test('range ends that are not tasks are kept so validation can name them', () => {
    expect(expandDependencyRefs(['T002-T007'], ['T001', 'T002', 'T004', 'T005', 'T009'])).toEqual([
      'T002',
      'T004',
      'T005',
      'T007',
    ]);
  });

  test('duplicates collapse; the list stops at the first word that is not an id', () => {
    expect(depsOf('x (depends on T001, T001)', 'Depends on: T001')).toEqual(['T001']);
    expect(extractDependencyRefs('depends on T012 because T013 is flaky')).toEqual(['T012']);
  });

  test('ids mentioned without "depends on", and other sub-bullets, are not dependencies', () => {
    expect(depsOf('x like T001 did', 'Note: T002 is similar')).toEqual([]);
  });
});

describe('dependency lists as people write them (issue 14)', () => {
  test('lists joined by `+`, `&`, `/`, `,` and `and`, read whole, and the clause leaves the description', () => {
    expect(depsOf('x (depends on T001 + T002 + T003 + T004)')).toEqual(['T001', 'T002', 'T003', 'T004']);
    expect(depsOf('x (depends on T001/T003 & T004 and T002)')).toEqual(['T001', 'T003', 'T004', 'T002']);
    const task = parseTasks(md('- [ ] T001 a', '- [ ] T002 b', '- [ ] T003 Wire it (depends on T001 + T002)')).tasks[2];
    expect(task.description).toBe('Wire it');
  });

  test('`requires`, `blocked by`, `Dependencies:` and `(after …)` name prerequisites; `after` in prose does not', () => {
    expect(depsOf('x requires T001 and T002')).toEqual(['T001', 'T002']);
    expect(depsOf('x (blocked by T003)')).toEqual(['T003']);
    expect(depsOf('x (after T004)')).toEqual(['T004']);
    expect(depsOf('x', '**Dependencies**: T002, T003')).toEqual(['T002', 'T003']);
    expect(depsOf('x', 'After: T001')).toEqual(['T001']);
    expect(depsOf('test fails now and passes after T004')).toEqual([]);
  });

  test('suffixed ids in lists and ranges: a range covers the suffixed ids inside it, in id order', () => {
    expect(extractDependencyRefs('depends on T013a, T008.1')).toEqual(['T013a', 'T008.1']);
    expect(expandDependencyRefs(['T013-T014'], ['T013', 'T013a', 'T013b', 'T014', 'T014a'])).toEqual([
      'T013',
      'T013a',
      'T013b',
      'T014',
    ]);
    expect(expandDependencyRefs(['T008-T009'], ['T008', 'T008.1', 'T008.10', 'T008.2', 'T009'])).toEqual([
      'T008',
      'T008.1',
      'T008.10',
      'T008.2',
      'T009',
    ]);
    expect(compareIds('T008.2', 'T008.10')).toBeLessThan(0);
    expect(compareIds('T013b', 'T014')).toBeLessThan(0);
  });
});
