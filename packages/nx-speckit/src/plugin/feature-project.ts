/**
 * One feature folder → one Nx project. Pure: the engine's analysis and the plugin options in,
 * a project configuration out.
 *
 * Nx hashes every target's executor, options and outputs of a project into each task's cache
 * key (not dependsOn, not metadata). So everything that changes when a box is ticked (checkbox
 * state, which tasks remain, diagnostics) lives in dependsOn and metadata only: ticking T001
 * never changes the cache key of T002. The project's namedInputs are hashed too; they are the
 * same for every state of the feature.
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import type { ProjectConfiguration, TargetConfiguration } from '@nx/devkit';
import {
  formatDiagnostic,
  isUnsafePath,
  phaseLabel,
  type FeatureAnalysis,
  type Phase,
  type Task,
} from '@nx-speckit/tasks-md';
import type { AgentChoice } from '../agents/types';
import { exclusiveErrors, type NormalizedGate, type NormalizedOptions } from './options';
import { matchesTask } from './task-matcher';
import type { SpeckitProjectMetadata, SpeckitTargetMetadata } from './target-metadata';
import { GATE_EXECUTOR, gateTargetName, phaseTargetName, projectName, subTarget, TASK_EXECUTOR } from '../names';
import { changesetFile } from '../isolation/paths';
import { memoisedFold } from '../graph-walk';
import { gatedGraph, gatePlan, type GateAwareEdges, type GatedGraph, type GatePlan } from './phase-gates';

/** Documents the prompt reads: a change to any of them changes every task's cache key. */
export const PROMPT_INPUTS = [
  '{projectRoot}/spec.md',
  '{projectRoot}/plan.md',
  '{projectRoot}/data-model.md',
  '{projectRoot}/research.md',
  '{projectRoot}/quickstart.md',
  '{projectRoot}/contracts/**/*',
  '{workspaceRoot}/.specify/memory/constitution.md',
];

/**
 * The project-level named input every task target's inputs start with: the prompt documents,
 * what prerequisites write during the run, and the agent override. Written once per project
 * instead of into every task target: a smaller project, which Nx copies out of the plugin worker
 * and merges on every cold graph.
 * Nx expands a named input in place, env and dependentTasksOutputFiles included, so each task's
 * hash plan is exactly what it was with the list inlined. A project's namedInputs override
 * nx.json's of the same name for that project only; the prefixed name keeps clear of a
 * workspace's own inputs (`default`, `production`, …).
 */
export const TASK_INPUT = 'speckit-task';

/** A fresh copy per project, so no project shares (and could mutate) another's definition. */
function taskNamedInputs(): NonNullable<ProjectConfiguration['namedInputs']> {
  return {
    [TASK_INPUT]: [...PROMPT_INPUTS, { dependentTasksOutputFiles: '**/*', transitive: true }, { env: 'SPECKIT_AGENT' }],
  };
}

/**
 * The Nx project of one feature folder: a target per task, the aggregates and gates, the plan in metadata.
 * A feature that cannot be planned, or that a broken `exclusive` entry matches, gets targets that fail at once.
 */
export function buildFeatureProject(
  root: string,
  analysis: FeatureAnalysis,
  options: NormalizedOptions,
): ProjectConfiguration {
  const name = projectName(root);
  const optionErrors = exclusiveErrors(options.exclusive, posix.basename(root));
  if (!analysis.ok || optionErrors.length) return brokenFeatureProject(root, name, analysis, options, optionErrors);
  const { parsed, plan } = analysis;
  const gates = gatePlan(parsed.phases, options.gates);
  const feature: FeatureTargets = {
    root,
    name,
    base: options.targetName,
    analysis,
    options,
    gates,
    graph: gatedGraph(analysis, gates),
  };
  return {
    name,
    root,
    tags: ['speckit'],
    namedInputs: taskNamedInputs(),
    targets: { ...buildTaskTargets(feature), ...buildAggregateTargets(feature) },
    metadata: {
      technologies: ['speckit'],
      targetGroups: targetGroups(
        parsed.phases,
        parsed.tasks,
        (suffix) => subTarget(feature.base, suffix),
        feature.base,
        gates,
      ),
      // lanes: the executor plans the feature as the graph did (a task's prompt lists its prerequisites).
      speckit: {
        diagnostics: analysis.diagnostics.map(formatDiagnostic),
        waves: plan.waves,
        criticalPath: plan.criticalPath.ids,
        lanes: options.lanes,
      } satisfies SpeckitProjectMetadata,
    },
  };
}

/** What the target builders of one (valid) feature share. */
interface FeatureTargets {
  root: string;
  name: string;
  /** The plugin's target name: `implement`. */
  base: string;
  analysis: FeatureAnalysis;
  options: NormalizedOptions;
  gates: GatePlan;
  graph: GatedGraph;
}

