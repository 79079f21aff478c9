/**
 * After a run (called by the postTasksExecution hook): tick cache hits and tasks finished
 * elsewhere, gather Nx's results, this run's task records and the features' plans, then write
 * the report files and return the summary to print. Records each feature's task list for the
 * next run's stale-plan check.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { ProjectGraph } from '@nx/devkit';
import { restoreCachedChangeset } from '../isolation/cache';
import { analyzeFeature, markDone, readFeature, reusingParser, type ParseFn } from '@nx-speckit/tasks-md';
import { reachedTargets, requestedRun } from './requested-run';
import { isPluginTarget, subTargetSuffix, TASK_EXECUTOR } from '../names';
import { readPlanRecord, staleChanges, staleLine, writePlanRecord } from './stale-plan';
import { marksJournal, runDirOf, takeNotice } from '../task-runner/run-dir';
import type { TaskRecord } from '../task-runner/run-task';
import { readSpend, type Budget } from '../task-runner/spend';
import {
  CACHE_STATUSES,
  collectReport,
  errorFromOutput,
  taskKey,
  type FeatureInput,
  type NxTaskOutcome,
  type NxTaskStatus,
} from '../report/collect';
import { renderHtml } from '../report/html';
import { formatSummary } from '../report/summary';
import type { FailedTarget, RunReport } from '../report/types';
import { writeReport } from '../report/write';

/** The parts of Nx's PostTasksExecutionContext used here (nx 24: TaskResults from nx/src/tasks-runner/life-cycle). */
export interface RunContext {
  workspaceRoot: string;
  argv: string[];
  startTime: number;
  endTime: number;
  taskResults: Record<
    string,
    {
      task: {
        id: string;
        target: { project: string; target: string };
        projectRoot?: string;
        startTime?: number;
        endTime?: number;
      };
      status: string;
      code: number;
      terminalOutput?: string;
    }
  >;
}

export interface ReportRunOptions {
  targetName: string;
  lanes?: 'story' | 'none';
  /** The graph the run used: which tasks the command asked for (else every task is taken as asked for). */
  graph?: ProjectGraph;
  /** The run's budget, if any: the report shows it beside the spend ledger. */
  budget?: Budget;
}

export interface ReportRunResult {
  report: RunReport;
  summary: string;
  files: string[];
}

/** A feature seen in the run's results; the parser reuses the parses its tasks stored (a finished feature's report then never loads remark). */
interface SeenFeature {
  dir: string;
  ids: Set<string>;
  warnings: string[];
  parse: ParseFn;
}

type Candidate = NxTaskOutcome & { target: string };

/** The run's results sorted out: features of the plugin, their task results, and other failed targets of theirs. */
interface SortedResults {
  features: Map<string, SeenFeature>;
  candidates: Candidate[];
  failedTargets: FailedTarget[];
}

type TaskResult = RunContext['taskResults'][string];

/** Undefined when the run held no task of a spec-kit feature (e.g. `nx build web`) and no failed target of one. */
export async function reportRun(context: RunContext, options: ReportRunOptions): Promise<ReportRunResult | undefined> {
  const root = context.workspaceRoot;
  const sorted = sortResults(context, options);
  if (!sorted.features.size && !sorted.failedTargets.length) return undefined;
  const { features, candidates, failedTargets } = sorted;

  const records = candidates
    .map((c) => readRecord(root, c.project, c.taskId, context.startTime))
    .filter((r): r is TaskRecord => !!r);
  const unmarked = await tickWorkDoneElsewhere(root, features, candidates, records);
  const report = collectReport({
    startTime: context.startTime,
    endTime: context.endTime,
    command: ['nx', ...context.argv.slice(2)].join(' '),
    features: featureInputs(root, features, context.argv, options),
    results: candidates,
    records,
    failedTargets: failedTargets.sort((a, b) => a.project.localeCompare(b.project) || a.target.localeCompare(b.target)),
    unmarked,
    budget: options.budget,
    spend: readSpend(root),
  });
  const html = renderHtml(report);
  const paths = ['.speckit/reports/latest.json', '.speckit/reports/latest.html'];
  const summary = formatSummary(report, { files: paths });
  const files = writeReport(root, report, html, summary);
  return { report, summary, files };
}

function sortResults(context: RunContext, options: ReportRunOptions): SortedResults {
  const base = options.targetName;
  const sorted: SortedResults = { features: new Map(), candidates: [], failedTargets: [] };
  for (const result of Object.values(context.taskResults)) {
    const { project, target } = result.task.target;
    const dir = result.task.projectRoot;
    if (dir === undefined || !isPluginTarget(base, target)) continue;
    // With the graph, a feature is a project the plugin made (a task target of ours), not any
    // project with a tasks.md and a target of the same name.
    if (options.graph && !madeByPlugin(options.graph, project)) continue;
    const feature = sorted.features.get(project) ?? seeFeature(context.workspaceRoot, project, dir);
    if (!feature) {
      // Moved or deleted during the run: its tasks cannot be reported, but a failure must not vanish.
      const gone = `${posix.join(dir, 'tasks.md')} is gone (moved or deleted during the run)`;
      if (result.status === 'failure') sorted.failedTargets.push(failedTarget(result, `${gone}: `));
      continue;
    }
    sorted.features.set(project, feature);
    const taskId = subTargetSuffix(base, target);
    if (taskId === undefined || !feature.ids.has(taskId)) {
      // Aggregates (nx:noop) never fail; gates and a broken feature's checks can.
      if (result.status === 'failure') sorted.failedTargets.push(failedTarget(result));
      continue;
    }
    sorted.candidates.push({
      project,
      target,
      taskId,
      status: result.status as NxTaskStatus,
      code: result.code,
      startTime: result.task.startTime,
      endTime: result.task.endTime,
      terminalOutput: result.terminalOutput,
    });
  }
  return sorted;
}

