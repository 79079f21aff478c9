/**
 * The run report as one self-contained HTML page: inline CSS, inline SVG, a few lines of inline
 * script; nothing fetched from anywhere. A timeline (Gantt of tasks per agent slot) and each
 * feature's task graph (columns = waves, edges = dependsOn).
 */
import { phaseLabel } from '@nx-speckit/tasks-md';
import { usageText } from '../agents/usage';
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
  done: '#ffffff', cached: '#ffffff', 'already-done': '#ffffff', failed: '#ffffff', blocked: '#ffffff', 'not-run': '#333333',
};

const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function renderHtml(report: RunReport): string {
  const multi = new Set(report.tasks.map((t) => t.project)).size > 1;
  const label = (t: ReportTask) => (multi ? `${t.project.replace(/^spec-/, '')}:${t.id}` : t.id);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>nx-speckit run: ${esc(report.outcome)}</title>
<style>
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
</style>
</head>
<body>
<h1>nx-speckit run <span class="outcome outcome-${esc(report.outcome)}" id="outcome">${esc(report.outcome)}</span></h1>
<p id="reason">${esc(report.reason)}</p>
${summaryList(report)}
<h2>Timeline</h2>
${legend()}
<div class="scroll">${timeline(report, label)}</div>
${problems(report)}
${changes(report)}
${fallbacks(report)}
${budget(report)}
${resources(report)}
<h2>Task graphs</h2>
${report.features.map((f) => featureSection(report, f.project)).join('\n')}
<script>
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
</script>
</body>
</html>
`;
}

function summaryList(report: RunReport): string {
  const rows: Array<[string, string, string]> = [
    ['started', 'Started', `<time datetime="${esc(report.startedAt)}">${esc(report.startedAt)}</time>`],
    ['command', 'Command', `<code>${esc(report.command)}</code>`],
    ['tasks', 'Tasks', esc(countsText(report.counts))],
    ['wall', 'Wall time', esc(duration(report.timing.wallMs))],
    ['sequential', 'Sequential time', `${esc(duration(report.timing.sequentialMs))} (sum of task durations)`],
    ['saved', 'Parallelism saved', esc(duration(report.timing.savedMs))],
    ['cost', 'Cost', esc(usageText(report.usage) || 'not reported by the agents')],
    ...report.agents.map((a): [string, string, string] => [`agent-${a.agent}`, `Agent ${a.agent}`, esc(`${a.tasks} task${a.tasks === 1 ? '' : 's'}${usageText(a) ? `, ${usageText(a)}` : ''}`)]),
  ];
  return `<dl id="summary">${rows.map(([id, dt, dd]) => `<dt>${esc(dt)}</dt><dd data-key="${esc(id)}">${dd}</dd>`).join('')}</dl>`;
}

function legend(): string {
  return `<div class="legend">${STATUSES.map((s) => `<span data-status="${s}"><i style="background:${STATUS_COLOURS[s]}"></i>${esc(s)}</span>`).join('')}</div>`;
}

function timeline(report: RunReport, label: (t: ReportTask) => string): string {
  const bars = report.tasks.filter((t) => t.slot !== undefined && t.startedAt && t.endedAt);
  if (!bars.length) return '<p id="timeline-empty">No task ran in this run.</p>';
  const t0 = Math.min(Date.parse(report.startedAt), ...bars.map((t) => Date.parse(t.startedAt!)));
  const t1 = Math.max(Date.parse(report.endedAt), ...bars.map((t) => Date.parse(t.endedAt!)));
  const span = Math.max(t1 - t0, 1);
  const left = 70, plot = 900, row = 28, bar = 22, top = 24;
  const slots = report.timing.slots;
  const height = top + slots * row + 6;
  const x = (ms: number) => left + ((ms - t0) / span) * plot;
  const ticks = 6;
  const axis = Array.from({ length: ticks + 1 }, (_, i) => {
    const tx = left + (plot * i) / ticks;
    return `<line x1="${tx}" y1="${top - 4}" x2="${tx}" y2="${height}" stroke="#eee"/><text x="${tx}" y="${top - 8}" text-anchor="middle" fill="#666">${esc(duration((span * i) / ticks))}</text>`;
  }).join('');
  const lanes = Array.from({ length: slots }, (_, s) => `<text x="4" y="${top + s * row + bar / 2 + 4}" fill="#555">slot ${s + 1}</text>`).join('');
  const rects = bars.map((t) => {
    const bx = x(Date.parse(t.startedAt!));
    const w = Math.max(x(Date.parse(t.endedAt!)) - bx, 3);
    const y = top + t.slot! * row;
    const title = `${t.project} ${t.id} ${t.description}: ${t.status}, ${duration(t.durationMs ?? 0)}${t.error ? `\n${t.error}` : ''}`;
    return `<g class="bar" data-task="${esc(`${t.project}:${t.id}`)}" data-status="${t.status}"><title>${esc(title)}</title>`
      + `<rect x="${bx.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${bar}" rx="3" fill="${STATUS_COLOURS[t.status]}"/>`
      + `<text x="${(bx + 4).toFixed(1)}" y="${y + bar / 2 + 4}" fill="${w > 40 ? TEXT_ON[t.status] : '#222'}">${esc(label(t))}</text></g>`;
  }).join('');
  return `<svg id="timeline" width="${left + plot + 60}" height="${height}" viewBox="0 0 ${left + plot + 60} ${height}" role="img" aria-label="Timeline of tasks per agent slot">${axis}${lanes}${rects}</svg>`;
}

function problems(report: RunReport): string {
  const failed = report.tasks.filter((t) => t.status === 'failed' && !t.notStarted);
  const refused = report.tasks.filter((t) => t.notStarted);
  const blocked = report.tasks.filter((t) => t.status === 'blocked');
  const targets = report.failedTargets ?? [];
  if (!failed.length && !refused.length && !blocked.length && !targets.length) return '';
  const rows = [
    ...targets.map((f) => `<tr class="failed-target" data-target="${esc(`${f.project}:${f.target}`)}"><td>${esc(f.project)}</td><td>${esc(f.target)}</td><td>failed</td><td><pre>${esc(f.error)}</pre>${next(report, f)}</td></tr>`),
    ...failed.map((t) => `<tr class="failed" data-task="${esc(`${t.project}:${t.id}`)}"><td>${esc(t.project)}</td><td>${esc(t.id)}</td><td>failed</td><td><details><summary>${esc(t.description)}</summary><pre>${esc(t.error ?? '')}</pre>${t.log ? `<div>log: <code>${esc(t.log)}</code></div>` : ''}${next(report, t)}</details></td></tr>`),
    ...refused.map((t) => `<tr class="not-started" data-task="${esc(`${t.project}:${t.id}`)}"><td>${esc(t.project)}</td><td>${esc(t.id)}</td><td>not started</td><td>${esc(t.notStarted ?? '')}; the next run resumes it</td></tr>`),
    ...blocked.map((t) => `<tr class="blocked" data-task="${esc(`${t.project}:${t.id}`)}"><td>${esc(t.project)}</td><td>${esc(t.id)}</td><td>blocked</td><td>blocked by ${esc(t.blockedBy?.join(', ') || 'a failed prerequisite')}</td></tr>`),
  ];
  return `<h2>Failed and blocked tasks</h2><table id="problems"><tr><th>Project</th><th>Task</th><th>Status</th><th>Details</th></tr>${rows.join('')}</table>`;
}

/** Every file each task changed, declared and undeclared (exact for tasks run in their own worktree). */
function changes(report: RunReport): string {
  const changed = report.tasks.filter((t) => t.changes && (t.changes.declared.length || t.changes.undeclared.length));
  if (!changed.length) return '';
  const list = (paths: string[]) => paths.map((p) => `<code>${esc(p)}</code>`).join('<br>');
  const rows = changed.map((t) => `<tr data-task="${esc(`${t.project}:${t.id}`)}"><td>${esc(t.project)}</td><td>${esc(t.id)}</td><td>${list(t.changes!.declared)}</td><td>${list(t.changes!.undeclared)}</td></tr>`);
  return `<h2>Changed files</h2><table id="changes"><tr><th>Project</th><th>Task</th><th>Declared</th><th>Undeclared</th></tr>${rows.join('')}</table>`;
}

/** Tasks a fallback agent took, and why the agents before it were skipped. */
function fallbacks(report: RunReport): string {
  const fellBack = report.tasks.filter((t) => t.skippedAgents?.length);
  if (!fellBack.length) return '';
  const rows = fellBack.map((t) => `<tr data-task="${esc(`${t.project}:${t.id}`)}"><td>${esc(t.project)}</td><td>${esc(t.id)}</td><td>${esc(t.status)} by ${esc(t.agent ?? '')}</td><td>${esc(skippedText(t))}</td></tr>`);
  return `<h2>Fallback agents</h2><table id="fallbacks"><tr><th>Project</th><th>Task</th><th>Outcome</th><th>Skipped</th></tr>${rows.join('')}</table>`;
}

/** The budget's limits and spend, and the agents it could not count (the tasks it refused are with the problems). */
function budget(report: RunReport): string {
  if (!report.budget) return '';
  const [spent, ...unenforced] = budgetLines(report.budget);
  return `<h2>Budget</h2><p id="budget">${esc(spent.replace(/^Budget: /, ''))}</p>${unenforced.length ? `<ul id="budget-not-enforced">${unenforced.map((l) => `<li>${esc(l.trim())}</li>`).join('')}</ul>` : ''}`;
}

/** Each exclusive resource: the tasks that held it, in turn, and how long each waited and for whom. */
function resources(report: RunReport): string {
  if (!report.resources?.length) return '';
  const rows = report.resources.flatMap((r) => r.tasks.map((t) => `<tr data-task="${esc(`${t.project}:${t.id}`)}"><td>${esc(r.name)}</td><td>${esc(t.project)}</td><td>${esc(t.id)}</td><td>${t.heldBy?.length ? `${esc(duration(t.waitedMs))} for ${esc(t.heldBy.join(', '))}` : 'no wait'}</td></tr>`));
  return `<h2>Exclusive resources</h2><table id="resources"><tr><th>Resource</th><th>Project</th><th>Task</th><th>Waited</th></tr>${rows.join('')}</table>`;
}

/** The summary's next steps, the command in each as code. */
function next(report: RunReport, failure: Parameters<typeof nextSteps>[1]): string {
  return nextSteps(report, failure).map((step) => {
    const at = step.indexOf('npx nx run ');
    return `<div>next: ${esc(step.slice(0, at))}<code>${esc(step.slice(at))}</code></div>`;
  }).join('');
}

function featureSection(report: RunReport, project: string): string {
  const feature = report.features.find((f) => f.project === project)!;
  const tasks = report.tasks.filter((t) => t.project === project);
  const phases = feature.phases.map((p) => `<tr><td>${esc(phaseLabel(p))}</td><td>${esc(countsText(p.counts))}</td></tr>`).join('');
  return `<section class="feature" data-project="${esc(project)}">
<h2>${esc(project)} <small>(${esc(feature.dir)}): ${feature.finished}/${feature.total} done</small></h2>
<table class="phases"><tr><th>Phase</th><th>Tasks</th></tr>${phases}</table>
<div class="scroll">${graph(tasks, project)}</div>
</section>`;
}

function graph(tasks: ReportTask[], project: string): string {
  // Columns are waves (phase order when the plan has none); rows keep file order.
  const column = (t: ReportTask) => (t.wave > 0 ? t.wave - 1 : t.phase - 1);
  const columns = new Map<number, ReportTask[]>();
  for (const t of tasks) columns.set(column(t), [...(columns.get(column(t)) ?? []), t]);
  const colW = 130, rowH = 50, nodeW = 92, nodeH = 36, pad = 20, top = 26;
  const pos = new Map<string, { x: number; y: number }>();
  for (const [c, list] of columns) list.forEach((t, r) => pos.set(t.id, { x: pad + c * colW, y: top + r * rowH }));
  const cols = Math.max(...columns.keys(), 0) + 1;
  const rows = Math.max(...[...columns.values()].map((l) => l.length), 1);
  const width = pad * 2 + (cols - 1) * colW + nodeW, height = top + rows * rowH + 6;
  const marker = `arrow-${project.replace(/[^\w-]/g, '_')}`;
  const headers = Array.from({ length: cols }, (_, c) => `<text x="${pad + c * colW + nodeW / 2}" y="14" text-anchor="middle" fill="#666">wave ${c + 1}</text>`).join('');
  const edges = tasks.flatMap((t) => t.dependsOn.filter((d) => pos.has(d)).map((d) => {
    const a = pos.get(d)!, b = pos.get(t.id)!;
    const x1 = a.x + nodeW, y1 = a.y + nodeH / 2, x2 = b.x - 2, y2 = b.y + nodeH / 2, mid = (x1 + x2) / 2;
    return `<path class="edge" data-from="${esc(d)}" data-to="${esc(t.id)}" d="M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}" fill="none" stroke="#9a9a9a" stroke-width="1.3" marker-end="url(#${marker})"/>`;
  })).join('');
  const nodes = tasks.map((t) => {
    const { x, y } = pos.get(t.id)!;
    const title = `${t.id} ${t.description} (phase ${t.phase}, wave ${t.wave || '?'}): ${t.status}${t.blockedBy?.length ? `, blocked by ${t.blockedBy.join(', ')}` : ''}`;
    return `<g class="node" data-task="${esc(t.id)}" data-status="${t.status}" data-phase="${t.phase}"><title>${esc(title)}</title>`
      + `<rect x="${x}" y="${y}" width="${nodeW}" height="${nodeH}" rx="5" fill="${STATUS_COLOURS[t.status]}" stroke="#555" stroke-width="0.6"/>`
      + `<text x="${x + nodeW / 2}" y="${y + 15}" text-anchor="middle" fill="${TEXT_ON[t.status]}" font-weight="600">${esc(t.id)}</text>`
      + `<text x="${x + nodeW / 2}" y="${y + 29}" text-anchor="middle" fill="${TEXT_ON[t.status]}" font-size="10">phase ${t.phase}</text></g>`;
  }).join('');
  return `<svg class="graph" data-project="${esc(project)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="Task graph of ${esc(project)}">`
    + `<defs><marker id="${marker}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#9a9a9a"/></marker></defs>`
    + `${headers}${edges}${nodes}</svg>`;
}
