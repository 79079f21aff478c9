/** The human summary printed at the end of a run: plain text, no colours, no cursor movement. */
import { phaseLabel } from '@nx-speckit/tasks-md';
import { usageText } from '../agents/usage';
import { baseOfSubTarget } from '../names';
import { STATUSES, type ReportTask, type ReportTaskStatus, type RunReport } from './types';

const LABELS: Record<ReportTaskStatus, string> = {
  done: 'done',
  cached: 'cached',
  'already-done': 'already done',
  failed: 'failed',
  blocked: 'blocked',
  'not-run': 'not run',
};

export interface SummaryOptions {
  /** Workspace-relative paths of the written report files. */
  files?: string[];
}

/** The text printed at the end of a run: outcome, counts per phase, failures with next steps, then time and cost. */
export function formatSummary(report: RunReport, options: SummaryOptions = {}): string {
  const out = [
    `nx-speckit run: ${report.outcome.toUpperCase()} (${report.reason})`,
    ...featureLines(report),
    ...failureLines(report),
    ...refusedLines(report),
    ...undeclaredLines(report),
    ...fallbackLines(report),
    ...(report.budget ? ['', ...budgetLines(report.budget)] : []),
    ...resourceLines(report),
    ...blockedLines(report),
    ...timeAndCostLines(report),
    ...(options.files?.length ? [`Report: ${options.files.join(', ')}`] : []),
  ];
  return `${out.join('\n')}\n`;
}

/** Per feature: its progress, a line per phase, its warnings. */
function featureLines(report: RunReport): string[] {
  const out: string[] = [];
  for (const feature of report.features) {
    out.push('', `${feature.project} (${feature.dir}): ${feature.finished}/${feature.total} tasks done`);
    const width = Math.max(...feature.phases.map((p) => phaseLabel(p).length), 0);
    for (const phase of feature.phases) {
      out.push(`  ${phaseLabel(phase).padEnd(width)}  ${countsText(phase.counts)}`);
    }
    for (const w of feature.warnings) out.push(`  warning: ${w}`);
  }
  return out;
}

/** Failed tasks and other failed targets, each with its cause, log and next steps. */
function failureLines(report: RunReport): string[] {
  // Tasks the budget kept from starting have nothing to fix: they are listed apart.
  const failed = report.tasks.filter((t) => t.status === 'failed' && !t.notStarted);
  const targets = report.failedTargets ?? [];
  if (!failed.length && !targets.length) return [];
  const out = ['', 'Failed:'];
  for (const t of failed) {
    out.push(`  ${t.project} ${t.id} ${t.description}`);
    out.push(...indent(`cause: ${t.error ?? 'unknown'}`, '    ', '           '));
    if (t.log) out.push(`    log:   ${t.log}`);
    if (t.worktree) out.push(`    worktree (kept until the next run): ${t.worktree}`);
    out.push(...indent(nextSteps(report, t).join('\n'), '    next:  ', '           '));
  }
  for (const f of targets) {
    out.push(`  ${f.project}:${f.target}`);
    out.push(...indent(`cause: ${f.error}`, '    ', '           '));
    out.push(...indent(nextSteps(report, f).join('\n'), '    next:  ', '           '));
  }
  return out;
}

function refusedLines(report: RunReport): string[] {
  const refused = report.tasks.filter((t) => t.notStarted);
  if (!refused.length) return [];
  return [
    '',
    `Not started (${refused[refused.length - 1].notStarted}; the next run resumes them):`,
    ...refused.map((t) => `  ${t.project} ${t.id} ${t.description}`),
  ];
}

function undeclaredLines(report: RunReport): string[] {
  const undeclared = report.tasks.filter((t) => t.changes?.undeclared.length);
  if (!undeclared.length) return [];
  return [
    '',
    'Changed outside the files the task declares:',
    ...undeclared.map((t) => `  ${t.project} ${t.id}: ${t.changes!.undeclared.join(', ')}`),
  ];
}

function fallbackLines(report: RunReport): string[] {
  const fellBack = report.tasks.filter((t) => t.skippedAgents?.length);
  if (!fellBack.length) return [];
  return [
    '',
    'Fallback agents (an agent failed for quota, rate limit, overload or auth; the next took the task):',
    ...fellBack.map((t) => `  ${t.project} ${t.id}: ${t.status} by ${t.agent}; ${skippedText(t)}`),
  ];
}

