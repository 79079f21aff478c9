import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { markDone } from './checkpoint';
import { undoAgentEdits } from './guard';
import { withoutMarks } from './marks';
import { withFileLock } from './tasks-file';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'guard-'));
  file = join(dir, 'tasks.md');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const ORIGINAL = '## Core\r\n\r\n- [ ] T001 a in src/a.ts\r\n- [ ] T002 b\r\n- [x] T003 c\r\n';
const read = () => readFileSync(file, 'utf8');

/** Writes ORIGINAL, returns the snapshot taken "before the agent ran". */
function start(text = ORIGINAL): Buffer {
  writeFileSync(file, text);
  return readFileSync(file);
}

describe('undoAgentEdits: what is kept', () => {
  test('nothing changed, or only other tasks were marked meanwhile: nothing to undo, file kept', async () => {
    const snapshot = start();
    await expect(undoAgentEdits(file, snapshot, 'T001')).resolves.toEqual({ warnings: [] });
    await markDone(file, 'T002');
    const marked = readFileSync(file);
    await expect(undoAgentEdits(file, snapshot, 'T001')).resolves.toEqual({ warnings: [] });
    expect(readFileSync(file, 'utf8')).toBe(marked.toString());
  });

  test("a person's concurrent edits (note, rewording another task, a new task) and other tasks' marks are all kept, byte for byte (regression: the snapshot used to be restored)", async () => {
    const snapshot = start();
    const edited = ORIGINAL.replace('## Core\r\n', '## Core\r\n\r\n> Note: T002 needs the new API key.\r\n')
      .replace('- [ ] T002 b', '- [ ] T002 b, reworded by a person')
      .replace('- [x] T003 c\r\n', '- [x] T003 c\r\n- [ ] T004 new task added during the run\r\n');
    writeFileSync(file, edited);
    await markDone(file, 'T002');
    await markDone(file, 'T004');
    const expected = edited.replace('[ ] T002', '[X] T002').replace('[ ] T004', '[X] T004');
    expect(read()).toBe(expected);
    await expect(undoAgentEdits(file, snapshot, 'T001')).resolves.toEqual({ warnings: [] });
    expect(read()).toBe(expected);
  });

  test("an editor converting the whole file to LF is kept; the task's own entry still matches", async () => {
    const snapshot = start();
    writeFileSync(file, ORIGINAL.replace(/\r\n/g, '\n'));
    await expect(undoAgentEdits(file, snapshot, 'T001')).resolves.toEqual({ warnings: [] });
    expect(read()).toBe(ORIGINAL.replace(/\r\n/g, '\n'));
  });

  test("a BOM before a first-line task: another task's mark there is not taken for an agent edit (regression)", async () => {
    const snapshot = start('\uFEFF- [ ] T001 a\n- [ ] T002 b\n');
    await markDone(file, 'T001');
    await expect(undoAgentEdits(file, snapshot, 'T002')).resolves.toEqual({ warnings: [] });
    expect(read()).toBe('\uFEFF- [X] T001 a\n- [ ] T002 b\n');
  });
});

