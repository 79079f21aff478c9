/**
 * The run report as one self-contained HTML page: inline CSS, inline SVG, a few lines of inline
 * script; nothing fetched from anywhere. A timeline (Gantt of tasks per agent slot) and each
 * feature's task graph (columns = waves, edges = dependsOn). Built as a hast tree and serialised by
 * hast-util-to-html, which escapes every text and attribute value (task text is untrusted).
 */
import { phaseLabel } from '@nx-speckit/tasks-md';
import { usageText } from '../agents/usage';
import { h, s, toHtml, type Child, type Element } from './html-stack';
import { budgetLines, countsText, duration, nextSteps, skippedText } from './summary';
import { STATUSES, type ReportTask, type ReportTaskStatus, type RunReport } from './types';

export const STATUS_COLOURS: Record<ReportTaskStatus, string> = {
  done: '#2e7d32',
  cached: '#1565c0',
  'already-done': '#8d8d8d',
  failed: '#c62828',
  blocked: '#ef6c00',
  'not-run': '#d8d8d8',
};
const TEXT_ON: Record<ReportTaskStatus, string> = {
  done: '#ffffff',
  cached: '#ffffff',
  'already-done': '#ffffff',
  failed: '#ffffff',
  blocked: '#ffffff',
  'not-run': '#333333',
};

const CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'";

const STYLE = `
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #222; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; }
.outcome { display: inline-block; padding: 2px 10px; border-radius: 4px; color: #fff; font-weight: 600; }
.outcome-complete { background: ${STATUS_COLOURS.done}; }
.outcome-partial { background: ${STATUS_COLOURS.cached}; }
.outcome-halted { background: ${STATUS_COLOURS.failed}; }
dl#summary { display: grid; grid-template-columns: max-content auto; gap: 2px 16px; }
dl#summary dt { color: #555; }
dl#summary dd { margin: 0; }
.legend { display: flex; gap: 14px; flex-wrap: wrap; margin: 6px 0; }
.legend span { display: inline-flex; align-items: center; gap: 5px; }
.legend i { display: inline-block; width: 14px; height: 14px; border-radius: 3px; }
table { border-collapse: collapse; margin: 6px 0; }
th, td { text-align: left; padding: 3px 10px 3px 0; vertical-align: top; }
th { color: #555; font-weight: 600; }
svg text { font: 12px system-ui, sans-serif; }
.scroll { overflow-x: auto; }
pre { white-space: pre-wrap; margin: 0; font-size: 12px; }
details summary { cursor: pointer; }
g.node { cursor: pointer; }
g.node[data-selected] rect { stroke: #000; stroke-width: 2.5; }
path.edge.on { stroke: #222; stroke-width: 2.5; }
`;

const SCRIPT = `
// Local times for the reader (the report stores UTC).
for (const el of document.querySelectorAll('time[datetime]')) el.textContent = new Date(el.getAttribute('datetime')).toLocaleString();
// Following the graph: a click on a task selects it, draws its edges dark and opens its failure details.
for (const node of document.querySelectorAll('g.node')) node.addEventListener('click', () => {
  const svg = node.closest('svg'), id = node.dataset.task, project = svg.dataset.project;
  for (const el of document.querySelectorAll('g.node[data-selected]')) delete el.dataset.selected;
  node.dataset.selected = '';
  for (const edge of document.querySelectorAll('path.edge')) edge.classList.toggle('on', edge.closest('svg') === svg && (edge.dataset.from === id || edge.dataset.to === id));
  const row = document.querySelector('#problems tr[data-task="' + CSS.escape(project + ':' + id) + '"]');
  if (row) { const details = row.querySelector('details'); if (details) details.open = true; row.scrollIntoView({ block: 'center' }); }
});
document.body.dataset.rendered = 'yes';
`;

/** `project:id`, the key rows and bars are found by. */
/** The `data-task` attribute: `project:id`, as a person would type it after `nx run`. */
const dataTask = (t: { project: string; id: string }) => `${t.project}:${t.id}`;

