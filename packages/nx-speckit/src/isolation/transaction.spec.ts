/** The transaction's git mechanics on real temporary repositories (no Nx). */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beginTransaction, commitTransaction, endTransaction, type Transaction } from './transaction';
import { tidyPool } from './pool';
import { splitDeclared } from '../task-runner/run-task';

// Each test spawns dozens of git processes: seconds on a machine shared with other jobs.
jest.setTimeout(60_000);

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

const edit = (file: string, from: string, to: string) =>
  writeFileSync(file, readFileSync(file, 'utf8').replace(from, to));
const settings = { links: [] };

describe('a task transaction', () => {
  it('snapshots uncommitted and untracked work without touching the index or refs, and leaves no trace after', async () => {
    const root = repo();
    writeFileSync(join(root, 'untracked.txt'), 'new\n');
    edit(join(root, 'shared.txt'), 'line 1\n', 'line one\n');
    const state = () => [
      git(root, 'status', '--porcelain'),
      git(root, 'for-each-ref'),
      git(root, 'stash', 'list'),
      git(root, 'worktree', 'list'),
    ];
    const before = state();
    const tx = await beginTransaction(root, 'spec-x-T001', settings);
    expect(readFileSync(join(tx.worktree.root, 'untracked.txt'), 'utf8')).toBe('new\n');
    expect(readFileSync(join(tx.worktree.root, 'shared.txt'), 'utf8')).toContain('line one\n');
    writeFileSync(join(tx.worktree.root, 'task.txt'), 'by the task\n');
    const result = await commitTransaction(tx);
    endTransaction(tx);
    expect(result.conflicts).toEqual([]);
    expect(result.changed).toEqual(['task.txt']);
    // The worktree went back to the pool: nobody holds it now.
    expect(existsSync(join(tx.worktree.home, `${tx.worktree.slot}.claim`))).toBe(false);
    expect(state()).toEqual([
      before[0].replace('?? untracked.txt\n', '?? task.txt\n?? untracked.txt\n'),
      ...before.slice(1),
    ]);
  });

  it('merges edits of one file in different places three-way; the same lines conflict and nothing of that task is written', async () => {
    const root = repo();
    const [a, b, c] = await Promise.all(['T001', 'T002', 'T003'].map((id) => beginTransaction(root, id, settings)));
    edit(join(a.worktree.root, 'shared.txt'), 'line 1\n', 'line 1 by a\n');
    edit(join(b.worktree.root, 'shared.txt'), 'line 12\n', 'line 12 by b\n');
    edit(join(c.worktree.root, 'shared.txt'), 'line 1\n', 'line 1 by c\n');
    writeFileSync(join(c.worktree.root, 'c-only.txt'), 'c\n');
    expect((await commitTransaction(a)).conflicts).toEqual([]);
    expect((await commitTransaction(b)).conflicts).toEqual([]);
    const third = await commitTransaction(c);
    [a, b, c].forEach(endTransaction);
    expect(third.conflicts).toEqual(['shared.txt']);
    expect(readFileSync(join(root, 'shared.txt'), 'utf8')).toBe(
      LINES.replace('line 1\n', 'line 1 by a\n').replace('line 12\n', 'line 12 by b\n'),
    );
    expect(existsSync(join(root, 'c-only.txt'))).toBe(false);
  });

  it('never carries tasks.md, .speckit/ or ignored files; carries deletions and the executable bit', async () => {
    const root = repo();
    const tx = await beginTransaction(root, 'T001', settings);
    const w = tx.worktree.root;
    execFileSync('mkdir', ['-p', join(w, 'specs/001-x'), join(w, '.speckit'), join(w, 'ignored')]);
    writeFileSync(join(w, 'specs/001-x/tasks.md'), '- [X] T001 self-tick\n');
    writeFileSync(join(w, '.speckit/state'), 'x');
    writeFileSync(join(w, 'ignored/big.bin'), 'x');
    writeFileSync(join(w, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
    rmSync(join(w, 'shared.txt'));
    const result = await commitTransaction(tx);
    endTransaction(tx);
    expect(result.changeset.files).toEqual([
      { status: 'A', path: 'run.sh' },
      { status: 'D', path: 'shared.txt' },
    ]);
    expect(existsSync(join(root, 'shared.txt'))).toBe(false);
    expect(existsSync(join(root, 'specs'))).toBe(false);
    expect(execFileSync('stat', ['-c', '%a', join(root, 'run.sh')], { encoding: 'utf8' }).trim()).toBe('755');
  });
});

/** Every file under `dir` (its .git aside) with its content: what an agent sees there. */
function files(dir: string, at = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(join(dir, at), { withFileTypes: true })) {
    const path = at ? `${at}/${entry.name}` : entry.name;
    if (path === '.git') continue;
    if (entry.isDirectory()) Object.assign(out, files(dir, path));
    else out[path] = readFileSync(join(dir, path), 'utf8');
  }
  return out;
}

const agentGit = (tx: Transaction, ...args: string[]) =>
  git(tx.worktree.top, '-c', 'user.email=a@example.com', '-c', 'user.name=agent', ...args);

describe('the pool of worktrees', () => {
  it("a later task reuses a finished task's worktree and sees exactly the new snapshot", async () => {
    const root = repo();
    const [a, b] = await Promise.all(['T001', 'T002'].map((id) => beginTransaction(root, id, settings)));
    expect([a.worktree.reused, b.worktree.reused]).toEqual([false, false]);
    for (const tx of [a, b]) {
      // Written in the worktree but never landed: ignored, run state, a tasks.md self-tick.
      mkdirSync(join(tx.worktree.root, 'ignored'), { recursive: true });
      writeFileSync(join(tx.worktree.root, 'ignored/build.out'), 'x');
      mkdirSync(join(tx.worktree.root, 'specs/001-x'), { recursive: true });
      writeFileSync(join(tx.worktree.root, 'specs/001-x/tasks.md'), '- [X] T001\n');
    }
    writeFileSync(join(a.worktree.root, 'a.txt'), 'by a\n');
    rmSync(join(b.worktree.root, 'shared.txt'));
    writeFileSync(join(b.worktree.root, 'b.txt'), 'by b\n');
    for (const tx of [a, b]) expect((await commitTransaction(tx)).conflicts).toEqual([]);
    [a, b].forEach(endTransaction);
    // The user works on meanwhile.
    writeFileSync(join(root, 'user.txt'), 'by the user\n');

    const c = await beginTransaction(root, 'T003', settings);
    endTransaction(c);
    expect(c.worktree.reused).toBe(true);
    expect([a.worktree.slot, b.worktree.slot]).toContain(c.worktree.slot);
    expect(files(c.worktree.root)).toEqual(files(root));
    expect(Object.keys(files(root)).sort()).toEqual(['.gitignore', 'a.txt', 'b.txt', 'user.txt']);
    expect(git(c.worktree.top, 'status', '--porcelain', '--ignored')).toBe('');
  });

  it('a reused worktree links the shared ignored folders again, and clearing it never reaches into them', async () => {
    const root = repo();
    mkdirSync(join(root, 'ignored/pkg'), { recursive: true });
    writeFileSync(join(root, 'ignored/pkg/index.js'), 'shared\n');
    const links = { links: ['ignored'] };
    const a = await beginTransaction(root, 'T001', links);
    await commitTransaction(a);
    endTransaction(a);
    const b = await beginTransaction(root, 'T002', links);
    endTransaction(b);
    expect(b.worktree.reused).toBe(true);
    expect(readFileSync(join(b.worktree.root, 'ignored/pkg/index.js'), 'utf8')).toBe('shared\n');
    expect(readFileSync(join(root, 'ignored/pkg/index.js'), 'utf8')).toBe('shared\n');
  });

  it("an agent's commits, branches, stash and config in a pooled worktree do not reach the next task", async () => {
    const root = repo();
    const a = await beginTransaction(root, 'T001', settings);
    writeFileSync(join(a.worktree.root, 'kept.txt'), 'x\n');
    agentGit(a, 'add', '-A');
    agentGit(a, 'commit', '-qm', 'agent commit');
    agentGit(a, 'checkout', '-qb', 'agent-branch');
    agentGit(a, 'tag', 'agent-tag');
    writeFileSync(join(a.worktree.root, 'stashed.txt'), 'y\n');
    agentGit(a, 'add', 'stashed.txt');
    agentGit(a, 'stash', '-q');
    agentGit(a, 'config', 'core.sparseCheckout', 'true');
    await commitTransaction(a);
    endTransaction(a);

    const b = await beginTransaction(root, 'T002', settings);
    endTransaction(b);
    expect(b.worktree.slot).toBe(a.worktree.slot);
    expect(b.worktree.reused).toBe(true);
    expect(git(b.worktree.top, 'rev-parse', 'HEAD').trim()).toBe(b.worktree.commit);
    expect(git(b.worktree.top, 'for-each-ref')).toBe('');
    expect(git(b.worktree.top, 'stash', 'list')).toBe('');
    expect(git(b.worktree.top, 'config', '--local', '--list')).not.toMatch(/sparse/i);
    expect(() => git(b.worktree.top, 'symbolic-ref', '-q', 'HEAD')).toThrow();
    expect(files(b.worktree.root)).toEqual(files(root));
  });

  it.each([
    ['its .git is damaged', (dir: string) => writeFileSync(join(dir, '.git/HEAD'), 'garbage\n')],
    ['its index was lost', (dir: string) => rmSync(join(dir, '.git/index'))],
    [
      'its HEAD moved while nobody held it',
      (dir: string) =>
        git(
          dir,
          '-c',
          'user.email=a@example.com',
          '-c',
          'user.name=x',
          'commit',
          '-q',
          '--allow-empty',
          '-m',
          'meanwhile',
        ),
    ],
    [
      'its index changed while nobody held it',
      (dir: string) => {
        writeFileSync(join(dir, 'sneaked.txt'), 'x\n');
        git(dir, 'add', 'sneaked.txt');
      },
    ],
    // HEAD and index as recorded, yet its .git cannot take the user's ignore rules.
    [
      'bringing it to the snapshot fails',
      (dir: string) => {
        rmSync(join(dir, '.git/info'), { recursive: true });
        writeFileSync(join(dir, '.git/info'), 'not a folder\n');
      },
    ],
  ])('a pooled worktree is made again from scratch when %s', async (_, damage) => {
    const root = repo();
    const a = await beginTransaction(root, 'T001', settings);
    endTransaction(a);
    damage(a.worktree.top);
    const b = await beginTransaction(root, 'T002', settings);
    endTransaction(b);
    expect(b.worktree.slot).toBe(a.worktree.slot);
    expect(b.worktree.reused).toBe(false);
    expect(git(b.worktree.top, 'rev-parse', 'HEAD').trim()).toBe(b.worktree.commit);
    expect(files(b.worktree.root)).toEqual(files(root));
  });

  it('a claim whose process is gone (kill -9) is taken over; tidying removes it, kept failures and free worktrees beyond the limit', async () => {
    const root = repo();
    const [a, b, c] = await Promise.all(['T001', 'T002', 'T003'].map((id) => beginTransaction(root, id, settings)));
    const home = a.worktree.home;
    const claim = (tx: Transaction) => join(home, `${tx.worktree.slot}.claim`);
    // a's process "died" holding its claim: a real pid that no longer runs.
    const dead = Number(
      execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }),
    );
    writeFileSync(claim(a), JSON.stringify({ pid: dead, task: 'T001' }));
    const d = await beginTransaction(root, 'T004', settings);
    expect(d.worktree.slot).toBe(a.worktree.slot);
    // What a's agent may have done there is unknown: made again from scratch.
    expect(d.worktree.reused).toBe(false);
    expect(JSON.parse(readFileSync(claim(a), 'utf8')).pid).toBe(process.pid);
    writeFileSync(claim(a), JSON.stringify({ pid: dead, task: 'T004' }));
    mkdirSync(join(home, 'failed-T009-abcdef'));

    // b still runs (its claim is this live process): never touched.
    const removed = await tidyPool(root, 1);
    expect(removed).toEqual([join(home, 'failed-T009-abcdef')]);
    expect(existsSync(claim(a))).toBe(false);
    expect(existsSync(claim(b))).toBe(true);
    endTransaction(b);
    endTransaction(c);
    await tidyPool(root, 1);
    const left = readdirSync(home).filter((e) => e !== 'pool.lock');
    expect(left.filter((e) => e.endsWith('.claim'))).toEqual([]);
    expect(left.filter((e) => /^pool-[0-9a-f]+$/.test(e))).toHaveLength(1);
  });
});

describe('splitDeclared', () => {
  it('puts files under a declared file or folder in declared, everything else in undeclared', () => {
    expect(
      splitDeclared(['src/a.ts', 'src/lib/b.ts', 'src/libx.ts', 'package.json'], ['src/a.ts', 'src/lib/']),
    ).toEqual({
      declared: ['src/a.ts', 'src/lib/b.ts'],
      undeclared: ['src/libx.ts', 'package.json'],
    });
  });
});
