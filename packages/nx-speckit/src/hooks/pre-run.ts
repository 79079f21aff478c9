/**
 * What the preTasksExecution hook checks, before Nx starts any task of a run that includes
 * spec-kit task targets:
 * - a stale plan (see stale-plan.ts): a warning per feature whose task ids changed meaning since
 *   its last run;
 * - a missing agent CLI: every agent the run's open tasks use must be installed, else one error
 *   with the install command, instead of a failure per task.
 * Reads only: the post-run hook records the plans.
 */
import type { ProjectGraph, ProjectGraphProjectNode, TargetConfiguration } from '@nx/devkit';
import { readDescription, readTaskMetadata } from '../plugin/target-metadata';
import { assertAgentAvailable, resolveAgents } from '../agents';
import type { AgentChoice } from '../agents/types';
import { isPluginTarget, subTargetSuffix } from '../names';
import { findMatchingProjects } from '../nx-internals';
import { reachedTargets, requestedRun, type RequestedRun } from './requested-run';
import { formatStaleWarning, readPlanRecord, staleChanges } from './stale-plan';

export interface PreRunResult {
  /** Stale-plan warnings, by project. */
  warnings: Array<{ project: string; text: string }>;
  /** One error covering every missing agent CLI, if any. */
  error?: string;
}

/**
 * The checks before a run: stale-plan warnings for the features it selects and, when its projects are known,
 * one error naming every missing agent CLI. Nothing to report when it runs none of the plugin's targets.
 */
export function preRun(
  workspaceRoot: string,
  argv: string[],
  targetName: string,
  graph: ProjectGraph,
  env: NodeJS.ProcessEnv = process.env,
): PreRunResult {
  const run = requestedRun(argv);
  const requested = run.targets.filter((t) => isPluginTarget(targetName, t));
  if (!requested.length) return { warnings: [] };

  const features = Object.fromEntries(
    Object.entries(graph.nodes).filter(([, node]) => Object.values(node.data.targets ?? {}).some((t) => taskId(t))),
  );
  const selected = selectFeatures(run, features);
  const warnings = selected.flatMap((name) => {
    const text = staleWarning(workspaceRoot, name, features[name], targetName);
    return text ? [{ project: name, text }] : [];
  });
  // `affected` or a project from the current folder: Nx picks the projects. Every feature is
  // checked for a stale plan (one whose tasks.md changed is affected anyway), but no feature's
  // agent is required: each task still checks its own agent when it starts.
  if (run.projects === 'unknown') return { warnings };
  return { warnings, error: missingAgentsError(agentsNeeded(selected, features, requested), workspaceRoot, env) };
}

/** The features the command runs, sorted: `-p` patterns (or all), less `--exclude`. */
function selectFeatures(run: RequestedRun, features: Record<string, ProjectGraphProjectNode>): string[] {
  const named = Array.isArray(run.projects) ? findMatchingProjects(run.projects, features) : Object.keys(features);
  const excluded = new Set(run.exclude.length ? findMatchingProjects(run.exclude, features) : []);
  return named.filter((p) => !excluded.has(p)).sort();
}

function staleWarning(
  workspaceRoot: string,
  name: string,
  node: ProjectGraphProjectNode,
  targetName: string,
): string | undefined {
  const previous = readPlanRecord(workspaceRoot, name);
  if (!previous) return undefined;
  return formatStaleWarning(
    name,
    node.data.root,
    staleChanges(previous.tasks, taskTexts(node.data.targets ?? {}, targetName)),
    previous.recordedAt,
  );
}

/** Each agent option the run's open tasks use, with those tasks (`spec-a:T001`). */
function agentsNeeded(
  selected: string[],
  features: Record<string, ProjectGraphProjectNode>,
  requested: string[],
): Map<string, { option: AgentChoice | undefined; users: string[] }> {
  const agents = new Map<string, { option: AgentChoice | undefined; users: string[] }>();
  for (const name of selected) {
    const targets = features[name].data.targets ?? {};
    // Only the tasks this command runs: `nx run p:implement--US1` needs US1's agents, not US2's.
    const reached = reachedTargets(targets, requested);
    for (const target of Object.keys(targets).filter((t) => reached.has(t))) {
      const config = targets[target];
      const id = taskId(config);
      if (!id || readTaskMetadata(config.metadata)?.done) continue;
      const option = (config.options as { agent?: AgentChoice }).agent;
      const key = JSON.stringify(option ?? null);
      const entry = agents.get(key) ?? { option, users: [] };
      entry.users.push(`${name}:${id}`);
      agents.set(key, entry);
    }
  }
  return agents;
}

/** One error naming every missing agent CLI and a few tasks that need it; undefined when all are there. */
function missingAgentsError(
  agents: Map<string, { option: AgentChoice | undefined; users: string[] }>,
  workspaceRoot: string,
  env: NodeJS.ProcessEnv,
): string | undefined {
  const missing: string[] = [];
  for (const { option, users } of agents.values()) {
    try {
      for (const agent of resolveAgents(option, env)) assertAgentAvailable(agent, workspaceRoot);
    } catch (error) {
      const some = users.slice(0, 3).join(', ') + (users.length > 3 ? `, … (${users.length} tasks)` : '');
      missing.push(`${error instanceof Error ? error.message : String(error)} (needed by ${some})`);
    }
  }
  if (!missing.length) return undefined;
  return (
    `nx-speckit: no task was started: ${missing.length === 1 ? 'an agent CLI is' : 'agent CLIs are'} missing.\n${missing.map((m) => `  ${m}`).join('\n')}\n` +
    '  Install it, set the plugin\'s "agent" option in nx.json to an installed agent, or pick one for this run with SPECKIT_AGENT=<preset>.'
  );
}

/** Task id → description, from the task targets' metadata (`T001: Model in src/a.ts`). */
function taskTexts(targets: Record<string, TargetConfiguration>, targetName: string): Record<string, string> {
  const tasks: Record<string, string> = {};
  for (const [target, config] of Object.entries(targets)) {
    const id = taskId(config);
    if (id && subTargetSuffix(targetName, target) !== undefined)
      tasks[id] = (readDescription(config.metadata) ?? '').replace(/^[^:]+:\s*/, '');
  }
  return tasks;
}

function taskId(config: { metadata?: unknown }): string | undefined {
  return readTaskMetadata(config.metadata)?.taskId;
}
