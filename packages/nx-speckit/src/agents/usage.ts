/** What agents report they spent: summed over attempts and tasks, and said in one line for people. */
import { add } from './output/json';
import type { AgentUsage } from './types';

/** Cost and tokens summed; session id and model of the last usage that reported one. */
export function sumUsages(usages: Array<AgentUsage | undefined>): AgentUsage {
  const u: AgentUsage = {};
  for (const a of usages) {
    if (!a) continue;
    u.costUsd = add(u.costUsd, a.costUsd);
    u.inputTokens = add(u.inputTokens, a.inputTokens);
    u.outputTokens = add(u.outputTokens, a.outputTokens);
    u.cachedInputTokens = add(u.cachedInputTokens, a.cachedInputTokens);
    u.turns = add(u.turns, a.turns);
    u.sessionId = a.sessionId ?? u.sessionId;
    u.model = a.model ?? u.model;
  }
  return Object.fromEntries(Object.entries(u).filter(([, v]) => v !== undefined));
}

/** `$0.1234, 1,200 in / 340 out tokens`; empty when the agent reported neither. */
export function usageText(u: AgentUsage): string {
  const parts: string[] = [];
  if (u.costUsd !== undefined) parts.push(`$${u.costUsd.toFixed(4)}`);
  if (u.inputTokens !== undefined || u.outputTokens !== undefined) {
    parts.push(
      `${(u.inputTokens ?? 0).toLocaleString('en-US')} in / ${(u.outputTokens ?? 0).toLocaleString('en-US')} out tokens`,
    );
  }
  return parts.join(', ');
}
