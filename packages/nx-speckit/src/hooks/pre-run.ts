/**
 * What the preTasksExecution hook checks, before Nx starts any task of a run that includes
 * spec-kit task targets:
 * - a stale plan: a feature whose task ids changed meaning since its last recorded run (tasks
 *   renumbered or removed) gets a warning naming the ids, because everything keyed by task id
 *   (checkpoints, .speckit/runs records, replay recordings, cache entries) then points elsewhere;
 * - a missing agent CLI: every agent the run's open tasks use must be installed, else one error
 *   with the install command, instead of a failure per task.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProjectGraph, ProjectGraphProjectNode } from '@nx/devkit';
import { assertAgentAvailable, resolveAgent } from '../agents';
import type { AgentOption } from '../agents/types';

/** What the command line asks Nx to run. `projects: undefined` means "every project" (or unknown: `affected`). */
export interface RequestedRun {
  command: string;
  targets: string[];
  projects?: string[];
  exclude: string[];
}

const TARGET_FLAGS = new Set(['-t', '--targets', '--target']);
const PROJECT_FLAGS = new Set(['-p', '--projects', '--project']);

/** Reads `nx run-many -t a,b -p x`, `nx affected -t a`, `nx run p:t`, `nx p:t`, `nx t p` from process.argv. */
export function requestedRun(argv: string[]): RequestedRun {
  const args = argv.slice(2);
  const values = (flags: Set<string>): string[] | undefined => {
    let found: string[] | undefined;
    for (let i = 0; i < args.length; i++) {
      const arg = args[i];
      const eq = arg.indexOf('=');
      const flag = eq > 0 ? arg.slice(0, eq) : arg;
      if (!flags.has(flag)) continue;
      found ??= [];
      if (eq > 0) found.push(...arg.slice(eq + 1).split(','));
      else for (let j = i + 1; j < args.length && !args[j].startsWith('-'); j++) found.push(...args[j].split(','));
    }
    return found?.map((v) => v.trim()).filter(Boolean);
  };
  const positional = args.filter((a, i) => !a.startsWith('-') && !(i > 0 && args[i - 1].startsWith('-') && !args[i - 1].includes('=') && isValueFlag(args[i - 1])));
  const command = positional[0] ?? '';
  const exclude = values(new Set(['--exclude'])) ?? [];
  if (command === 'run-many' || command === 'affected') {
    return { command, targets: values(TARGET_FLAGS) ?? [], projects: command === 'affected' ? undefined : values(PROJECT_FLAGS), exclude };
  }
  const spec = command === 'run' ? positional[1] ?? '' : command;
  if (spec.includes(':')) {
    const [project, target] = spec.split(':');
    return { command: 'run', targets: [target], projects: [project], exclude };
  }
  // `nx implement spec-x`: a target name, then (optionally) the project.
  return { command: 'run', targets: command ? [command] : [], projects: positional[1] ? [positional[1]] : undefined, exclude };
}

function isValueFlag(flag: string): boolean {
  return TARGET_FLAGS.has(flag) || PROJECT_FLAGS.has(flag) || ['--exclude', '--base', '--head', '--parallel', '--outputStyle', '-c', '--configuration', '--files', '--nxBail'].includes(flag);
}

export interface PlanRecord {
  project: string;
  root: string;
  recordedAt: string;
  /** Task id → its description (the task's text without checkbox, id and labels). */
  tasks: Record<string, string>;
}

export interface StaleChange {
  renumbered: Array<{ from: string; to: string; text: string }>;
  removed: Array<{ id: string; text: string }>;
}

/** Ids that mean something else than at the last run. Added or reworded tasks are ordinary edits. */
export function staleChanges(before: Record<string, string>, now: Record<string, string>): StaleChange {
  const norm = (t: string) => t.replace(/\s+/g, ' ').trim().toLowerCase();
  const idsByText = new Map<string, string[]>();
  for (const [id, text] of Object.entries(now)) idsByText.set(norm(text), [...(idsByText.get(norm(text)) ?? []), id]);
  const renumbered: StaleChange['renumbered'] = [];
  const removed: StaleChange['removed'] = [];
  const oldTexts = new Map(Object.entries(before).map(([id, text]) => [norm(text), id]));
  for (const [id, text] of Object.entries(before)) {
    if (now[id] !== undefined && norm(now[id]) === norm(text)) continue;
    const elsewhere = idsByText.get(norm(text));
    if (elsewhere?.length) renumbered.push({ from: id, to: elsewhere[0], text });
    // Gone, unless its id now holds a reworded version of it (a text no old task had).
    else if (now[id] === undefined || oldTexts.has(norm(now[id]))) removed.push({ id, text });
  }
  return { renumbered, removed };
}

