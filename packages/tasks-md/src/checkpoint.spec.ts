import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointError, markDone } from './checkpoint';
import { reusingParser } from './reuse';
import { fixture } from '../test/helpers';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'checkpoint-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(content: string | Buffer, name = 'tasks.md'): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

/** A file's bytes as text, so a failed comparison prints a diff (every file here but one is UTF-8). */
const text = (buffer: Buffer) => buffer.toString('utf8');

/**
 * The expected file, computed without the parser: `buffer` with the checkbox of each `- [ ] ID`
 * line set to `X`. Each id must occur exactly once as an open task line.
 */
function flipped(buffer: Buffer, ...ids: string[]): Buffer {
  const out = Buffer.from(buffer);
  for (const id of ids) {
    const needle = Buffer.from(`- [ ] ${id}`);
    const at = out.indexOf(needle);
    if (at < 0 || out.indexOf(needle, at + 1) >= 0) throw new Error(`${id} must be open exactly once`);
    out[at + 3] = 0x58;
  }
  return out;
}

/** The folder holds only what the test put there: no temp files, no lock left behind. */
function leftovers(...expected: string[]): string[] {
  return readdirSync(dir).filter((f) => !expected.includes(f));
}

describe('markDone', () => {
  test("flips exactly that task's checkbox to X and no other byte", async () => {
    const original = Buffer.from(fixture('shapes-template.md'));
    const file = write(original);
    await expect(markDone(file, 'T012')).resolves.toEqual({ changed: true, line: 53, total: 20, done: 2 }); // T001 was [X] already
    expect(readFileSync(file, 'utf8')).toBe(text(flipped(original, 'T012')));
    expect(leftovers('tasks.md')).toEqual([]);
  });

  test("with a shared parser, each mark lands on the right byte across other marks and a person's edits", async () => {
    const parse = reusingParser(join(dir, 'parses'));
    const original = Buffer.from(fixture('shapes-template.md'));
    const file = write(original);
    await markDone(file, 'T012', { parse });
    await markDone(file, 'T013', { parse }); // only marks changed: the stored parse is reused
    expect(readFileSync(file, 'utf8')).toBe(text(flipped(original, 'T012', 'T013')));
    // A person inserts a line above: every offset moves, so the stored parse must not be used.
    const edited = Buffer.concat([Buffer.from('> note added during the run\n\n'), readFileSync(file)]);
    writeFileSync(file, edited);
    await expect(markDone(file, 'T014', { parse })).resolves.toMatchObject({ changed: true, line: 64, done: 4 }); // line 62 before the two new lines;
    expect(readFileSync(file, 'utf8')).toBe(text(flipped(edited, 'T014')));
    expect(leftovers('tasks.md', 'parses')).toEqual([]);
  });

  test('the example in a code fence is not a task: T008 is marked in the list, the fence is untouched', async () => {
    const original = fixture('shapes-template.md');
    const file = write(original);
    await markDone(file, 'T008');
    const after = readFileSync(file, 'utf8');
    expect(after.indexOf('- [X] T008')).toBe(original.indexOf('- [ ] T008'));
    expect(after.lastIndexOf('- [ ] T008')).toBe(original.lastIndexOf('- [ ] T008'));
    expect(after.length).toBe(original.length);
  });

  test('CRLF, a BOM and emoji survive byte for byte', async () => {
    const original = Buffer.from(
      '\uFEFF# Tâches 🚀\r\n\r\n## Fase 1 — 🎯\r\n\r\n- [ ] T001 Crear 😀 src/a.ts\r\n- [ ] T002 [P] 中文\r\n  - Files: `src/ñ.ts`\r\n- [x] T003 done\r\n',
      'utf8',
    );
    const file = write(original);
    await markDone(file, 'T002');
    await markDone(file, 'T001');
    expect(readFileSync(file, 'utf8')).toBe(text(flipped(original, 'T002', 'T001')));
  });

  test('idempotent: a task already [X] or [x] is left as it is', async () => {
    const original = Buffer.from('- [ ] T001 a\n- [x] T002 lean\n');
    const file = write(original);
    await expect(markDone(file, 'T001')).resolves.toEqual({ changed: true, line: 1, total: 2, done: 2 });
    const once = readFileSync(file);
    await expect(markDone(file, 'T001')).resolves.toEqual({ changed: false, line: 1, total: 2, done: 2 });
    await expect(markDone(file, 'T002')).resolves.toEqual({ changed: false, line: 2, total: 2, done: 2 });
    expect(readFileSync(file, 'utf8')).toBe(text(once));
    expect(once.toString()).toBe('- [X] T001 a\n- [x] T002 lean\n');
  });

  test('keeps the file mode, whatever the umask would give a new file', async () => {
    for (const mode of [0o640, 0o604, 0o755]) {
      const file = write('- [ ] T001 a\n', `mode-${mode.toString(8)}.md`);
      chmodSync(file, mode);
      await markDone(file, 'T001');
      expect([readFileSync(file, 'utf8'), statSync(file).mode & 0o7777]).toEqual(['- [X] T001 a\n', mode]);
    }
  });

  test('refuses an unknown id with a clear error and leaves the file untouched', async () => {
    const original = Buffer.from(fixture('shapes-template.md'));
    const file = write(original);
    const error = await markDone(file, 'T099').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as Error).message).toBe(
      `${file}: task T099 not found; it may have been renamed or removed since the run started`,
    );
    expect(readFileSync(file, 'utf8')).toBe(text(original));
    expect(leftovers('tasks.md')).toEqual([]);
  });

  test('refuses an ambiguous (duplicated) id and leaves the file untouched', async () => {
    const original = Buffer.from('- [ ] T001 a\n- [ ] T002 b\n- [ ] T001 copy\n');
    const file = write(original);
    const error = await markDone(file, 'T001').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as Error).message).toBe(`${file}:3: T001 appears more than once; refusing to guess which to mark`);
    expect(readFileSync(file, 'utf8')).toBe(text(original));
    // The other tasks can still be marked.
    await markDone(file, 'T002');
    expect(readFileSync(file, 'utf8')).toBe(text(flipped(original, 'T002')));
  });

  test('refuses a file that is not UTF-8', async () => {
    const original = Buffer.concat([Buffer.from('- [ ] T001 a '), Buffer.from([0xff, 0xfe]), Buffer.from('\n')]);
    const file = write(original);
    await expect(markDone(file, 'T001')).rejects.toThrow(CheckpointError);
    expect(readFileSync(file)).toEqual(original);
  });

  test('finds the task by id at write time: edits made by another writer between marks survive', async () => {
    const original = Buffer.from(fixture('shapes-colon-ids.md'));
    const file = write(original);
    await markDone(file, 'T002');
    // Someone edits the file: a new line above every task, a reworded task, an appended task.
    const edited = Buffer.from(
      readFileSync(file, 'utf8')
        .replace('# Tasks: Garden Planner\n', '# Tasks: Garden Planner\n\n> Reviewed by Ana ✅\n')
        .replace('Turn on type checks (mypy, pyright)', 'Turn on type checks (mypy only)')
        .concat('- [ ] T021: Write release notes\n'),
    );
    writeFileSync(file, edited);
    await markDone(file, 'T015');
    await markDone(file, 'T021');
    expect(readFileSync(file, 'utf8')).toBe(text(flipped(edited, 'T015', 'T021')));
    expect(readFileSync(file, 'utf8')).toContain('- [X] T002: Connect to SQLite');
  });

  test('concurrent marks within one process all land', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `T${String(i + 1).padStart(3, '0')}`);
    const original = Buffer.from(ids.map((id) => `- [ ] ${id} task ${id}\n`).join(''));
    const file = write(original);
    await Promise.all(ids.map((id) => markDone(file, id)));
    expect(readFileSync(file, 'utf8')).toBe(text(flipped(original, ...ids)));
  });

  test('50 processes marking 50 different tasks of one file at once lose nothing, byte for byte', async () => {
    const ids = Array.from({ length: 60 }, (_, i) => `T${String(i + 1).padStart(3, '0')}`);
    const lines = ids.map(
      (id, i) =>
        `- [ ] ${id}${i % 3 ? ' [P]' : ''} Tâche ${i} 🚀 in src/m${i}.ts\r\n${i % 4 === 0 ? '  - Files: `src/x.ts`\r\n' : ''}`,
    );
    const original = Buffer.from(
      `\uFEFF# Tasks 📋\r\n\r\n## Phase 1: Setup\r\n\r\n${lines.slice(0, 30).join('')}\r\n## Phase 2: Core\r\n\r\n${lines.slice(30).join('')}`,
      'utf8',
    );
    const file = write(original);
    const marked = ids.filter((_, i) => i % 6 !== 5); // 50 of the 60
    expect(marked).toHaveLength(50);

    const register = require.resolve('@swc-node/register');
    const child = join(__dirname, '../test/mark-child.ts');
    const children = marked.map((id) => {
      const proc = spawn(process.execPath, ['-r', register, child, file, id], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      proc.stdout.on('data', (d) => (out += d));
      proc.stderr.on('data', (d) => (err += d));
      const ready = new Promise<void>((resolve, reject) => {
        proc.stdout.on('data', () => out.includes('ready\n') && resolve());
        proc.on('exit', () => reject(new Error(`${id} exited before it was ready: ${err}`)));
      });
      const done = new Promise<{ id: string; code: number | null; out: string; err: string }>((resolve) =>
        proc.on('exit', (code) => resolve({ id, code, out, err })),
      );
      return { proc, ready, done };
    });
    await Promise.all(children.map((c) => c.ready));
    for (const c of children) c.proc.stdin.end('go\n'); // all at once
    const results = await Promise.all(children.map((c) => c.done));

    expect(results.filter((r) => r.code !== 0)).toEqual([]);
    expect(results.map((r) => JSON.parse(r.out.split('\n')[1]).changed)).toEqual(Array(50).fill(true));
    expect(readFileSync(file, 'utf8')).toBe(text(flipped(original, ...marked)));
    expect(leftovers('tasks.md')).toEqual([]);
  }, 120_000);
});
