/**
 * The prompt for one task: the task, the rules, what its prerequisites produced and the
 * feature's documents within a size budget. Deterministic: equal input, equal prompt.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { Phase, Task } from '@nx-speckit/tasks-md';

export interface PromptInput {
  workspaceRoot: string;
  featureDir: string; // workspace-relative
  task: Task;
  phase: Phase;
  /** Direct prerequisites with the files they declared. */
  prerequisites: Task[];
  budgetChars?: number;
}

export const DEFAULT_PROMPT_BUDGET = 60_000;

/**
 * The agent's prompt for one task: the task and its rules, the item as tasks.md has it, what its prerequisites
 * produced, then the feature's documents until the size budget runs out.
 */
export function buildPrompt(input: PromptInput): string {
  const { task, phase, featureDir } = input;
  const tasksFile = posix.join(featureDir, 'tasks.md');
  const head = [
    `# Task ${task.id} of feature ${posix.basename(featureDir)}`,
    '',
    'You are implementing exactly one task of a spec-kit feature. Other tasks are handled separately, some at the same time as this one.',
    '',
    '## The task',
    `- ID: ${task.id}`,
    `- Task: ${task.description}`,
    `- Phase: ${phase.title}${task.section ? ` › ${task.section}` : ''}`,
    ...(task.story ? [`- User story: ${task.story}`] : []),
    ...(task.priority ? [`- Priority: ${task.priority}`] : []),
    ...(task.files.length ? [`- Files to create or change (workspace-relative): ${task.files.join(', ')}`] : []),
    '',
    '## Rules',
    '- Work only on this task. Do not start other tasks of the feature.',
    `- Do not edit ${tasksFile}: nx-speckit marks the task done after checking your work.`,
    ...(task.files.length
      ? ['- Create or change every file listed above, and keep other changes to what the task needs.']
      : []),
    '- If this task writes tests for code that a later task implements, the tests are expected to fail for now: do not implement that code.',
    '- Follow plan.md and the constitution. When done, stop; say briefly what you changed.',
    '',
  ];
  head.push(...taskAsWritten(input, tasksFile));
  const produced = input.prerequisites.filter((t) => t.files.length);
  if (produced.length) {
    head.push(
      '## What the prerequisite tasks produced',
      ...produced.map((t) => `- ${t.id} ${t.description}: ${t.files.join(', ')}`),
      '',
    );
  }
  return [...head, ...documents(input)].join('\n');
}

/**
 * The whole task item as tasks.md has it (nested steps, acceptance criteria, files, markup): the
 * summary above is only its first paragraph. Read from the file by the parse's offsets.
 */
function taskAsWritten({ workspaceRoot, task }: PromptInput, tasksFile: string): string[] {
  const path = join(workspaceRoot, tasksFile);
  if (!existsSync(path)) return [];
  const item = readFileSync(path, 'utf8')
    .slice(...task.itemRange)
    .replace(/\s+$/, '');
  if (!item) return [];
  // A fence longer than any backtick run inside, so the item's own code blocks stay inside it.
  const fence = '`'.repeat(Math.max(3, ...[...item.matchAll(/`+/g)].map((m) => m[0].length + 1)));
  return [`## The task as written (${tasksFile}:${task.line})`, '', `${fence}markdown`, item, fence, ''];
}

function documents(input: PromptInput): string[] {
  let budget = input.budgetChars ?? DEFAULT_PROMPT_BUDGET;
  const out = ['## Feature documents', ''];
  for (const rel of documentPaths(input.workspaceRoot, input.featureDir)) {
    const text = readFileSync(join(input.workspaceRoot, rel), 'utf8');
    if (budget <= 0) {
      out.push(`### ${rel}`, `(not included: prompt budget reached; read ${rel} yourself if you need it)`, '');
      continue;
    }
    const shown = text.length > budget ? `${text.slice(0, budget)}\n… (truncated; read ${rel} for the rest)` : text;
    budget -= shown.length;
    out.push(`### ${rel}`, '', shown.trimEnd(), '');
  }
  return out;
}

/**
 * spec-kit's order of importance: spec, plan, then tasks.md (where the task sits among the
 * others), data model, contracts, research, quickstart, constitution.
 */
function documentPaths(root: string, featureDir: string): string[] {
  const inFeature = (name: string) => posix.join(featureDir, name);
  const paths = ['spec.md', 'plan.md', 'tasks.md', 'data-model.md'].map(inFeature);
  const contracts = join(root, featureDir, 'contracts');
  if (existsSync(contracts) && statSync(contracts).isDirectory())
    paths.push(...listFiles(contracts).map((f) => inFeature(`contracts/${f}`)));
  paths.push(...['research.md', 'quickstart.md'].map(inFeature), '.specify/memory/constitution.md');
  return paths.filter((p) => existsSync(join(root, p)) && statSync(join(root, p)).isFile());
}

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]));
}
