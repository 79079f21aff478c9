import { tmpdir } from 'node:os';
import { OutputTail, runCommand } from './run-command';

const node = process.execPath;

describe('runCommand', () => {
  it('passes arguments as data, not through a shell, and feeds stdin', async () => {
    const result = await runCommand(
      node,
      ['-e', 'process.stdin.pipe(process.stdout); console.error(process.argv[1])', '$(echo hi); `id` | x'],
      { cwd: tmpdir(), input: 'from stdin' },
    );
    expect(result).toMatchObject({
      exitCode: 0,
      signal: null,
      stdout: 'from stdin',
      stderr: '$(echo hi); `id` | x\n',
      timedOut: false,
      aborted: false,
      truncated: { stdout: false, stderr: false },
    });
  });

  it('keeps only the tail of the output, and says so; the callback sees all of it', async () => {
    let seen = 0;
    const result = await runCommand(
      node,
      ['-e', 'for (let i = 0; i < 100; i++) process.stdout.write(String(i % 10).repeat(1000))'],
      {
        cwd: tmpdir(),
        stdoutLimit: 1500,
        onStdout: (b) => {
          seen += b.length;
        },
      },
    );
    expect(seen).toBe(100_000);
    expect(result.stdout).toBe('8'.repeat(500) + '9'.repeat(1000));
    expect(result.truncated).toEqual({ stdout: true, stderr: false });
  });

  it('reports a program that cannot start, without throwing', async () => {
    const result = await runCommand('/nonexistent/program', [], { cwd: tmpdir() });
    expect(result.startError?.message).toMatch(/ENOENT/);
    expect(result.exitCode).toBeNull();
  });

  it('ends the program at the timeout, and at once when aborted', async () => {
    const forever = ['-e', 'setInterval(() => {}, 1000)'];
    expect(await runCommand(node, forever, { cwd: tmpdir(), timeoutMs: 100 })).toMatchObject({
      timedOut: true,
      aborted: false,
      signal: 'SIGTERM',
    });
    const controller = new AbortController();
    controller.abort();
    expect(await runCommand(node, forever, { cwd: tmpdir(), signal: controller.signal })).toMatchObject({
      timedOut: false,
      aborted: true,
      signal: 'SIGTERM',
    });
  });
});

describe('OutputTail', () => {
  it('keeps the last bytes across chunks', () => {
    const tail = new OutputTail(4);
    for (const chunk of ['ab', 'cd', 'ef']) tail.push(Buffer.from(chunk));
    expect(tail.toString()).toBe('cdef');
    expect(tail.truncated).toBe(true);
  });
});
