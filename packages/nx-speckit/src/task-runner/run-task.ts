/**
 * Runs one task of one feature: prerequisites, prompt, agent, verification, checkpoint.
 * No Nx here: the executor adapts Nx's context to `runTask`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import {
  analyzeFeature,
  formatDiagnostic,
  isUnsafePath,
  markDone,
  readFeature,
  reusingParser,
  undoAgentEdits,
  type FeatureAnalysis,
  type ParseFn,
  type Task,
} from '@nx-speckit/tasks-md';
import { assertAgentAvailable, resolveAgents, runAgent } from '../agents';
import { sumUsages, usageText } from '../agents/usage';
import { recordingDir, writeRecording, snapshotFiles } from '../agents/replay';
import type { AgentChoice, AgentRunResult, AgentUsage, ResolvedAgent } from '../agents/types';
import type { FailureKind } from '../agents/output/failure';
import { checklistTable, readChecklists } from './checklists';
import { buildPrompt } from './prompt';
import { marksJournal, runDirOf, takeNotice } from './run-dir';
import {
  checkDeclaredPaths,
  clearBaseline,
  firstAttemptBaseline,
  gitChanges,
  snapshotPaths,
  type Snapshot,
} from './verify';
import { beginTransaction, commitTransaction, endTransaction, keepWorktree } from '../isolation/transaction';
import { writeCachedChangeset } from '../isolation/cache';
import type { IsolationMode } from '../isolation/mode';
import { addSpend, budgetReached, readSpend, type Budget } from './spend';
import { acquireResources, type ResourceUse } from './resources';
import { runCommand, type CommandResult } from '../process/run-command';

export interface RunTaskOptions {
  workspaceRoot: string;
  /** Workspace-relative feature folder (the Nx project root). */
  featureDir: string;
  project: string;
  taskId?: string;
  /** One agent or fallbacks in order (see resolveAgents). */
  agent?: AgentChoice;
  verify?: string[];
  allowIncompleteChecklists?: boolean;
  record?: boolean;
  /** Only check that the feature can run (used by a broken feature's targets). */
  validateOnly?: boolean;
  /** The plugin's `lanes` option: the same plan, so the prompt names the same prerequisites as the graph. */
  lanes?: 'story' | 'none';
  /** `worktree`: the task runs in a worktree of a snapshot and lands as one changeset (see src/isolation). */
  isolation?: IsolationMode;
  /** A changeset that conflicts with work landed meanwhile: `retry` once on a fresh snapshot (default), or `fail`. */
  onConflict?: 'retry' | 'fail';
  /** Ignored folders linked into each worktree (default: node_modules). */
  isolationLinks?: string[];
  /** The run's limits: once its reported spend reaches one, no new task starts (see spend.ts). */
  budget?: Budget;
  /** Named resources (the `exclusive` option) the task holds while it runs; no other task holding one runs meanwhile. */
  resources?: string[];
  /** A plugin option that makes this feature unable to run (a broken `exclusive` entry): the task fails with it. */
  optionError?: string;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export type TaskStatus = 'done' | 'already-done' | 'failed';

/** What `.speckit/runs/<project>/<task>.json` holds; the run report reads these. */
export interface TaskRecord {
  project: string;
  id: string;
  status: TaskStatus;
  attempts: number;
  startedAt: string;
  endedAt: string;
  agent?: string;
  usage?: AgentUsage;
  error?: string;
  /** When the agent itself failed: what kind of failure its CLI reported. */
  failureKind?: FailureKind;
  /** Listed agents that failed in a way another could avoid, before `agent` took the task. */
  skippedAgents?: SkippedAgent[];
  warnings?: string[];
  log?: string;
  /** Every file the task changed, split by whether the task declares it (exact with worktree isolation). */
  changes?: { declared: string[]; undeclared: string[] };
  /** The named resources the task held, and how long it waited for each. */
  resources?: ResourceUse[];
  /** Why the task was not started at all: `budget reached: $4.02 of $4.00`. */
  notStarted?: string;
  /** Set when the task ran in its own worktree. */
  isolation?: 'worktree';
  /** A failed task's worktree, kept for inspection until the next run. */
  worktree?: string;
}

export interface SkippedAgent {
  agent: string;
  failureKind: FailureKind;
  error: string;
}

export class TaskFailure extends Error {}

