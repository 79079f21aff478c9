import type { GateCommandSpec } from '../gates/run-gates';
import type { AgentChoice } from '../agents/types';
import { matchesFeature, type TaskMatcher } from './task-matcher';
import { checkAgentChoice } from '../agents/limits';

/** Picks a different agent for some tasks: first matching rule wins, else `agent`. */
export interface AgentRule extends TaskMatcher {
  agent: AgentChoice;
}

/** A named resource (a simulator, a test database) that the matching tasks never use at the same time. */
export interface ExclusiveResource extends TaskMatcher {
  name: string;
}

/** An `exclusive` entry after validation: `error` says why it is broken (the features it could match cannot run). */
export type NormalizedExclusive = ExclusiveResource & { error?: string };

/** Options of the `nx-speckit` entry in nx.json `plugins` (`include`/`exclude` are Nx's own). */
export interface SpeckitPluginOptions {
  /** Base target name: `implement`, `implement--T001`, `implement--US1`, … */
  targetName?: string;
  /** Agent preset name or `{ preset?, command?, args?, env?, timeoutSeconds?, retries?, model? }`, or a list of them: fallbacks in order. */
  agent?: AgentChoice;
  /** Per-feature or per-task-type agents. */
  agentRules?: AgentRule[];
  /** `story`: tasks inside a phase wait only for their own `[USn]` lane. */
  lanes?: 'story' | 'none';
  /** Cache task results in Nx's cache (default true). */
  cache?: boolean;
  /** Command (argv, no shell) run after each task's agent; a non-zero exit fails the task. */
  verify?: string[];
  /** Start even when `checklists/` has unchecked items (spec-kit stops there by default). */
  allowIncompleteChecklists?: boolean;
  /** Save every verified agent run as a replay recording. */
  record?: boolean;
  /**
   * Quality gates: commands run after a feature's tasks (and optionally after phases), as their
   * own targets. Each entry is an argv array (`["npm", "test"]`, run without a shell) or
   * `{ name?, command: [exe, ...args], phase?, cwd? }`:
   * - no `phase`: part of `<targetName>--gate`, which runs after every task of the feature; the
   *   aggregate `<targetName>` depends on it.
   * - `phase: 2`: part of `<targetName>--phase2-gate`, which runs after phase 2's tasks; every task
   *   that waits for a phase-2 task waits for this gate instead. Features without a phase 2 skip it.
   *   Once some tasks are `[X]`, a phase gate also waits for unfinished work before its finished
   *   tasks, and a finished phase's gate runs again only when open work depends on that phase
   *   (see `phase-gates.ts`). Phases that wait for each other (cross-story dependencies) keep
   *   direct task edges, as a gate between them would close a cycle.
   * - `phase: "each"`: a gate after every phase (the `--phaseN-gate` of each phase).
   * - `cwd`: workspace-relative folder to run in (default: the workspace root).
   * The command's env has SPECKIT_FEATURE_DIR, SPECKIT_PROJECT, SPECKIT_GATE (the name),
   * SPECKIT_PHASE (number or empty) and SPECKIT_WORKSPACE_ROOT. A non-zero exit fails the gate
   * target and so the run. Gate targets are never cached (`cache: false`): a gate checks the
   * workspace as it is now, including files no task declares and installed dependencies, which
   * no cache key covers. The commands live in the gate target's metadata (`nx show project`), not
   * its options, so no target's hashed configuration changes with them; but Nx also hashes
   * nx.json itself, so editing any plugin option there (gates included) invalidates every task.
   */
  gates?: GateOption[];
  /**
   * `worktree`: each task runs in a detached git worktree of a snapshot of the workspace, and its
   * exact changeset lands whole or not at all (see docs/isolation.md). `none`: every agent works
   * in the workspace itself. Default: `worktree` in a git workspace where more than one task can
   * run at once, else `none`.
   */
  isolation?: 'worktree' | 'none';
  /** A changeset that conflicts with work landed meanwhile: re-run the task once on a fresh snapshot (`retry`, default) or fail (`fail`). */
  onConflict?: 'retry' | 'fail';
  /** Ignored workspace folders linked (never copied) into each worktree; default `["node_modules"]`. */
  isolationLinks?: string[];
  /** Once the run's reported cost reaches this many dollars, no new task starts (`SPECKIT_BUDGET_USD` overrides). */
  budgetUsd?: number;
  /** The same in input + output tokens, for agents that report no cost (`SPECKIT_BUDGET_TOKENS` overrides). */
  budgetTokens?: number;
  /**
   * Named resources: tasks that match the same entry's `feature`/`story`/`text` (as in
   * `agentRules`) never run at the same time, in any process of the run; other tasks keep their
   * parallelism. A broken entry makes the features it could match fail at once, naming it.
   */
  exclusive?: ExclusiveResource[];
}

/** A quality-gate command: argv, or the object form (see `SpeckitPluginOptions.gates`). */
export type GateOption = string[] | GateConfig;

export interface GateConfig extends GateCommandSpec {
  /** Run after this phase (number, from 1) or after `each` phase; absent: after the whole feature. */
  phase?: number | 'each';
}

