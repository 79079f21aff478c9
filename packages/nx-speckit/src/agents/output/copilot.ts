import type { AgentUsage } from '../types';
import { classifyFailure } from './failure';
import { add, exitError, isObject, jsonLines, num, str } from './json';
import type { ParsedOutput } from './types';

/** `--usage-output-file`: tokens per model under `modelMetrics` (its costs are premium requests, not dollars). */
function copilotUsage(usageFile: string | undefined): AgentUsage {
  let o: unknown;
  try {
    o = JSON.parse(usageFile ?? '');
  } catch {
    return {};
  }
  const models = isObject(o) && isObject(o.modelMetrics) ? o.modelMetrics : {};
  const usage: AgentUsage = {};
  for (const m of Object.values(models)) {
    const u = isObject(m) && isObject(m.usage) ? m.usage : {};
    const requests = isObject(m) && isObject(m.requests) ? m.requests : {};
    usage.inputTokens = add(usage.inputTokens, num(u.inputTokens));
    usage.outputTokens = add(usage.outputTokens, num(u.outputTokens));
    usage.cachedInputTokens = add(usage.cachedInputTokens, num(u.cacheReadTokens));
    usage.turns = add(usage.turns, num(requests.count));
  }
  if (Object.keys(models).length === 1) usage.model = Object.keys(models)[0];
  return usage;
}

/**
 * Copilot `-s --output-format json`: JSON lines ending in `{type: "result", exitCode, sessionId}`;
 * errors arrive as `session.error` events (with the HTTP status). Before the session starts (no login),
 * only stderr explains, and its last line is a hint, so the cause is its `Error:` line.
 */
export function parseCopilotOutput(
  stdout: string,
  exitCode: number | null = 0,
  stderr = '',
  usageFile?: string,
): ParsedOutput {
  const events = jsonLines(stdout);
  const result = events.filter((e) => e.type === 'result').pop();
  const usage: AgentUsage = { ...copilotUsage(usageFile), sessionId: result ? str(result.sessionId) : undefined };
  const failure = events.filter((e) => e.type === 'session.error').pop();
  if (failure) {
    const data = isObject(failure.data) ? failure.data : {};
    const message = str(data.message) ?? JSON.stringify(data);
    return {
      ok: false,
      error: `Copilot reported an error: ${message}`,
      failureKind: classifyFailure(message, num(data.statusCode)),
      usage,
    };
  }
  const code = result ? (num(result.exitCode) ?? exitCode) : exitCode;
  if (code !== 0) return { ok: false, error: `Copilot ${exitError(code, stderr)}`, usage };
  if (!result) return { ok: false, error: 'Copilot printed no result event', usage };
  return { ok: true, usage };
}