/** The whole HTML page for a run report, as a string; every value is escaped, since task text is untrusted. */
export function renderHtml(report: RunReport): string {
  const multi = new Set(report.tasks.map((t) => t.project)).size > 1;
  const label = (t: ReportTask) => (multi ? `${t.project.replace(/^spec-/, '')}:${t.id}` : t.id);
  const page = h(null, [
    { type: 'doctype' },
    h('html', { lang: 'en' }, [
      h('head', [
        h('meta', { charset: 'utf-8' }),
        h('meta', { name: 'viewport', content: 'width=device-width, initial-scale=1' }),
        h('meta', { httpEquiv: 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY }),
        h('title', `nx-speckit run: ${report.outcome}`),
        h('style', STYLE),
      ]),
      h(
        'body',
        h('h1', [
          'nx-speckit run ',
          h('span', { class: `outcome outcome-${report.outcome}`, id: 'outcome' }, report.outcome),
        ]),
        h('p', { id: 'reason' }, report.reason),
        summaryList(report),
        h('h2', 'Timeline'),
        legend(),
        h('div', { class: 'scroll' }, timeline(report, label)),
        problems(report),
        changes(report),
        fallbacks(report),
        budget(report),
        resources(report),
        h('h2', 'Task graphs'),
        report.features.map((f) => featureSection(report, f.project)),
        h('script', SCRIPT),
      ),
    ]),
  ]);
  return `${toHtml(page, { upperDoctype: true, closeEmptyElements: true, tightSelfClosing: true, characterReferences: { useNamedReferences: true } })}\n`;
}

function summaryList(report: RunReport): Element {
  const rows: Array<[string, string, Child]> = [
    ['started', 'Started', h('time', { datetime: report.startedAt }, report.startedAt)],
    ['command', 'Command', h('code', report.command)],
    ['tasks', 'Tasks', countsText(report.counts)],
    ['wall', 'Wall time', duration(report.timing.wallMs)],
    ['sequential', 'Sequential time', `${duration(report.timing.sequentialMs)} (sum of task durations)`],
    ['saved', 'Parallelism saved', duration(report.timing.savedMs)],
    ['cost', 'Cost', usageText(report.usage) || 'not reported by the agents'],
    ...report.agents.map((a): [string, string, Child] => [
      `agent-${a.agent}`,
      `Agent ${a.agent}`,
      `${a.tasks} task${a.tasks === 1 ? '' : 's'}${usageText(a) ? `, ${usageText(a)}` : ''}`,
    ]),
  ];
  return h(
    'dl',
    { id: 'summary' },
    rows.flatMap(([key, term, value]) => [h('dt', term), h('dd', { 'data-key': key }, value)]),
  );
}

function legend(): Element {
  return h(
    'div',
    { class: 'legend' },
    STATUSES.map((status) =>
      h('span', { 'data-status': status }, [h('i', { style: `background:${STATUS_COLOURS[status]}` }), status]),
    ),
  );
}

function timeline(report: RunReport, label: (t: ReportTask) => string): Element {
  const bars = report.tasks.filter((t) => t.slot !== undefined && t.startedAt && t.endedAt);
  if (!bars.length) return h('p', { id: 'timeline-empty' }, 'No task ran in this run.');
  const t0 = Math.min(Date.parse(report.startedAt), ...bars.map((t) => Date.parse(t.startedAt!)));
  const t1 = Math.max(Date.parse(report.endedAt), ...bars.map((t) => Date.parse(t.endedAt!)));
  const span = Math.max(t1 - t0, 1);
  const left = 70,
    plot = 900,
    row = 28,
    bar = 22,
    top = 24;
  const slots = report.timing.slots;
  const height = top + slots * row + 6;
  const x = (ms: number) => left + ((ms - t0) / span) * plot;
  const ticks = 6;
  const axis = Array.from({ length: ticks + 1 }, (_, i) => {
    const tx = left + (plot * i) / ticks;
    return [
      s('line', { x1: tx, y1: top - 4, x2: tx, y2: height, stroke: '#eee' }),
      s('text', { x: tx, y: top - 8, textAnchor: 'middle', fill: '#666' }, duration((span * i) / ticks)),
    ];
  });
  const lanes = Array.from({ length: slots }, (_, slot) =>
    s('text', { x: 4, y: top + slot * row + bar / 2 + 4, fill: '#555' }, `slot ${slot + 1}`),
  );
  const rects = bars.map((t) => {
    const bx = x(Date.parse(t.startedAt!));
    const w = Math.max(x(Date.parse(t.endedAt!)) - bx, 3);
    const y = top + t.slot! * row;
    const title = `${t.project} ${t.id} ${t.description}: ${t.status}, ${duration(t.durationMs ?? 0)}${t.error ? `\n${t.error}` : ''}`;
    return s('g', { class: 'bar', 'data-task': dataTask(t), 'data-status': t.status }, [
      s('title', title),
      s('rect', { x: bx.toFixed(1), y, width: w.toFixed(1), height: bar, rx: 3, fill: STATUS_COLOURS[t.status] }),
      s('text', { x: (bx + 4).toFixed(1), y: y + bar / 2 + 4, fill: w > 40 ? TEXT_ON[t.status] : '#222' }, label(t)),
    ]);
  });
  const width = left + plot + 60;
  return s(
    'svg',
    {
      id: 'timeline',
      width,
      height,
      viewBox: `0 0 ${width} ${height}`,
      role: 'img',
      ariaLabel: 'Timeline of tasks per agent slot',
    },
    axis,
    lanes,
    rects,
  );
}