/**
 * Runs one task through to its checkpoint and returns its record (also written under `.speckit/runs` for a task id).
 * Failures come back as a record with status "failed" and the error, not as an exception.
 */
export async function runTask(options: RunTaskOptions): Promise<TaskRecord> {
  const log = options.log ?? ((line: string) => console.log(line));
  const startedAt = new Date().toISOString();
  let resources: ResourceUse[] | undefined;
  const record = (
    fields: Omit<TaskRecord, 'project' | 'id' | 'startedAt' | 'endedAt' | 'attempts'> & { attempts?: number },
  ): TaskRecord => {
    const result: TaskRecord = {
      project: options.project,
      id: options.taskId ?? '',
      startedAt,
      endedAt: new Date().toISOString(),
      attempts: 0,
      ...fields,
      ...(resources ? { resources } : {}),
    };
    if (options.taskId) writeRunRecord(options.workspaceRoot, result);
    return result;
  };

  // A warning the pre-run hook could not print (it ran inside the Nx daemon): the feature's first task prints it.
  const notice = takeNotice(options.workspaceRoot, options.project);
  if (notice) log(notice.trimEnd());

  let release = async () => {};
  try {
    if (options.optionError) throw new TaskFailure(options.optionError);
    // Parses shared with the feature's other tasks, each in its own process (see reusingParser).
    const parse = reusingParser(runDirOf(options.workspaceRoot, options.project));
    const analysis = analyzeFeature(readFeature(options.workspaceRoot, options.featureDir), {
      lanes: options.lanes,
      parse,
    });
    checkPrerequisites(analysis, options, log);
    if (options.validateOnly || !options.taskId) return record({ status: 'already-done' });

    const task = analysis.parsed.tasks.find((t) => t.id === options.taskId);
    if (!task)
      throw new TaskFailure(
        `${posix.join(options.featureDir, 'tasks.md')}: task ${options.taskId} no longer exists; re-run so Nx re-reads the file`,
      );
    if (task.done) {
      log(`[${task.id}] already marked [${task.checkbox}] in tasks.md: skipped`);
      return record({ status: 'already-done' });
    }
    if (options.resources?.length) {
      // Before the budget check: what others spent while this task waited counts.
      const held = await acquireResources(
        options.workspaceRoot,
        options.resources,
        { project: options.project, taskId: task.id },
        {
          signal: options.signal,
          onWait: (name, heldBy) => log(`[${task.id}] waiting for resource ${name} held by ${heldBy}`),
        },
      );
      release = held.release;
      resources = held.uses;
    }
    const reached = options.budget && budgetReached(readSpend(options.workspaceRoot), options.budget);
    if (reached) {
      log(`[${task.id}] ✗ not started: ${reached}`);
      return record({ status: 'failed', error: `${task.id} not started: ${reached}`, notStarted: reached });
    }
    return await implement(task, analysis, parse, options, log, record);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log(`[${options.taskId ?? options.project}] ✗ ${message}`);
    return record({ status: 'failed', error: message });
  } finally {
    await release();
  }
}

function checkPrerequisites(analysis: FeatureAnalysis, options: RunTaskOptions, log: (line: string) => void) {
  const errors = analysis.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) {
    throw new TaskFailure(
      `${options.featureDir} cannot run until these are fixed:\n${errors.map((d) => `  ${formatDiagnostic(d)}`).join('\n')}`,
    );
  }
  const rows = readChecklists(join(options.workspaceRoot, options.featureDir));
  if (rows.some((r) => r.unchecked > 0)) {
    const table = checklistTable(rows);
    if (!options.allowIncompleteChecklists) {
      throw new TaskFailure(
        `checklists in ${options.featureDir}/checklists have unchecked items:\n${table}\nComplete them, or set "allowIncompleteChecklists": true in the plugin options.`,
      );
    }
    log(`${table}\n(continuing: allowIncompleteChecklists is set)`);
  }
}

type Recorder = (
  fields: Omit<TaskRecord, 'project' | 'id' | 'startedAt' | 'endedAt' | 'attempts'> & { attempts?: number },
) => TaskRecord;

/** One task's run, as each step of implementing it needs it. */
interface TaskRun {
  task: Task;
  parse: ParseFn;
  options: RunTaskOptions;
  log: (line: string) => void;
  record: Recorder;
  /** The task's declared files, unsafe paths left out. */
  files: string[];
  /** The declared files' hashes before the first attempt, kept until the box is ticked. */
  baselineFile: string;
  /** The agents in turn (fallbacks), the checks and verify, in `workRoot`. */
  attempt: (workRoot: string, conflicts: string[]) => Promise<AttemptOutcome>;
}

