import type { AgentUsage } from '../types';
import { exitError, isObject, jsonLines, lastJsonObject, num, str, type Json } from './json';
import type { ParsedOutput } from './types';

/** The `result` object of `--output-format json` (one object) or `stream-json` (last line of type result). */
function findResult(stdout: string): Json | undefined {
  const whole = lastJsonObject(stdout);
  if (whole?.type === 'result') return whole;
  return jsonLines(stdout)
    .filter((o) => o.type === 'result')
    .pop();
}

/**
 * The usage a Claude result object reports (cost, tokens, turns, session) for the task record and the
 * budget. The model is named only when the run used exactly one.
 */
export function claudeUsage(r: Json): AgentUsage {
  const u = isObject(r.usage) ? r.usage : {};
  const models = isObject(r.modelUsage) ? Object.keys(r.modelUsage) : [];
  return {
    costUsd: num(r.total_cost_usd),
    inputTokens: num(u.input_tokens),
    outputTokens: num(u.output_tokens),
    cachedInputTokens: num(u.cache_read_input_tokens),
    turns: num(r.num_turns),
    sessionId: str(r.session_id),
    model: models.length === 1 ? models[0] : undefined,
  };
}

/**
 * Claude Code `-p --output-format json`. A run failed when `is_error` is true (API errors come back as
 * subtype "success" with is_error true and exit 1) or the subtype is not "success" (error_max_turns, …).
 */
export function parseClaudeOutput(stdout: string, exitCode: number | null = 0, stderr = ''): ParsedOutput {
  const r = findResult(stdout);
  if (!r) {
    return {
      ok: false,
      error:
        exitCode === 0 ? 'Claude printed no result JSON' : `Claude ${exitError(exitCode, stderr)} (no result JSON)`,
      usage: {},
    };
  }
  const usage = claudeUsage(r);
  const subtype = str(r.subtype) ?? 'unknown';
  if (r.is_error === true || subtype !== 'success') {
    const detail =
      str(r.result) ?? (Array.isArray(r.errors) ? r.errors.filter((e) => typeof e === 'string').join('; ') : '');
    return {
      ok: false,
      error: `Claude ${r.is_error === true ? 'reported an error' : 'stopped'} (${subtype})${detail ? `: ${detail}` : ''}`,
      usage,
    };
  }
  return { ok: true, usage };
}