function resourceLines(report: RunReport): string[] {
  if (!report.resources?.length) return [];
  const out = ['', 'Exclusive resources (the tasks on each ran one at a time):'];
  for (const r of report.resources) {
    out.push(
      `  ${r.name}: ${r.tasks.length} task${r.tasks.length === 1 ? '' : 's'}, waited ${duration(r.waitedMs)} in all`,
    );
    for (const t of r.tasks.filter((w) => w.heldBy?.length))
      out.push(`    ${t.project} ${t.id} waited ${duration(t.waitedMs)} for ${t.heldBy!.join(', ')}`);
  }
  return out;
}

function blockedLines(report: RunReport): string[] {
  const blocked = report.tasks.filter((t) => t.status === 'blocked');
  if (!blocked.length) return [];
  return [
    '',
    'Blocked (not run because a prerequisite failed):',
    ...blocked.map(
      (t) =>
        `  ${t.project} ${t.id} ${t.description}  <- blocked by ${t.blockedBy?.length ? t.blockedBy.join(', ') : 'a failed prerequisite'}`,
    ),
  ];
}

function timeAndCostLines(report: RunReport): string[] {
  const { wallMs, sequentialMs, savedMs } = report.timing;
  return [
    '',
    `Time: wall ${duration(wallMs)}, sequential ${duration(sequentialMs)} (sum of task durations), parallelism saved ${duration(savedMs)}`,
    `Cost: ${usageText(report.usage) || 'not reported by the agents'}`,
    ...report.agents.map(
      (a) => `  ${a.agent}: ${a.tasks} task${a.tasks === 1 ? '' : 's'}${usageText(a) ? `, ${usageText(a)}` : ''}`,
    ),
  ];
}

/**
 * `Budget: $4.50 of $4.00 spent; reached, 1 task refused` and a line for each agent the
 * budget could not count. One wording for the summary and the HTML report.
 */
export function budgetLines(budget: NonNullable<RunReport['budget']>): string[] {
  const spent = [
    ...(budget.usd !== undefined ? [`$${budget.spent.costUsd.toFixed(2)} of $${budget.usd.toFixed(2)}`] : []),
    ...(budget.tokens !== undefined
      ? [`${budget.spent.tokens.toLocaleString('en-US')} of ${budget.tokens.toLocaleString('en-US')} tokens`]
      : []),
  ].join(', ');
  const n = budget.refused.length;
  const lines = [`Budget: ${spent} spent${budget.reached ? `; reached, ${n} task${n === 1 ? '' : 's'} refused` : ''}`];
  for (const a of budget.notEnforced) lines.push(`  budget not enforced for ${a.agent}: ${a.reason}`);
  return lines;
}

/** `3 done, 1 failed`: the non-zero counts in status order, or `no tasks`. Shared with the HTML report. */
export function countsText(counts: Record<ReportTaskStatus, number>): string {
  const parts = STATUSES.filter((s) => counts[s]).map((s) => `${counts[s]} ${LABELS[s]}`);
  return parts.length ? parts.join(', ') : 'no tasks';
}

/**
 * What to do about a failed task or target: re-run it (after the log, if there is one), then
 * what it blocked. One wording for the summary and the HTML report.
 */
export function nextSteps(
  report: RunReport,
  failure: { project: string; target: string; id?: string; log?: string },
): string[] {
  const key = failure.id ?? failure.target;
  const blocked = report.tasks.filter((b) => b.project === failure.project && b.blockedBy?.includes(key));
  const steps = [
    `${failure.log ? 'read the log, fix' : 'fix'} the cause, then run: npx nx run ${failure.project}:${failure.target}`,
  ];
  if (blocked.length)
    steps.push(
      `then the ${blocked.length === 1 ? 'task' : `${blocked.length} tasks`} it blocked: npx nx run ${failure.project}:${baseTarget(blocked[0])}`,
    );
  return steps;
}

/** `skipped claude (quota: <its error>)`, one wording for the summary and the HTML report. */
export function skippedText(t: ReportTask): string {
  return `skipped ${(t.skippedAgents ?? []).map((s) => `${s.agent} (${s.failureKind}: ${s.error})`).join(', ')}`;
}

function baseTarget(t: ReportTask): string {
  return baseOfSubTarget(t.target, t.id) ?? t.target;
}

function indent(text: string, first: string, rest: string): string[] {
  return text.split('\n').map((line, i) => `${i ? rest : first}${line}`);
}

/** `42.0s`, `3m 05s` or `1h 02m`: a duration as the summary and the HTML report show it. */
export function duration(ms: number): string {
  // Rounded before choosing the form: 59,960 ms is `1m 00s`, not `60.0s`.
  const tenths = Math.round(ms / 100);
  if (tenths < 600) return `${(tenths / 10).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
