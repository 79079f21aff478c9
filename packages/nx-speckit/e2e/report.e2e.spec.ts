/// <reference lib="dom" />
// (for the callbacks that run in the page)
/**
 * What a person sees during and after a run: the printed summary, .speckit/reports/*.json and
 * *.html, and checkpoints for cache hits. Real nx binary, no daemon, CI=true; the HTML is
 * opened in headless Chromium (shipped by an npm package) and used through the DevTools protocol.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { decodePng, launchChromium, openFile } from '../testing/browser';
import { NX_BIN, NX_ENV, ok, TempWorkspace, useTempWorkspaces } from '../testing/workspace';

jest.setTimeout(300_000);

const newWorkspace = useTempWorkspaces();

/**
 * A command agent speaking Claude's JSON protocol (so cost and tokens are parsed): writes every
 * declared file, logs its task id, and fails for the ids listed in $FAIL_TASKS.
 */
const AGENT = `const fs = require('fs'), path = require('path');
const id = process.env.SPECKIT_TASK_ID;
fs.mkdirSync('.speckit', { recursive: true });
fs.appendFileSync('.speckit/agent-runs.log', id + '\\n');
if ((process.env.FAIL_TASKS || '').split(',').includes(id)) {
  console.log(JSON.stringify({ type: 'result', subtype: 'success', is_error: true, result: 'could not compile ' + id, total_cost_usd: 0.001, usage: { input_tokens: 10, output_tokens: 1 } }));
  process.exit(1);
}
for (const f of JSON.parse(process.env.SPECKIT_TASK_FILES)) {
  fs.mkdirSync(path.dirname(f), { recursive: true });
  // A re-run must change the file (verification wants a change): say which agent run wrote it.
  fs.writeFileSync(f, '// written by ' + id + ' (agent run ' + fs.readFileSync('.speckit/agent-runs.log', 'utf8').trim().split('\\n').length + ')\\n');
}
console.log(JSON.stringify({ type: 'result', subtype: 'success', is_error: false, result: 'ok', total_cost_usd: 0.0125, usage: { input_tokens: 1000, output_tokens: 200 } }));
`;

const TASKS = (box: (id: string) => string = () => ' ') => `# Tasks: Report

## Phase 1: Setup

- [${box('T001')}] T001 Create package in src/pkg.json
- [${box('T002')}] T002 [P] Lint config in src/lint.json
- [${box('T003')}] T003 [P] Format config in src/format.json

## Phase 2: User Story 1 - Core (Priority: P1)

- [${box('T004')}] T004 [US1] Model in src/model.ts
- [${box('T005')}] T005 [US1] Service in src/service.ts

## Phase 3: Polish

- [${box('T006')}] T006 Docs in docs/readme.md
`;
const ALL = ['T001', 'T002', 'T003', 'T004', 'T005', 'T006'];
const ticked = (...ids: string[]) => TASKS((id) => (ids.includes(id) ? 'X' : ' '));

function workspace(): TempWorkspace {
  const ws = newWorkspace({ features: { 'specs/001-report': { tasks: TASKS() } } });
  ws.write('agent.js', AGENT);
  ws.setPluginOptions({
    agent: { preset: 'claude', command: [process.execPath, join(ws.root, 'agent.js')], retries: 0 },
  });
  return ws;
}
const agentRuns = (ws: TempWorkspace) => ws.lines('.speckit/agent-runs.log');
const nx = (ws: TempWorkspace, args: string[], env: Record<string, string> = {}) =>
  ws.nx([...args, '--outputStyle=static'], { CI: 'true', ...env });
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const summaryOf = (output: string) => output.slice(output.indexOf('nx-speckit run: '));
const stamped = (ws: TempWorkspace, ext: string) =>
  readdirSync(join(ws.root, '.speckit/reports'))
    .filter((f) => /^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z\./.test(f) && f.endsWith(ext))
    .sort();

