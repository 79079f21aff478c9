import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTasks } from '@nx-speckit/tasks-md';
import { buildPrompt } from './prompt';

const TASKS = [
  '# Tasks',
  '',
  '## Phase 1: Setup',
  '',
  '- [ ] T001 Create the store in `src/store.ts`',
  '  - Steps:',
  '    1. keep **every** entry keyed by id',
  '    2. expose `get` and `put`',
  '  - Acceptance: `put` then `get` returns the entry',
  '  ```ts',
  '  const s = store(); // a ``` fence inside',
  '  ```',
  '- [ ] T002 Use the store in src/app.ts',
  '',
].join('\r\n');

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'prompt-'));
  mkdirSync(join(root, 'specs/001-x'), { recursive: true });
  writeFileSync(join(root, 'specs/001-x/tasks.md'), `\uFEFF${TASKS}`);
  writeFileSync(join(root, 'specs/001-x/spec.md'), '# Spec\n');
  writeFileSync(join(root, 'specs/001-x/plan.md'), '# Plan\n');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

test('the prompt carries the whole task item as written, nested content and markup included, then tasks.md among the documents', () => {
  const parsed = parseTasks(`\uFEFF${TASKS}`, 'specs/001-x/tasks.md');
  const [t1, t2] = parsed.tasks;
  const prompt = buildPrompt({
    workspaceRoot: root,
    featureDir: 'specs/001-x',
    task: t1,
    phase: parsed.phases[0],
    prerequisites: [],
  });
  const item = TASKS.split('\r\n').slice(4, 12).join('\r\n');
  expect(prompt).toContain(`## The task as written (specs/001-x/tasks.md:5)\n\n\`\`\`\`markdown\n${item}\n\`\`\`\`\n`);
  // Only its own item, not its neighbour's (which the tasks.md document below does show).
  const section = prompt.slice(prompt.indexOf('## The task as written'), prompt.indexOf('## Feature documents'));
  expect(section).not.toContain(t2.id);
  expect(prompt.split('- [ ] T002 Use the store in src/app.ts').length).toBe(2);
  const documents = [...prompt.matchAll(/^### (\S+)$/gm)].map((m) => m[1]);
  expect(documents).toEqual(['specs/001-x/spec.md', 'specs/001-x/plan.md', 'specs/001-x/tasks.md']);
});