export function formatStaleWarning(project: string, root: string, change: StaleChange, recordedAt: string): string | undefined {
  if (!change.renumbered.length && !change.removed.length) return undefined;
  const short = (t: string) => (t.length > 60 ? `${t.slice(0, 57)}…` : t);
  const lines = [`nx-speckit: warning: the task list of ${project} (${root}/tasks.md) changed since its last run (${recordedAt}):`];
  for (const r of change.renumbered) lines.push(`  ${r.from} → ${r.to} renumbered: "${short(r.text)}"`);
  for (const r of change.removed) lines.push(`  ${r.id} removed: "${short(r.text)}"`);
  lines.push('  Task ids now mean other tasks: checkpoints, .speckit/runs records, replay recordings and cache entries of the old ids no longer match.'
    + ' Check the [X] marks in tasks.md before this run continues (re-running /speckit.tasks renumbers ids).');
  return lines.join('\n');
}

export interface PreRunResult {
  warnings: string[];
  /** One error covering every missing agent CLI, if any. */
  error?: string;
  checkedProjects: string[];
}

/** The checks for one run; reads the graph Nx just computed, writes `.speckit/plans/<project>.json`. */
export function preRun(workspaceRoot: string, argv: string[], targetName: string, graph: ProjectGraph, env: NodeJS.ProcessEnv = process.env): PreRunResult {
  const run = requestedRun(argv);
  const ours = (t: string) => t === targetName || t.startsWith(`${targetName}--`);
  if (!run.targets.some(ours)) return { warnings: [], checkedProjects: [] };

  const features = Object.entries(graph.nodes).filter(([, node]) => Object.values(node.data.targets ?? {}).some((t) => taskId(t)));
  const byName = Object.fromEntries(features);
  let selected = run.projects ? match(run.projects, byName) : Object.keys(byName);
  if (run.exclude.length) {
    const excluded = new Set(match(run.exclude, byName));
    selected = selected.filter((p) => !excluded.has(p));
  }

  const warnings: string[] = [];
  const agents = new Map<string, { option: AgentOption | undefined; users: string[] }>();
  for (const name of selected.sort()) {
    const node = byName[name];
    const tasks: Record<string, string> = {};
    for (const [target, config] of Object.entries(node.data.targets ?? {})) {
      const id = taskId(config);
      if (!id || !target.startsWith(`${targetName}--`)) continue;
      const meta = config.metadata as { description?: string; speckit?: { done?: boolean } };
      tasks[id] = (meta.description ?? '').replace(/^[^:]+:\s*/, '');
      if (!meta.speckit?.done) {
        const option = (config.options as { agent?: AgentOption }).agent;
        const key = JSON.stringify(option ?? null);
        const entry = agents.get(key) ?? { option, users: [] };
        entry.users.push(`${name}:${id}`);
        agents.set(key, entry);
      }
    }
    const file = join(workspaceRoot, '.speckit', 'plans', `${name}.json`);
    const previous = readRecord(file);
    if (previous) {
      const warning = formatStaleWarning(name, node.data.root, staleChanges(previous.tasks, tasks), previous.recordedAt);
      if (warning) warnings.push(warning);
    }
    const record: PlanRecord = { project: name, root: node.data.root, recordedAt: new Date().toISOString(), tasks };
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  }

  const missing: string[] = [];
  for (const { option, users } of agents.values()) {
    try {
      assertAgentAvailable(resolveAgent(option, env), workspaceRoot);
    } catch (error) {
      const some = users.slice(0, 3).join(', ') + (users.length > 3 ? `, … (${users.length} tasks)` : '');
      missing.push(`${error instanceof Error ? error.message : String(error)} (needed by ${some})`);
    }
  }
  const error = missing.length
    ? `nx-speckit: no task was started: ${missing.length === 1 ? 'an agent CLI is' : 'agent CLIs are'} missing.\n${missing.map((m) => `  ${m}`).join('\n')}\n`
      + '  Install it, set the plugin\'s "agent" option in nx.json to an installed agent, or pick one for this run with SPECKIT_AGENT=<preset>.'
    : undefined;
  return { warnings, error, checkedProjects: selected };
}

function taskId(config: { metadata?: unknown; executor?: string }): string | undefined {
  return (config.metadata as { speckit?: { taskId?: string } } | undefined)?.speckit?.taskId;
}

function readRecord(file: string): PlanRecord | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const record = JSON.parse(readFileSync(file, 'utf8')) as PlanRecord;
    return record && typeof record.tasks === 'object' ? record : undefined;
  } catch {
    return undefined;
  }
}

function match(patterns: string[], nodes: Record<string, ProjectGraphProjectNode>): string[] {
  try {
    const { findMatchingProjects } = require('nx/src/devkit-internals') as { findMatchingProjects(p: string[], n: Record<string, ProjectGraphProjectNode>): string[] };
    return findMatchingProjects(patterns, nodes);
  } catch {
    return patterns.filter((p) => nodes[p]);
  }
}
