/**
 * Quality gates: commands run after a feature's tasks (or after a phase). No Nx here: the
 * `nx-speckit:gate` executor adapts Nx's context to `runGates`.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync, appendFileSync } from 'node:fs';
import { isAbsolute, join, posix, relative, resolve } from 'node:path';
import { KILL_GRACE_MS, killTree, trackGroup } from '../process/process-group';
import { findExecutable } from '../process/which';

/** One gate command, as the plugin option, the gate target's metadata and the executor's `commands` give it. */
export interface GateCommandSpec {
  /** Shown in logs and the run output; default: the command line. */
  name?: string;
  /** [exe, ...args], run without a shell. */
  command: string[];
  /** Workspace-relative working directory (default: the workspace root). */
  cwd?: string;
}

export interface RunGatesOptions {
  workspaceRoot: string;
  featureDir: string;
  project: string;
  phase?: number;
  commands: GateCommandSpec[];
  signal?: AbortSignal;
  /** Where the commands' output is streamed (default: this process's stdout). */
  write?: (text: string) => void;
  env?: NodeJS.ProcessEnv;
}

export interface GateResult {
  name: string;
  command: string[];
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  ok: boolean;
  error?: string;
}

export interface RunGatesResult {
  ok: boolean;
  results: GateResult[];
  /** Workspace-relative log file holding every command's output. */
  log: string;
}

/** How many trailing output lines a failure repeats in its summary. */
const TAIL_LINES = 30;

/** Runs the commands one after another; the first failure stops the rest. */
export async function runGates(options: RunGatesOptions): Promise<RunGatesResult> {
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  const root = options.workspaceRoot;
  const label = options.phase === undefined ? 'gate' : `phase${options.phase}-gate`;
  const logRel = posix.join('.speckit', 'logs', options.project, `${label}.log`);
  const logFile = join(root, logRel);
  mkdirSync(join(logFile, '..'), { recursive: true });
  writeFileSync(logFile, '');
  const results: GateResult[] = [];
  const where = options.phase === undefined ? `after every task of ${options.featureDir}` : `after phase ${options.phase} of ${options.featureDir}`;
  if (!options.commands.length) write(`nx-speckit gate (${where}): no commands configured\n`);

  for (const spec of options.commands) {
    const name = spec.name ?? spec.command.join(' ');
    const line = spec.command.join(' ');
    write(`nx-speckit gate "${name}" (${where}): ${line}\n`);
    appendFileSync(logFile, `--- ${name}: ${line}\n`);
    const result = await runOne(spec, name, options, (text) => {
      write(text);
      appendFileSync(logFile, text);
    });
    results.push(result.result);
    appendFileSync(logFile, `--- ${name}: ${result.result.ok ? 'passed' : `failed (${describe(result.result)})`}\n`);
    if (!result.result.ok) {
      const tail = result.output.split('\n').slice(-TAIL_LINES - 1).join('\n').trimEnd();
      write(`\n✗ nx-speckit gate "${name}" failed ${where}: \`${line}\` ${describe(result.result)}.\n`
        + (tail ? `  Last output:\n${tail.split('\n').map((l) => `    ${l}`).join('\n')}\n` : '')
        + `  Full output: ${logRel}\n`);
      return { ok: false, results, log: logRel };
    }
    write(`✓ nx-speckit gate "${name}" passed (${(result.result.durationMs / 1000).toFixed(1)} s)\n`);
  }
  return { ok: true, results, log: logRel };
}

function describe(r: GateResult): string {
  if (r.error) return r.error;
  if (r.signal) return `was stopped by ${r.signal}`;
  return `exited ${r.exitCode}`;
}

function runOne(spec: GateCommandSpec, name: string, options: RunGatesOptions, out: (text: string) => void): Promise<{ result: GateResult; output: string }> {
  const root = options.workspaceRoot;
  const started = Date.now();
  const base = { name, command: spec.command };
  const fail = (error: string) => ({ result: { ...base, exitCode: null, signal: null, durationMs: Date.now() - started, ok: false, error }, output: '' });
  const cwd = resolve(root, spec.cwd ?? '.');
  const rel = relative(root, cwd);
  if (rel.startsWith('..') || isAbsolute(rel)) return Promise.resolve(fail(`cwd ${spec.cwd} is outside the workspace`));
  const env = options.env ?? process.env;
  const exe = findExecutable(spec.command[0], cwd, env);
  if (!exe) return Promise.resolve(fail(`could not start: \`${spec.command[0]}\` is not installed (not on PATH or in node_modules/.bin)`));
  if (options.signal?.aborted) return Promise.resolve(fail('interrupted before it started'));

  return new Promise((done) => {
    let output = '';
    const child = spawn(exe, spec.command.slice(1), {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, so an interrupt stops the whole tree
      env: {
        ...env,
        SPECKIT_GATE: name,
        SPECKIT_PROJECT: options.project,
        SPECKIT_FEATURE_DIR: options.featureDir,
        SPECKIT_PHASE: options.phase === undefined ? '' : String(options.phase),
        SPECKIT_WORKSPACE_ROOT: root,
      },
    });
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output = (output + text).slice(-64_000);
      out(text);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    if (child.pid) trackGroup(child.pid);
    // SIGTERM to the whole group, SIGKILL after a grace period: a test runner's workers go too.
    const abort = () => child.pid && killTree(child.pid);
    options.signal?.addEventListener('abort', abort, { once: true });
    let settled = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', abort);
      const ok = code === 0 && !options.signal?.aborted;
      done({ result: { ...base, exitCode: code, signal, durationMs: Date.now() - started, ok, ...(options.signal?.aborted ? { error: 'interrupted' } : {}) }, output });
    };
    child.on('error', (error) => {
      if (child.pid) return; // a kill error after start: irrelevant
      settled = true;
      options.signal?.removeEventListener('abort', abort);
      done({ ...fail(`could not start: ${error.message}`), output });
    });
    child.on('exit', (code, signal) => {
      // What the command left running in its group must not outlive the gate (it would also hold our pipes).
      killTree(child.pid!);
      setTimeout(() => finish(code, signal), KILL_GRACE_MS + 1000).unref();
      child.on('close', () => finish(code, signal));
    });
  });
}
