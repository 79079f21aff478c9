import type { FailureKind } from './output/failure';

export type PresetName = 'claude' | 'codex' | 'gemini' | 'cursor' | 'copilot' | 'opencode' | 'replay' | 'command';

/** The `agent` option, object form. */
export interface AgentConfig {
  preset?: PresetName;
  /** Without a preset: the whole command. With a preset: replaces only the program (e.g. ["npx", "claude"]); the preset's flags still follow. */
  command?: string[];
  /** Extra arguments, placed after the preset's flags and before any trailing prompt marker. */
  args?: string[];
  env?: Record<string, string>;
  timeoutSeconds?: number;
  retries?: number;
  model?: string;
  /** The most one run of the agent may spend, in dollars, enforced by the CLI itself (claude's `--max-budget-usd`); presets whose CLI has no such limit refuse it. */
  maxBudgetUsd?: number;
  /** What the task record and reports call this agent (default: the preset name); tells fallbacks of one preset apart. */
  name?: string;
}

export type AgentOption = PresetName | AgentConfig;

/** One agent, or fallbacks in order: the next takes the task when one fails for quota, rate limit, overload or auth. */
export type AgentChoice = AgentOption | AgentOption[];

/** Normalised, ready to spawn. */
export interface ResolvedAgent {
  name: string;
  /** [exe, ...args] without the prompt. */
  command: string[];
  /** 'arg': the prompt is appended as one argv element (still no shell) and stdin is left empty. */
  promptVia: 'stdin' | 'arg';
  env: Record<string, string>;
  timeoutSeconds: number;
  retries: number;
  install?: string;
  /** AgentConfig.name, when given: the name records and reports use instead of `name`. */
  label?: string;
}

export interface AgentRunContext {
  workspaceRoot: string;
  taskId: string;
  featureDir: string;
  tasksFile: string;
  taskFiles: string[];
  prompt: string;
  logFile: string;
  promptFile: string;
  signal?: AbortSignal;
  onAttempt?(attempt: number): void;
}

export interface AgentUsage {
  costUsd?: number;
  inputTokens?: number;
  outputTokens?: number;
  cachedInputTokens?: number;
  turns?: number;
  sessionId?: string;
  model?: string;
}

export interface AgentAttempt {
  attempt: number;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  durationMs: number;
  ok: boolean;
  error?: string;
  /** Why it failed, as far as the CLI's output tells (decides whether another agent could help). */
  failureKind?: FailureKind;
  usage: AgentUsage;
}

export interface AgentRunResult {
  ok: boolean;
  attempts: AgentAttempt[];
  /** Cost and tokens summed over attempts; session id and model of the last attempt that reported one. */
  usage: AgentUsage;
  error?: string;
  /** The last attempt's failure kind. */
  failureKind?: FailureKind;
  aborted: boolean;
}