async function implement(
  task: Task,
  analysis: FeatureAnalysis,
  parse: ParseFn,
  options: RunTaskOptions,
  log: (line: string) => void,
  record: Recorder,
): Promise<TaskRecord> {
  const root = options.workspaceRoot;
  const agents = resolveAgents(options.agent);
  for (const agent of agents) assertAgentAvailable(agent, root);
  const files = task.files.filter((f) => !isUnsafePath(f));
  const baselineFile = join(runDirOf(root, options.project), `${task.id}.baseline.json`);
  const before = firstAttemptBaseline(baselineFile, files, snapshotPaths(root, files));
  const run: TaskRun = {
    task,
    parse,
    options,
    log,
    record,
    files,
    baselineFile,
    attempt: async (workRoot, conflicts) => {
      const outcome = await withFallbacks(
        task.id,
        agents,
        (agent) => runAttempt(task, analysis, parse, options, { agent, files, before, workRoot, conflicts }, log),
        log,
      );
      // Spent the moment the agents finish, whatever happens next (a conflict, a checkpoint that throws).
      await addSpend(root, outcome.base.usage);
      return outcome;
    },
  };
  return options.isolation === 'worktree' ? implementInWorktree(run) : implementInPlace(run, analysis);
}

/** No isolation: the agent works in the workspace; git's view before and after shows changes outside the feature's files. */
async function implementInPlace(run: TaskRun, analysis: FeatureAnalysis): Promise<TaskRecord> {
  const { options } = run;
  const root = options.workspaceRoot;
  const gitBefore = await gitChanges(root);
  const outcome = await run.attempt(root, []);
  if (outcome.error) return fail(run, outcome, outcome.error);
  // Sibling tasks of the feature run alongside and write their own declared files: not this agent's doing.
  const featureFiles = analysis.parsed.tasks.flatMap((t) => t.files.filter((f) => !isUnsafePath(f)));
  const gitAfter = gitBefore && (await gitChanges(root));
  const outside =
    gitBefore && gitAfter
      ? outsidePaths(gitBefore, gitAfter, featureFiles, posix.join(options.featureDir, 'tasks.md'))
      : [];
  const warnings = outside.length
    ? [
        `changes outside the files the feature's tasks declare (possibly from other features' tasks running alongside): ${listText(outside)}`,
      ]
    : [];
  return checkpoint(run, outcome, { declared: outcome.changed, undeclared: outside }, warnings);
}

/**
 * Worktree isolation: the task runs in a worktree of a fresh snapshot and lands whole or not at
 * all. A conflict with work that landed meanwhile re-runs it once on a fresh snapshot (unless
 * `onConflict` is "fail"), then fails.
 */
async function implementInWorktree(run: TaskRun): Promise<TaskRecord> {
  const { task, options, log } = run;
  const root = options.workspaceRoot;
  const name = `${options.project}-${task.id}`;
  let conflicts: string[] = [];
  let earlier: AttemptOutcome['base'] | undefined;
  for (let round = 1; ; round++) {
    const tx = await beginTransaction(root, name, { links: options.isolationLinks ?? ['node_modules'] });
    // A re-run's record and the budget count what every round spent.
    const outcome = afterEarlierRound(await run.attempt(tx.worktree.root, conflicts), earlier);
    if (outcome.error) {
      const kept = keepWorktree(tx, name);
      log(`[${task.id}] its worktree is kept for inspection until the next run: ${kept}`);
      return fail(run, { ...outcome, worktree: kept }, outcome.error);
    }
    const landed = await commitTransaction(tx);
    const changes = splitDeclared(landed.changed, run.files);
    if (!landed.conflicts.length)
      writeCachedChangeset(root, options.project, task.id, tx, landed.changeset, changes.undeclared);
    endTransaction(tx);
    if (!landed.conflicts.length) {
      const warnings = changes.undeclared.length
        ? [`changed files the task does not declare (applied with it): ${listText(changes.undeclared)}`]
        : [];
      return checkpoint(run, outcome, changes, warnings);
    }
    conflicts = landed.conflicts;
    earlier = outcome.base;
    if (round === 1 && options.onConflict !== 'fail') {
      log(
        `[${task.id}] conflicts with work that landed meanwhile in ${listText(conflicts)}: nothing of it was applied; running it again on a fresh snapshot`,
      );
      continue;
    }
    const error = `${task.id} not marked done: its changes conflict with work that landed meanwhile in ${listText(conflicts)}; nothing of it was applied${round > 1 ? ' (also after a re-run on a fresh snapshot)' : ''} (log: ${outcome.base.log})`;
    return fail(run, outcome, error);
  }
}

