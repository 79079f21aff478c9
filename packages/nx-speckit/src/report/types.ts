/** The run report: what `.speckit/reports/latest.json` holds (contract "Run report", plus more). */
import type { FailureKind } from '../agents/output/failure';
import type { ResourceUse } from '../task-runner/resources';

export type RunOutcome = 'complete' | 'partial' | 'halted';

/**
 * - `done`: the agent ran in this run, verification passed, the box was ticked.
 * - `cached`: Nx restored the result from a cache, or the task ran on another machine; the box
 *   was ticked by the report hook.
 * - `already-done`: the box was `[X]` before the task would have run.
 * - `failed`: the task ran and failed (`error` says why).
 * - `blocked`: in the run, but not run because a prerequisite failed (`blockedBy`).
 * - `not-run`: a task of a feature in the run that this run did not include (or Nx stopped it).
 */
export type ReportTaskStatus = 'done' | 'cached' | 'already-done' | 'failed' | 'blocked' | 'not-run';

export const STATUSES: ReportTaskStatus[] = ['done', 'cached', 'already-done', 'failed', 'blocked', 'not-run'];

export interface ReportUsage {
  costUsd?: number;
  inputTokens?: number;
  outputTokens?: number;
  cachedInputTokens?: number;
}

export interface ReportTask {
  project: string;
  id: string;
  status: ReportTaskStatus;
  attempts: number;
  /** ISO times; null for tasks that did not run (the keys are always present). */
  startedAt: string | null;
  endedAt: string | null;
  durationMs?: number;
  /** Whether the task was part of this run's task graph. */
  inRun: boolean;
  /** Nx's own status for the task, when it was in the run. */
  nxStatus?: string;
  description: string;
  /** 1-based phase number (`implement--phase2`). */
  phase: number;
  /** 1-based wave: the earliest step the task could run at with unlimited parallelism. */
  wave: number;
  /** Direct prerequisites (the plan's reduced edges). */
  dependsOn: string[];
  /** The Nx target that runs the task, e.g. `implement--T012`. */
  target: string;
  agent?: string;
  usage?: ReportUsage;
  error?: string;
  /** Failed by the agent: quota, rate-limit, overload, auth or other, as its CLI reported. */
  failureKind?: FailureKind;
  /** Listed agents that failed for quota, rate limit, overload or auth before `agent` took the task. */
  skippedAgents?: { agent: string; failureKind: FailureKind; error: string }[];
  /** Why nx-speckit did not start the task: `budget reached: $4.02 of $4.00`. */
  notStarted?: string;
  /** Exclusive resources the task held: how long it waited for each, and for which tasks. */
  resources?: ResourceUse[];
  /** For blocked tasks: the failed tasks (ids) or gate targets (`implement--phase1-gate`) that stopped it. */
  blockedBy?: string[];
  log?: string;
  warnings?: string[];
  /** Every file the task changed, declared or not (exact when it ran in its own worktree). */
  changes?: { declared: string[]; undeclared: string[] };
  /** A failed task's worktree, kept for inspection until the next run. */
  worktree?: string;
  /** Gantt lane: tasks that overlap in time get different slots (0-based). */
  slot?: number;
}

export interface PhaseCounts {
  number: number;
  title: string;
  total: number;
  counts: Record<ReportTaskStatus, number>;
}

export interface ReportFeature {
  project: string;
  dir: string;
  total: number;
  /** Tasks whose box is ticked after the run (done + cached + already-done). */
  finished: number;
  phases: PhaseCounts[];
  /** Problems found while writing checkpoints for cached tasks. */
  warnings: string[];
  /** Lines of open checkbox items in tasks.md that are not tasks: never run, so never complete. */
  openItems: number[];
}

/** A target of a feature that is not a task (a quality gate, a broken feature's check) and failed. */
export interface FailedTarget {
  project: string;
  target: string;
  error: string;
}

export interface AgentTotals extends ReportUsage {
  agent: string;
  tasks: number;
}

/** The run's budget, when one was set: its limits, what the agents reported, and what it stopped. */
export interface ReportBudget {
  /** Dollar limit of the run (budgetUsd, or SPECKIT_BUDGET_USD). */
  usd?: number;
  /** Token limit of the run, input plus output (budgetTokens, or SPECKIT_BUDGET_TOKENS). */
  tokens?: number;
  /** The run's spend ledger: dollars and tokens reported, and agent runs that reported tokens but no cost. */
  spent: { costUsd: number; tokens: number; unpriced: number };
  /** `budget reached: $4.50 of $4.00`, when the budget kept a task from starting. */
  reached?: string;
  /** Tasks the budget kept from starting, `<project> <id>` (Nx skips what waits for them). */
  refused: string[];
  /** Agents whose runs the budget could not count: `{ agent: "codex", reason: "it reports no cost" }`. */
  notEnforced: { agent: string; reason: string }[];
}

/** One exclusive resource of the run: every task that held it, and how long each waited for it. */
export interface ReportResource {
  name: string;
  tasks: { project: string; id: string; waitedMs: number; heldBy?: string[] }[];
  /** Sum of the tasks' waits. */
  waitedMs: number;
}

export interface RunReport {
  version: 1;
  outcome: RunOutcome;
  /** One sentence on why the outcome is what it is. */
  reason: string;
  startedAt: string;
  endedAt: string;
  command: string;
  counts: Record<ReportTaskStatus, number>;
  timing: {
    /** The whole Nx run, from its start to its end. */
    wallMs: number;
    /** Sum of the durations of the tasks that ran: the run's length one task at a time. */
    sequentialMs: number;
    /** sequentialMs - wallMs, never below 0. */
    savedMs: number;
    /** Most tasks that ran at the same moment. */
    slots: number;
  };
  usage: ReportUsage;
  agents: AgentTotals[];
  features: ReportFeature[];
  tasks: ReportTask[];
  /** Failed targets of the features that are not tasks (gates, checks). */
  failedTargets: FailedTarget[];
  /** Present when the run had a budget. */
  budget?: ReportBudget;
  /** Exclusive resources tasks of the run held (empty without the `exclusive` option). */
  resources: ReportResource[];
}