/** A target's `dependsOn`: the tasks it waits for, then the phase gates standing in for others. */
function dependsOnOf(base: string, edges: GateAwareEdges): string[] {
  return [
    ...edges.tasks.map((id) => subTarget(base, id)),
    ...[...edges.gates.keys()].sort((a, b) => a - b).map((n) => gateTargetName(base, n)),
  ];
}

/** One `nx-speckit:task` target per task, finished ones included (they cost nothing). */
function buildTaskTargets({
  root,
  name,
  base,
  analysis,
  options,
  graph,
}: FeatureTargets): Record<string, TargetConfiguration> {
  const { parsed, plan } = analysis;
  const writes = (task: Task) => declaredOutputs(task, root);
  const upstream = prerequisiteFiles(parsed.tasks, plan, writes);
  const targets: Record<string, TargetConfiguration> = {};
  for (const task of parsed.tasks) {
    const phase = parsed.phases[task.phase];
    const edges = graph.task[task.id];
    targets[subTarget(base, task.id)] = {
      executor: TASK_EXECUTOR,
      options: taskOptions(task, root, options),
      dependsOn: dependsOnOf(base, edges),
      inputs: [
        TASK_INPUT,
        // Finished prerequisites are not in the task graph (they cost nothing), so
        // dependentTasksOutputFiles (in TASK_INPUT) alone would drop their files from the key once
        // they are ticked: a hand edit of such a file would then hit a stale cache entry. So the
        // files of every prerequisite in the full plan are inputs too; that list never changes
        // with a checkbox. dependentTasksOutputFiles still sees what prerequisites write during the run.
        ...upstream[task.id].map((f) => (f.endsWith('/') ? `{workspaceRoot}/${f}**/*` : `{workspaceRoot}/${f}`)),
      ],
      // The changeset file holds what the task changed outside its declared files (worktree isolation).
      outputs: [
        ...writes(task).map((f) => `{workspaceRoot}/${f.replace(/\/$/, '')}`),
        `{workspaceRoot}/${changesetFile(name, task.id)}`,
      ],
      cache: options.cache,
      metadata: {
        description: `${task.id}: ${task.description}`,
        technologies: ['speckit'],
        help: helpFor(name, subTarget(base, task.id)),
        speckit: {
          taskId: task.id,
          checkbox: task.checkbox,
          done: task.done,
          line: task.line,
          phase: phase.title,
          phaseNumber: phase.number,
          story: task.story,
          priority: task.priority,
          parallel: task.parallel,
          labels: task.labels,
          files: task.files,
          dependsOn: plan.dependsOn[task.id],
          // Why a phase gate stands in for tasks of its phase: phase number → those tasks.
          ...(edges.gates.size ? { gates: Object.fromEntries(edges.gates) } : {}),
        },
      } satisfies SpeckitTargetMetadata,
    };
  }
  return targets;
}

/** Builds an `nx:noop` target that waits for the open ones of the given tasks. */
type AggregateOf = (ids: string[], description: string) => TargetConfiguration;

/** The feature's `implement`, its phases (and their gates), the feature gate, its stories and priorities. */
function buildAggregateTargets(feature: FeatureTargets): Record<string, TargetConfiguration> {
  const { base, root } = feature;
  const { tasks } = feature.analysis.parsed;
  const done = new Set(tasks.filter((t) => t.done).map((t) => t.id));
  // Finished tasks stay targets but drop out of aggregates: re-running a finished feature costs nothing.
  const open = (ids: string[]) => ids.filter((id) => !done.has(id)).map((id) => subTarget(base, id));
  const aggregate: AggregateOf = (ids, description) => noopTarget(feature.name, open(ids), description);
  const all = tasks.map((t) => t.id);
  const targets: Record<string, TargetConfiguration> = {
    [base]: aggregate(all, `Implement every task of ${posix.basename(root)} (${countOpen(tasks, all)})`),
    ...buildPhaseTargets(feature, aggregate),
  };
  if (feature.gates.any) {
    targets[gateTargetName(base)] = buildFeatureGateTarget(feature, open(all));
    targets[base].dependsOn!.push(gateTargetName(base));
  }
  return { ...targets, ...buildGroupTargets(feature, aggregate) };
}

function noopTarget(project: string, dependsOn: string[], description: string): TargetConfiguration {
  return {
    executor: 'nx:noop',
    dependsOn,
    metadata: { description, technologies: ['speckit'], help: helpFor(project) },
  };
}

