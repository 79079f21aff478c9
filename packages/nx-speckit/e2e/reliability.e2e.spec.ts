/**
 * Reliability through the real `nx` binary (no daemon) in temporary workspaces: concurrent
 * checkpoints, kill -9 of the whole process tree mid-run and resume, a flaky agent, hostile
 * paths, and a person editing tasks.md during a run. The agent is a small command agent that
 * logs every start/end to `.speckit/calls.log` and writes its declared files.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { parseTasks } from '@nx-speckit/tasks-md';
import { NX_BIN, NX_ENV, ok, TempWorkspace, useTempDirs, useTempWorkspaces } from '../testing/workspace';
import { worktreesHome } from '../src/isolation/worktree';

jest.setTimeout(300_000);

const newWorkspace = useTempWorkspaces();
const tempDir = useTempDirs();

/**
 * Logs `start <id> <attempt>` and `end <id> <attempt>` (O_APPEND lines), sleeps $AGENT_SLEEP_MS,
 * for the ids in $AGENT_HOLD_IDS waits until the test creates .speckit/go-<id>, fails attempt 1 of
 * the ids in $FLAKY_IDS, writes every declared file.
 */
const AGENT = `const fs = require('fs'), path = require('path');
const id = process.env.SPECKIT_TASK_ID, attempt = process.env.SPECKIT_ATTEMPT;
// The journal and go- files are beside this script, in the workspace: with worktree isolation the
// agent's own folder is a checkout of it.
const at = (f) => path.join(__dirname, '.speckit', f);
fs.mkdirSync(at(''), { recursive: true });
fs.appendFileSync(at('calls.log'), 'start ' + id + ' ' + attempt + '\\n');
const held = (process.env.AGENT_HOLD_IDS || '').split(',').includes(id);
const proceed = () => {
  if (held && !fs.existsSync(at('go-' + id))) return setTimeout(proceed, 20);
  if ((process.env.FLAKY_IDS || '').split(',').includes(id) && attempt === '1') {
    fs.appendFileSync(at('calls.log'), 'fail ' + id + ' ' + attempt + '\\n');
    process.exit(1);
  }
  for (const f of JSON.parse(process.env.SPECKIT_TASK_FILES)) {
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, '// written by ' + id + '\\n');
  }
  fs.appendFileSync(at('calls.log'), 'end ' + id + ' ' + attempt + '\\n');
};
setTimeout(proceed, Number(process.env.AGENT_SLEEP_MS || 0));
`;

/**
 * `isolation: "none"`: a plain folder, every agent in it. `"worktree"`: a git repository (the
 * features committed), every task in its own checkout of a snapshot.
 */
type Mode = 'none' | 'worktree';

function workspace(
  tasks: Record<string, string | Buffer>,
  agent: Record<string, unknown> = {},
  mode: Mode = 'none',
): TempWorkspace {
  const ws = newWorkspace({ git: mode === 'worktree' });
  ws.write('agent.js', AGENT);
  for (const [dir, text] of Object.entries(tasks)) {
    ws.addFeature(dir, { tasks: '' });
    ws.write(`${dir}/tasks.md`, text);
  }
  ws.setPluginOptions({
    agent: { command: [process.execPath, join(ws.root, 'agent.js')], timeoutSeconds: 120, ...agent },
    isolation: mode,
  });
  if (mode === 'worktree') ws.commitAll('the features');
  return ws;
}

/** Where the task worktrees of `ws` live (see src/isolation/worktree.ts). */
const worktrees = (ws: TempWorkspace) => worktreesHome(ws.root);
const entries = (ws: TempWorkspace) => (existsSync(worktrees(ws)) ? readdirSync(worktrees(ws)) : []);
/** Free pooled worktrees (a folder and its record, no claim) are kept for the next task; nothing else may be. */
const POOLED = /^pool-[0-9a-f]+(\.json)?$/;
const leftovers = (ws: TempWorkspace) => entries(ws).filter((e) => !POOLED.test(e));
const pooled = (ws: TempWorkspace) => entries(ws).filter((e) => POOLED.test(e) && !e.endsWith('.json')).length;

