/** The human summary printed at the end of a run: plain text, no colours, no cursor movement. */
import { phaseLabel } from '@nx-speckit/tasks-md';
import { usageText } from '../agents/usage';
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

export function formatSummary(report: RunReport, options: SummaryOptions = {}): string {
  const out: string[] = [];
  out.push(`nx-speckit run: ${report.outcome.toUpperCase()} (${report.reason})`);

  for (const feature of report.features) {
    out.push('', `${feature.project} (${feature.dir}): ${feature.finished}/${feature.total} tasks done`);
    const width = Math.max(...feature.phases.map((p) => phaseLabel(p).length), 0);
    for (const phase of feature.phases) {
      out.push(`  ${phaseLabel(phase).padEnd(width)}  ${countsText(phase.counts)}`);
    }
    for (const w of feature.warnings) out.push(`  warning: ${w}`);
  }

  // Tasks the budget kept from starting have nothing to fix: they are listed apart.
  const failed = report.tasks.filter((t) => t.status === 'failed' && !t.notStarted);
  if (failed.length || report.failedTargets?.length) out.push('', 'Failed:');
  if (failed.length) {
    for (const t of failed) {
      out.push(`  ${t.project} ${t.id} ${t.description}`);
      out.push(...indent(`cause: ${t.error ?? 'unknown'}`, '    ', '           '));
      if (t.log) out.push(`    log:   ${t.log}`);
      if (t.worktree) out.push(`    worktree (kept until the next run): ${t.worktree}`);
      out.push(...indent(nextSteps(report, t).join('\n'), '    next:  ', '           '));
    }
  }

  for (const f of report.failedTargets ?? []) {
    out.push(`  ${f.project}:${f.target}`);
    out.push(...indent(`cause: ${f.error}`, '    ', '           '));
    out.push(...indent(nextSteps(report, f).join('\n'), '    next:  ', '           '));
  }

  const refused = report.tasks.filter((t) => t.notStarted);
  if (refused.length) {
    out.push('', `Not started (${refused[refused.length - 1].notStarted}; the next run resumes them):`);
    for (const t of refused) out.push(`  ${t.project} ${t.id} ${t.description}`);
  }

  const undeclared = report.tasks.filter((t) => t.changes?.undeclared.length);
  if (undeclared.length) {
    out.push('', 'Changed outside the files the task declares:');
    for (const t of undeclared) out.push(`  ${t.project} ${t.id}: ${t.changes!.undeclared.join(', ')}`);
  }

  const fellBack = report.tasks.filter((t) => t.skippedAgents?.length);
  if (fellBack.length) {
    out.push('', 'Fallback agents (an agent failed for quota, rate limit, overload or auth; the next took the task):');
    for (const t of fellBack) out.push(`  ${t.project} ${t.id}: ${t.status} by ${t.agent}; ${skippedText(t)}`);
  }

  if (report.budget) out.push('', ...budgetLines(report.budget));

  if (report.resources?.length) {
    out.push('', 'Exclusive resources (the tasks on each ran one at a time):');
    for (const r of report.resources) {
      out.push(
        `  ${r.name}: ${r.tasks.length} task${r.tasks.length === 1 ? '' : 's'}, waited ${duration(r.waitedMs)} in all`,
      );
      for (const t of r.tasks.filter((w) => w.heldBy?.length))
        out.push(`    ${t.project} ${t.id} waited ${duration(t.waitedMs)} for ${t.heldBy!.join(', ')}`);
    }
  }

  const blocked = report.tasks.filter((t) => t.status === 'blocked');
  if (blocked.length) {
    out.push('', 'Blocked (not run because a prerequisite failed):');
    for (const t of blocked) {
      out.push(
        `  ${t.project} ${t.id} ${t.description}  <- blocked by ${t.blockedBy?.length ? t.blockedBy.join(', ') : 'a failed prerequisite'}`,
      );
    }
  }

  const { wallMs, sequentialMs, savedMs } = report.timing;
  out.push(
    '',
    `Time: wall ${duration(wallMs)}, sequential ${duration(sequentialMs)} (sum of task durations), parallelism saved ${duration(savedMs)}`,
  );
  out.push(`Cost: ${usageText(report.usage) || 'not reported by the agents'}`);
  for (const a of report.agents) {
    out.push(`  ${a.agent}: ${a.tasks} task${a.tasks === 1 ? '' : 's'}${usageText(a) ? `, ${usageText(a)}` : ''}`);
  }
  if (options.files?.length) out.push(`Report: ${options.files.join(', ')}`);
  return `${out.join('\n')}\n`;
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
  return t.target.slice(0, t.target.length - t.id.length - 2);
}

function indent(text: string, first: string, rest: string): string[] {
  return text.split('\n').map((line, i) => `${i ? rest : first}${line}`);
}

export function duration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
