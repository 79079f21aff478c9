import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeAtomically } from './tasks-file';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tasks-file-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('replaces the file whole and keeps its mode', () => {
  const file = join(dir, 'tasks.md');
  writeFileSync(file, '- [ ] T001 a\n', { mode: 0o640 });
  expect(writeAtomically(file, Buffer.from('- [X] T001 a\n'))).toBe(true);
  expect([readFileSync(file, 'utf8'), statSync(file).mode & 0o777]).toEqual(['- [X] T001 a\n', 0o640]);
  expect(readdirSync(dir)).toEqual(['tasks.md']);
});

test('a file changed since it was read is left alone, and the temp file removed', () => {
  const file = join(dir, 'tasks.md');
  writeFileSync(file, "a person's edit\n");
  expect(writeAtomically(file, Buffer.from('stale\n'), { changedMeanwhile: () => true })).toBe(false);
  expect(readFileSync(file, 'utf8')).toBe("a person's edit\n");
  expect(readdirSync(dir)).toEqual(['tasks.md']);
});

test('a missing file is created', () => {
  const file = join(dir, 'tasks.md');
  expect(writeAtomically(file, Buffer.from('restored\n'))).toBe(true);
  expect(readFileSync(file, 'utf8')).toBe('restored\n');
});

test('a failed replace throws and leaves no temp file behind', () => {
  const target = join(dir, 'tasks.md');
  mkdirSync(join(target, 'inside'), { recursive: true }); // a non-empty folder cannot be replaced by a file
  expect(() => writeAtomically(target, Buffer.from('x'))).toThrow();
  expect(readdirSync(dir)).toEqual(['tasks.md']);
});

test('a path that cannot be looked at is an error, not a new file', () => {
  writeFileSync(join(dir, 'plain'), '');
  expect(() => writeAtomically(join(dir, 'plain', 'tasks.md'), Buffer.from('x'))).toThrow(/ENOTDIR/);
});

test('text or bytes; missing folders are made; repeated writes leave no temp file', () => {
  const file = join(dir, 'a/b/file.json');
  expect(writeAtomically(file, 'first')).toBe(true);
  expect(writeAtomically(file, new Uint8Array(Buffer.from('second')))).toBe(true);
  expect(readFileSync(file, 'utf8')).toBe('second');
  expect(readdirSync(join(dir, 'a/b'))).toEqual(['file.json']);
});

test('a failed replace keeps what the folder held', () => {
  mkdirSync(join(dir, 'taken'));
  writeFileSync(join(dir, 'taken/inside'), 'keep');
  expect(() => writeAtomically(join(dir, 'taken'), 'new')).toThrow();
  expect(readFileSync(join(dir, 'taken/inside'), 'utf8')).toBe('keep');
});
