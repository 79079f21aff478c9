/**
 * Pure: Nx's task results + this run's task records + the features' plans → a RunReport.
 * No file system, no Nx: the hook gathers the inputs.
 */
import { stripVTControlCharacters } from 'node:util';
import { openNonTasks, type ParsedTasks, type Plan } from '@nx-speckit/tasks-md';
import { sumUsages } from '../agents/usage';
import { reachable } from '../graph-walk';
import { gatePhase, subTarget } from '../names';
import type { TaskRecord } from '../task-runner/run-task';
import type { Budget, Spend } from '../task-runner/spend';
import { packSlots } from './timeline';
import {
  STATUSES,
  type AgentTotals,
  type FailedTarget,
  type ReportBudget,
  type ReportFeature,
  type ReportResource,
  type ReportTask,
  type ReportTaskStatus,
  type ReportUsage,
  type RunOutcome,
  type RunReport,
} from './types';

/** Nx's TaskStatus (nx/src/tasks-runner/tasks-runner.d.ts in Nx 24). */
export type NxTaskStatus =
  'success' | 'failure' | 'skipped' | 'stopped' | 'local-cache-kept-existing' | 'local-cache' | 'remote-cache';

export const CACHE_STATUSES: ReadonlySet<string> = new Set([
  'local-cache',
  'local-cache-kept-existing',
  'remote-cache',
]);

/** One task target's result, as Nx reported it. */
export interface NxTaskOutcome {
  project: string;
  taskId: string;
  status: NxTaskStatus;
  code: number;
  /** Epoch ms (Nx's task.startTime / endTime). */
  startTime?: number;
  endTime?: number;
  terminalOutput?: string;
}

export interface FeatureInput {
  project: string;
  dir: string;
  /** Base target name (`implement`). */
  targetName: string;
  /** tasks.md as it is after the run (cache hits already ticked). */
  parsed: ParsedTasks;
  plan: Plan;
  warnings?: string[];
  /**
   * Task ids the command asked Nx to run, directly or as prerequisites (undefined: unknown, all).
   * A task outside it that did not run was not asked for: not blocked, whatever failed.
   */
  requested?: Set<string>;
}

export interface CollectInput {
  /** Epoch ms of the whole run. */
  startTime: number;
  endTime: number;
  command: string;
  features: FeatureInput[];
  results: NxTaskOutcome[];
  /** Task records written during this run only. */
  records: TaskRecord[];
  /** Failed targets of the features that are not tasks (quality gates, a broken feature's check). */
  failedTargets?: FailedTarget[];
  /** Tasks whose work Nx restored or ran elsewhere but whose box could not be ticked (`project\0id` → why). */
  unmarked?: Map<string, string>;
  /** The run's limits (none: no budget section), and the spend ledger at the end of the run. */
  budget?: Budget;
  spend?: Spend;
}

/** The key a task's Nx result, record and unticked reason are found by; NUL cannot occur in either part. */
export const taskKey = (project: string, id: string) => `${project}\0${id}`;

/** Lookups shared by every feature of one report. */
interface RunIndex {
  results: Map<string, NxTaskOutcome>;
  records: Map<string, TaskRecord>;
  unmarked?: Map<string, string>;
}

/**
 * The run report: each task's status, blockers, timing and usage, per-feature counts, budget and resources,
 * and the run's outcome with its reason.
 */
export function collectReport(input: CollectInput): RunReport {
  const index: RunIndex = {
    results: new Map(input.results.map((r) => [taskKey(r.project, r.taskId), r])),
    records: new Map(input.records.map((r) => [taskKey(r.project, r.id), r])),
    unmarked: input.unmarked,
  };
  const failedTargets = input.failedTargets ?? [];
  const tasks: ReportTask[] = [];
  const features: ReportFeature[] = [];
  for (const feature of input.features) {
    const own = featureTasks(feature, index);
    markBlocked(feature, own, failedTargets);
    features.push(featureSummary(feature, own));
    tasks.push(...own);
  }

  const counts = countStatuses(tasks);
  const { outcome, reason } =
    budgetStop(
      counts,
      tasks.filter((t) => t.notStarted),
    ) ?? outcomeOf(counts, features, failedTargets.length, tasks.filter((t) => t.nxStatus === 'stopped').length);
  return {
    version: 1,
    outcome,
    reason,
    startedAt: new Date(input.startTime).toISOString(),
    endedAt: new Date(input.endTime).toISOString(),
    command: input.command,
    counts,
    timing: timingOf(tasks, input.endTime - input.startTime),
    usage: sumUsage(tasks.map((t) => t.usage)),
    agents: agentTotals(tasks),
    features,
    tasks,
    failedTargets,
    ...budgetSection(input.budget, input.spend, tasks),
    resources: resourceSection(tasks),
  };
}

