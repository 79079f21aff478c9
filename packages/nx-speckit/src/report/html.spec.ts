import { parseTasks, planTasks } from '@nx-speckit/tasks-md';
import { collectReport, type NxTaskOutcome } from './collect';
import { renderHtml, STATUS_COLOURS } from './html';
import { nextSteps } from './summary';

const TASKS = `## Phase 1: Setup
- [ ] T001 Create <script>alert(1)</script> in src/a.ts
- [ ] T002 [P] B in src/b.ts
- [ ] T003 [P] C in src/c.ts
## Core
- [ ] T004 D in src/d.ts
- [ ] T005 E in src/e.ts
`;
const T0 = Date.parse('2026-01-01T10:00:00.000Z');
const parsed = parseTasks(TASKS, 'specs/001-x/tasks.md');
const r = (taskId: string, status: NxTaskOutcome['status'], from: number, to: number): NxTaskOutcome => ({
  project: 'spec-001-x',
  taskId,
  status,
  code: status === 'failure' ? 1 : 0,
  startTime: T0 + from,
  endTime: T0 + to,
});
const report = collectReport({
  startTime: T0,
  endTime: T0 + 10_000,
  command: 'nx run-many -t implement',
  features: [{ project: 'spec-001-x', dir: 'specs/001-x', targetName: 'implement', parsed, plan: planTasks(parsed) }],
  results: [
    r('T001', 'success', 0, 2000),
    r('T002', 'local-cache', 2000, 2100),
    r('T003', 'success', 2000, 5000),
    r('T004', 'failure', 5000, 10_000),
  ],
  records: [
    {
      project: 'spec-001-x',
      id: 'T001',
      status: 'done',
      attempts: 1,
      startedAt: new Date(T0).toISOString(),
      endedAt: new Date(T0 + 2000).toISOString(),
      agent: 'claude',
      changes: { declared: ['src/a.ts'], undeclared: ['package.json', '<odd>.ts'] },
    },
    {
      project: 'spec-001-x',
      id: 'T004',
      status: 'failed',
      attempts: 1,
      startedAt: new Date(T0 + 5000).toISOString(),
      endedAt: new Date(T0 + 10_000).toISOString(),
      error: 'bad & <worse>',
    },
  ],
});
const html = renderHtml(report);
const all = (re: RegExp) => [...html.matchAll(re)];