/** A gate after normalisation: named (the command line by default). */
export type NormalizedGate = GateConfig & { name: string };

export type NormalizedOptions = Required<
  Omit<SpeckitPluginOptions, 'verify' | 'gates' | 'isolation' | 'budgetUsd' | 'budgetTokens' | 'exclusive'>
> & {
  verify?: string[];
  gates: NormalizedGate[];
  isolation?: 'worktree' | 'none';
  budgetUsd?: number;
  budgetTokens?: number;
  exclusive: NormalizedExclusive[];
};

// Typed over the interface's keys: an option added there and not here fails to compile.
const KNOWN_OPTIONS = Object.keys({
  targetName: true,
  agent: true,
  agentRules: true,
  lanes: true,
  cache: true,
  verify: true,
  allowIncompleteChecklists: true,
  record: true,
  gates: true,
  isolation: true,
  onConflict: true,
  isolationLinks: true,
  budgetUsd: true,
  budgetTokens: true,
  exclusive: true,
} satisfies Record<keyof SpeckitPluginOptions, true>);

/**
 * The plugin options with their defaults, checked when the graph is built so a mistake fails there, not mid-run.
 * Throws on an unknown or invalid option; a broken `exclusive` entry is kept with its error instead.
 */
export function normalizeOptions(options: SpeckitPluginOptions | undefined): NormalizedOptions {
  // A misspelt option would otherwise be ignored silently (e.g. "agnet": the run uses claude).
  const unknown = Object.keys(options ?? {}).filter((key) => !KNOWN_OPTIONS.includes(key));
  if (unknown.length) {
    throw new Error(
      `nx-speckit: unknown plugin option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')} in nx.json (known: ${KNOWN_OPTIONS.join(', ')})`,
    );
  }
  const targetName = options?.targetName?.trim() || 'implement';
  if (!/^[\w:.-]+$/.test(targetName)) {
    throw new Error(`nx-speckit: targetName "${targetName}" may only contain letters, digits, "_", "-", "." and ":"`);
  }
  const lanes = options?.lanes ?? 'none';
  if (lanes !== 'story' && lanes !== 'none')
    throw new Error(`nx-speckit: lanes must be "story" or "none", not "${lanes}"`);
  const isolation = options?.isolation;
  if (isolation !== undefined && isolation !== 'worktree' && isolation !== 'none')
    throw new Error(`nx-speckit: isolation must be "worktree" or "none", not ${JSON.stringify(isolation)}`);
  const onConflict = options?.onConflict ?? 'retry';
  if (onConflict !== 'retry' && onConflict !== 'fail')
    throw new Error(`nx-speckit: onConflict must be "retry" or "fail", not ${JSON.stringify(onConflict)}`);
  const isolationLinks = options?.isolationLinks ?? ['node_modules'];
  if (
    !Array.isArray(isolationLinks) ||
    isolationLinks.some((l) => typeof l !== 'string' || !l || l.startsWith('/') || l.split(/[\\/]/).includes('..'))
  ) {
    throw new Error(
      `nx-speckit: isolationLinks must be a list of workspace-relative folders, got ${JSON.stringify(isolationLinks)}`,
    );
  }
  for (const key of ['budgetUsd', 'budgetTokens'] as const) {
    const value = options?.[key];
    if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value > 0))
      throw new Error(`nx-speckit: ${key} must be a positive number, not ${JSON.stringify(value)}`);
  }
  for (const rule of options?.agentRules ?? []) {
    if (rule.text) new RegExp(rule.text, 'i'); // fail at graph time, naming the bad pattern, not mid-run
  }
  // A per-run dollar limit on a CLI that cannot keep it fails now, not when the task starts.
  for (const [where, choice] of [
    ['agent', options?.agent],
    ...(options?.agentRules ?? []).map((r, i) => [`agentRules[${i}].agent`, r.agent]),
  ] as const) {
    try {
      checkAgentChoice(choice as AgentChoice | undefined);
    } catch (error) {
      throw new Error(`nx-speckit: ${where} in nx.json: ${(error as Error).message}`, { cause: error });
    }
  }
  return {
    targetName,
    agent: options?.agent ?? 'claude',
    agentRules: options?.agentRules ?? [],
    lanes,
    cache: options?.cache ?? true,
    verify: options?.verify,
    allowIncompleteChecklists: options?.allowIncompleteChecklists ?? false,
    record: options?.record ?? false,
    gates: normalizeGates(options?.gates),
    isolation,
    onConflict,
    isolationLinks,
    ...(options?.budgetUsd !== undefined ? { budgetUsd: options.budgetUsd } : {}),
    ...(options?.budgetTokens !== undefined ? { budgetTokens: options.budgetTokens } : {}),
    exclusive: normalizeExclusive(options?.exclusive),
  };
}

const EXCLUSIVE_FIELDS = ['name', 'feature', 'story', 'text'];

/**
 * Checks `exclusive` entry by entry. A broken entry does not throw: it carries its error, and only
 * the features it could match fail (see `exclusiveErrors`), so the rest of the graph still loads.
 * @throws only when `exclusive` is not a list at all
 */