/** One report entry per task of the feature, in file order, from Nx's result and the task's record. */
function featureTasks(feature: FeatureInput, index: RunIndex): ReportTask[] {
  const waveOf = new Map<string, number>();
  feature.plan.waves.forEach((ids, i) => ids.forEach((id) => waveOf.set(id, i + 1)));
  return feature.parsed.tasks.map((t) => {
    const key = taskKey(feature.project, t.id);
    const result = index.results.get(key);
    const task: ReportTask = {
      project: feature.project,
      id: t.id,
      status: 'not-run',
      attempts: index.records.get(key)?.attempts ?? 0,
      startedAt: null,
      endedAt: null,
      inRun: !!result,
      description: t.description,
      phase: feature.parsed.phases[t.phase]?.number ?? t.phase + 1,
      wave: waveOf.get(t.id) ?? 0,
      dependsOn: (feature.plan.dependsOn[t.id] ?? []).map((d) => d.id),
      target: subTarget(feature.targetName, t.id),
    };
    if (!result) return { ...task, status: t.done ? 'already-done' : 'not-run' };
    applyResult(task, result, index.records.get(key), index.unmarked?.get(key));
    return task;
  });
}

/** What Nx and the task's record say about a task that was in the run. */
function applyResult(task: ReportTask, result: NxTaskOutcome, record: TaskRecord | undefined, unmarked?: string) {
  task.nxStatus = result.status;
  Object.assign(task, statusOf(result, record));
  // Work without a tick is not done: the next run finds the box open and tries again.
  if (unmarked && task.status !== 'failed') Object.assign(task, { status: 'failed', error: unmarked });
  if (task.status !== 'blocked' && task.status !== 'not-run') Object.assign(task, timesOf(result, record));
  if (record) Object.assign(task, recordDetails(record, task.status));
}

/** Start, end and duration, from Nx or else the record; nothing when either end is unknown. */
function timesOf(result: NxTaskOutcome, record: TaskRecord | undefined): Partial<ReportTask> {
  const start = result.startTime ?? (record ? Date.parse(record.startedAt) : undefined);
  const end = result.endTime ?? (record ? Date.parse(record.endedAt) : undefined);
  if (start === undefined || end === undefined || !Number.isFinite(start) || !Number.isFinite(end)) return {};
  return {
    startedAt: new Date(start).toISOString(),
    endedAt: new Date(end).toISOString(),
    durationMs: Math.max(0, end - start),
  };
}

/** The record's fields that mean something for a task that ended with `status`. */
function recordDetails(record: TaskRecord, status: ReportTaskStatus): Partial<ReportTask> {
  const ran = status === 'done' || status === 'failed';
  const failed = status === 'failed';
  return {
    ...(record.agent && ran ? { agent: record.agent } : {}),
    ...(record.agent && ran && record.usage ? { usage: pickUsage(record.usage) } : {}),
    ...(record.failureKind && failed ? { failureKind: record.failureKind } : {}),
    ...(record.notStarted && failed ? { notStarted: record.notStarted } : {}),
    ...(record.skippedAgents?.length && ran ? { skippedAgents: record.skippedAgents } : {}),
    ...(record.log ? { log: record.log } : {}),
    ...(record.warnings?.length ? { warnings: record.warnings } : {}),
    ...(record.changes ? { changes: record.changes } : {}),
    ...(record.worktree && failed ? { worktree: record.worktree } : {}),
    ...(record.resources?.length ? { resources: record.resources } : {}),
  };
}

/**
 * Nx leaves the tasks it skipped (a prerequisite failed) out of the hook's results, so an
 * unfinished task downstream of a task that failed in this run counts as blocked by it; so does
 * one waiting for a task of a phase whose gate (`implement--phase2-gate`) failed.
 */
