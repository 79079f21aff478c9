import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { classifyFailure, type FailureKind } from './output/failure';
import { add, exitError } from './output/json';
import { parserFor, USAGE_FILE } from './presets';
import type { AgentAttempt, AgentRunContext, AgentRunResult, AgentUsage, ResolvedAgent } from './types';
import { findExecutable } from './which';
import { KILL_GRACE_MS, killTree, trackGroup } from './process-group';

/** Output kept in memory for parsing (the log file has everything). */
const STDOUT_LIMIT = 8 * 1024 * 1024;
const STDERR_LIMIT = 256 * 1024;
/** setTimeout fires at once for delays past 2^31-1 ms; longer timeouts mean "practically never". */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Keeps the last `limit` bytes of a stream. */
class Tail {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly limit: number) {}
  push(b: Buffer): void {
    this.chunks.push(b);
    this.size += b.length;
    while (this.chunks.length > 1 && this.size - this.chunks[0].length >= this.limit) this.size -= this.chunks.shift()!.length;
  }
  toString(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - this.limit)).toString('utf8');
  }
}

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

/** Cost and tokens summed; session id and model of the last usage that reported one. */
export function sumUsages(usages: AgentUsage[]): AgentUsage {
  const u: AgentUsage = {};
  for (const a of usages) {
    u.costUsd = add(u.costUsd, a.costUsd);
    u.inputTokens = add(u.inputTokens, a.inputTokens);
    u.outputTokens = add(u.outputTokens, a.outputTokens);
    u.cachedInputTokens = add(u.cachedInputTokens, a.cachedInputTokens);
    u.turns = add(u.turns, a.turns);
    u.sessionId = a.sessionId ?? u.sessionId;
    u.model = a.model ?? u.model;
  }
  return Object.fromEntries(Object.entries(u).filter(([, v]) => v !== undefined));
}

interface AttemptOutcome extends AgentAttempt {
  aborted: boolean;
  /** Starting the program failed (not installed, not executable): retrying cannot help. */
  startFailed: boolean;
}

function runAttempt(agent: ResolvedAgent, ctx: AgentRunContext, attempt: number, log: fs.WriteStream): Promise<AttemptOutcome> {
  const usageFile = path.join(path.dirname(ctx.promptFile), `${ctx.taskId}.usage-${attempt}.json`);
  // A file left by an earlier run (or the agent before a fallback) must not count as this attempt's usage.
  fs.rmSync(usageFile, { force: true });
  const env: NodeJS.ProcessEnv = {
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
  const [program, ...args] = agent.command.map((a) => (a === USAGE_FILE ? usageFile : a));
  const exe = findExecutable(program, ctx.workspaceRoot, env) ?? program;
  const argv = agent.promptVia === 'arg' ? [...args, ctx.prompt] : args;
  const shown = display([program, ...args]) + (agent.promptVia === 'arg' ? ' <prompt>' : ' < prompt');
  log.write(`\n=== ${new Date().toISOString()} task ${ctx.taskId} attempt ${attempt}/${agent.retries + 1}: ${shown} (prompt file ${ctx.promptFile}) ===\n`);

  const started = Date.now();
  const stdout = new Tail(STDOUT_LIMIT);
  const stderr = new Tail(STDERR_LIMIT);
  let timedOut = false;
  let aborted = false;
  let startError: Error | undefined;
  const timers: NodeJS.Timeout[] = [];

  return new Promise<AttemptOutcome>((resolve) => {
    let child: ChildProcess;
    let settled = false;
    const finish = (exitCode: number | null, signal: string | null) => {
      if (settled) return;
      settled = true;
      timers.forEach(clearTimeout);
      ctx.signal?.removeEventListener('abort', onAbort);
      const parsed = parserFor(agent)(stdout.toString(), exitCode, stderr.toString(), readIfThere(usageFile));
      let error: string | undefined;
      // Our own verdicts (abort, start, timeout, signal) are 'other': only the CLI's words can say quota, auth, ….
      let failureKind: FailureKind = 'other';
      if (aborted) error = 'aborted';
      else if (startError) error = `could not start \`${program}\`: ${startError.message}`;
      else if (timedOut) error = `timed out after ${agent.timeoutSeconds}s`;
      else if (exitCode === null && signal) error = `killed by ${signal}`;
      else if (!parsed.ok) [error, failureKind] = [parsed.error, parsed.failureKind ?? classifyFailure(parsed.error ?? '')];
      else if (exitCode !== 0) {
        error = exitError(exitCode, stderr.toString());
        failureKind = classifyFailure(error);
      }
      const ok = error === undefined;
      const durationMs = Date.now() - started;
      log.write(`\n=== attempt ${attempt} ${ok ? 'succeeded' : `failed: ${error}`} (exit ${exitCode ?? signal}, ${durationMs} ms) ===\n`);
      resolve({ attempt, exitCode, signal, timedOut, durationMs, ok, ...(error ? { error, failureKind } : {}), usage: parsed.usage, aborted, startFailed: !!startError });
    };
    const onAbort = () => {
      aborted = true;
      if (child?.pid) killTree(child.pid);
    };

    try {
      // detached: the agent leads its own process group, so one kill reaches everything it started.
      child = spawn(exe, argv, { cwd: ctx.workspaceRoot, env, shell: false, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (e) {
      startError = e as Error;
      finish(null, null);
      return;
    }
    child.on('error', (e) => {
      // Only a failed start ends the attempt here; kill errors after start are irrelevant.
      if (!child.pid) {
        startError = e;
        finish(null, null);
      }
    });
    if (!child.pid) return; // 'error' follows
    trackGroup(child.pid);

    child.stdout!.on('data', (b: Buffer) => {
      stdout.push(b);
      log.write(b);
    });
    child.stderr!.on('data', (b: Buffer) => {
      stderr.push(b);
      log.write(b);
    });
    child.stdin!.on('error', () => {}); // agents that never read stdin close it early (EPIPE)
    child.stdin!.end(agent.promptVia === 'stdin' ? ctx.prompt : undefined);

    let exit: [number | null, string | null] = [null, null];
    child.on('exit', (code, signal) => {
      exit = [code, signal];
      // Whatever the agent left running in its group must not outlive the attempt (it would also hold our pipes).
      killTree(child.pid!);
      timers.push(setTimeout(() => finish(...exit), KILL_GRACE_MS + 1000));
    });
    child.on('close', () => finish(...exit));

    timers.push(
      setTimeout(() => {
        timedOut = true;
        killTree(child.pid!);
      }, Math.min(agent.timeoutSeconds * 1000, MAX_TIMER_MS)),
    );
    if (ctx.signal?.aborted) onAbort();
    else ctx.signal?.addEventListener('abort', onAbort, { once: true });
  });
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
  const error = ok ? undefined : aborted ? 'aborted' : attempts.length > 1 ? `${last.error} (after ${attempts.length} attempts)` : last?.error;
  const failureKind = ok ? undefined : aborted ? 'other' : last?.failureKind;
  return { ok, attempts, usage: sumUsages(attempts.map((a) => a.usage)), ...(error ? { error } : {}), ...(failureKind ? { failureKind } : {}), aborted };
}