describe('renderHtml', () => {
  it('names phases as the summary does: a heading without "Phase" gets its number', () => {
    expect(all(/<table class="phases">.*?<\/table>/g)[0][0].match(/<tr><td>([^<]*)<\/td>/g)).toEqual([
      '<tr><td>Phase 1: Setup</td>',
      '<tr><td>Phase 2: Core</td>',
    ]);
  });

  it('a Gantt bar per task that ran: x from its start, width from its duration, lane = slot, colour = outcome, id as label', () => {
    // plot: x = 70 + (t - start) / 10 s * 900; rows 28 px from y = 24
    expect(
      all(
        /<g class="bar" data-task="spec-001-x:(T\d+)" data-status="([\w-]+)"><title>[^<]*<\/title><rect x="([\d.]+)" y="(\d+)" width="([\d.]+)" height="22" rx="3" fill="(#\w+)"\/><text [^>]*>(T\d+)<\/text><\/g>/g,
      ).map((m) => m.slice(1)),
    ).toEqual([
      ['T001', 'done', '70.0', '24', '180.0', '#2e7d32', 'T001'],
      ['T002', 'cached', '250.0', '24', '9.0', '#1565c0', 'T002'],
      ['T003', 'cached', '250.0', '52', '270.0', '#1565c0', 'T003'], // success without a record of this run: ran elsewhere
      ['T004', 'failed', '520.0', '24', '450.0', '#c62828', 'T004'],
    ]);
    expect(html).toContain('<svg id="timeline" width="1030" height="86"');
    expect(all(/>slot (\d)</g).map((m) => m[1])).toEqual(['1', '2']);
    // The legend names every outcome, each in a colour of its own.
    expect(
      all(/<span data-status="([\w-]+)"><i style="background:(#\w+)"><\/i>/g).map((m) => `${m[1]}=${m[2]}`),
    ).toEqual([
      'done=#2e7d32',
      'cached=#1565c0',
      'already-done=#8d8d8d',
      'failed=#c62828',
      'blocked=#ef6c00',
      'not-run=#d8d8d8',
    ]);
    expect(new Set(Object.values(STATUS_COLOURS)).size).toBe(Object.keys(STATUS_COLOURS).length);
  });

  it("each feature's task graph: a node per task in its wave column, an edge per dependsOn", () => {
    expect(
      all(
        /<g class="node" data-task="(T\d+)" data-status="([\w-]+)" data-phase="(\d)"><title>[^<]*<\/title><rect x="(\d+)" y="(\d+)"[^>]* fill="(#\w+)"/g,
      ).map((m) => m.slice(1)),
    ).toEqual([
      ['T001', 'done', '1', '20', '26', '#2e7d32'],
      ['T002', 'cached', '1', '150', '26', STATUS_COLOURS.cached],
      ['T003', 'cached', '1', '150', '76', STATUS_COLOURS.cached],
      ['T004', 'failed', '2', '280', '26', STATUS_COLOURS.failed],
      ['T005', 'blocked', '2', '410', '26', STATUS_COLOURS.blocked],
    ]);
    expect(all(/<path class="edge" data-from="(T\d+)" data-to="(T\d+)"/g).map((m) => `${m[1]}->${m[2]}`)).toEqual([
      'T001->T002',
      'T001->T003',
      'T002->T004',
      'T003->T004',
      'T004->T005',
    ]);
    expect(all(/>wave (\d)</g).map((m) => m[1])).toEqual(['1', '2', '3', '4']);
  });

  it('summary numbers, failures and blocked tasks; everything escaped; nothing external', () => {
    expect(html).toContain('<span class="outcome outcome-halted" id="outcome">halted</span>');
    expect(html).toContain('<dd data-key="tasks">1 done, 2 cached, 1 failed, 1 blocked</dd>');
    expect(html).toContain('<dd data-key="wall">10.0s</dd>');
    expect(html).toContain('<dd data-key="sequential">10.1s (sum of task durations)</dd>');
    expect(html).toContain('<dd data-key="saved">0.1s</dd>');
    expect(html).toContain('<dd data-key="cost">not reported by the agents</dd>');
    expect(html).toContain('<pre>bad &amp; &lt;worse></pre>');
    expect(html).toMatch(/<tr class="blocked" data-task="spec-001-x:T005">.*<td>blocked by T004<\/td><\/tr>/);
    expect(html).toContain('T001 Create &lt;script>alert(1)&lt;/script> in src/a.ts');
    expect(html).not.toContain('<script>alert');
    expect(html).not.toMatch(/https?:|\bsrc=|\bhref=|@import|url\((?!#)/i);
    expect(html).toContain(
      '<meta http-equiv="Content-Security-Policy" content="default-src &#x27;none&#x27;; style-src &#x27;unsafe-inline&#x27;; script-src &#x27;unsafe-inline&#x27;">',
    );
  });

  it('several features: bars say which feature, graph markers do not collide', () => {
    const two = collectReport({
      startTime: T0,
      endTime: T0 + 1000,
      command: 'nx',
      features: ['spec-001-x', 'spec-002-y'].map((project) => ({
        project,
        dir: project,
        targetName: 'implement',
        parsed,
        plan: planTasks(parsed),
      })),
      results: [r('T001', 'success', 0, 500), { ...r('T001', 'success', 0, 500), project: 'spec-002-y' }],
      records: [],
    });
    const page = renderHtml(two);
    expect([...page.matchAll(/<g class="bar"[^>]*>.*?<text [^>]*>([^<]+)<\/text>/g)].map((m) => m[1])).toEqual([
      '001-x:T001',
      '002-y:T001',
    ]);
    expect([...page.matchAll(/<marker id="([^"]+)"/g)].map((m) => m[1])).toEqual([
      'arrow-spec-001-x',
      'arrow-spec-002-y',
    ]);
  });

  it('failed gates get a row with their cause and the command to re-run them', () => {
    const page = renderHtml({
      ...report,
      failedTargets: [{ project: 'spec-001-x', target: 'implement--phase1-gate', error: 'npm test <exit 1>' }],
    });
    expect(page).toContain(
      '<tr class="failed-target" data-target="spec-001-x:implement--phase1-gate"><td>spec-001-x</td><td>implement--phase1-gate</td><td>failed</td><td><pre>npm test &lt;exit 1></pre><div>next: fix the cause, then run: <code>npx nx run spec-001-x:implement--phase1-gate</code></div></td></tr>',
    );
  });

  it("a failed task's next steps are the summary's: the re-run, then what it blocked", () => {
    const page = renderHtml(report);
    const row = /<tr class="failed" data-task="spec-001-x:T004">.*?<\/tr>/.exec(page)![0];
    expect([...row.matchAll(/<div>next: (.*?)<\/div>/g)].map((m) => m[1].replace(/<\/?code>/g, ''))).toEqual(
      nextSteps(
        report,
        report.tasks.find((t) => t.id === 'T004')!,
      ),
    );
    expect(
      nextSteps(
        report,
        report.tasks.find((t) => t.id === 'T004')!,
      )[1],
    ).toMatch(/^then the (task|\d+ tasks) it blocked: npx nx run spec-001-x:implement$/);
  });

  it('a run with no timed task says so instead of drawing an empty chart', () => {
    const none = collectReport({
      startTime: T0,
      endTime: T0 + 1000,
      command: 'nx',
      features: [{ project: 'p', dir: 'd', targetName: 'implement', parsed, plan: planTasks(parsed) }],
      results: [],
      records: [],
    });
    expect(renderHtml(none)).toContain('<p id="timeline-empty">No task ran in this run.</p>');
  });
});

describe('renderHtml: hostile task text', () => {
  const HOSTILE = `"><script>alert('x')</script><img src=x onerror="alert(1)"> & 'more'`;
  const hostileParsed = parseTasks(`## Phase 1: Setup\n- [ ] T001 ${HOSTILE} in src/a.ts\n`, 'specs/001-x/tasks.md');
  const page = renderHtml(
    collectReport({
      startTime: T0,
      endTime: T0 + 1000,
      command: `nx ${HOSTILE}`,
      features: [
        {
          project: 'spec-001-x',
          dir: 'specs/001-x',
          targetName: 'implement',
          parsed: hostileParsed,
          plan: planTasks(hostileParsed),
        },
      ],
      results: [r('T001', 'failure', 0, 500)],
      records: [
        {
          project: 'spec-001-x',
          id: 'T001',
          status: 'failed',
          attempts: 1,
          startedAt: new Date(T0).toISOString(),
          endedAt: new Date(T0 + 500).toISOString(),
          agent: HOSTILE,
          error: HOSTILE,
          log: HOSTILE,
        },
      ],
    }),
  );

  it('stays text in elements and attributes: no element, attribute or handler of its own', () => {
    // Quotes inside attribute values are escaped, so every value ends at the next `"`: what is
    // left without the values is the page's markup alone.
    const markup = page.replace(/="[^"]*"/g, '=""');
    expect(markup.match(/<script/g)).toHaveLength(1); // the report's own script
    expect(markup).not.toMatch(/<img|<[^>]*\sonerror=/);
    // In text, `<` and `&` are escaped; in attribute values, quotes and `&`.
    expect(page).toContain(
      `<pre>">&lt;script>alert('x')&lt;/script>&lt;img src=x onerror="alert(1)"> &amp; 'more'</pre>`,
    );
    expect(page).toContain(
      '<dd data-key="agent-&quot;><script>alert(&#x27;x&#x27;)</script><img src=x onerror=&quot;alert(1)&quot;> &amp; &#x27;more&#x27;">',
    );
  });
});

describe('renderHtml: changed files', () => {
  it('lists every file a task changed, declared and undeclared, escaped', () => {
    const table = /<table id="changes">.*?<\/table>/s.exec(html)![0];
    expect(table).toContain(
      '<tr data-task="spec-001-x:T001"><td>spec-001-x</td><td>T001</td><td><code>src/a.ts</code></td><td><code>package.json</code><br><code>&lt;odd>.ts</code></td></tr>',
    );
    expect(table).not.toContain('T004');
  });
});

describe('renderHtml: run controls', () => {
  const controlled = collectReport({
    startTime: T0,
    endTime: T0 + 10_000,
    command: 'nx run-many -t implement',
    features: [{ project: 'spec-001-x', dir: 'specs/001-x', targetName: 'implement', parsed, plan: planTasks(parsed) }],
    results: [r('T001', 'success', 0, 2000), r('T002', 'success', 2000, 4000)],
    records: [
      {
        project: 'spec-001-x',
        id: 'T001',
        status: 'done',
        attempts: 1,
        startedAt: new Date(T0).toISOString(),
        endedAt: new Date(T0 + 2000).toISOString(),
        agent: '<codex>',
        usage: { inputTokens: 5 },
        resources: [{ name: 'simulator', waitedMs: 0 }],
      },
      {
        project: 'spec-001-x',
        id: 'T002',
        status: 'done',
        attempts: 1,
        startedAt: new Date(T0 + 1000).toISOString(),
        endedAt: new Date(T0 + 4000).toISOString(),
        agent: 'claude',
        usage: { costUsd: 0.25 },
        resources: [{ name: 'simulator', waitedMs: 1000, heldBy: ['T001'] }],
      },
    ],
    budget: { usd: 1 },
    spend: { costUsd: 0.25, tokens: 5, unpriced: 1 },
  });
  const page = renderHtml(controlled);

  it('the budget: limit and spend, and each agent it could not count, escaped', () => {
    expect(page).toContain(
      '<h2>Budget</h2><p id="budget">$0.25 of $1.00 spent</p><ul id="budget-not-enforced"><li>budget not enforced for &lt;codex>: it reports no cost</li></ul>',
    );
  });

  it('exclusive resources: the tasks that held each, in turn, and who waited how long for whom', () => {
    expect(/<table id="resources">.*?<\/table>/s.exec(page)![0]).toBe(
      '<table id="resources"><tr><th>Resource</th><th>Project</th><th>Task</th><th>Waited</th></tr>' +
        '<tr data-task="spec-001-x:T001"><td>simulator</td><td>spec-001-x</td><td>T001</td><td>no wait</td></tr>' +
        '<tr data-task="spec-001-x:T002"><td>simulator</td><td>spec-001-x</td><td>T002</td><td>1.0s for T001</td></tr></table>',
    );
  });

  it('neither section without a budget or resources', () => {
    expect(html).not.toContain('<h2>Budget</h2>');
    expect(html).not.toContain('<h2>Exclusive resources</h2>');
  });
});