const calls = (ws: TempWorkspace) => ws.lines('.speckit/calls.log');
const count = (lines: string[], kind: string, id: string) => lines.filter((l) => l.startsWith(`${kind} ${id} `)).length;

/** Positions where `after` differs from `before`; throws unless every one is ' ' → 'X' (same length). */
function flips(before: Buffer, after: Buffer): number[] {
  if (before.length !== after.length)
    throw new Error(`length changed: ${before.length} → ${after.length}\n${after.toString('utf8')}`);
  const at = [...before.keys()].filter((i) => before[i] !== after[i]);
  const bad = at.filter((i) => before[i] !== 0x20 || after[i] !== 0x58);
  if (bad.length) throw new Error(`bytes other than [ ] → [X] changed at ${bad.slice(0, 10)}`);
  return at;
}

/** `id` of each task whose box is ticked. */
function marked(text: string): string[] {
  return parseTasks(text)
    .tasks.filter((t) => t.done)
    .map((t) => t.id);
}

const id = (n: number) => `T${String(n).padStart(3, '0')}`;

// -----------------------------------------------------------------------------------------------

describe.each<Mode>(['none', 'worktree'])(
  '64 [P] tasks checkpointing into one tasks.md through nx run-many --parallel=16 (isolation "%s")',
  (mode) => {
    // BOM, CRLF, a note, non-ASCII text and odd spacing: all of it must survive 64 concurrent marks.
    const lines = [
      '\uFEFF# Tasks: Parallel — ünïcode',
      '',
      '> Note: every task writes its own file.',
      '',
      '## Phase 1: Setup',
      '',
    ];
    for (let n = 1; n <= 64; n++)
      lines.push(`- [ ] ${id(n)} [P] Part ${n}${n % 7 === 0 ? '  (spaced)' : ''} in src/part${n}.ts`);
    lines.push('', 'Trailing text [ ] not a task', '');
    const TASKS = lines.join('\r\n');

    for (const copy of mode === 'none' ? [1, 2] : [1]) {
      it(`fresh copy ${copy}: zero lost marks, every other byte identical, each agent ran once`, () => {
        const ws = workspace({ 'specs/001-par': TASKS }, {}, mode);
        const before = readFileSync(join(ws.root, 'specs/001-par/tasks.md'));
        ok(ws.nx(['run-many', '-t', 'implement', '--parallel=16', '--outputStyle=static']));
        const after = readFileSync(join(ws.root, 'specs/001-par/tasks.md'));
        expect(flips(before, after)).toHaveLength(64);
        expect(after.toString('utf8')).toBe(TASKS.replace(/- \[ \] T/g, '- [X] T'));
        const log = calls(ws);
        for (let n = 1; n <= 64; n++)
          expect([id(n), count(log, 'start', id(n)), count(log, 'end', id(n))]).toEqual([id(n), 1, 1]);
        for (let n = 1; n <= 64; n++) expect(ws.read(`src/part${n}.ts`)).toBe(`// written by ${id(n)}\n`);
        expect(leftovers(ws)).toEqual([]);
        expect(pooled(ws)).toBeLessThanOrEqual(16);
      });
    }
  },
);

// -----------------------------------------------------------------------------------------------

/** Every pid in the process tree under `root` (root included), from /proc. */
function tree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      /* gone */
    }
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    out.push(pid);
    (children.get(pid) ?? []).forEach(walk);
  };
  walk(root);
  return out;
}

const signal = (pid: number, sig: NodeJS.Signals) => {
  try {
    process.kill(pid, sig);
  } catch {
    /* gone */
  }
};

/** Every process whose working directory is inside `dir` (agents run in the workspace root). */
function runningIn(dir: string): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => {
      try {
        const cwd = readlinkSync(`/proc/${pid}/cwd`);
        return cwd === dir || cwd.startsWith(`${dir}/`);
      } catch {
        return false; /* gone, or not ours */
      }
    });
}

/**
 * kill -9 of everything nx started: its process group, the agents (which lead process groups of
 * their own), and anything else still running in the workspace. Processes are frozen (SIGSTOP)
 * until a fresh look finds no new one, since a process not yet frozen can start another; only
 * then is each one killed, so nothing can react between the kills.
 */