/** Each phase's aggregate, and its gate when it has one (the phase then waits for its gate too). */
function buildPhaseTargets(
  { name, base, analysis, gates, graph }: FeatureTargets,
  aggregate: AggregateOf,
): Record<string, TargetConfiguration> {
  const { tasks, phases } = analysis.parsed;
  const targets: Record<string, TargetConfiguration> = {};
  for (const phase of phases) {
    const phaseTarget = phaseTargetName(base, phase.number);
    targets[phaseTarget] = aggregate(
      phase.taskIds,
      `Phase ${phase.number}: ${phase.title} (${countOpen(tasks, phase.taskIds)})`,
    );
    const commands = gates.byPhase.get(phase.number);
    if (!commands) continue;
    targets[gateTargetName(base, phase.number)] = gateTarget(
      name,
      commands,
      dependsOnOf(base, graph.gate.get(phase.number)!),
      `Quality gate after phase ${phase.number}: ${commands.map((g) => g.name).join(', ')}`,
      phase.number,
    );
    if (graph.openGates.includes(phase.number))
      targets[phaseTarget].dependsOn!.push(gateTargetName(base, phase.number));
  }
  return targets;
}

/** The feature's gate: its own commands after every open task and phase gate, or a noop over the phase gates. */
function buildFeatureGateTarget({ root, name, base, gates, graph }: FeatureTargets, openTasks: string[]) {
  const after = [...openTasks, ...graph.openGates.map((n) => gateTargetName(base, n))];
  const feature = posix.basename(root);
  return gates.feature.length
    ? gateTarget(
        name,
        gates.feature,
        after,
        `Quality gate after every task of ${feature}: ${gates.feature.map((g) => g.name).join(', ')}`,
      )
    : noopTarget(name, after, `Every phase gate of ${feature}`);
}

/** One aggregate per user story and per priority. */
function buildGroupTargets({ base, analysis }: FeatureTargets, aggregate: AggregateOf) {
  const { tasks } = analysis.parsed;
  const targets: Record<string, TargetConfiguration> = {};
  for (const [story, ids] of groupBy(tasks, (t) => t.story)) {
    targets[subTarget(base, story)] = aggregate(
      ids,
      `User story ${story.slice(2)}: its tasks and their prerequisites (${countOpen(tasks, ids)})`,
    );
  }
  for (const [priority, ids] of groupBy(tasks, (t) => t.priority)) {
    targets[subTarget(base, priority)] = aggregate(
      ids,
      `Priority ${priority} tasks and their prerequisites (${countOpen(tasks, ids)})`,
    );
  }
  return targets;
}

/** The task's own definition and settings: what Nx should hash for it (never its checkbox). */
function taskOptions(task: Task, root: string, options: NormalizedOptions) {
  const definition = createHash('sha256')
    .update(JSON.stringify([task.id, task.text, task.files, task.dependsOn]))
    .digest('hex')
    .slice(0, 16);
  return {
    taskId: task.id,
    definition,
    agent: agentFor(task, root, options),
    ...resourcesOption(task, root, options),
    ...(options.verify ? { verify: options.verify } : {}),
    ...(options.allowIncompleteChecklists ? { allowIncompleteChecklists: true } : {}),
    ...(options.record ? { record: true } : {}),
    ...(options.isolation ? { isolation: options.isolation } : {}),
    ...(options.onConflict !== 'retry' ? { onConflict: options.onConflict } : {}),
    ...(options.isolationLinks.join('\0') !== 'node_modules' ? { isolationLinks: options.isolationLinks } : {}),
    ...(options.budgetUsd !== undefined ? { budgetUsd: options.budgetUsd } : {}),
    ...(options.budgetTokens !== undefined ? { budgetTokens: options.budgetTokens } : {}),
  };
}

/** The task's agent: the first matching `agentRules` entry's, else `agent`. A target option, so in the cache key. */
export function agentFor(task: Task, root: string, options: NormalizedOptions): AgentChoice {
  const feature = posix.basename(root);
  const rule = options.agentRules.find((r) => matchesTask(r, task, feature));
  return rule?.agent ?? options.agent;
}

/** `{ resources: [...] }`: the `exclusive` names the task holds while it runs, sorted (the order locks are taken in); nothing when none. */
export function resourcesOption(task: Task, root: string, options: NormalizedOptions): { resources?: string[] } {
  const feature = posix.basename(root);
  const names = [...new Set(options.exclusive.filter((e) => matchesTask(e, task, feature)).map((e) => e.name))].sort();
  return names.length ? { resources: names } : {};
}

/**
 * A feature whose tasks.md cannot be planned still shows up (so the rest of the workspace loads),
 * and every target fails fast with the engine's diagnostics.
 */