describe('undoAgentEdits: what is undone', () => {
  test("another done task un-marked during the run is marked again with its own letter, other edits kept; a warning, not this task's failure", async () => {
    const snapshot = start('- [ ] T001 a\n- [X] T002 b\n- [x] T003 c\n- [ ] T004 d\n');
    writeFileSync(file, '- [ ] T001 a\n- [ ] T002 b\n- [ ] T003 c, reworded\n- [ ] T004 d\nnote\n');
    await expect(undoAgentEdits(file, snapshot, 'T001')).resolves.toEqual({
      warnings: [
        'T002, T003 were done but un-marked in tasks.md while T001 ran (completed work stays marked); the mark was restored. To redo a task, untick it before the run',
      ],
    });
    expect(read()).toBe('- [ ] T001 a\n- [X] T002 b\n- [x] T003 c, reworded\n- [ ] T004 d\nnote\n');
  });

  test("the agent ticking its own task: exactly that box is cleared, a person's edit and another mark made meanwhile are kept", async () => {
    const snapshot = start();
    writeFileSync(file, ORIGINAL.replace('[ ] T001', '[x] T001').replace('- [x] T003 c', '- [x] T003 c (note)'));
    await markDone(file, 'T002');
    await expect(undoAgentEdits(file, snapshot, 'T001')).resolves.toEqual({
      refusal: 'the agent marked T001 itself; the mark was removed until verification passes',
      warnings: [],
    });
    expect(read()).toBe(ORIGINAL.replace('[ ] T002', '[X] T002').replace('- [x] T003 c', '- [x] T003 c (note)'));
  });

  test("the task's own line reworded meanwhile: file kept as edited, the task fails", async () => {
    const snapshot = start();
    const edited = ORIGINAL.replace('T001 a in src/a.ts', 'T001 a in src/a.ts and also a migration');
    writeFileSync(file, edited);
    await expect(undoAgentEdits(file, snapshot, 'T001')).resolves.toEqual({
      refusal:
        'tasks.md was edited during the run and T001\'s line now reads "T001 a in src/a.ts and also a migration" (was "T001 a in src/a.ts"); not marking T001 done: re-run it to implement the task as it now reads',
      warnings: [],
    });
    expect(read()).toBe(edited);
  });

  test('own line reworded and ticked by the agent: the box is cleared too', async () => {
    const snapshot = start();
    writeFileSync(file, ORIGINAL.replace('- [ ] T001 a in src/a.ts', '- [X] T001 a in src/a.ts (done, trust me)'));
    await expect(undoAgentEdits(file, snapshot, 'T001')).resolves.toEqual({
      refusal:
        'tasks.md was edited during the run and T001\'s line now reads "T001 a in src/a.ts (done, trust me)" (was "T001 a in src/a.ts"); not marking T001 done: re-run it to implement the task as it now reads',
      warnings: [],
    });
    expect(read()).toBe(ORIGINAL.replace('T001 a in src/a.ts', 'T001 a in src/a.ts (done, trust me)'));
  });

  test('own declared files changed through a Files: sub-bullet', async () => {
    const snapshot = start('- [ ] T001 a\n  - Files: src/a.ts\n- [ ] T002 b\n');
    writeFileSync(file, '- [ ] T001 a\n  - Files: src/a.ts, src/b.ts\n- [ ] T002 b\n');
    await expect(undoAgentEdits(file, snapshot, 'T001')).resolves.toEqual({
      refusal:
        "tasks.md was edited during the run and T001's declared files changed; not marking T001 done: re-run it to implement the task as it now reads",
      warnings: [],
    });
    expect(read()).toBe('- [ ] T001 a\n  - Files: src/a.ts, src/b.ts\n- [ ] T002 b\n');
  });

  test('own task removed or duplicated meanwhile', async () => {
    const snapshot = start();
    writeFileSync(file, ORIGINAL.replace('- [ ] T001 a in src/a.ts\r\n', ''));
    await expect(undoAgentEdits(file, snapshot, 'T001')).resolves.toEqual({
      refusal:
        'tasks.md was edited during the run and T001 is no longer in it; not marking T001 done: re-run it to implement the task as it now reads',
      warnings: [],
    });
    writeFileSync(file, `${ORIGINAL}- [ ] T001 a in src/a.ts\r\n`);
    await expect(undoAgentEdits(file, snapshot, 'T001')).resolves.toEqual({
      refusal:
        'tasks.md was edited during the run and T001 now appears more than once; not marking T001 done: re-run it to implement the task as it now reads',
      warnings: [],
    });
    expect(read()).toBe(`${ORIGINAL}- [ ] T001 a in src/a.ts\r\n`);
  });
});

describe('undoAgentEdits: destructive changes restore the snapshot', () => {
  test('tasks.md emptied: snapshot back, with the marks other tasks wrote meanwhile', async () => {
    const snapshot = start();
    await markDone(file, 'T002');
    writeFileSync(file, "- [X] T002 b\na person's note\n");
    const copy = join(dir, 'runs', 'T001.replaced-tasks.md');
    await expect(undoAgentEdits(file, snapshot, 'T001', { replacedCopy: copy })).resolves.toEqual({
      refusal: `tasks.md was damaged during the run (completed task T003 disappeared from it); it was restored from before the agent ran, keeping other tasks' new marks; the file as it was is saved in ${copy}`,
      warnings: [],
    });
    expect(read()).toBe(ORIGINAL.replace('[ ] T002', '[X] T002'));
    expect(readFileSync(copy, 'utf8')).toBe("- [X] T002 b\na person's note\n"); // nothing of the person's is lost
  });

  test('tasks.md no longer valid UTF-8, or deleted', async () => {
    const snapshot = start();
    writeFileSync(file, Buffer.concat([Buffer.from(ORIGINAL), Buffer.from([0xff, 0xfe, 0x00])]));
    await expect(undoAgentEdits(file, snapshot, 'T001')).resolves.toEqual({
      refusal:
        "tasks.md was damaged during the run (it is no longer valid UTF-8); it was restored from before the agent ran, keeping other tasks' new marks",
      warnings: [],
    });
    expect(read()).toBe(ORIGINAL);
    unlinkSync(file);
    await expect(undoAgentEdits(file, snapshot, 'T001')).resolves.toEqual({
      refusal: 'the agent deleted tasks.md (only nx-speckit writes it); it was restored from before the agent ran',
      warnings: [],
    });
    expect(existsSync(file) && read()).toBe(ORIGINAL);
  });
});

