import * as fs from 'node:fs';
import * as path from 'node:path';
import { classifyFailure, type FailureKind } from './output/failure';
import { exitError } from './output/json';
import type { ParsedOutput } from './output/types';
import { parserFor, USAGE_FILE } from './presets';
import type { AgentAttempt, AgentRunContext, AgentRunResult, ResolvedAgent } from './types';
import { sumUsages } from './usage';
import { findExecutable } from '../process/which';
import { runCommand, type CommandResult } from '../process/run-command';

/** Output kept in memory for parsing (the log file has everything). */
const STDOUT_LIMIT = 8 * 1024 * 1024;
const STDERR_LIMIT = 256 * 1024;

/** Shell-like display of argv for the log header (display only, never executed). */
function display(argv: string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
}

function readIfThere(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function retryBaseMs(): number {
  const v = Number(process.env.SPECKIT_RETRY_BASE_MS);
  return process.env.SPECKIT_RETRY_BASE_MS !== undefined && Number.isFinite(v) && v >= 0 ? v : 1000;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

interface AttemptOutcome extends AgentAttempt {
  aborted: boolean;
  /** Starting the program failed (not installed, not executable): retrying cannot help. */
  startFailed: boolean;
}

async function runAttempt(
  agent: ResolvedAgent,
  ctx: AgentRunContext,
  attempt: number,
  log: fs.WriteStream,
): Promise<AttemptOutcome> {
  const usageFile = path.join(path.dirname(ctx.promptFile), `${ctx.taskId}.usage-${attempt}.json`);
  // A file left by an earlier run (or the agent before a fallback) must not count as this attempt's usage.
  fs.rmSync(usageFile, { force: true });
  const env = agentEnv(agent, ctx, attempt, usageFile);
  const [program, ...args] = agent.command.map((a) => (a === USAGE_FILE ? usageFile : a));
  const exe = findExecutable(program, ctx.workspaceRoot, env) ?? program;
  const argv = agent.promptVia === 'arg' ? [...args, ctx.prompt] : args;
  const shown = display([program, ...args]) + (agent.promptVia === 'arg' ? ' <prompt>' : ' < prompt');
  log.write(
    `\n=== ${new Date().toISOString()} task ${ctx.taskId} attempt ${attempt}/${agent.retries + 1}: ${shown} (prompt file ${ctx.promptFile}) ===\n`,
  );

  const result = await runCommand(exe, argv, {
    cwd: ctx.workspaceRoot,
    env,
    input: agent.promptVia === 'stdin' ? ctx.prompt : '',
    timeoutMs: agent.timeoutSeconds * 1000,
    signal: ctx.signal,
    stdoutLimit: STDOUT_LIMIT,
    stderrLimit: STDERR_LIMIT,
    onStdout: (b) => log.write(b),
    onStderr: (b) => log.write(b),
  });
  const { exitCode, signal, timedOut, aborted, startError, durationMs } = result;
  const parsed = parserFor(agent)(result.stdout, exitCode, result.stderr, readIfThere(usageFile));
  const { error, failureKind } = verdict(result, parsed, program, agent.timeoutSeconds);
  const ok = error === undefined;
  log.write(
    `\n=== attempt ${attempt} ${ok ? 'succeeded' : `failed: ${error}`} (exit ${exitCode ?? signal}, ${durationMs} ms) ===\n`,
  );
  return {
    attempt,
    exitCode,
    signal,
    timedOut,
    durationMs,
    ok,
    ...(error ? { error, failureKind } : {}),
    usage: parsed.usage,
    aborted,
    startFailed: !!startError,
  };
}

/** The SPECKIT_* protocol variables over the agent's own env and ours. */
function agentEnv(agent: ResolvedAgent, ctx: AgentRunContext, attempt: number, usageFile: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ...agent.env,
    SPECKIT_TASK_ID: ctx.taskId,
    SPECKIT_FEATURE_DIR: ctx.featureDir,
    SPECKIT_TASKS_FILE: ctx.tasksFile,
    SPECKIT_TASK_FILES: JSON.stringify(ctx.taskFiles),
    SPECKIT_WORKSPACE_ROOT: ctx.workspaceRoot,
    SPECKIT_ATTEMPT: String(attempt),
    SPECKIT_PROMPT_FILE: ctx.promptFile,
    SPECKIT_USAGE_FILE: usageFile,
    // CLIs that take their project directory from $PWD (opencode) must see the cwd we give them.
    PWD: ctx.workspaceRoot,
  };
}

/**
 * Why an attempt failed (none: it succeeded), and what kind of failure that is. Our own verdicts
 * (abort, start, timeout, signal) are 'other': only the CLI's words can say quota, auth, ….
 */
function verdict(
  result: CommandResult,
  parsed: ParsedOutput,
  program: string,
  timeoutSeconds: number,
): { error?: string; failureKind: FailureKind } {
  const { exitCode, signal } = result;
  if (result.aborted) return { error: 'aborted', failureKind: 'other' };
  if (result.startError)
    return { error: `could not start \`${program}\`: ${result.startError.message}`, failureKind: 'other' };
  if (result.timedOut) return { error: `timed out after ${timeoutSeconds}s`, failureKind: 'other' };
  if (exitCode === null && signal) return { error: `killed by ${signal}`, failureKind: 'other' };
  if (!parsed.ok)
    return { error: parsed.error, failureKind: parsed.failureKind ?? classifyFailure(parsed.error ?? '') };
  if (exitCode !== 0) {
    const error = exitError(exitCode, result.stderr);
    return { error, failureKind: classifyFailure(error) };
  }
  return { failureKind: 'other' };
}

/**
 * Runs the agent for one task with the command protocol: no shell, cwd = workspace root,
 * prompt on stdin (or as one argv element) and in $SPECKIT_PROMPT_FILE, SPECKIT_* env, output to the log.
 * Failed attempts are retried `agent.retries` times with exponential backoff; an abort stops everything.
 */
export async function runAgent(agent: ResolvedAgent, ctx: AgentRunContext): Promise<AgentRunResult> {
  fs.mkdirSync(path.dirname(ctx.promptFile), { recursive: true });
  fs.writeFileSync(ctx.promptFile, ctx.prompt);
  fs.mkdirSync(path.dirname(ctx.logFile), { recursive: true });
  const log = fs.createWriteStream(ctx.logFile, { flags: 'a' });
  log.on('error', () => {}); // a full disk must not crash the run; the result still carries the outcome

  const attempts: AgentAttempt[] = [];
  let aborted = !!ctx.signal?.aborted;
  try {
    for (let attempt = 1; !aborted && attempt <= agent.retries + 1; attempt++) {
      ctx.onAttempt?.(attempt);
      const { aborted: wasAborted, startFailed, ...a } = await runAttempt(agent, ctx, attempt, log);
      attempts.push(a);
      aborted = wasAborted;
      if (a.ok || aborted || startFailed || attempt > agent.retries) break;
      await sleep(retryBaseMs() * 2 ** (attempt - 1), ctx.signal);
      aborted = !!ctx.signal?.aborted;
    }
  } finally {
    await new Promise<void>((r) => log.end(r));
  }

  const last = attempts[attempts.length - 1];
  const ok = !aborted && !!last?.ok;
  const error = ok
    ? undefined
    : aborted
      ? 'aborted'
      : attempts.length > 1
        ? `${last.error} (after ${attempts.length} attempts)`
        : last?.error;
  const failureKind = ok ? undefined : aborted ? 'other' : last?.failureKind;
  return {
    ok,
    attempts,
    usage: sumUsages(attempts.map((a) => a.usage)),
    ...(error ? { error } : {}),
    ...(failureKind ? { failureKind } : {}),
    aborted,
  };
}