describe('a complete run, after a partial one', () => {
  let ws: TempWorkspace;
  beforeAll(() => {
    ws = workspace();
  });

  it("one phase: partial, the rest not run, summary printed after Nx's own", () => {
    const r = nx(ws, ['run', 'spec-001-report:implement--phase1']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'nx-speckit run: PARTIAL (nothing failed, but 3 tasks of the features in the run were not part of this run)',
    );
    expect(r.stdout.indexOf('nx-speckit run: ')).toBeGreaterThan(r.stdout.indexOf('Successfully ran target'));
    const report = ws.readJson('.speckit/reports/latest.json');
    expect(report.outcome).toBe('partial');
    expect(report.tasks.map((t: any) => [t.id, t.status])).toEqual([
      ['T001', 'done'],
      ['T002', 'done'],
      ['T003', 'done'],
      ['T004', 'not-run'],
      ['T005', 'not-run'],
      ['T006', 'not-run'],
    ]);
  });

  it('the whole feature: complete, counts per phase, time and cost', () => {
    const r = nx(ws, ['run-many', '-t', 'implement']);
    expect(r.code).toBe(0);
    expect(agentRuns(ws).sort()).toEqual(ALL);
    const summary = summaryOf(r.stdout);
    expect(summary).toMatch(
      new RegExp(
        `^${escape(
          'nx-speckit run: COMPLETE (every task of the 1 feature in the run is done)\n\n' +
            'spec-001-report (specs/001-report): 6/6 tasks done\n' +
            '  Phase 1: Setup                               3 already done\n' +
            '  Phase 2: User Story 1 - Core (Priority: P1)  2 done\n' +
            '  Phase 3: Polish                              1 done\n\n',
        )}Time: wall \\d+\\.\\ds, sequential \\d+\\.\\ds \\(sum of task durations\\), parallelism saved \\d+\\.\\ds\n${escape(
          'Cost: $0.0375, 3,000 in / 600 out tokens\n' +
            '  claude: 3 tasks, $0.0375, 3,000 in / 600 out tokens\n' +
            'Report: .speckit/reports/latest.json, .speckit/reports/latest.html\n',
        )}`,
      ),
    );
    expect(summary).not.toMatch(/\u001b\[/); // no colours or cursor movement

    const report = ws.readJson('.speckit/reports/latest.json');
    expect(report).toMatchObject({
      outcome: 'complete',
      counts: { done: 3, cached: 0, 'already-done': 3, failed: 0, blocked: 0, 'not-run': 0 },
      usage: { costUsd: 0.0375, inputTokens: 3000, outputTokens: 600 },
      agents: [{ agent: 'claude', tasks: 3, costUsd: 0.0375, inputTokens: 3000, outputTokens: 600 }],
      features: [{ project: 'spec-001-report', dir: 'specs/001-report', total: 6, finished: 6 }],
    });
    expect(
      report.features[0].phases.map((p: any) => [p.title, p.total, p.counts.done, p.counts['already-done']]),
    ).toEqual([
      ['Phase 1: Setup', 3, 0, 3],
      ['Phase 2: User Story 1 - Core (Priority: P1)', 2, 2, 0],
      ['Phase 3: Polish', 1, 1, 0],
    ]);
    for (const t of report.tasks.filter((t: any) => t.status === 'done')) {
      expect(t).toMatchObject({
        project: 'spec-001-report',
        attempts: 1,
        agent: 'claude',
        usage: { costUsd: 0.0125, inputTokens: 1000, outputTokens: 200 },
        log: `.speckit/logs/spec-001-report/${t.id}.log`,
      });
      expect(Date.parse(t.endedAt)).toBeGreaterThanOrEqual(Date.parse(t.startedAt));
      expect(Date.parse(t.startedAt)).toBeGreaterThanOrEqual(Date.parse(report.startedAt));
    }
    expect(report.timing.sequentialMs).toBe(report.tasks.reduce((s: number, t: any) => s + (t.durationMs ?? 0), 0));
    expect(report.timing.savedMs).toBe(Math.max(0, report.timing.sequentialMs - report.timing.wallMs));
    // The timestamped copies of this run are byte-identical to latest.*
    const json = stamped(ws, '.json');
    expect(json).toHaveLength(2);
    expect(ws.read(`.speckit/reports/${json[1]}`)).toBe(ws.read('.speckit/reports/latest.json'));
    expect(json[1]).toBe(`${report.endedAt.replace(/:/g, '-')}.json`);
    expect(ws.read(`.speckit/reports/${stamped(ws, '.html')[1]}`)).toBe(ws.read('.speckit/reports/latest.html'));
  });

  it('a cache hit after the checkpoint was removed: no agent call, box marked, reported as cached', () => {
    // Re-open T006 once so its cache entry is keyed on the finished feature (its key while T005 was
    // still in the task graph differs), then remove the checkpoint and its file again.
    ws.write('specs/001-report/tasks.md', ticked('T001', 'T002', 'T003', 'T004', 'T005'));
    ok(nx(ws, ['run-many', '-t', 'implement']));
    const written = ws.read('docs/readme.md');
    const runs = agentRuns(ws);
    expect(ws.read('specs/001-report/tasks.md')).toBe(ticked(...ALL));

    ws.write('specs/001-report/tasks.md', ticked('T001', 'T002', 'T003', 'T004', 'T005'));
    unlinkSync(join(ws.root, 'docs/readme.md'));
    const r = ok(nx(ws, ['run-many', '-t', 'implement']));
    expect(r.output).toMatch(/spec-001-report:implement--T006 +\[local cache\]/);
    expect(agentRuns(ws)).toEqual(runs); // no agent call
    expect(ws.read('docs/readme.md')).toBe(written); // Nx restored the output
    expect(ws.read('specs/001-report/tasks.md')).toBe(ticked(...ALL)); // and the hook ticked the box
    const report = ws.readJson('.speckit/reports/latest.json');
    expect(report.outcome).toBe('complete');
    expect(report.tasks.map((t: any) => [t.id, t.status])).toEqual([
      ['T001', 'already-done'],
      ['T002', 'already-done'],
      ['T003', 'already-done'],
      ['T004', 'already-done'],
      ['T005', 'already-done'],
      ['T006', 'cached'],
    ]);
    expect(summaryOf(r.stdout)).toContain('  Phase 3: Polish                              1 cached\n');
  });

  it('a run of an unrelated project leaves the report alone', () => {
    ws.write(
      'libs/other/project.json',
      JSON.stringify({ name: 'other', targets: { hello: { command: 'node -e "1"' } } }),
    );
    const before = ws.read('.speckit/reports/latest.json');
    const r = nx(ws, ['run', 'other:hello']);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('nx-speckit run:');
    expect(ws.read('.speckit/reports/latest.json')).toBe(before);
  });
});

describe('a run with one failing task', () => {
  let ws: TempWorkspace;
  let stdout: string;
  let code: number | null;
  beforeAll(() => {
    ws = workspace();
    const r = nx(ws, ['run-many', '-t', 'implement'], { FAIL_TASKS: 'T004' });
    stdout = r.stdout;
    code = r.code;
  });

  it('halts: the failure with its cause, log and next step; the blocked tasks with their blocker', () => {
    expect(code).toBe(1);
    expect(agentRuns(ws).sort()).toEqual(['T001', 'T002', 'T003', 'T004']);
    expect(ws.read('specs/001-report/tasks.md')).toBe(ticked('T001', 'T002', 'T003'));
    const summary = summaryOf(stdout);
    expect(summary).toContain('nx-speckit run: HALTED (1 task failed; 2 tasks that depend on it did not run)\n');
    expect(summary).toContain(
      'spec-001-report (specs/001-report): 3/6 tasks done\n' +
        '  Phase 1: Setup                               3 done\n' +
        '  Phase 2: User Story 1 - Core (Priority: P1)  1 failed, 1 blocked\n' +
        '  Phase 3: Polish                              1 blocked\n',
    );
    expect(summary).toContain(
      'Failed:\n' +
        '  spec-001-report T004 Model in src/model.ts\n' +
        '    cause: T004 not marked done: the agent failed: Claude reported an error (success): could not compile T004; src/model.ts does not exist (log: .speckit/logs/spec-001-report/T004.log)\n' +
        '    log:   .speckit/logs/spec-001-report/T004.log\n' +
        '    next:  read the log, fix the cause, then run: npx nx run spec-001-report:implement--T004\n' +
        '           then the 2 tasks it blocked: npx nx run spec-001-report:implement\n',
    );
    expect(summary).toContain(
      'Blocked (not run because a prerequisite failed):\n' +
        '  spec-001-report T005 Service in src/service.ts  <- blocked by T004\n' +
        '  spec-001-report T006 Docs in docs/readme.md  <- blocked by T004\n',
    );
    expect(summary).toMatch(
      /\nCost: \$0\.0385, 3,010 in \/ 601 out tokens\n {2}claude: 4 tasks, \$0\.0385, 3,010 in \/ 601 out tokens\n/,
    );
  });

  it('latest.json: contract fields, error on the failed task, blockers on the blocked ones', () => {
    const report = ws.readJson('.speckit/reports/latest.json');
    expect(report.outcome).toBe('halted');
    expect(report.tasks.map((t: any) => [t.id, t.status, t.attempts, t.blockedBy])).toEqual([
      ['T001', 'done', 1, undefined],
      ['T002', 'done', 1, undefined],
      ['T003', 'done', 1, undefined],
      ['T004', 'failed', 1, undefined],
      ['T005', 'blocked', 0, ['T004']],
      ['T006', 'blocked', 0, ['T004']],
    ]);
    const failed = report.tasks[3];
    expect(failed.error).toMatch(
      /^T004 not marked done: the agent failed: Claude reported an error \(success\): could not compile T004/,
    );
    expect(failed.usage).toEqual({ costUsd: 0.001, inputTokens: 10, outputTokens: 1 });
    for (const t of report.tasks) {
      expect(Object.keys(t)).toEqual(expect.arrayContaining(['project', 'id', 'status', 'attempts']));
      expect(Object.keys(t)).toEqual(expect.arrayContaining(['startedAt', 'endedAt']));
      if (t.status === 'blocked') expect([t.startedAt, t.endedAt]).toEqual([null, null]);
      else expect(typeof t.startedAt).toBe('string');
    }
  });

  describe('the HTML report in headless Chromium, driven as a person uses it', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
    });

    it('(control) the network check sees what a page fetches', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'nx-speckit-page-'));
      try {
        writeFileSync(join(dir, 'fetching.html'), '<html><body><img src="http://example.invalid/x.png"></body></html>');
        const { page, requests } = await openFile(browser, join(dir, 'fetching.html'));
        await page.close();
        expect(requests).toEqual(['http://example.invalid/x.png']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('shows the timeline, the graph and the numbers, fetching nothing', async () => {
      const { page, requests } = await openFile(browser, join(ws.root, '.speckit/reports/latest.html'));
      const dom = await page.content();
      expect(dom).toContain('data-rendered="yes"'); // the inline script ran
      expect(dom).toMatch(/id="outcome"[^>]*>halted</);
      // Gantt: a bar per task that ran, labelled with its id, failed in the failure colour.
      const bars = [
        ...dom.matchAll(
          /<g class="bar" data-task="spec-001-report:(T\d+)" data-status="([\w-]+)">[\s\S]*?<rect [^>]*fill="(#[0-9a-f]+)"[^>]*>[\s\S]*?<text [^>]*>(T\d+)<\/text><\/g>/g,
        ),
      ].map((m) => [m[1], m[2], m[3], m[4]]);
      expect(bars).toEqual([
        ['T001', 'done', '#2e7d32', 'T001'],
        ['T002', 'done', '#2e7d32', 'T002'],
        ['T003', 'done', '#2e7d32', 'T003'],
        ['T004', 'failed', '#c62828', 'T004'],
      ]);
      expect(await page.$eval('.legend span[data-status="failed"] i', (i) => getComputedStyle(i).backgroundColor)).toBe(
        'rgb(198, 40, 40)',
      );
      // Task graph: 6 nodes, 6 edges from dependsOn.
      const nodes = [...dom.matchAll(/<g class="node" data-task="(T\d+)" data-status="([\w-]+)"/g)].map(
        (m) => `${m[1]}:${m[2]}`,
      );
      expect(nodes).toEqual(['T001:done', 'T002:done', 'T003:done', 'T004:failed', 'T005:blocked', 'T006:blocked']);
      const edges = [...dom.matchAll(/<path class="edge" data-from="(T\d+)" data-to="(T\d+)"/g)]
        .map((m) => `${m[1]}->${m[2]}`)
        .sort();
      expect(edges).toEqual(['T001->T002', 'T001->T003', 'T002->T004', 'T003->T004', 'T004->T005', 'T005->T006']);
      expect(dom).toContain('<dd data-key="tasks">3 done, 1 failed, 2 blocked</dd>');
      expect(dom).toContain('<dd data-key="cost">$0.0385, 3,010 in / 601 out tokens</dd>');
      expect(dom).toMatch(/<tr class="blocked" data-task="spec-001-report:T005">.*?blocked by T004/);
      // The page requested nothing from the network.
      expect(requests).toEqual([]);
      expect(ws.read('.speckit/reports/latest.html')).not.toMatch(/https?:|src=|href=|url\((?!#)/i);
      // The screenshot has the failure colour where the failed bar is drawn.
      const pixels = decodePng(await page.screenshot({ type: 'png' }));
      expect(
        pixels.some((p) => Math.abs(p[0] - 0xc6) <= 2 && Math.abs(p[1] - 0x28) <= 2 && Math.abs(p[2] - 0x28) <= 2),
      ).toBe(true);
      await page.close();
    });

    it("a failed task's details open on a click: the cause, the log and the command to re-run it", async () => {
      const { page } = await openFile(browser, join(ws.root, '.speckit/reports/latest.html'));
      const row = '#problems tr.failed[data-task="spec-001-report:T004"]';
      expect(await page.$eval(`${row} summary`, (s) => s.textContent)).toBe('Model in src/model.ts');
      expect(await page.$eval(`${row} pre`, (pre) => pre.checkVisibility())).toBe(false); // closed at first
      await page.click(`${row} summary`);
      expect(await page.$eval(`${row} pre`, (pre) => pre.checkVisibility())).toBe(true);
      expect(await page.$eval(`${row} pre`, (pre) => (pre as HTMLElement).innerText)).toMatch(
        /^T004 not marked done: the agent failed: Claude reported an error \(success\): could not compile T004/,
      );
      expect(await page.$eval(`${row} details`, (d) => (d as HTMLElement).innerText)).toContain(
        'log: .speckit/logs/spec-001-report/T004.log\nnext: read the log, fix the cause, then run: npx nx run spec-001-report:implement--T004',
      );
      await page.close();
    });

    it("the timeline's tooltip for a bar (its accessible name) says task, outcome, time and cause", async () => {
      const { page } = await openFile(browser, join(ws.root, '.speckit/reports/latest.html'));
      const tooltip = async (task: string) => {
        const bar = await page.$(`g.bar[data-task="spec-001-report:${task}"]`);
        await bar!.hover();
        return (await page.accessibility.snapshot({ root: bar!, interestingOnly: false }))?.name;
      };
      expect(await tooltip('T001')).toMatch(/^spec-001-report T001 Create package in src\/pkg\.json: done, \d+\.\ds$/);
      expect(await tooltip('T004')).toMatch(
        /^spec-001-report T004 Model in src\/model\.ts: failed, \d+\.\ds\s+T004 not marked done: the agent failed/,
      );
      await page.close();
    });

    it('following the graph: a click on the failed task lights its edges and opens its details', async () => {
      const { page } = await openFile(browser, join(ws.root, '.speckit/reports/latest.html'));
      const lit = () =>
        page.$$eval('path.edge.on', (paths) =>
          paths.map((p) => `${(p as SVGElement).dataset.from}->${(p as SVGElement).dataset.to}`).sort(),
        );
      expect(await lit()).toEqual([]);
      await page.click('g.node[data-task="T004"]');
      expect(await lit()).toEqual(['T002->T004', 'T003->T004', 'T004->T005']);
      expect(
        await page.$eval(
          '#problems tr.failed[data-task="spec-001-report:T004"] details',
          (d) => (d as HTMLDetailsElement).open,
        ),
      ).toBe(true);
      // Then along an edge to what it blocked: T005's edges, T004 no longer selected.
      await page.click('g.node[data-task="T005"]');
      expect(await lit()).toEqual(['T004->T005', 'T005->T006']);
      expect(await page.$$eval('g.node[data-selected]', (g) => g.map((n) => (n as SVGElement).dataset.task))).toEqual([
        'T005',
      ]);
      await page.close();
    });
  });
});

describe('a failing task the command asked for alone', () => {
  it('blocks nothing: the tasks after it were not asked for, so they are "not run", not "blocked"', () => {
    const ws = workspace();
    const r = nx(ws, ['run', 'spec-001-report:implement--T004'], { FAIL_TASKS: 'T004' });
    expect(r.code).toBe(1);
    expect(agentRuns(ws).sort()).toEqual(['T001', 'T002', 'T003', 'T004']);
    const report = ws.readJson('.speckit/reports/latest.json');
    expect(report.tasks.map((t: any) => [t.id, t.status, t.blockedBy])).toEqual([
      ['T001', 'done', undefined],
      ['T002', 'done', undefined],
      ['T003', 'done', undefined],
      ['T004', 'failed', undefined],
      ['T005', 'not-run', undefined],
      ['T006', 'not-run', undefined],
    ]);
    expect(summaryOf(r.stdout)).toContain(
      'nx-speckit run: HALTED (1 task failed; nothing waiting on it was left unrun)\n',
    );
    expect(summaryOf(r.stdout)).not.toContain('Blocked');
  });
});

describe('a failing quality gate', () => {
  it('halts the run: the gate with its cause, the tasks waiting for its phase blocked by it', () => {
    const ws = workspace();
    ws.write('gate.js', "console.log('checking'); console.error('3 tests failed'); process.exit(1);\n");
    const nxJson = ws.readJson('nx.json');
    nxJson.plugins[0].options.gates = [
      { name: 'tests', command: [process.execPath, join(ws.root, 'gate.js')], phase: 1 },
    ];
    ws.write('nx.json', JSON.stringify(nxJson, null, 2));
    const r = nx(ws, ['run-many', '-t', 'implement']);
    expect(r.code).toBe(1);
    expect(agentRuns(ws).sort()).toEqual(['T001', 'T002', 'T003']);
    const report = ws.readJson('.speckit/reports/latest.json');
    expect(report.outcome).toBe('halted');
    expect(report.failedTargets).toEqual([
      {
        project: 'spec-001-report',
        target: 'implement--phase1-gate',
        error: expect.stringMatching(/^✗ nx-speckit gate "tests" failed [^\n]*exited 1\.\n[\s\S]*3 tests failed/),
      },
    ]);
    expect(report.tasks.map((t: any) => [t.id, t.status, t.blockedBy ?? null])).toEqual([
      ['T001', 'done', null],
      ['T002', 'done', null],
      ['T003', 'done', null],
      ...['T004', 'T005', 'T006'].map((id) => [id, 'blocked', ['implement--phase1-gate']]),
    ]);
    const summary = summaryOf(r.stdout);
    expect(summary).toContain(
      'nx-speckit run: HALTED (1 other target failed; 3 tasks that depend on it did not run)\n',
    );
    expect(summary).toContain('Failed:\n  spec-001-report:implement--phase1-gate\n    cause: ');
    expect(summary).toContain(
      '    next:  fix the cause, then run: npx nx run spec-001-report:implement--phase1-gate\n' +
        '           then the 3 tasks it blocked: npx nx run spec-001-report:implement\n',
    );
    expect(summary).toContain('  spec-001-report T004 Model in src/model.ts  <- blocked by implement--phase1-gate\n');
  });
});

describe('in an interactive terminal', () => {
  it("Nx's TUI (a real pty through script(1)) leaves the summary on screen after it exits", () => {
    const ws = workspace();
    ws.write('specs/001-report/tasks.md', ticked('T001', 'T002', 'T003', 'T004'));
    const typescript = join(ws.root, 'typescript.txt');
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      ...NX_ENV,
      TERM: 'xterm-256color',
      NX_TUI: 'true',
      NX_TUI_AUTO_EXIT: 'true',
    };
    delete env.CI;
    delete env.NO_COLOR;
    delete env.FORCE_COLOR;
    const r = spawnSync(
      'script',
      [
        '-qfec',
        `stty cols 120 rows 40; ${JSON.stringify(process.execPath)} ${JSON.stringify(NX_BIN)} run-many -t implement`,
        typescript,
      ],
      { cwd: ws.root, env, encoding: 'utf8', timeout: 240_000, input: '' },
    );
    expect(r.status).toBe(0);
    const screen = readFileSync(typescript, 'utf8');
    expect(screen).toContain('\u001b[?1049l'); // the TUI ran (it leaves the alternate screen at the end)
    const summary = screen.slice(screen.lastIndexOf('\u001b[?1049l')).replace(/\r\n/g, '\n');
    expect(summary).toContain(
      'nx-speckit run: COMPLETE (every task of the 1 feature in the run is done)\n\nspec-001-report (specs/001-report): 6/6 tasks done\n',
    );
    expect(summary).toContain('Report: .speckit/reports/latest.json, .speckit/reports/latest.html\n');
  });
});
