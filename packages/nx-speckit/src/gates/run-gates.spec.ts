/** runGates with real child processes (node scripts) in a temporary workspace. */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive } from '../../testing/processes';
import { runGates, type RunGatesOptions } from './run-gates';

jest.setTimeout(60_000);
let root: string;
beforeEach(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'nx-speckit-gate-')));
  mkdirSync(join(root, 'apps/web'), { recursive: true });
  writeFileSync(
    join(root, 'probe.js'),
    `const fs = require('fs');
fs.appendFileSync(process.env.SPECKIT_WORKSPACE_ROOT + '/calls.log', JSON.stringify({ args: process.argv.slice(2), cwd: process.cwd(), gate: process.env.SPECKIT_GATE, project: process.env.SPECKIT_PROJECT, dir: process.env.SPECKIT_FEATURE_DIR, phase: process.env.SPECKIT_PHASE }) + '\\n');
console.log('out:' + process.argv[2]);
console.error('err:' + process.argv[2]);
process.exit(Number(process.argv[3] || 0));
`,
  );
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const calls = () =>
  existsSync(join(root, 'calls.log'))
    ? readFileSync(join(root, 'calls.log'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
    : [];

async function run(commands: RunGatesOptions['commands'], extra: Partial<RunGatesOptions> = {}) {
  let printed = '';
  const result = await runGates({
    workspaceRoot: root,
    featureDir: 'specs/001-x',
    project: 'spec-001-x',
    commands,
    write: (t) => {
      printed += t;
    },
    ...extra,
  });
  return { result, printed };
}

const node = process.execPath;

it('runs every command in order, without a shell, in the workspace root, with the gate env; streams output', async () => {
  const { result, printed } = await run(
    [{ name: 'first', command: [node, 'probe.js', 'a;echo injected'] }, { command: [node, 'probe.js', 'b'] }],
    { phase: 2 },
  );
  expect(result.ok).toBe(true);
  expect(result.results.map((r) => [r.name, r.exitCode, r.ok])).toEqual([
    ['first', 0, true],
    [`${node} probe.js b`, 0, true],
  ]);
  expect(calls()).toEqual([
    { args: ['a;echo injected'], cwd: root, gate: 'first', project: 'spec-001-x', dir: 'specs/001-x', phase: '2' },
    { args: ['b'], cwd: root, gate: `${node} probe.js b`, project: 'spec-001-x', dir: 'specs/001-x', phase: '2' },
  ]);
  expect(printed).toContain('out:a;echo injected\n');
  expect(printed).toContain('err:b\n');
  expect(printed).toContain('✓ nx-speckit gate "first" passed');
  expect(result.log).toBe('.speckit/logs/spec-001-x/phase2-gate.log');
  const log = readFileSync(join(root, result.log), 'utf8');
  expect(log).toContain('out:b');
  expect(log).toContain('--- first: passed');
});

it('the first failure stops the rest and fails with the command, exit code and its output', async () => {
  const { result, printed } = await run([
    { name: 'unit', command: [node, 'probe.js', 'unit', '3'] },
    { name: 'never', command: [node, 'probe.js', 'never'] },
  ]);
  expect(result.ok).toBe(false);
  expect(result.results).toHaveLength(1);
  expect(result.results[0]).toMatchObject({ name: 'unit', exitCode: 3, ok: false });
  expect(calls().map((c) => c.args[0])).toEqual(['unit']);
  expect(printed).toContain(
    `✗ nx-speckit gate "unit" failed after every task of specs/001-x: \`${node} probe.js unit 3\` exited 3.`,
  );
  expect(printed).toMatch(/Last output:\n(.*\n)*\s+out:unit/);
  expect(printed).toContain('Full output: .speckit/logs/spec-001-x/gate.log');
  expect(readFileSync(join(root, '.speckit/logs/spec-001-x/gate.log'), 'utf8')).toContain(
    '--- unit: failed (exited 3)',
  );
});

it('a missing program fails clearly without starting anything', async () => {
  const { result, printed } = await run([{ command: ['definitely-not-installed-gate-cli', 'x'] }]);
  expect(result.ok).toBe(false);
  expect(result.results[0].error).toBe(
    'could not start: `definitely-not-installed-gate-cli` is not installed (not on PATH or in node_modules/.bin)',
  );
  expect(printed).toContain('definitely-not-installed-gate-cli');
});

it('cwd runs in a workspace folder', async () => {
  const { result } = await run([{ command: [node, '../../probe.js', 'c'], cwd: 'apps/web' }]);
  expect(result.ok).toBe(true);
  expect(calls()[0].cwd).toBe(join(root, 'apps/web'));
});

it('an interrupt stops the running command and everything it started, even what ignores SIGTERM, and fails the gate', async () => {
  // A test runner and its worker, both deaf to SIGTERM: only the follow-up SIGKILL to the group stops them.
  writeFileSync(join(root, 'worker.js'), 'process.on("SIGTERM", () => {}); setInterval(() => {}, 1000);');
  writeFileSync(
    join(root, 'slow.js'),
    `process.on('SIGTERM', () => {});
const worker = require('child_process').spawn(process.execPath, ['worker.js'], { stdio: 'ignore' });
require('fs').writeFileSync('pids.json', JSON.stringify([process.pid, worker.pid]));
setInterval(() => {}, 1000);
setTimeout(() => console.log('started'), 200);
`,
  );
  const controller = new AbortController();
  const { result } = await run([{ command: [node, 'slow.js'] }, { command: [node, 'probe.js', 'after'] }], {
    signal: controller.signal,
    write: (t) => {
      if (t.includes('started')) controller.abort();
    },
  });
  expect(result.ok).toBe(false);
  expect(result.results[0].error).toBe('interrupted');
  expect(calls()).toEqual([]);
  const pids: number[] = JSON.parse(readFileSync(join(root, 'pids.json'), 'utf8'));
  expect(pids.filter(isAlive)).toEqual([]);
});
