import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkDeclaredPaths, escapingPaths, snapshotPaths } from './verify';

let root: string;
let outside: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'verify-ws-'));
  outside = mkdtempSync(join(tmpdir(), 'verify-outside-'));
  mkdirSync(join(root, 'src/inner'), { recursive: true });
  writeFileSync(join(root, 'src/a.ts'), 'a');
  symlinkSync(join(root, 'src/a.ts'), join(root, 'src/inner/alias.ts')); // inside: fine
});
afterEach(() => [root, outside].forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('symlinks that lead out of the workspace', () => {
  test('a declared file under a linked folder, the linked folder, and a folder holding such a link are refused before the agent runs', () => {
    symlinkSync(outside, join(root, 'src/evil'), 'dir');
    symlinkSync(join(outside, 'gone.ts'), join(root, 'dangling.ts'));
    expect(escapingPaths(root, ['src/a.ts', 'src/inner/', 'new/file.ts', 'src/evil/x.ts', 'src/evil/', 'src/', 'dangling.ts'])).toEqual([
      `src/evil/x.ts: src/evil resolves outside the workspace (${outside})`,
      `src/evil/: src/evil resolves outside the workspace (${outside})`,
      `src/: src/evil resolves outside the workspace (${outside})`,
      'dangling.ts: dangling.ts is a dangling symlink',
    ]);
    expect(() => snapshotPaths(root, ['src/evil/x.ts'])).toThrow(
      `refusing to run: src/evil/x.ts: src/evil resolves outside the workspace (${outside}); an agent told to write there would write outside the workspace`);
    expect(readdirSync(outside)).toEqual([]);
  });

  test('a link created by the agent inside a declared folder fails verification', () => {
    const before = snapshotPaths(root, ['src/']);
    writeFileSync(join(root, 'src/b.ts'), 'b');
    symlinkSync(outside, join(root, 'src/evil'), 'dir');
    expect(checkDeclaredPaths(root, ['src/'], before).problems).toEqual([`src/: src/evil resolves outside the workspace (${outside})`]);
  });
});