/** A round's outcome with the usage and attempts of the rounds before it added in. */
function afterEarlierRound(outcome: AttemptOutcome, earlier: AttemptOutcome['base'] | undefined): AttemptOutcome {
  if (!earlier) return outcome;
  const base = {
    ...outcome.base,
    usage: sumUsages([earlier.usage, outcome.base.usage]),
    attempts: earlier.attempts + outcome.base.attempts,
  };
  return { ...outcome, base };
}

interface AttemptInput {
  agent: ResolvedAgent;
  files: string[];
  before: Snapshot;
  /** Where the agent, the declared-file checks and verify run: the workspace, or the task's worktree. */
  workRoot: string;
  /** Paths a first run conflicted on: named in the prompt of the re-run. */
  conflicts: string[];
}

interface AttemptOutcome {
  base: {
    agent: string;
    usage: AgentUsage;
    attempts: number;
    log: string;
    failureKind?: FailureKind;
    skippedAgents?: SkippedAgent[];
  };
  result: AgentRunResult;
  /** Declared files the agent changed. */
  changed: string[];
  guardWarnings: string[];
  error?: string;
  worktree?: string;
}

/** The agent, the tasks.md guard, the declared-file checks and verify, all in `workRoot`. */
async function runAttempt(
  task: Task,
  analysis: FeatureAnalysis,
  parse: ParseFn,
  options: RunTaskOptions,
  input: AttemptInput,
  log: (line: string) => void,
): Promise<AttemptOutcome> {
  const root = options.workspaceRoot;
  const { agent, files, workRoot } = input;
  const isolated = workRoot !== root;
  const tasksFile = posix.join(options.featureDir, 'tasks.md');
  const tasksPath = join(workRoot, tasksFile);
  const prompt = attemptPrompt(task, analysis, options.featureDir, input);
  const runDir = runDirOf(root, options.project);
  const logFile = join(root, '.speckit', 'logs', options.project, `${task.id}.log`);
  // In a worktree the checkpoint journal is not involved: marks happen in the workspace only.
  const journal = isolated ? undefined : marksJournal(root, options.project);
  const tasksSnapshot = readFileSync(tasksPath);

  log(`[${task.id}] ${task.description} → ${agentName(agent)}${isolated ? ' (in its own worktree)' : ''}`);
  const result = await runAgent(agent, {
    workspaceRoot: workRoot,
    taskId: task.id,
    featureDir: options.featureDir,
    tasksFile,
    taskFiles: files,
    prompt,
    logFile,
    promptFile: join(runDir, `${task.id}.prompt.md`),
    signal: options.signal,
    onAttempt: (n) => n > 1 && log(`[${task.id}] attempt ${n}`),
  });
  const base = outcomeBase(agent, result, root, logFile);

  const guard = await undoAgentEdits(tasksPath, tasksSnapshot, task.id, {
    replacedCopy: join(runDir, `${task.id}.replaced-tasks.md`),
    parse,
    journal,
  });
  for (const w of guard.warnings) log(`[${task.id}] warning: ${w}`);
  const { problems, changed } = await attemptProblems(task, options, input, result, guard.refusal, logFile);
  if (options.record && !problems.length)
    writeRecording(recordingDir(root, options.featureDir), task.id, snapshotFiles(workRoot, changed));
  const error = problems.length ? `${task.id} not marked done: ${problems.join('; ')} (log: ${base.log})` : undefined;
  return { base, result, changed, guardWarnings: guard.warnings, error };
}

/** The task's prompt, naming its prerequisites as the plan orders them and what a first run conflicted on. */
function attemptPrompt(task: Task, analysis: FeatureAnalysis, featureDir: string, input: AttemptInput): string {
  const byId = new Map(analysis.parsed.tasks.map((t) => [t.id, t]));
  return (
    buildPrompt({
      workspaceRoot: input.workRoot,
      featureDir,
      task,
      phase: analysis.parsed.phases[task.phase],
      prerequisites: (analysis.plan.dependsOn[task.id] ?? []).map((d) => byId.get(d.id)!),
    }) + conflictNote(input.conflicts)
  );
}

