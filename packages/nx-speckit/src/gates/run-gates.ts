/**
 * Quality gates: commands run after a feature's tasks (or after a phase). No Nx here: the
 * `nx-speckit:gate` executor adapts Nx's context to `runGates`.
 */
import { mkdirSync, writeFileSync, appendFileSync } from 'node:fs';
import { isAbsolute, join, posix, relative, resolve } from 'node:path';
import { OutputTail, runCommand } from '../process/run-command';
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
/** Bytes of output kept in memory to find those lines in (the log has everything). */
const OUTPUT_TAIL_BYTES = 64_000;

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
  const where =
    options.phase === undefined
      ? `after every task of ${options.featureDir}`
      : `after phase ${options.phase} of ${options.featureDir}`;
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
      const tail = result.output
        .split('\n')
        .slice(-TAIL_LINES - 1)
        .join('\n')
        .trimEnd();
      write(
        `\n✗ nx-speckit gate "${name}" failed ${where}: \`${line}\` ${describe(result.result)}.\n` +
          (tail
            ? `  Last output:\n${tail
                .split('\n')
                .map((l) => `    ${l}`)
                .join('\n')}\n`
            : '') +
          `  Full output: ${logRel}\n`,
      );
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

async function runOne(
  spec: GateCommandSpec,
  name: string,
  options: RunGatesOptions,
  out: (text: string) => void,
): Promise<{ result: GateResult; output: string }> {
  const root = options.workspaceRoot;
  const started = Date.now();
  const base = { name, command: spec.command };
  const fail = (error: string) => ({
    result: { ...base, exitCode: null, signal: null, durationMs: Date.now() - started, ok: false, error },
    output: '',
  });
  const cwd = resolve(root, spec.cwd ?? '.');
  const rel = relative(root, cwd);
  if (rel.startsWith('..') || isAbsolute(rel)) return fail(`cwd ${spec.cwd} is outside the workspace`);
  const env = options.env ?? process.env;
  const exe = findExecutable(spec.command[0], cwd, env);
  if (!exe)
    return fail(`could not start: \`${spec.command[0]}\` is not installed (not on PATH or in node_modules/.bin)`);
  if (options.signal?.aborted) return fail('interrupted before it started');

  // Failures repeat the end of the output: stdout and stderr interleaved as they came.
  const output = new OutputTail(OUTPUT_TAIL_BYTES);
  const onOutput = (chunk: Buffer) => {
    output.push(chunk);
    out(chunk.toString('utf8'));
  };
  const result = await runCommand(exe, spec.command.slice(1), {
    cwd,
    env: {
      ...env,
      SPECKIT_GATE: name,
      SPECKIT_PROJECT: options.project,
      SPECKIT_FEATURE_DIR: options.featureDir,
      SPECKIT_PHASE: options.phase === undefined ? '' : String(options.phase),
      SPECKIT_WORKSPACE_ROOT: root,
    },
    signal: options.signal,
    stdoutLimit: 0,
    stderrLimit: 0,
    onStdout: onOutput,
    onStderr: onOutput,
  });
  if (result.startError) return { ...fail(`could not start: ${result.startError.message}`), output: output.toString() };
  const ok = result.exitCode === 0 && !result.aborted;
  return {
    result: {
      ...base,
      exitCode: result.exitCode,
      signal: result.signal,
      durationMs: result.durationMs,
      ok,
      ...(result.aborted ? { error: 'interrupted' } : {}),
    },
    output: output.toString(),
  };
}
