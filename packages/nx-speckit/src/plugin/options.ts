import type { AgentOption } from '../agents/types';

/** Picks a different agent for some tasks: first matching rule wins, else `agent`. */
export interface AgentRule {
  /** Feature folder name (`001-albums`) or a prefix ending in `*` (`00*`). */
  feature?: string;
  /** Case-insensitive regular expression on the task text (`\\btests?\\b`). */
  text?: string;
  /** Story label (`US1`). */
  story?: string;
  agent: AgentOption;
}

/** Options of the `nx-speckit` entry in nx.json `plugins` (`include`/`exclude` are Nx's own). */
export interface SpeckitPluginOptions {
  /** Base target name: `implement`, `implement--T001`, `implement--US1`, … */
  targetName?: string;
  /** Agent preset name or `{ preset?, command?, args?, env?, timeoutSeconds?, retries?, model? }`. */
  agent?: AgentOption;
  /** Per-feature or per-task-type agents. */
  agentRules?: AgentRule[];
  /** `story`: tasks inside a phase wait only for their own `[USn]` lane (contract rule 7). */
  lanes?: 'story' | 'none';
  /** Cache task results in Nx's cache (default true). */
  cache?: boolean;
  /** Command (argv, no shell) run after each task's agent; a non-zero exit fails the task. */
  verify?: string[];
  /** Start even when `checklists/` has unchecked items (spec-kit stops there by default). */
  allowIncompleteChecklists?: boolean;
  /** Save every verified agent run as a replay recording. */
  record?: boolean;
}

export type NormalizedOptions = Required<Omit<SpeckitPluginOptions, 'verify'>> & { verify?: string[] };

export function normalizeOptions(options: SpeckitPluginOptions | undefined): NormalizedOptions {
  const targetName = options?.targetName?.trim() || 'implement';
  if (!/^[\w:.-]+$/.test(targetName)) {
    throw new Error(`nx-speckit: targetName "${targetName}" may only contain letters, digits, "_", "-", "." and ":"`);
  }
  const lanes = options?.lanes ?? 'none';
  if (lanes !== 'story' && lanes !== 'none') throw new Error(`nx-speckit: lanes must be "story" or "none", not "${lanes}"`);
  for (const rule of options?.agentRules ?? []) {
    if (rule.text) new RegExp(rule.text, 'i'); // fail at graph time, naming the bad pattern, not mid-run
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
  };
}