/** What the task record takes from one agent's run, whatever the checks after it find. */
function outcomeBase(agent: ResolvedAgent, result: AgentRunResult, root: string, logFile: string) {
  return {
    agent: agentName(agent),
    usage: result.usage,
    attempts: result.attempts.length,
    log: posix.relative(root.split('\\').join('/'), logFile.split('\\').join('/')),
    // Only the agent's own failure has a kind (a later fallback agent acts on it); a failed check has none.
    ...(result.ok ? {} : { failureKind: result.failureKind ?? ('other' as const) }),
  };
}

/** Why the task must not be marked done (empty when nothing stands in the way), and the declared files it changed. */
async function attemptProblems(
  task: Task,
  options: RunTaskOptions,
  input: AttemptInput,
  result: AgentRunResult,
  guardRefusal: string | undefined,
  logFile: string,
): Promise<{ problems: string[]; changed: string[] }> {
  const problems = agentProblems(result);
  if (guardRefusal) problems.push(guardRefusal);
  const { problems: fileProblems, changed } = checkDeclaredPaths(input.workRoot, input.files, input.before);
  if (!result.aborted) problems.push(...fileProblems);
  // Verify runs only when nothing else failed already.
  if (!problems.length && options.verify?.length)
    problems.push(...(await runVerify(options.verify, input.workRoot, task, options, input, logFile)));
  return { problems, changed };
}

/** Failures another agent could avoid; any other failure (a syntax error, a failed check) would repeat with the next agent. */
const FALLBACK_KINDS: ReadonlySet<FailureKind> = new Set(['quota', 'rate-limit', 'overload', 'auth']);

/**
 * Runs the listed agents in turn until one does not fail for quota, rate limit, overload or auth
 * (each after its own preset's retries). The outcome is the last agent's, with the spend and
 * attempts of all of them and the agents it skipped.
 */
async function withFallbacks(
  taskId: string,
  agents: ResolvedAgent[],
  run: (agent: ResolvedAgent) => Promise<AttemptOutcome>,
  log: (line: string) => void,
): Promise<AttemptOutcome> {
  const skipped: SkippedAgent[] = [];
  const spent: AgentUsage[] = [];
  let attempts = 0;
  for (const [i, agent] of agents.entries()) {
    const outcome = await run(agent);
    const { result } = outcome;
    const next = agents[i + 1];
    if (result.ok || result.aborted || !next || !FALLBACK_KINDS.has(result.failureKind ?? 'other')) {
      if (!skipped.length) return outcome;
      const base = {
        ...outcome.base,
        usage: sumUsages([...spent, outcome.base.usage]),
        attempts: attempts + outcome.base.attempts,
        skippedAgents: skipped,
      };
      return { ...outcome, base };
    }
    log(`[${taskId}] ${agentName(agent)} failed (${result.failureKind}): ${agentName(next)} takes the task`);
    skipped.push({ agent: agentName(agent), failureKind: result.failureKind!, error: result.error ?? 'unknown error' });
    spent.push(outcome.base.usage);
    attempts += outcome.base.attempts;
  }
  throw new Error('resolveAgents returns at least one agent');
}

const agentName = (agent: ResolvedAgent) => agent.label ?? agent.name;

