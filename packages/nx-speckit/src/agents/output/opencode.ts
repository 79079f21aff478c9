import type { AgentUsage } from '../types';
import { add, exitError, isObject, jsonLines, num, str } from './json';
import type { ParsedOutput } from './types';

function errorText(e: unknown): string {
  if (typeof e === 'string') return e;
  if (!isObject(e)) return 'error event';
  const data = isObject(e.data) ? e.data : {};
  return str(data.message) ?? str(e.message) ?? str(e.name) ?? JSON.stringify(e);
}

/** opencode `run --format json`: JSON lines (step_start, text, tool_use, step_finish with cost/tokens, error). */
export function parseOpencodeOutput(stdout: string, exitCode: number | null = 0, stderr = ''): ParsedOutput {
  const usage: AgentUsage = {};
  let error: string | undefined;
  for (const ev of jsonLines(stdout)) {
    usage.sessionId = str(ev.sessionID) ?? usage.sessionId;
    const part = isObject(ev.part) ? ev.part : {};
    if (ev.type === 'step_finish') {
      const t = isObject(part.tokens) ? part.tokens : {};
      const cache = isObject(t.cache) ? t.cache : {};
      usage.costUsd = add(usage.costUsd, num(part.cost));
      usage.inputTokens = add(usage.inputTokens, num(t.input));
      usage.outputTokens = add(usage.outputTokens, num(t.output));
      usage.cachedInputTokens = add(usage.cachedInputTokens, num(cache.read));
      usage.turns = (usage.turns ?? 0) + 1;
    } else if (ev.type === 'error' || ev.type === 'session.error') {
      const props = isObject(ev.properties) ? ev.properties : {};
      error ??= errorText(ev.error ?? props.error);
    }
    // A tool_use whose state is "error" is not a run failure: the model usually recovers.
  }
  if (error) return { ok: false, error: `opencode reported an error: ${error}`, usage };
  if (exitCode !== 0) return { ok: false, error: `opencode ${exitError(exitCode, stderr)}`, usage };
  return { ok: true, usage };
}
