/**
 * Runs one task of one feature: prerequisites, prompt, agent, verification, checkpoint.
 * No Nx here: the executor adapts Nx's context to `runTask`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import {
  analyzeFeature, formatDiagnostic, isUnsafePath, markDone, readFeature, reusingParser, undoAgentEdits,
  type FeatureAnalysis, type ParseFn, type Task,
} from '@nx-speckit/tasks-md';
import { assertAgentAvailable, resolveAgent, runAgent } from '../agents';
import { recordingDir, writeRecording, snapshotFiles } from '../agents/replay';
import type { AgentOption, AgentRunResult, AgentUsage } from '../agents/types';
import type { FailureKind } from '../agents/output/failure';
import { checklistTable, readChecklists } from './checklists';
import { buildPrompt } from './prompt';
import { usageText } from '../report/summary';
import { marksJournal, runDirOf, takeNotice } from './run-dir';
import { checkDeclaredPaths, clearBaseline, firstAttemptBaseline, gitChanges, snapshotPaths } from './verify';

export interface RunTaskOptions {
  workspaceRoot: string;
  /** Workspace-relative feature folder (the Nx project root). */
  featureDir: string;
  project: string;
  taskId?: string;
  agent?: AgentOption;
  verify?: string[];
  allowIncompleteChecklists?: boolean;
  record?: boolean;
  /** Only check that the feature can run (used by a broken feature's targets). */
  validateOnly?: boolean;
  /** The plugin's `lanes` option: the same plan, so the prompt names the same prerequisites as the graph. */
  lanes?: 'story' | 'none';
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
  warnings?: string[];
  log?: string;
}

export class TaskFailure extends Error {}

export async function runTask(options: RunTaskOptions): Promise<TaskRecord> {
  const log = options.log ?? ((line: string) => console.log(line));
  const startedAt = new Date().toISOString();
  const record = (fields: Omit<TaskRecord, 'project' | 'id' | 'startedAt' | 'endedAt' | 'attempts'> & { attempts?: number }): TaskRecord => {
    const result: TaskRecord = { project: options.project, id: options.taskId ?? '', startedAt, endedAt: new Date().toISOString(), attempts: 0, ...fields };
    if (options.taskId) writeRunRecord(options.workspaceRoot, result);
    return result;
  };

  // A warning the pre-run hook could not print (it ran inside the Nx daemon): the feature's first task prints it.
  const notice = takeNotice(options.workspaceRoot, options.project);
  if (notice) log(notice.trimEnd());

  try {
    // Parses shared with the feature's other tasks, each in its own process (see reusingParser).
    const parse = reusingParser(runDirOf(options.workspaceRoot, options.project));
    const analysis = analyzeFeature(readFeature(options.workspaceRoot, options.featureDir), { lanes: options.lanes, parse });
    checkPrerequisites(analysis, options, log);
    if (options.validateOnly || !options.taskId) return record({ status: 'already-done' });

    const task = analysis.parsed.tasks.find((t) => t.id === options.taskId);
    if (!task) throw new TaskFailure(`${posix.join(options.featureDir, 'tasks.md')}: task ${options.taskId} no longer exists; re-run so Nx re-reads the file`);
    if (task.done) {
      log(`[${task.id}] already marked [${task.checkbox}] in tasks.md: skipped`);
      return record({ status: 'already-done' });
    }
    return await implement(task, analysis, parse, options, log, record);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log(`[${options.taskId ?? options.project}] ✗ ${message}`);
    return record({ status: 'failed', error: message });
  }
}

function checkPrerequisites(analysis: FeatureAnalysis, options: RunTaskOptions, log: (line: string) => void) {
  const errors = analysis.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) {
    throw new TaskFailure(`${options.featureDir} cannot run until these are fixed:\n${errors.map((d) => `  ${formatDiagnostic(d)}`).join('\n')}`);
  }
  const rows = readChecklists(join(options.workspaceRoot, options.featureDir));
  if (rows.some((r) => r.unchecked > 0)) {
    const table = checklistTable(rows);
    if (!options.allowIncompleteChecklists) {
      throw new TaskFailure(`checklists in ${options.featureDir}/checklists have unchecked items:\n${table}\nComplete them, or set "allowIncompleteChecklists": true in the plugin options.`);
    }
    log(`${table}\n(continuing: allowIncompleteChecklists is set)`);
  }
}

type Recorder = (fields: Omit<TaskRecord, 'project' | 'id' | 'startedAt' | 'endedAt' | 'attempts'> & { attempts?: number }) => TaskRecord;

