import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { markDone } from './checkpoint';
import { undoAgentEdits, withoutMarks } from './guard';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'guard-'));
  file = join(dir, 'tasks.md');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const ORIGINAL = '## Core\r\n\r\n- [ ] T001 a\r\n- [ ] T002 b\r\n- [x] T003 c\r\n';

describe('undoAgentEdits', () => {
  test('nothing changed, or only other tasks were marked meanwhile: nothing to undo, file kept', async () => {
    writeFileSync(file, ORIGINAL);
    const snapshot = readFileSync(file);
    await expect(undoAgentEdits(file, snapshot, 'T001')).resolves.toBeUndefined();
    await markDone(file, 'T002');
    const marked = readFileSync(file);
    await expect(undoAgentEdits(file, snapshot, 'T001')).resolves.toBeUndefined();
    expect(readFileSync(file).equals(marked)).toBe(true);
  });

  test('an agent edit is undone, byte for byte, keeping the marks other tasks wrote meanwhile', async () => {
    writeFileSync(file, ORIGINAL);
    const snapshot = readFileSync(file);
    await markDone(file, 'T002');
    writeFileSync(file, readFileSync(file, 'utf8').replace('T001 a', 'T001 a (done, trust me)'));
    await expect(undoAgentEdits(file, snapshot, 'T001')).resolves.toBe('the agent edited tasks.md (only nx-speckit writes it); its edits were undone');
    expect(readFileSync(file, 'utf8')).toBe(ORIGINAL.replace('[ ] T002', '[X] T002'));
  });

  test('an agent ticking its own task is undone', async () => {
    writeFileSync(file, ORIGINAL);
    const snapshot = readFileSync(file);
    writeFileSync(file, ORIGINAL.replace('[ ] T001', '[x] T001'));
    await expect(undoAgentEdits(file, snapshot, 'T001')).resolves.toBe('the agent marked T001 itself; the mark was removed until verification passes');
    expect(readFileSync(file, 'utf8')).toBe(ORIGINAL);
  });

  test('a BOM before a first-line task: another task\'s mark there is not taken for an agent edit (regression)', async () => {
    const original = '\uFEFF- [ ] T001 a\n- [ ] T002 b\n';
    writeFileSync(file, original);
    const snapshot = readFileSync(file);
    await markDone(file, 'T001');
    await expect(undoAgentEdits(file, snapshot, 'T002')).resolves.toBeUndefined();
    expect(readFileSync(file, 'utf8')).toBe('\uFEFF- [X] T001 a\n- [ ] T002 b\n');
  });
});

test('withoutMarks blanks checkboxes only', () => {
  expect(withoutMarks('- [X] T001 a [x]\n  * [x] T002\n1. [X] T003\n\uFEFF- [x] T004\ntext [X]\n'))
    .toBe('- [ ] T001 a [x]\n  * [ ] T002\n1. [ ] T003\n\uFEFF- [ ] T004\ntext [X]\n');
});
