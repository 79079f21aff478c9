/** The transaction's git mechanics on real temporary repositories (no Nx). */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beginTransaction, commitTransaction, endTransaction } from './transaction';
import { splitDeclared } from '../task-runner/run-task';

const made: string[] = [];
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' });
const LINES = Array.from({ length: 12 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';

function repo(): string {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'isolation-spec-')));
  made.push(root);
  git(root, 'init', '-q', '-b', 'main');
  writeFileSync(join(root, 'shared.txt'), LINES);
  writeFileSync(join(root, '.gitignore'), 'ignored/\n');
  git(root, 'add', '-A');
  git(root, '-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-qm', 'base');
  return root;
}

const edit = (file: string, from: string, to: string) => writeFileSync(file, readFileSync(file, 'utf8').replace(from, to));
const settings = { links: [] };

describe('a task transaction', () => {
  it('snapshots uncommitted and untracked work without touching the index or refs, and leaves no trace after', async () => {
    const root = repo();
    writeFileSync(join(root, 'untracked.txt'), 'new\n');
    edit(join(root, 'shared.txt'), 'line 1\n', 'line one\n');
    const state = () => [git(root, 'status', '--porcelain'), git(root, 'for-each-ref'), git(root, 'stash', 'list'), git(root, 'worktree', 'list')];
    const before = state();
    const tx = beginTransaction(root, 'spec-x-T001', settings);
    expect(readFileSync(join(tx.worktree.root, 'untracked.txt'), 'utf8')).toBe('new\n');
    expect(readFileSync(join(tx.worktree.root, 'shared.txt'), 'utf8')).toContain('line one\n');
    writeFileSync(join(tx.worktree.root, 'task.txt'), 'by the task\n');
    const result = await commitTransaction(tx);
    endTransaction(tx);
    expect(result.conflicts).toEqual([]);
    expect(result.changed).toEqual(['task.txt']);
    expect(existsSync(tx.worktree.top)).toBe(false);
    expect(state()).toEqual([before[0].replace('?? untracked.txt\n', '?? task.txt\n?? untracked.txt\n'), ...before.slice(1)]);
  });

  it('merges edits of one file in different places three-way; the same lines conflict and nothing of that task is written', async () => {
    const root = repo();
    const [a, b, c] = ['T001', 'T002', 'T003'].map((id) => beginTransaction(root, id, settings));
    edit(join(a.worktree.root, 'shared.txt'), 'line 1\n', 'line 1 by a\n');
    edit(join(b.worktree.root, 'shared.txt'), 'line 12\n', 'line 12 by b\n');
    edit(join(c.worktree.root, 'shared.txt'), 'line 1\n', 'line 1 by c\n');
    writeFileSync(join(c.worktree.root, 'c-only.txt'), 'c\n');
    expect((await commitTransaction(a)).conflicts).toEqual([]);
    expect((await commitTransaction(b)).conflicts).toEqual([]);
    const third = await commitTransaction(c);
    [a, b, c].forEach(endTransaction);
    expect(third.conflicts).toEqual(['shared.txt']);
    expect(readFileSync(join(root, 'shared.txt'), 'utf8')).toBe(LINES.replace('line 1\n', 'line 1 by a\n').replace('line 12\n', 'line 12 by b\n'));
    expect(existsSync(join(root, 'c-only.txt'))).toBe(false);
  });

  it('never carries tasks.md, .speckit/ or ignored files; carries deletions and the executable bit', async () => {
    const root = repo();
    const tx = beginTransaction(root, 'T001', settings);
    const w = tx.worktree.root;
    execFileSync('mkdir', ['-p', join(w, 'specs/001-x'), join(w, '.speckit'), join(w, 'ignored')]);
    writeFileSync(join(w, 'specs/001-x/tasks.md'), '- [X] T001 self-tick\n');
    writeFileSync(join(w, '.speckit/state'), 'x');
    writeFileSync(join(w, 'ignored/big.bin'), 'x');
    writeFileSync(join(w, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
    rmSync(join(w, 'shared.txt'));
    const result = await commitTransaction(tx);
    endTransaction(tx);
    expect(result.changeset.files).toEqual([{ status: 'A', path: 'run.sh' }, { status: 'D', path: 'shared.txt' }]);
    expect(existsSync(join(root, 'shared.txt'))).toBe(false);
    expect(existsSync(join(root, 'specs'))).toBe(false);
    expect(execFileSync('stat', ['-c', '%a', join(root, 'run.sh')], { encoding: 'utf8' }).trim()).toBe('755');
  });
});

describe('splitDeclared', () => {
  it('puts files under a declared file or folder in declared, everything else in undeclared', () => {
    expect(splitDeclared(['src/a.ts', 'src/lib/b.ts', 'src/libx.ts', 'package.json'], ['src/a.ts', 'src/lib/'])).toEqual({
      declared: ['src/a.ts', 'src/lib/b.ts'], undeclared: ['src/libx.ts', 'package.json'],
    });
  });
});
