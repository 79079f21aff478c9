/**
 * Runs one program the way every child of nx-speckit runs: no shell (arguments stay data), as the
 * leader of its own process group (so a kill reaches whatever it started), with an optional
 * timeout and abort signal, and only the tail of its output kept in memory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { KILL_GRACE_MS, killTree, trackGroup } from './process-group';

/** setTimeout fires at once for delays past 2^31-1 ms; longer timeouts mean "practically never". */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface RunCommandOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Written to the program's stdin, which is then closed; without it stdin is /dev/null. */
  input?: string;
  /** Ends the program's whole process group after this long. */
  timeoutMs?: number;
  /** Ends the program's whole process group when aborted (also when aborted already). */
  signal?: AbortSignal;
  /** Bytes of stdout / stderr kept for the result (the callbacks see everything). */
  stdoutLimit?: number;
  stderrLimit?: number;
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
}

export interface CommandResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** The last `stdoutLimit` / `stderrLimit` bytes. */
  stdout: string;
  stderr: string;
  /** Whether output was dropped from the start of each stream to stay within its limit. */
  truncated: { stdout: boolean; stderr: boolean };
  timedOut: boolean;
  aborted: boolean;
  /** The program could not be started (not found, not executable): nothing ran. */
  startError?: Error;
  durationMs: number;
}

/** Keeps the last `limit` bytes of a stream. */
export class OutputTail {
  private chunks: Buffer[] = [];
  private size = 0;
  truncated = false;
  constructor(private readonly limit: number) {}
  push(b: Buffer): void {
    this.chunks.push(b);
    this.size += b.length;
    while (this.chunks.length > 1 && this.size - this.chunks[0].length >= this.limit) {
      this.size -= this.chunks.shift()!.length;
      this.truncated = true;
    }
    if (this.size > this.limit) this.truncated = true;
  }
  toString(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - this.limit)).toString('utf8');
  }
}

const DEFAULT_LIMIT = 1024 * 1024;

/**
 * Runs `file` with `args` and resolves once it has exited and its output is read. Never rejects: a program
 * that could not start, timed out or was aborted says so in the result.
 */
export function runCommand(file: string, args: string[], options: RunCommandOptions): Promise<CommandResult> {
  const started = Date.now();
  const stdout = new OutputTail(options.stdoutLimit ?? DEFAULT_LIMIT);
  const stderr = new OutputTail(options.stderrLimit ?? DEFAULT_LIMIT);
  const { signal } = options;
  let timedOut = false;
  let aborted = false;
  let startError: Error | undefined;
  const timers: NodeJS.Timeout[] = [];

  return new Promise<CommandResult>((resolve) => {
    let child: ChildProcess | undefined;
    let settled = false;
    const finish = (exitCode: number | null, exitSignal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      timers.forEach(clearTimeout);
      signal?.removeEventListener('abort', onAbort);
      resolve({
        exitCode,
        signal: exitSignal,
        stdout: stdout.toString(),
        stderr: stderr.toString(),
        truncated: { stdout: stdout.truncated, stderr: stderr.truncated },
        timedOut,
        aborted,
        ...(startError ? { startError } : {}),
        durationMs: Date.now() - started,
      });
    };
    const onAbort = () => {
      aborted = true;
      if (child?.pid) killTree(child.pid);
    };

    try {
      child = spawnLeader(file, args, options);
    } catch (error) {
      startError = error as Error;
      finish(null, null);
      return;
    }
    const proc = child;
    proc.on('error', (error) => {
      // Only a failed start ends the run here; a kill's error after the start is irrelevant.
      if (!proc.pid) {
        startError = error;
        finish(null, null);
      }
    });
    if (!proc.pid) return; // 'error' follows
    const pid = proc.pid;
    trackGroup(pid);

    connectPipes(proc, stdout, stderr, options);

    let exit: [number | null, NodeJS.Signals | null] = [null, null];
    proc.on('exit', (code, exitSignal) => {
      exit = [code, exitSignal];
      // Whatever the program left running in its group must not outlive it (it would also hold our pipes).
      killTree(pid);
      timers.push(setTimeout(() => finish(...exit), KILL_GRACE_MS + 1000));
    });
    proc.on('close', () => finish(...exit));

    if (options.timeoutMs !== undefined) {
      timers.push(
        setTimeout(
          () => {
            timedOut = true;
            killTree(pid);
          },
          Math.min(options.timeoutMs, MAX_TIMER_MS),
        ),
      );
    }
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** No shell, and the leader of a new process group (`detached`), so killTree reaches its children. */
function spawnLeader(file: string, args: string[], options: RunCommandOptions): ChildProcess {
  return spawn(file, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    shell: false,
    detached: true,
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
}

/** Output into the tails and the callbacks; the input, if any, into stdin, which is then closed. */
function connectPipes(proc: ChildProcess, stdout: OutputTail, stderr: OutputTail, options: RunCommandOptions) {
  proc.stdout!.on('data', (b: Buffer) => {
    stdout.push(b);
    options.onStdout?.(b);
  });
  proc.stderr!.on('data', (b: Buffer) => {
    stderr.push(b);
    options.onStderr?.(b);
  });
  if (proc.stdin) {
    proc.stdin.on('error', () => {}); // programs that never read stdin close it early (EPIPE)
    proc.stdin.end(options.input);
  }
}
