import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from './write-file-atomic';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'atomic-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('writes the file (making its folder), replacing what was there, and leaves no temporary file', () => {
  writeFileAtomic(join(dir, 'a/b/file.json'), 'first');
  writeFileAtomic(join(dir, 'a/b/file.json'), Buffer.from('second'));
  expect(readFileSync(join(dir, 'a/b/file.json'), 'utf8')).toBe('second');
  expect(readdirSync(join(dir, 'a/b'))).toEqual(['file.json']);
});

test('a write that cannot land leaves the old content and no temporary file', () => {
  mkdirSync(join(dir, 'taken'));
  writeFileSync(join(dir, 'taken/inside'), 'keep');
  expect(() => writeFileAtomic(join(dir, 'taken'), 'new')).toThrow();
  expect(readdirSync(dir)).toEqual(['taken']);
  expect(readFileSync(join(dir, 'taken/inside'), 'utf8')).toBe('keep');
});