function markBlocked(feature: FeatureInput, own: ReportTask[], failedTargets: FailedTarget[]) {
  const byId = new Map(own.map((t) => [t.id, t]));
  const failedGates = new Map<number, string>();
  for (const f of failedTargets) {
    const phase = f.project === feature.project ? gatePhase(feature.targetName, f.target) : undefined;
    if (phase !== undefined) failedGates.set(phase, f.target);
  }
  for (const task of own) {
    if (task.status !== 'blocked' && task.status !== 'not-run') continue;
    if (task.status === 'not-run' && feature.requested && !feature.requested.has(task.id)) continue;
    const blockers = failedAncestors(task, byId, failedGates);
    if (task.status === 'blocked' || blockers.length) {
      task.status = 'blocked';
      task.blockedBy = blockers;
      task.inRun = true;
    }
  }
}

function featureSummary(feature: FeatureInput, own: ReportTask[]): ReportFeature {
  const byId = new Map(own.map((t) => [t.id, t]));
  const finished = own.filter((t) => t.status === 'done' || t.status === 'cached' || t.status === 'already-done');
  return {
    project: feature.project,
    dir: feature.dir,
    total: own.length,
    finished: finished.length,
    phases: feature.parsed.phases.map((p) => ({
      number: p.number,
      title: p.title,
      total: p.taskIds.length,
      counts: countStatuses(p.taskIds.map((id) => byId.get(id)!).filter(Boolean)),
    })),
    warnings: feature.warnings ?? [],
    openItems: openNonTasks(feature.parsed),
  };
}

/** Wall and summed task time, and the timeline slot of each timed task (set on the tasks). */
function timingOf(tasks: ReportTask[], wallMs: number): RunReport['timing'] {
  const timed = tasks.filter((t) => t.durationMs !== undefined);
  const slots = packSlots(timed.map((t) => ({ start: Date.parse(t.startedAt!), end: Date.parse(t.endedAt!) })));
  timed.forEach((t, i) => {
    t.slot = slots[i];
  });
  const wall = Math.max(0, wallMs);
  const sequentialMs = timed.reduce((sum, t) => sum + t.durationMs!, 0);
  return {
    wallMs: wall,
    sequentialMs,
    savedMs: Math.max(0, sequentialMs - wall),
    slots: timed.length ? Math.max(...slots) + 1 : 0,
  };
}

/** The budget's limits and spend, the tasks it refused, and the agents it could not count. */
function budgetSection(
  budget: Budget | undefined,
  spend: Spend | undefined,
  tasks: ReportTask[],
): { budget?: ReportBudget } {
  if (!budget || (budget.usd === undefined && budget.tokens === undefined)) return {};
  const refused = tasks.filter((t) => t.notStarted);
  return {
    budget: {
      ...budget,
      spent: { costUsd: spend?.costUsd ?? 0, tokens: spend?.tokens ?? 0, unpriced: spend?.unpriced ?? 0 },
      ...(refused.length ? { reached: refused[refused.length - 1].notStarted } : {}),
      refused: refused.map((t) => `${t.project} ${t.id}`),
      notEnforced: unenforcedAgents(budget, tasks),
    },
  };
}

/**
 * Agents that ran a task without reporting what the budget counts: no cost under a dollar budget
 * (unless a token budget counts their tokens), no tokens under a token budget alone.
 */
export function unenforcedAgents(budget: Budget, tasks: ReportTask[]): { agent: string; reason: string }[] {
  const counted = (u: ReportUsage | undefined) =>
    (budget.usd !== undefined && u?.costUsd !== undefined) ||
    (budget.tokens !== undefined && (u?.inputTokens !== undefined || u?.outputTokens !== undefined));
  const reason =
    budget.usd !== undefined && budget.tokens !== undefined
      ? 'it reports neither cost nor tokens'
      : budget.usd !== undefined
        ? 'it reports no cost'
        : 'it reports no tokens';
  const agents = new Set(tasks.filter((t) => t.agent && !counted(t.usage)).map((t) => t.agent!));
  return [...agents].sort().map((agent) => ({ agent, reason }));
}