test('a deleted tasks.md is restored only once the lock a checkpoint holds is free, in one piece', async () => {
  const snapshot = start();
  unlinkSync(file);
  const order: string[] = [];
  let release!: () => void;
  const checkpoint = withFileLock(
    file,
    () =>
      new Promise<void>((resolve) => {
        release = resolve;
      }),
  );
  const guard = undoAgentEdits(file, snapshot, 'T001').then(() => order.push('guard'));
  // Long enough for an unlocked restore to finish many times over.
  await new Promise((resolve) => setTimeout(resolve, 300));
  order.push('checkpoint released');
  expect(existsSync(file)).toBe(false);
  release();
  await Promise.all([checkpoint, guard]);
  expect(order).toEqual(['checkpoint released', 'guard']);
  expect(read()).toBe(ORIGINAL);
  expect(readdirSync(dir)).toEqual(['tasks.md']); // no temp file, no lock left behind
});

test('withoutMarks blanks checkboxes only', () => {
  expect(withoutMarks('- [X] T001 a [x]\n  * [x] T002\n1. [X] T003\n\uFEFF- [x] T004\ntext [X]\n')).toBe(
    '- [ ] T001 a [x]\n  * [ ] T002\n1. [ ] T003\n\uFEFF- [ ] T004\ntext [X]\n',
  );
});

describe('undoAgentEdits with the checkpoint journal', () => {
  test("a tick a guard removed stays removed when a stale write puts it back; a checkpoint and a person's own tick are kept", async () => {
    const journal = join(dir, 'runs', 'marks.log');
    const snapshot1 = start('- [ ] T001 a\n- [ ] T002 b\n- [ ] T003 c\n- [ ] T004 d\n');
    // T002's agent ticks its own box; T002's guard removes it and notes that in the journal.
    const selfTicked = read().replace('[ ] T002', '[X] T002');
    writeFileSync(file, selfTicked);
    await expect(undoAgentEdits(file, snapshot1, 'T002', { journal })).resolves.toEqual({
      refusal: 'the agent marked T002 itself; the mark was removed until verification passes',
      warnings: [],
    });
    expect(readFileSync(journal, 'utf8')).toBe('!T002\n');
    // Meanwhile T001's agent rewrites the file from its stale copy (T002 ticked), T004 is checkpointed,
    // and a person ticks T003 by hand.
    writeFileSync(file, selfTicked.replace('[ ] T003', '[x] T003'));
    await markDone(file, 'T004', { journal });
    await expect(
      undoAgentEdits(file, Buffer.from('- [ ] T001 a\n- [ ] T002 b\n- [ ] T003 c\n- [ ] T004 d\n'), 'T001', {
        journal,
      }),
    ).resolves.toEqual({
      warnings: [
        "T002 was ticked again in tasks.md while T001 ran, after a guard had removed the agent's own tick (a stale write of the file); the mark was removed until a verified run makes it",
      ],
    });
    expect(read()).toBe('- [ ] T001 a\n- [ ] T002 b\n- [x] T003 c\n- [X] T004 d\n');
    // A verified run of T002 later: its checkpoint is the last word.
    await markDone(file, 'T002', { journal });
    expect(readFileSync(journal, 'utf8')).toBe('!T002\nT004\nT002\n');
    await expect(
      undoAgentEdits(file, Buffer.from('- [ ] T001 a\n- [ ] T002 b\n- [x] T003 c\n- [X] T004 d\n'), 'T001', {
        journal,
      }),
    ).resolves.toEqual({ warnings: [] });
    expect(read()).toBe('- [ ] T001 a\n- [X] T002 b\n- [x] T003 c\n- [X] T004 d\n');
  });
});
