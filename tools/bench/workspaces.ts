/**
 * Generated workspaces for the benchmarks: N features × M tasks in the current spec-kit template
 * shape, and a baseline holding the very same projects and targets as static project.json files.
 */
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '../..');

/** A tasks.md with setup, foundational, story phases with [P] runs, polish; ~M tasks. */
export function generateTasksMd(feature: number, taskCount: number): string {
  const lines = [`# Tasks: Feature ${feature}`, '', '## Phase 1: Setup', ''];
  let id = 1;
  const task = (text: string) => `- [ ] T${String(id++).padStart(3, '0')} ${text}`;
  const setup = Math.max(2, Math.floor(taskCount * 0.1));
  const foundational = Math.max(2, Math.floor(taskCount * 0.15));
  const polish = Math.max(1, Math.floor(taskCount * 0.1));
  for (let i = 0; i < setup; i++)
    lines.push(task(`${i ? '[P] ' : ''}Set up part ${i} in src/f${feature}/setup/s${i}.ts`));
  lines.push('', '## Phase 2: Foundational', '');
  for (let i = 0; i < foundational; i++) lines.push(task(`[P] Foundation ${i} in src/f${feature}/core/c${i}.ts`));
  const storyTasks = taskCount - setup - foundational - polish;
  const stories = Math.max(1, Math.min(3, Math.floor(storyTasks / 3)));
  let left = storyTasks;
  for (let s = 1; s <= stories; s++) {
    const n = s === stories ? left : Math.floor(storyTasks / stories);
    left -= n;
    lines.push(
      '',
      `## Phase ${s + 2}: User Story ${s} - Story ${s} (Priority: P${s})`,
      '',
      `### Tests for User Story ${s}`,
      '',
    );
    const tests = Math.max(1, Math.floor(n / 3));
    for (let i = 0; i < tests; i++)
      lines.push(task(`[P] [US${s}] Test ${i} in tests/f${feature}/us${s}/t${i}.test.ts`));
    lines.push('', `### Implementation for User Story ${s}`, '');
    for (let i = 0; i < n - tests; i++)
      lines.push(task(`${i % 2 ? '' : '[P] '}[US${s}] Implement ${i} in src/f${feature}/us${s}/m${i}.ts`));
  }
  lines.push('', `## Phase ${stories + 3}: Polish & Cross-Cutting Concerns`, '');
  for (let i = 0; i < polish; i++) lines.push(task(`[P] Polish ${i} in docs/f${feature}/p${i}.md`));
  return `${lines.join('\n')}\n`;
}

export interface Generated {
  root: string;
  cleanup(): void;
}

/** Creates the feature folders (`specs/NNNN-feature/{spec,plan,tasks}.md`). */
export function writeFeatures(root: string, features: number, tasks: number): string[] {
  const dirs: string[] = [];
  for (let f = 0; f < features; f++) {
    const dir = `specs/${String(f).padStart(4, '0')}-feature`;
    mkdirSync(join(root, dir), { recursive: true });
    writeFileSync(join(root, dir, 'tasks.md'), generateTasksMd(f, tasks));
    writeFileSync(join(root, dir, 'spec.md'), `# Feature ${f}\n\nSpec.\n`);
    writeFileSync(join(root, dir, 'plan.md'), `# Plan ${f}\n\nPlan.\n`);
    dirs.push(dir);
  }
  return dirs;
}

export function emptyWorkspace(prefix: string, plugins: unknown[]): Generated {
  const root = mkdtempSync(join(tmpdir(), `nx-speckit-bench-${prefix}-`));
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: `bench-${prefix}`, private: true }));
  writeFileSync(join(root, 'nx.json'), JSON.stringify({ analytics: false, neverConnectToCloud: true, plugins }));
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/**
 * Installs a package of the given files into the workspace's node_modules, as a published plugin
 * is: Nx treats a plugin given by a relative path as a local one and first builds the projects
 * without inference to look for it (two more plugin workers and a second pass), which a plugin
 * from npm never costs. The shared node_modules link becomes a folder of links to its entries.
 */
export function installPackage(root: string, name: string, files: Record<string, string>) {
  const modules = join(root, 'node_modules');
  if (lstatSync(modules).isSymbolicLink()) {
    unlinkSync(modules);
    mkdirSync(modules);
    const shared = join(REPO_ROOT, 'node_modules');
    for (const entry of readdirSync(shared)) symlinkSync(join(shared, entry), join(modules, entry), 'dir');
  }
  const dir = join(modules, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
}