function killTree(root: number, places: string[]) {
  const frozen = new Set<number>();
  for (let fresh = [root]; fresh.length;) {
    fresh.forEach((p) => {
      signal(p, 'SIGSTOP');
      frozen.add(p);
    });
    fresh = [...new Set([...tree(root), ...places.flatMap(runningIn)])].filter((p) => !frozen.has(p));
  }
  signal(-root, 'SIGKILL');
  for (const p of frozen) {
    signal(-p, 'SIGKILL');
    signal(p, 'SIGKILL');
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each<Mode>(['none', 'worktree'])(
  'kill -9 of the whole nx process tree mid-run, then resume (isolation "%s")',
  (mode) => {
    // Two sequential setup tasks, then 6 [P] tasks, then a final one.
    const lines = [
      '# Tasks: Crash',
      '',
      '## Phase 1: Setup',
      '',
      `- [ ] ${id(1)} Setup in src/setup.ts`,
      `- [ ] ${id(2)} Config in src/config.ts`,
      '',
      '## Phase 2: Core',
      '',
    ];
    for (let n = 3; n <= 8; n++) lines.push(`- [ ] ${id(n)} [P] Core ${n} in src/core${n}.ts`);
    lines.push('', '## Phase 3: Polish', '', `- [ ] ${id(9)} Docs in docs/crash.md`, '');
    const TASKS = lines.join('\n');
    const ALL = Array.from({ length: 9 }, (_, i) => id(i + 1));

    for (const starts of [0, 3, 7]) {
      it(`killed after ${starts} agent start(s): tasks.md valid, only finished tasks marked, the re-run finishes without redoing any`, async () => {
        const ws = workspace({ 'specs/001-crash': TASKS }, { env: { AGENT_SLEEP_MS: '1000' } }, mode);
        const refs = ws.git('for-each-ref').stdout;
        const file = join(ws.root, 'specs/001-crash/tasks.md');
        const before = readFileSync(file);
        const child = spawn(
          process.execPath,
          [NX_BIN, 'run-many', '-t', 'implement', '--parallel=4', '--outputStyle=static'],
          {
            cwd: ws.root,
            detached: true,
            stdio: 'ignore',
            env: { ...process.env, ...NX_ENV },
          },
        );
        let exited = false;
        child.on('exit', () => {
          exited = true;
        });
        // Wait for the moment: `starts` agents started (0: nx is up and computing the graph).
        if (starts === 0) await sleep(1500);
        else
          for (let i = 0; i < 1200 && !exited && calls(ws).filter((l) => l.startsWith('start ')).length < starts; i++)
            await sleep(50);
        expect(exited).toBe(false);
        // Agents run in their worktrees: those are the workspace's too.
        const places = [ws.root, worktrees(ws)];
        killTree(child.pid!, places);
        for (let i = 0; i < 200 && (!exited || places.some((p) => runningIn(p).length)); i++) await sleep(50);
        // A surviving nx or agent would overlap the resume below.
        expect(exited).toBe(true);
        expect(places.flatMap(runningIn)).toEqual([]);

        // After the crash: still a valid tasks.md, with marks only for tasks whose agent finished.
        const crashed = readFileSync(file);
        flips(before, crashed);
        expect(parseTasks(crashed.toString('utf8')).diagnostics).toEqual([]);
        const log = calls(ws);
        const done = marked(crashed.toString('utf8'));
        for (const t of done) {
          expect([t, count(log, 'end', t)]).toEqual([t, 1]);
          expect(ws.read(parseTasks(crashed.toString('utf8')).tasks.find((x) => x.id === t)!.files[0])).toBe(
            `// written by ${t}\n`,
          );
        }
        if (starts === 0) expect(done).toEqual([]);
        const unfinished = ALL.filter((t) => count(log, 'start', t) > count(log, 'end', t));
        console.log(
          `kill -9 after ${starts} agent start(s): marked ${JSON.stringify(done)}, agents killed mid-task ${JSON.stringify(unfinished)}`,
        );

        // Resume: everything finishes; no checkpointed task's agent runs again.
        const callsBefore = log.length;
        ok(ws.nx(['run-many', '-t', 'implement', '--parallel=4', '--outputStyle=static']));
        const after = readFileSync(file);
        expect(flips(before, after)).toHaveLength(9);
        expect(marked(after.toString('utf8'))).toEqual(ALL);
        // An agent runs on the resume exactly for the tasks whose box was still open after the crash.
        const runs = (lines: string[]) =>
          Object.fromEntries(ALL.map((t) => [t, `${count(lines, 'start', t)} start, ${count(lines, 'end', t)} end`]));
        expect(runs(calls(ws).slice(callsBefore))).toEqual(
          Object.fromEntries(ALL.map((t) => [t, done.includes(t) ? '0 start, 0 end' : '1 start, 1 end'])),
        );
        // Nothing of the crash is left: no claim, no worktree but free pooled ones, no lock, no new ref or worktree entry.
        expect(leftovers(ws)).toEqual([]);
        expect(pooled(ws)).toBeLessThanOrEqual(4);
        expect(existsSync(join(ws.root, '.speckit/apply.lock'))).toBe(false);
        if (mode === 'worktree') {
          expect(ws.git('for-each-ref').stdout).toBe(refs);
          expect(ws.git('worktree', 'list', '--porcelain').stdout.match(/^worktree /gm)).toHaveLength(1);
        }
      });
    }
  },
);

// -----------------------------------------------------------------------------------------------

describe('a flaky agent', () => {
  it('fails attempt 1, succeeds on the retry (SPECKIT_ATTEMPT=2): exactly one mark', () => {
    const TASKS = '# Tasks\n\n## Phase 1\n\n- [ ] T001 Flaky in src/flaky.ts\n- [ ] T002 Steady in src/steady.ts\n';
    const ws = workspace({ 'specs/001-flaky': TASKS }, { retries: 2, env: { FLAKY_IDS: 'T001' } });
    const before = readFileSync(join(ws.root, 'specs/001-flaky/tasks.md'));
    ok(ws.nx(['run', 'spec-001-flaky:implement--T001', '--outputStyle=static'], { SPECKIT_RETRY_BASE_MS: '0' }));
    const after = readFileSync(join(ws.root, 'specs/001-flaky/tasks.md'));
    expect(flips(before, after)).toHaveLength(1);
    expect(after.toString('utf8')).toBe(TASKS.replace('[ ] T001', '[X] T001'));
    expect(calls(ws)).toEqual(['start T001 1', 'fail T001 1', 'start T001 2', 'end T001 2']);
    expect(ws.readJson('.speckit/runs/spec-001-flaky/T001.json')).toMatchObject({ status: 'done', attempts: 2 });
  });
});

// -----------------------------------------------------------------------------------------------

describe('hostile declared paths', () => {
  const outsideDir = () => tempDir('speckit-outside-');

  it('".." and absolute paths: the feature is refused, no agent runs, nothing written outside', () => {
    const outside = outsideDir();
    const ws = workspace({
      'specs/001-dotdot': '# Tasks\n\n- [ ] T001 Escape in ../escape.ts\n',
      // Backticked: a bare word starting with `/` is read as an HTTP route (`POST /rooms`), not a path.
      'specs/002-abs': `# Tasks\n\n- [ ] T001 Absolute in \`${outside}/abs.ts\`\n`,
    });
    const r = ws.nx(['run-many', '-t', 'implement', '--outputStyle=static']);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('declared path ../escape.ts is outside the workspace');
    expect(r.output).toContain(`declared path ${outside}/abs.ts is absolute`);
    expect(calls(ws)).toEqual([]);
    expect(readdirSync(outside)).toEqual([]);
    expect(existsSync(join(ws.root, '..', 'escape.ts'))).toBe(false);
    expect(marked(ws.read('specs/001-dotdot/tasks.md'))).toEqual([]);
    expect(marked(ws.read('specs/002-abs/tasks.md'))).toEqual([]);
  });

  it('a symlink inside the workspace pointing outside (src/evil -> /tmp/…): command agent never started, replay refused, nothing written outside', () => {
    const outside = outsideDir();
    const TASKS = '# Tasks\n\n- [ ] T001 Through the link in src/evil/x.ts\n- [ ] T002 Into a linked folder in src/\n';
    const ws = workspace({ 'specs/001-link': TASKS });
    ws.write('src/keep.ts', '// inside\n');
    symlinkSync(outside, join(ws.root, 'src/evil'), 'dir');

    const r = ws.nx(['run', 'spec-001-link:implement--T001', '--outputStyle=static']);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('src/evil/x.ts: src/evil resolves outside the workspace');
    const r2 = ws.nx(['run', 'spec-001-link:implement--T002', '--outputStyle=static', '--excludeTaskDependencies']);
    expect(r2.code).not.toBe(0);
    expect(r2.output).toContain('src/: src/evil resolves outside the workspace');
    expect(calls(ws)).toEqual([]);

    // The replay agent, given a recording that writes through the link, refuses it.
    ws.write(
      '.speckit/recordings/001-link/T001.json',
      JSON.stringify({ taskId: 'T001', files: [{ path: 'src/evil/x.ts', content: 'pwned\n' }] }),
    );
    const r3 = ws.nx(['run', 'spec-001-link:implement--T001', '--outputStyle=static'], { SPECKIT_AGENT: 'replay' });
    expect(r3.code).not.toBe(0);
    expect(readdirSync(outside)).toEqual([]);
    expect(ws.read('specs/001-link/tasks.md')).toBe(TASKS);
  });
});

// -----------------------------------------------------------------------------------------------

describe('a person editing tasks.md during a run', () => {
  it('their note, rewording and new task survive every checkpoint', async () => {
    const lines = ['# Tasks: Edits', '', '## Phase 1: Core', ''];
    for (let n = 1; n <= 6; n++) lines.push(`- [ ] ${id(n)} Step ${n} in src/step${n}.ts`);
    const TASKS = `${lines.join('\n')}\n`;
    const ws = workspace({ 'specs/001-edit': TASKS }, { env: { AGENT_HOLD_IDS: 'T002,T004' } });
    const file = join(ws.root, 'specs/001-edit/tasks.md');
    const child = spawn(
      process.execPath,
      [NX_BIN, 'run-many', '-t', 'implement', '--parallel=2', '--outputStyle=static'],
      {
        cwd: ws.root,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, ...NX_ENV },
      },
    );
    let output = '';
    child.stdout!.on('data', (b) => {
      output += b;
    });
    child.stderr!.on('data', (b) => {
      output += b;
    });
    const exit = new Promise<number | null>((r) => child.on('exit', r));

    // The tasks run one after another, so while T002's (or T004's) agent is held no checkpoint can
    // land: the person's read-modify-write is the only writer, like an editor saving. The agent
    // goes on when the test says so, however slow the machine.
    const waitFor = async (line: string) => {
      for (let i = 0; i < 2400 && !calls(ws).includes(line); i++) await sleep(50);
      expect(calls(ws)).toContain(line);
    };
    await waitFor('start T002 1');
    const edited1 = readFileSync(file, 'utf8')
      .replace('## Phase 1: Core\n', '## Phase 1: Core\n\n> Note from a person: keep step files small.\n')
      .replace('Step 5 in src/step5.ts', 'Step 5, reworded by a person, in src/step5.ts');
    ws.write('specs/001-edit/tasks.md', edited1);
    ws.write('.speckit/go-T002', '');
    await waitFor('start T004 1');
    const edited2 = `${readFileSync(file, 'utf8')}- [ ] T007 New task added during the run in src/step7.ts\n`;
    ws.write('specs/001-edit/tasks.md', edited2);
    ws.write('.speckit/go-T004', '');

    expect(await exit).toBe(0);
    const expected = TASKS.replace(
      '## Phase 1: Core\n',
      '## Phase 1: Core\n\n> Note from a person: keep step files small.\n',
    )
      .replace('Step 5 in src/step5.ts', 'Step 5, reworded by a person, in src/step5.ts')
      .replace(/- \[ \] (T00[1-6])/g, '- [X] $1')
      .concat('- [ ] T007 New task added during the run in src/step7.ts\n');
    expect(ws.read('specs/001-edit/tasks.md')).toBe(expected);
    // No guard had to step in: nothing of the person's was taken for an agent's edit.
    expect(output).not.toMatch(/tasks\.md was (edited|damaged)|the mark was (restored|removed)/);
  });
});