/** The re-run's prompt names what the first run collided on, so the agent builds on what landed. */
function conflictNote(paths: string[]): string {
  if (!paths.length) return '';
  return `\n\n## Note: a first run of this task conflicted\n\nIts changes to ${paths.map((p) => `\`${p}\``).join(', ')} collided with work another task landed meanwhile, so none of it was applied. This run starts from the workspace as it is now: keep the other task's changes in those files and add this task's.\n`;
}

type Changes = NonNullable<TaskRecord['changes']>;

function fail(
  { task, log, record }: TaskRun,
  outcome: Pick<AttemptOutcome, 'base' | 'guardWarnings' | 'worktree'>,
  error: string,
): TaskRecord {
  log(`[${task.id}] ✗ ${error}`);
  return record({
    ...outcome.base,
    status: 'failed',
    error,
    ...(outcome.guardWarnings.length ? { warnings: outcome.guardWarnings } : {}),
    ...(outcome.worktree ? { worktree: outcome.worktree } : {}),
  });
}

async function checkpoint(
  { task, parse, options, baselineFile, log, record }: TaskRun,
  outcome: AttemptOutcome,
  changes: Changes,
  extra: string[],
): Promise<TaskRecord> {
  for (const w of extra) log(`[${task.id}] warning: ${w}`);
  const warnings = [...outcome.guardWarnings, ...extra];
  if (!task.files.length) warnings.push("the task declares no files: only the agent's exit status vouches for it");
  const root = options.workspaceRoot;
  const progress = await markDone(join(root, options.featureDir, 'tasks.md'), task.id, {
    parse,
    journal: marksJournal(root, options.project),
  });
  clearBaseline(baselineFile);
  log(`[${task.id}] ${task.description} → marked [X]${costText(outcome.result.usage)}`);
  log(
    `Progress: ${progress.done}/${progress.total} (${Math.round((progress.done / Math.max(progress.total, 1)) * 100)}%)`,
  );
  return record({
    ...outcome.base,
    status: 'done',
    warnings,
    changes,
    ...(options.isolation === 'worktree' ? { isolation: 'worktree' as const } : {}),
  });
}

/** Changed files split into those under the task's declared paths and the rest. */
export function splitDeclared(changed: string[], declared: string[]): Changes {
  const inside = (p: string) =>
    declared.some((f) => p === f.replace(/\/$/, '') || p.startsWith(f.endsWith('/') ? f : `${f}/`));
  return { declared: changed.filter(inside), undeclared: changed.filter((p) => !inside(p)) };
}

const listText = (paths: string[]) =>
  `${paths.slice(0, 10).join(', ')}${paths.length > 10 ? `, … (${paths.length} files)` : ''}`;

function agentProblems(result: AgentRunResult): string[] {
  if (result.aborted) return ['interrupted before the agent finished'];
  return result.ok ? [] : [`the agent failed: ${result.error ?? 'unknown error'}`];
}

/**
 * The optional per-task check (argv, no shell, in the workspace or the task's worktree, its own
 * process group): a non-zero exit fails the task. It may take as long as the agent may, and an
 * interrupted run ends it.
 */
async function runVerify(
  command: string[],
  root: string,
  task: Task,
  options: RunTaskOptions,
  input: AttemptInput,
  logFile: string,
): Promise<string[]> {
  const shown = command.join(' ');
  const result = await runCommand(command[0], command.slice(1), {
    cwd: root,
    env: {
      ...process.env,
      SPECKIT_TASK_ID: task.id,
      SPECKIT_FEATURE_DIR: options.featureDir,
      SPECKIT_TASK_FILES: JSON.stringify(task.files),
    },
    timeoutMs: input.agent.timeoutSeconds * 1000,
    signal: options.signal,
  });
  const failure = commandFailure(result, input.agent.timeoutSeconds);
  appendLog(logFile, `\n--- verify: ${shown} (${failure ?? 'ok'})\n${result.stdout}${result.stderr}`);
  return failure ? [`verify command \`${shown}\` failed (${failure})`] : [];
}

/** Why a finished command failed, in a few words; undefined when it exited 0. */
function commandFailure(result: CommandResult, timeoutSeconds: number): string | undefined {
  if (result.startError) return `could not start: ${result.startError.message}`;
  if (result.aborted) return 'interrupted';
  if (result.timedOut) return `timed out after ${timeoutSeconds}s`;
  if (result.exitCode === null) return `killed by ${result.signal}`;
  return result.exitCode === 0 ? undefined : `exit ${result.exitCode}`;
}

function outsidePaths(before: Set<string>, after: Set<string>, files: string[], tasksFile: string): string[] {
  const inside = (p: string) =>
    p === tasksFile || p.startsWith('.speckit/') || files.some((f) => p === f || (f.endsWith('/') && p.startsWith(f)));
  return [...after].filter((p) => !before.has(p) && !inside(p));
}

/** ` ($0.0123, 1,234 in / 56 out tokens)` as the summary writes it, or nothing. */
function costText(usage: AgentUsage): string {
  const text = usageText(usage);
  return text ? ` (${text})` : '';
}

function appendLog(file: string, text: string) {
  try {
    writeFileSync(file, text, { flag: 'a' });
  } catch {
    /* the log is best effort */
  }
}

function writeRunRecord(root: string, record: TaskRecord) {
  const dir = runDirOf(root, record.project);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${record.id}.json`), `${JSON.stringify(record, null, 2)}\n`);
}