/** Each resource with the tasks that held it, in the order they got it. */
function resourceSection(tasks: ReportTask[]): ReportResource[] {
  const byName = new Map<string, ReportResource>();
  for (const t of tasks) {
    for (const use of t.resources ?? []) {
      const entry = byName.get(use.name) ?? { name: use.name, tasks: [], waitedMs: 0 };
      entry.tasks.push({
        project: t.project,
        id: t.id,
        waitedMs: use.waitedMs,
        ...(use.heldBy ? { heldBy: use.heldBy } : {}),
      });
      entry.waitedMs += use.waitedMs;
      byName.set(use.name, entry);
    }
  }
  const acquired = (r: ReportResource['tasks'][number]) =>
    Date.parse(tasks.find((t) => t.project === r.project && t.id === r.id)?.startedAt ?? '') + r.waitedMs || 0;
  return [...byName.values()]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((r) => ({ ...r, tasks: [...r.tasks].sort((a, b) => acquired(a) - acquired(b)) }));
}

function statusOf(result: NxTaskOutcome, record: TaskRecord | undefined): Partial<ReportTask> {
  const failed = (): Partial<ReportTask> => ({
    status: 'failed',
    error: record?.error ?? errorFromOutput(result.terminalOutput) ?? `exited with code ${result.code}`,
  });
  if (CACHE_STATUSES.has(result.status)) return result.code === 0 ? { status: 'cached' } : failed();
  switch (result.status) {
    case 'success':
      if (!record) return { status: 'cached' }; // ran elsewhere (another machine): nothing local vouches but Nx
      if (record.status === 'failed') return failed();
      return { status: record.status };
    case 'failure':
      return failed();
    case 'skipped':
      return { status: 'blocked' };
    default: // 'stopped': interrupted before it finished
      return { status: 'not-run' };
  }
}

/**
 * The nearest failed tasks upstream of `task` (not looking past a failed one), then the failed
 * gates of earlier phases it waits for, in file order.
 */
function failedAncestors(task: ReportTask, byId: Map<string, ReportTask>, failedGates: Map<number, string>): string[] {
  const failed = (id: string) => byId.get(id)?.status === 'failed';
  const upstream = [
    ...reachable(
      task.dependsOn,
      (id) => byId.get(id)?.dependsOn ?? [],
      (id) => id !== task.id && !failed(id),
    ),
  ]
    .map((id) => byId.get(id))
    .filter((t): t is ReportTask => !!t && t.id !== task.id);
  const found = upstream.filter((t) => t.status === 'failed').map((t) => t.id);
  const gates = new Set(
    upstream
      .filter((t) => t.phase !== task.phase)
      .map((t) => failedGates.get(t.phase))
      .filter((g): g is string => !!g),
  );
  const order = [...byId.keys()];
  return [...[...found].sort((a, b) => order.indexOf(a) - order.indexOf(b)), ...[...gates].sort()];
}

/**
 * The executors print `[T012] ✗ reason` (a gate: `✗ … failed` and indented lines with the last
 * output and the log): the last such line and the indented lines after it; else the last three
 * non-empty lines of the output.
 */
export function errorFromOutput(output: string | undefined): string | undefined {
  if (!output) return undefined;
  const lines = stripVTControlCharacters(output)
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    .filter((l) => l.trim());
  const marked = lines
    .map((l, i) => (/✗/.test(l) ? i : -1))
    .filter((i) => i >= 0)
    .pop();
  let picked: string[];
  if (marked === undefined) picked = lines.slice(-3);
  else {
    let end = marked + 1;
    while (end < lines.length && /^\s/.test(lines[end])) end++;
    picked = lines.slice(marked, end);
  }
  const text = picked.join('\n').trim();
  return text ? (text.length > 1000 ? `${text.slice(0, 997)}...` : text) : undefined;
}

function countStatuses(tasks: ReportTask[]): Record<ReportTaskStatus, number> {
  const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<ReportTaskStatus, number>;
  for (const t of tasks) counts[t.status]++;
  return counts;
}

/**
 * A run its budget stopped: `budget reached: $4.02 of $4.00, 12 tasks not started` (those refused
 * and those Nx skipped after them), and any real failures besides.
 */
