/**
 * The demo, end to end: the bundled example feature implemented by the replay agent through the
 * real nx binary in a scratch workspace (uses the built plugin; rebuilt here).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildPackages } from '../packages/nx-speckit/testing/workspace';

// tools/demo.js and tools/example.js are plain CommonJS scripts.
const demo = require('./demo.js');
const example = require('./example.js');

const REPO_ROOT = join(__dirname, '..');

jest.setTimeout(600_000); // a full replay run plus the example's tests, on two shared cores

interface RunRecord {
  id: string;
  status: string;
  startedAt: string;
  endedAt: string;
}

function gitStatus(paths: string[]): string {
  return execFileSync('git', ['status', '--porcelain', '--untracked-files=all', '--', ...paths], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
}

describe('npm run demo', () => {
  let result: any;
  let output = '';
  let statusBefore: string;
  let fingerprintBefore: string;

  beforeAll(async () => {
    buildPackages();
    statusBefore = gitStatus([demo.FEATURE, demo.RECORDINGS]);
    fingerprintBefore = JSON.stringify([
      demo.fingerprint(join(REPO_ROOT, demo.FEATURE)),
      demo.fingerprint(join(REPO_ROOT, demo.RECORDINGS)),
    ]);
    result = await demo.runDemo({
      keep: true,
      parallel: 3,
      write: (text: string) => {
        output += text;
      },
    });
  });

  afterAll(() => {
    if (result?.dir) rmSync(result.dir, { recursive: true, force: true });
  });

  it('succeeds, and says where the scratch copy is', () => {
    if (!result.ok) throw new Error(`demo problems: ${result.problems.join('; ')}\n${output}`);
    expect(result.run.code).toBe(0);
    expect(output).toContain(result.dir);
    expect(output).toMatch(/Progress: 23\/23 \(100%\)/);
    expect(output).toContain('nx graph --file=graph.html');
    expect(existsSync(join(result.dir, 'graph.html'))).toBe(true);
  });

  it('marks every task [X] and changes no other byte of tasks.md', () => {
    const before: string = result.tasksBefore;
    const after: string = result.tasksAfter;
    const ids = [...before.matchAll(/^- \[ \] (T\d+)/gm)].map((m) => m[1]);
    expect(ids).toHaveLength(23);
    expect(after).toBe(before.replace(/^- \[ \] (T\d+)/gm, '- [X] $1'));
  });

  it("writes the example's files and its own tests pass in the scratch copy", () => {
    expect(result.tests.code).toBe(0);
    expect(result.tests.output).toMatch(/ℹ fail 0/);
    // They ran as the feature's quality gate, which the implement aggregate waits for.
    expect(result.tests.via).toBe('gate');
    expect(result.project.targets.implement.dependsOn).toContain('implement--gate');
    expect(output).toMatch(/nx-speckit gate "example tests" passed/);
    // And again here, independently of the demo's own run.
    const r = spawnSync(process.execPath, ['--test'], { cwd: join(result.dir, demo.EXAMPLE), encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/# pass [1-9]\d*/);
  });

  it('produced exactly what the recordings hold', () => {
    const extracted = example.extract(join(result.dir, '.extracted'));
    expect(extracted.length).toBeGreaterThan(0);
    for (const rel of extracted) {
      expect(readFileSync(join(result.dir, rel), 'utf8')).toBe(
        readFileSync(join(result.dir, '.extracted', rel), 'utf8'),
      );
    }
  });

  it('leaves the repository untouched', () => {
    expect(gitStatus([demo.FEATURE, demo.RECORDINGS])).toBe(statusBefore);
    expect(
      JSON.stringify([
        demo.fingerprint(join(REPO_ROOT, demo.FEATURE)),
        demo.fingerprint(join(REPO_ROOT, demo.RECORDINGS)),
      ]),
    ).toBe(fingerprintBefore);
    expect(existsSync(join(REPO_ROOT, demo.EXAMPLE))).toBe(false);
    expect(existsSync(join(REPO_ROOT, '.speckit/runs', demo.PROJECT))).toBe(false);
  });

  it('starts every task only after its prerequisites finished, and runs some side by side', () => {
    const runsDir = join(result.dir, '.speckit/runs', demo.PROJECT);
    const runs = new Map<string, RunRecord>();
    for (const f of readdirSync(runsDir).filter((name) => /^T\d+\.json$/.test(name))) {
      const rec = JSON.parse(readFileSync(join(runsDir, f), 'utf8')) as RunRecord;
      runs.set(rec.id, rec);
    }
    expect(runs.size).toBe(23);
    const targets = result.project.targets as Record<string, any>;
    let edges = 0;
    for (const [name, target] of Object.entries(targets)) {
      const m = /^implement--(T\d+)$/.exec(name);
      if (!m) continue;
      const task = runs.get(m[1])!;
      expect(task.status).toBe('done');
      for (const dep of target.metadata.speckit.dependsOn as { id: string }[]) {
        const prerequisite = runs.get(dep.id)!;
        edges++;
        if (Date.parse(task.startedAt) < Date.parse(prerequisite.endedAt)) {
          throw new Error(
            `${task.id} started at ${task.startedAt}, before its prerequisite ${dep.id} ended at ${prerequisite.endedAt}`,
          );
        }
      }
    }
    expect(edges).toBeGreaterThan(20);
    // The explicit edge across stories is in the graph.
    expect(targets['implement--T020'].dependsOn).toEqual(
      expect.arrayContaining(['implement--T014', 'implement--T015']),
    );
    // Parallelism was real: some two tasks overlapped in time.
    const spans = [...runs.values()].map((r) => [Date.parse(r.startedAt), Date.parse(r.endedAt)]);
    const overlapping = spans.some(([s1, e1], i) => spans.some(([s2, e2], j) => i !== j && s1 < e2 && s2 < e1));
    expect(overlapping).toBe(true);
  });

  it('reports the run', () => {
    const latest = join(result.dir, '.speckit/reports/latest.json');
    expect(existsSync(latest)).toBe(true);
    const report = JSON.parse(readFileSync(latest, 'utf8'));
    expect(report.outcome).toBe('complete');
    expect(report.tasks.filter((t: { status: string }) => t.status === 'done')).toHaveLength(23);
    expect(output).toContain('.speckit/reports/latest.json');
  });
});

describe('the example recordings', () => {
  it('cover exactly the files every task of the example declares', () => {
    buildPackages();
    expect(example.check()).toEqual([]);
  });

  it('only tick checkboxes: onlyCheckboxesChanged tells a tick from an edit', () => {
    const before = '# T\n\n- [ ] T001 a in x.js\n- [ ] T002 b in y.js\n';
    expect(demo.onlyCheckboxesChanged(before, before.replace(/\[ \]/g, '[X]'))).toBe(true);
    expect(demo.onlyCheckboxesChanged(before, before.replace('- [ ] T001 a', '- [X] T001 A'))).toBe(false);
  });
});