/** A table row of plain cells, each cell's content given as hast children. */
const row = (properties: Record<string, string>, cells: Child[]) =>
  h(
    'tr',
    properties,
    cells.map((cell) => h('td', cell)),
  );
const headerRow = (names: string[]) =>
  h(
    'tr',
    names.map((name) => h('th', name)),
  );

function problems(report: RunReport): Element[] {
  const failed = report.tasks.filter((t) => t.status === 'failed' && !t.notStarted);
  const refused = report.tasks.filter((t) => t.notStarted);
  const blocked = report.tasks.filter((t) => t.status === 'blocked');
  const targets = report.failedTargets ?? [];
  if (!failed.length && !refused.length && !blocked.length && !targets.length) return [];
  const rows = [
    ...targets.map((f) =>
      row({ class: 'failed-target', 'data-target': `${f.project}:${f.target}` }, [
        f.project,
        f.target,
        'failed',
        [h('pre', f.error), ...next(report, f)],
      ]),
    ),
    ...failed.map((t) =>
      row({ class: 'failed', 'data-task': dataTask(t) }, [
        t.project,
        t.id,
        'failed',
        h('details', [
          h('summary', t.description),
          h('pre', t.error ?? ''),
          ...(t.log ? [h('div', ['log: ', h('code', t.log)])] : []),
          ...next(report, t),
        ]),
      ]),
    ),
    ...refused.map((t) =>
      row({ class: 'not-started', 'data-task': dataTask(t) }, [
        t.project,
        t.id,
        'not started',
        `${t.notStarted ?? ''}; the next run resumes it`,
      ]),
    ),
    ...blocked.map((t) =>
      row({ class: 'blocked', 'data-task': dataTask(t) }, [
        t.project,
        t.id,
        'blocked',
        `blocked by ${t.blockedBy?.join(', ') || 'a failed prerequisite'}`,
      ]),
    ),
  ];
  return [
    h('h2', 'Failed and blocked tasks'),
    h('table', { id: 'problems' }, [headerRow(['Project', 'Task', 'Status', 'Details']), rows]),
  ];
}

/** Every file each task changed, declared and undeclared (exact for tasks run in their own worktree). */
function changes(report: RunReport): Element[] {
  const changed = report.tasks.filter((t) => t.changes && (t.changes.declared.length || t.changes.undeclared.length));
  if (!changed.length) return [];
  const list = (paths: string[]) => paths.flatMap((path, i) => (i ? [h('br'), h('code', path)] : [h('code', path)]));
  const rows = changed.map((t) =>
    row({ 'data-task': dataTask(t) }, [t.project, t.id, list(t.changes!.declared), list(t.changes!.undeclared)]),
  );
  return [
    h('h2', 'Changed files'),
    h('table', { id: 'changes' }, [headerRow(['Project', 'Task', 'Declared', 'Undeclared']), rows]),
  ];
}

/** Tasks a fallback agent took, and why the agents before it were skipped. */
function fallbacks(report: RunReport): Element[] {
  const fellBack = report.tasks.filter((t) => t.skippedAgents?.length);
  if (!fellBack.length) return [];
  const rows = fellBack.map((t) =>
    row({ 'data-task': dataTask(t) }, [t.project, t.id, `${t.status} by ${t.agent ?? ''}`, skippedText(t)]),
  );
  return [
    h('h2', 'Fallback agents'),
    h('table', { id: 'fallbacks' }, [headerRow(['Project', 'Task', 'Outcome', 'Skipped']), rows]),
  ];
}

/** The budget's limits and spend, and the agents it could not count (the tasks it refused are with the problems). */
function budget(report: RunReport): Element[] {
  if (!report.budget) return [];
  const [spent, ...unenforced] = budgetLines(report.budget);
  return [
    h('h2', 'Budget'),
    h('p', { id: 'budget' }, spent.replace(/^Budget: /, '')),
    ...(unenforced.length
      ? [
          h(
            'ul',
            { id: 'budget-not-enforced' },
            unenforced.map((line) => h('li', line.trim())),
          ),
        ]
      : []),
  ];
}

/** Each exclusive resource: the tasks that held it, in turn, and how long each waited and for whom. */
function resources(report: RunReport): Element[] {
  if (!report.resources?.length) return [];
  const rows = report.resources.flatMap((r) =>
    r.tasks.map((t) =>
      row({ 'data-task': dataTask(t) }, [
        r.name,
        t.project,
        t.id,
        t.heldBy?.length ? `${duration(t.waitedMs)} for ${t.heldBy.join(', ')}` : 'no wait',
      ]),
    ),
  );
  return [
    h('h2', 'Exclusive resources'),
    h('table', { id: 'resources' }, [headerRow(['Resource', 'Project', 'Task', 'Waited']), rows]),
  ];
}