function brokenFeatureProject(
  root: string,
  name: string,
  analysis: FeatureAnalysis,
  options: NormalizedOptions,
  optionErrors: string[],
): ProjectConfiguration {
  const diagnostics = [...optionErrors, ...analysis.diagnostics.map(formatDiagnostic)];
  // The executor re-reads tasks.md but not nx.json: an option's error travels in the target.
  const optionError = optionErrors.length ? { optionError: optionErrors.join('\n') } : {};
  const failing = (taskId?: string): TargetConfiguration => ({
    executor: TASK_EXECUTOR,
    options: { taskId, validateOnly: true, ...optionError },
    cache: false,
    metadata: {
      description: `Cannot run: ${diagnostics.find((d) => d.includes('error:'))}`,
      technologies: ['speckit'],
      help: helpFor(name),
    },
  });
  const targets: Record<string, TargetConfiguration> = { [options.targetName]: failing() };
  for (const task of analysis.parsed.tasks) targets[subTarget(options.targetName, task.id)] = failing(task.id);
  return {
    name,
    root,
    tags: ['speckit'],
    targets,
    metadata: { technologies: ['speckit'], speckit: { diagnostics } satisfies SpeckitProjectMetadata },
  };
}

function targetGroups(
  phases: Phase[],
  tasks: Task[],
  target: (s: string) => string,
  base: string,
  gates: GatePlan,
): Record<string, string[]> {
  const groups: Record<string, string[]> = {};
  for (const phase of phases) {
    const gate = gates.byPhase.has(phase.number) ? [gateTargetName(base, phase.number)] : [];
    groups[phaseLabel(phase)] = [phaseTargetName(base, phase.number), ...phase.taskIds.map(target), ...gate];
  }
  const stories = [...new Set(tasks.map((t) => t.story).filter(Boolean))] as string[];
  const priorities = [...new Set(tasks.map((t) => t.priority).filter(Boolean))] as string[];
  groups['Feature'] = [
    base,
    ...(gates.any ? [gateTargetName(base)] : []),
    ...stories.map(target),
    ...priorities.sort().map(target),
  ];
  return groups;
}

/**
 * A gate target. Not cached: it checks the workspace as it is now (files no task declares,
 * installed dependencies), which no cache key covers, and a stale "passed" is what a gate exists
 * to prevent. The commands are in metadata, not options: every target's options are part of
 * every task's cache key. (Nx hashes nx.json too, so today a gate edit there still invalidates
 * every task; gates defined elsewhere would not.)
 */
function gateTarget(
  project: string,
  gates: NormalizedGate[],
  dependsOn: string[],
  description: string,
  phase?: number,
): TargetConfiguration {
  return {
    executor: GATE_EXECUTOR,
    options: phase === undefined ? {} : { phase },
    dependsOn,
    cache: false,
    metadata: {
      description,
      technologies: ['speckit'],
      help: helpFor(project),
      speckit: { gates: gates.map(({ phase: _phase, ...g }) => g), ...(phase === undefined ? {} : { phase }) },
    } satisfies SpeckitTargetMetadata,
  };
}

/** A command that exists: the task executor's options, or the feature's targets and plan. */
function helpFor(project: string, taskTarget?: string) {
  return {
    command: taskTarget ? `npx nx run ${project}:${taskTarget} --help` : `npx nx show project ${project}`,
    example: {},
  };
}

/**
 * Paths a task writes, as Nx outputs: never outside the workspace, and never the feature's
 * tasks.md, which only the checkpoint writes (restoring it from the cache would undo marks).
 */
function declaredOutputs(task: Task, root: string): string[] {
  return task.files.filter((f) => !isUnsafePath(f) && f !== `${root}/tasks.md`);
}

/** Declared paths of every task each task transitively waits for in the full plan. */
function prerequisiteFiles(
  tasks: Task[],
  plan: FeatureAnalysis['plan'],
  writes: (t: Task) => string[],
): Record<string, string[]> {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const deps = (id: string) => (plan.dependsOn[id] ?? []).map((d) => d.id);
  // What a task and everything before it writes.
  const writtenUpTo = memoisedFold<string, Set<string>>(
    deps,
    (id, before) => new Set([...writes(byId.get(id)!), ...before.flatMap((s) => [...s])]),
    new Set(),
  );
  return Object.fromEntries(
    tasks.map((t) => [t.id, [...new Set(deps(t.id).flatMap((d) => [...writtenUpTo(d)]))].sort()]),
  );
}

function groupBy(tasks: Task[], key: (t: Task) => string | undefined): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const t of tasks) {
    const k = key(t);
    if (k) groups.set(k, [...(groups.get(k) ?? []), t.id]);
  }
  return groups;
}

function countOpen(tasks: Task[], ids: string[]): string {
  const set = new Set(ids);
  const left = tasks.filter((t) => set.has(t.id) && !t.done).length;
  return `${ids.length - left}/${ids.length} done`;
}