/** The feature's task ids as its tasks.md holds them now; undefined when the file is gone. */
function seeFeature(root: string, project: string, dir: string): SeenFeature | undefined {
  const tasksFile = join(root, dir, 'tasks.md');
  if (!existsSync(tasksFile)) return undefined;
  const parse = reusingParser(runDirOf(root, project));
  const ids = new Set(parse(readFileSync(tasksFile, 'utf8'), posix.join(dir, 'tasks.md')).tasks.map((t) => t.id));
  return { dir: dir.split('\\').join('/'), ids, warnings: [], parse };
}

function failedTarget(result: TaskResult, prefix = ''): FailedTarget {
  const { project, target } = result.task.target;
  const error = errorFromOutput(result.terminalOutput) ?? `exited with code ${result.code}`;
  return { project, target, error: `${prefix}${error}` };
}

/**
 * Checkpoints for work the executor did not do here: cache hits, and successes with no local
 * record. Returns the tasks whose box could not be ticked, with why.
 */
async function tickWorkDoneElsewhere(
  root: string,
  features: Map<string, SeenFeature>,
  candidates: Candidate[],
  records: TaskRecord[],
): Promise<Map<string, string>> {
  const fresh = new Set(records.map((r) => `${r.project}:${r.id}`));
  const unmarked = new Map<string, string>();
  for (const c of candidates) {
    const cached = CACHE_STATUSES.has(c.status) && c.code === 0;
    const elsewhere = c.status === 'success' && !fresh.has(`${c.project}:${c.taskId}`);
    if (!cached && !elsewhere) continue;
    const feature = features.get(c.project)!;
    try {
      if (cached) await landCachedChangeset(root, c);
      await markDone(join(root, feature.dir, 'tasks.md'), c.taskId, {
        parse: feature.parse,
        journal: marksJournal(root, c.project),
      });
    } catch (error) {
      const why = `${c.taskId} (${c.status}) could not be marked [X]: ${error instanceof Error ? error.message : String(error)}`;
      feature.warnings.push(why);
      unmarked.set(taskKey(c.project, c.taskId), why);
    }
  }
  return unmarked;
}

/** A cache hit restored the declared files; what the task changed elsewhere lands now, or the box stays open. */
async function landCachedChangeset(root: string, c: Candidate) {
  const restored = await restoreCachedChangeset(root, c.project, c.taskId);
  if (restored?.conflicts.length)
    throw new Error(
      `its cached changes to ${restored.conflicts.join(', ')} conflict with the workspace; nothing of them was applied`,
    );
}

/** Each feature's tasks and plan as they are after the run, with its warnings and the tasks the command asked for. */
function featureInputs(
  root: string,
  features: Map<string, SeenFeature>,
  argv: string[],
  options: ReportRunOptions,
): FeatureInput[] {
  const asked = requestedRun(argv).targets.filter((t) => isPluginTarget(options.targetName, t));
  return [...features]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([project, f]) => {
      const analysis = analyzeFeature(readFeature(root, f.dir), { lanes: options.lanes, parse: f.parse });
      const warnings = [...recordPlan(root, project, f.dir, analysis.parsed.tasks), ...f.warnings];
      return {
        project,
        dir: f.dir,
        targetName: options.targetName,
        parsed: analysis.parsed,
        plan: analysis.plan,
        warnings,
        requested: requestedTasks(options, project, asked),
      };
    });
}

/** Ids of the feature's tasks the asked-for targets reach; undefined (all) without a graph or a request. */
function requestedTasks(options: ReportRunOptions, project: string, asked: string[]): Set<string> | undefined {
  const targets = options.graph?.nodes[project]?.data.targets;
  if (!targets || !asked.length) return undefined;
  const ids = [...reachedTargets(targets, asked)].map((t) => subTargetSuffix(options.targetName, t));
  return new Set(ids.filter((suffix) => suffix !== undefined));
}

function madeByPlugin(graph: ProjectGraph, project: string): boolean {
  return Object.values(graph.nodes[project]?.data.targets ?? {}).some((t) => t.executor === TASK_EXECUTOR);
}

/**
 * Compares the feature's task list with the one recorded at its last run (a stale-plan line for
 * the report), then records this one. A notice the pre-run hook left for a task of the feature
 * that never started is dropped: the report carries the finding now.
 */
function recordPlan(
  root: string,
  project: string,
  dir: string,
  tasks: Array<{ id: string; description: string }>,
): string[] {
  const now = Object.fromEntries(tasks.map((t) => [t.id, t.description]));
  const previous = readPlanRecord(root, project);
  const line = previous && staleLine(staleChanges(previous.tasks, now), previous.recordedAt);
  writePlanRecord(root, { project, root: dir, recordedAt: new Date().toISOString(), tasks: now });
  takeNotice(root, project);
  return line ? [line] : [];
}

/** The executor's record of `id`, if it was written during this run. */
function readRecord(root: string, project: string, id: string, runStart: number): TaskRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(join(runDirOf(root, project), `${id}.json`), 'utf8')) as TaskRecord;
    return Date.parse(record.startedAt) >= runStart ? record : undefined;
  } catch {
    return undefined;
  }
}