/** The summary's next steps, the command in each as code. */
function next(report: RunReport, failure: Parameters<typeof nextSteps>[1]): Element[] {
  return nextSteps(report, failure).map((step) => {
    const at = step.indexOf('npx nx run ');
    return h('div', [`next: ${step.slice(0, at)}`, h('code', step.slice(at))]);
  });
}

function featureSection(report: RunReport, project: string): Element {
  const feature = report.features.find((f) => f.project === project)!;
  const tasks = report.tasks.filter((t) => t.project === project);
  return h('section', { class: 'feature', 'data-project': project }, [
    h('h2', [`${project} `, h('small', `(${feature.dir}): ${feature.finished}/${feature.total} done`)]),
    h('table', { class: 'phases' }, [
      headerRow(['Phase', 'Tasks']),
      feature.phases.map((p) => row({}, [phaseLabel(p), countsText(p.counts)])),
    ]),
    h('div', { class: 'scroll' }, graph(tasks, project)),
  ]);
}

function graph(tasks: ReportTask[], project: string): Element {
  // Columns are waves (phase order when the plan has none); rows keep file order.
  const column = (t: ReportTask) => (t.wave > 0 ? t.wave - 1 : t.phase - 1);
  const columns = new Map<number, ReportTask[]>();
  for (const t of tasks) columns.set(column(t), [...(columns.get(column(t)) ?? []), t]);
  const colW = 130,
    rowH = 50,
    nodeW = 92,
    nodeH = 36,
    pad = 20,
    top = 26;
  const pos = new Map<string, { x: number; y: number }>();
  for (const [c, list] of columns) list.forEach((t, r) => pos.set(t.id, { x: pad + c * colW, y: top + r * rowH }));
  const cols = Math.max(...columns.keys(), 0) + 1;
  const rows = Math.max(...[...columns.values()].map((l) => l.length), 1);
  const width = pad * 2 + (cols - 1) * colW + nodeW,
    height = top + rows * rowH + 6;
  const marker = `arrow-${project.replace(/[^\w-]/g, '_')}`;
  const headers = Array.from({ length: cols }, (_, c) =>
    s('text', { x: pad + c * colW + nodeW / 2, y: 14, textAnchor: 'middle', fill: '#666' }, `wave ${c + 1}`),
  );
  const edges = tasks.flatMap((t) =>
    t.dependsOn
      .filter((d) => pos.has(d))
      .map((d) => {
        const a = pos.get(d)!,
          b = pos.get(t.id)!;
        const x1 = a.x + nodeW,
          y1 = a.y + nodeH / 2,
          x2 = b.x - 2,
          y2 = b.y + nodeH / 2,
          mid = (x1 + x2) / 2;
        return s('path', {
          class: 'edge',
          'data-from': d,
          'data-to': t.id,
          d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`,
          fill: 'none',
          stroke: '#9a9a9a',
          strokeWidth: 1.3,
          markerEnd: `url(#${marker})`,
        });
      }),
  );
  const nodes = tasks.map((t) => {
    const { x, y } = pos.get(t.id)!;
    const title = `${t.id} ${t.description} (phase ${t.phase}, wave ${t.wave || '?'}): ${t.status}${t.blockedBy?.length ? `, blocked by ${t.blockedBy.join(', ')}` : ''}`;
    return s('g', { class: 'node', 'data-task': t.id, 'data-status': t.status, 'data-phase': t.phase }, [
      s('title', title),
      s('rect', {
        x,
        y,
        width: nodeW,
        height: nodeH,
        rx: 5,
        fill: STATUS_COLOURS[t.status],
        stroke: '#555',
        strokeWidth: 0.6,
      }),
      s('text', { x: x + nodeW / 2, y: y + 15, textAnchor: 'middle', fill: TEXT_ON[t.status], fontWeight: 600 }, t.id),
      s(
        'text',
        { x: x + nodeW / 2, y: y + 29, textAnchor: 'middle', fill: TEXT_ON[t.status], fontSize: 10 },
        `phase ${t.phase}`,
      ),
    ]);
  });
  return s(
    'svg',
    {
      class: 'graph',
      'data-project': project,
      width,
      height,
      viewBox: `0 0 ${width} ${height}`,
      role: 'img',
      ariaLabel: `Task graph of ${project}`,
    },
    [
      s(
        'defs',
        s(
          'marker',
          { id: marker, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto' },
          s('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#9a9a9a' }),
        ),
      ),
      ...headers,
      ...edges,
      ...nodes,
    ],
  );
}