async function implement(task: Task, analysis: FeatureAnalysis, parse: ParseFn, options: RunTaskOptions, log: (line: string) => void, record: Recorder): Promise<TaskRecord> {
  const root = options.workspaceRoot;
  const tasksFile = posix.join(options.featureDir, 'tasks.md');
  const tasksPath = join(root, tasksFile);
  const agent = resolveAgent(options.agent);
  assertAgentAvailable(agent, root);

  const byId = new Map(analysis.parsed.tasks.map((t) => [t.id, t]));
  const prompt = buildPrompt({
    workspaceRoot: root,
    featureDir: options.featureDir,
    task,
    phase: analysis.parsed.phases[task.phase],
    prerequisites: (analysis.plan.dependsOn[task.id] ?? []).map((d) => byId.get(d.id)!),
  });
  const files = task.files.filter((f) => !isUnsafePath(f));
  const runDir = runDirOf(root, options.project);
  const logFile = join(root, '.speckit', 'logs', options.project, `${task.id}.log`);
  const baselineFile = join(runDir, `${task.id}.baseline.json`);
  const before = firstAttemptBaseline(baselineFile, files, snapshotPaths(root, files));
  const gitBefore = gitChanges(root);
  const journal = marksJournal(root, options.project);
  const tasksSnapshot = readFileSync(tasksPath);

  log(`[${task.id}] ${task.description} → ${agent.name}`);
  const result = await runAgent(agent, {
    workspaceRoot: root,
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
  const base = { agent: agent.name, usage: result.usage, attempts: result.attempts.length, log: posix.relative(root.split('\\').join('/'), logFile.split('\\').join('/')) };

  const guard = await undoAgentEdits(tasksPath, tasksSnapshot, task.id, { replacedCopy: join(runDir, `${task.id}.replaced-tasks.md`), parse, journal });
  for (const w of guard.warnings) log(`[${task.id}] warning: ${w}`);
  const problems = agentProblems(result);
  if (guard.refusal) problems.push(guard.refusal);
  const { problems: fileProblems, changed } = checkDeclaredPaths(root, files, before);
  if (!result.aborted) problems.push(...fileProblems);
  if (!problems.length && options.verify?.length) problems.push(...runVerify(options.verify, root, task, options, logFile));
  if (problems.length) {
    const error = `${task.id} not marked done: ${problems.join('; ')} (log: ${base.log})`;
    log(`[${task.id}] ✗ ${error}`);
    const kind = result.ok ? {} : { failureKind: result.failureKind ?? 'other' };
    return record({ ...base, status: 'failed', error, ...kind, ...(guard.warnings.length ? { warnings: guard.warnings } : {}) });
  }

  // Sibling tasks of the feature run alongside and write their own declared files: not this agent's doing.
  const featureFiles = analysis.parsed.tasks.flatMap((t) => t.files.filter((f) => !isUnsafePath(f)));
  const outside = outsideChanges(gitBefore, gitChanges(root), featureFiles, tasksFile);
  for (const w of outside) log(`[${task.id}] warning: ${w}`);
  const warnings = [...guard.warnings, ...outside];
  if (!files.length) warnings.push('the task declares no files: only the agent\'s exit status vouches for it');
  if (options.record) writeRecording(recordingDir(root, options.featureDir), task.id, snapshotFiles(root, changed));

  const progress = await markDone(tasksPath, task.id, { parse, journal });
  clearBaseline(baselineFile);
  log(`[${task.id}] ${task.description} → marked [X]${costText(result.usage)}`);
  log(`Progress: ${progress.done}/${progress.total} (${Math.round((progress.done / Math.max(progress.total, 1)) * 100)}%)`);
  return record({ ...base, status: 'done', warnings });
}

function agentProblems(result: AgentRunResult): string[] {
  if (result.aborted) return ['interrupted before the agent finished'];
  return result.ok ? [] : [`the agent failed: ${result.error ?? 'unknown error'}`];
}

/** The optional per-task check (argv, no shell): a non-zero exit fails the task. */
function runVerify(command: string[], root: string, task: Task, options: RunTaskOptions, logFile: string): string[] {
  try {
    const out = execFileSync(command[0], command.slice(1), {
      cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SPECKIT_TASK_ID: task.id, SPECKIT_FEATURE_DIR: options.featureDir, SPECKIT_TASK_FILES: JSON.stringify(task.files) },
    });
    appendLog(logFile, `\n--- verify: ${command.join(' ')} (ok)\n${out}`);
    return [];
  } catch (error) {
    const e = error as { status?: number; stdout?: string; stderr?: string; message: string };
    appendLog(logFile, `\n--- verify: ${command.join(' ')} (exit ${e.status})\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    return [`verify command \`${command.join(' ')}\` failed (exit ${e.status ?? e.message})`];
  }
}

function outsideChanges(before: Set<string>, after: Set<string>, files: string[], tasksFile: string): string[] {
  const inside = (p: string) => p === tasksFile || p.startsWith('.speckit/') || files.some((f) => p === f || (f.endsWith('/') && p.startsWith(f)));
  const extra = [...after].filter((p) => !before.has(p) && !inside(p));
  return extra.length ? [`changes outside the files the feature's tasks declare (possibly from other features' tasks running alongside): ${extra.slice(0, 10).join(', ')}${extra.length > 10 ? ', …' : ''}`] : [];
}

/** ` ($0.0123, 1,234 in / 56 out tokens)` as the summary writes it, or nothing. */
function costText(usage: AgentUsage): string {
  const text = usageText(usage);
  return text ? ` (${text})` : '';
}

function appendLog(file: string, text: string) {
  try {
    writeFileSync(file, text, { flag: 'a' });
  } catch { /* the log is best effort */ }
}

function writeRunRecord(root: string, record: TaskRecord) {
  const dir = runDirOf(root, record.project);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${record.id}.json`), `${JSON.stringify(record, null, 2)}\n`);
}