function budgetStop(
  counts: Record<ReportTaskStatus, number>,
  notStarted: ReportTask[],
): { outcome: RunOutcome; reason: string } | undefined {
  if (!notStarted.length) return undefined;
  const n = (count: number, what: string) => `${count} ${what}${count === 1 ? '' : 's'}`;
  const others = counts.failed - notStarted.length;
  const cause = notStarted[notStarted.length - 1].notStarted;
  return {
    outcome: 'halted',
    reason: `${cause}, ${n(notStarted.length + counts.blocked, 'task')} not started${others ? `; ${n(others, 'other task')} failed` : ''}`,
  };
}

function outcomeOf(
  counts: Record<ReportTaskStatus, number>,
  features: ReportFeature[],
  failedTargets: number,
  stopped: number,
): { outcome: RunOutcome; reason: string } {
  const n = (count: number, what: string) => `${count} ${what}${count === 1 ? '' : 's'}`;
  if (stopped) {
    const failed = counts.failed + failedTargets;
    return {
      outcome: 'halted',
      reason: `the run was interrupted: ${n(stopped, 'task')} stopped before finishing${failed ? `, ${n(failed, 'target')} failed` : ''}`,
    };
  }
  if (counts.blocked && !counts.failed && !failedTargets) {
    // Nx skipped them for a reason outside the features' tasks (a prerequisite of another kind).
    return {
      outcome: 'halted',
      reason: `nothing failed here, but Nx skipped ${n(counts.blocked, 'task')} (a prerequisite outside the features' tasks did not succeed)`,
    };
  }
  if (counts.failed || counts.blocked || failedTargets) {
    const failures = [
      counts.failed || !failedTargets ? n(counts.failed, 'task') : '',
      failedTargets ? n(failedTargets, 'other target') : '',
    ]
      .filter(Boolean)
      .join(' and ');
    const one = counts.failed + failedTargets === 1;
    const blocked = counts.blocked
      ? `${n(counts.blocked, 'task')} that depend${counts.blocked === 1 ? 's' : ''} on ${one ? 'it' : 'them'} did not run`
      : `nothing waiting on ${one ? 'it' : 'them'} was left unrun`;
    return { outcome: 'halted', reason: `${failures} failed; ${blocked}` };
  }
  const open = features.reduce((sum, f) => sum + f.total - f.finished, 0);
  // Open boxes that are not tasks were never run: the feature is not known to be done.
  const notTasks = features.filter((f) => f.openItems.length);
  if (open === 0 && notTasks.length) {
    const items = notTasks.reduce((sum, f) => sum + f.openItems.length, 0);
    const where = notTasks
      .map(
        (f) => `${f.dir}/tasks.md lines ${f.openItems.slice(0, 10).join(', ')}${f.openItems.length > 10 ? ', …' : ''}`,
      )
      .join('; ');
    return {
      outcome: 'partial',
      reason: `every task is done, but not run: ${n(items, 'open item')} that ${items === 1 ? 'is not a task' : 'are not tasks'}, ${where}`,
    };
  }
  if (open === 0)
    return { outcome: 'complete', reason: `every task of the ${n(features.length, 'feature')} in the run is done` };
  return {
    outcome: 'partial',
    reason: `nothing failed, but ${n(open, 'task')} of the features in the run ${open === 1 ? 'was' : 'were'} not part of this run`,
  };
}

const USAGE_KEYS = ['costUsd', 'inputTokens', 'outputTokens', 'cachedInputTokens'] as const;

function pickUsage(u: ReportUsage): ReportUsage {
  const out: ReportUsage = {};
  for (const k of USAGE_KEYS) if (typeof u[k] === 'number') out[k] = u[k];
  return out;
}

function sumUsage(usages: Array<ReportUsage | undefined>): ReportUsage {
  const out = pickUsage(sumUsages(usages));
  if (out.costUsd !== undefined) out.costUsd = Math.round(out.costUsd * 1e6) / 1e6;
  return out;
}

function agentTotals(tasks: ReportTask[]): AgentTotals[] {
  const byAgent = new Map<string, ReportTask[]>();
  for (const t of tasks) if (t.agent) byAgent.set(t.agent, [...(byAgent.get(t.agent) ?? []), t]);
  return [...byAgent]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([agent, list]) => ({ agent, tasks: list.length, ...sumUsage(list.map((t) => t.usage)) }));
}