export function normalizeExclusive(entries: unknown): NormalizedExclusive[] {
  if (entries === undefined || entries === null) return [];
  if (!Array.isArray(entries))
    throw new Error(
      `nx-speckit: exclusive in nx.json must be a list of { name, feature?, story?, text? }, got ${JSON.stringify(entries)}`,
    );
  return entries.map((entry, i) => {
    const problem = exclusiveProblem(entry);
    if (!problem) return { ...(entry as ExclusiveResource) };
    const fields = entry && typeof entry === 'object' ? (entry as Record<string, unknown>) : {};
    return {
      name: String(fields.name ?? ''),
      ...(typeof fields.feature === 'string' ? { feature: fields.feature } : {}),
      error: `nx.json: error: nx-speckit option exclusive[${i}] ${JSON.stringify(entry)}: ${problem}`,
    };
  });
}

/** What is wrong with one `exclusive` entry, or undefined. */
function exclusiveProblem(entry: unknown): string | undefined {
  if (!entry || typeof entry !== 'object' || Array.isArray(entry))
    return 'must be an object { name, feature?, story?, text? }';
  const fields = entry as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((k) => !EXCLUSIVE_FIELDS.includes(k));
  if (unknown.length) return `unknown field(s) ${unknown.join(', ')} (allowed: ${EXCLUSIVE_FIELDS.join(', ')})`;
  // The name becomes a lock folder under .speckit/locks.
  if (typeof fields.name !== 'string' || !/^[A-Za-z0-9][\w-]*$/.test(fields.name))
    return 'name must be letters, digits, "_" or "-" (it names a lock folder)';
  for (const key of ['feature', 'story', 'text']) {
    if (fields[key] !== undefined && (typeof fields[key] !== 'string' || !fields[key]))
      return `${key} must be a non-empty string`;
  }
  // Without one, every task would hold it: that is --parallel=1.
  if (fields.feature === undefined && fields.story === undefined && fields.text === undefined)
    return 'needs feature, story or text to say which tasks hold it';
  try {
    new RegExp((fields.text as string) ?? '', 'i');
  } catch (error) {
    return `text is not a regular expression: ${(error as Error).message}`;
  }
  return undefined;
}

/** The errors of broken `exclusive` entries that could apply to `feature` (all of them, unless scoped to another feature). */
export function exclusiveErrors(entries: NormalizedExclusive[], feature: string): string[] {
  return entries.filter((e) => e.error && matchesFeature(e, feature)).map((e) => e.error!);
}

/** Validates `gates` at graph time, so a typo fails `nx show project`, not the end of a long run. */
export function normalizeGates(gates: unknown): NormalizedGate[] {
  if (gates === undefined || gates === null) return [];
  if (!Array.isArray(gates))
    throw new Error(`nx-speckit: gates must be a list of commands, got ${JSON.stringify(gates)}`);
  return gates.map((gate, i) => normalizeGate(gate, `nx-speckit: gates[${i}]`));
}

const GATE_FIELDS = new Set(['name', 'command', 'phase', 'cwd']);

function normalizeGate(gate: unknown, where: string): NormalizedGate {
  const config = (Array.isArray(gate) ? { command: gate } : gate) as GateConfig;
  if (!config || typeof config !== 'object')
    throw new Error(`${where} must be an argv array or { name?, command, phase?, cwd? }, got ${JSON.stringify(gate)}`);
  const problem = gateProblem(config);
  if (problem) throw new Error(`${where}${problem}`);
  const { command, name, phase, cwd } = config;
  return {
    name: name?.trim() ?? command.join(' '),
    command: [...command],
    ...(phase !== undefined ? { phase } : {}),
    ...(cwd !== undefined ? { cwd } : {}),
  };
}

/** What is wrong with one gate's object form, worded to follow `gates[i]`; undefined when nothing is. */
function gateProblem(config: GateConfig): string | undefined {
  const unknown = Object.keys(config).filter((k) => !GATE_FIELDS.has(k));
  if (unknown.length) return ` has unknown field(s) ${unknown.join(', ')} (allowed: name, command, phase, cwd)`;
  const { command, name, phase, cwd } = config;
  if (!Array.isArray(command) || command.length === 0 || command.some((a) => typeof a !== 'string') || !command[0]) {
    return `.command must be a non-empty argv array of strings ([exe, ...args], no shell), got ${JSON.stringify(command)}`;
  }
  if (name !== undefined && (typeof name !== 'string' || !name.trim())) return '.name must be a non-empty string';
  if (phase !== undefined && phase !== 'each' && !(Number.isInteger(phase) && (phase as number) >= 1)) {
    return `.phase must be a phase number (1, 2, …) or "each", got ${JSON.stringify(phase)}`;
  }
  if (
    cwd !== undefined &&
    (typeof cwd !== 'string' || cwd.startsWith('/') || /^[A-Za-z]:/.test(cwd) || cwd.split(/[\\/]/).includes('..'))
  ) {
    return `.cwd must be a workspace-relative folder inside the workspace, got ${JSON.stringify(cwd)}`;
  }
  return undefined;
}
