import type { AgentUsage } from '../types';
import { add, exitError, isObject, lastJsonObject, num, str, type Json } from './json';
import type { ParsedOutput } from './types';

/** Gemini CLI's documented exit codes (FatalError subclasses). */
export const GEMINI_EXIT_REASONS: Record<number, string> = {
  1: 'general error',
  41: 'authentication error',
  42: 'input error',
  44: 'sandbox error',
  52: 'configuration error',
  53: 'turn limit exceeded',
  54: 'tool execution error',
  130: 'cancelled',
};

function geminiUsage(o: Json): AgentUsage {
  const usage: AgentUsage = { sessionId: str(o.session_id) };
  const models = isObject(o.stats) && isObject(o.stats.models) ? o.stats.models : {};
  const names = Object.keys(models);
  for (const name of names) {
    const m = models[name];
    const t = isObject(m) && isObject(m.tokens) ? m.tokens : {};
    usage.inputTokens = add(usage.inputTokens, num(t.prompt) ?? num(t.input));
    usage.outputTokens = add(usage.outputTokens, num(t.candidates));
    usage.cachedInputTokens = add(usage.cachedInputTokens, num(t.cached));
    const api = isObject(m) && isObject(m.api) ? m.api : {};
    usage.turns = add(usage.turns, num(api.totalRequests));
  }
  if (names.length === 1) usage.model = names[0];
  return usage;
}

/** Gemini `--output-format json`: `{response, stats, error?}`; errors may be printed on stderr instead of stdout. */
export function parseGeminiOutput(stdout: string, exitCode: number | null = 0, stderr = ''): ParsedOutput {
  const o = lastJsonObject(stdout) ?? lastJsonObject(stderr);
  const usage = o ? geminiUsage(o) : {};
  const err = o && isObject(o.error) ? o.error : undefined;
  const code = exitCode ?? undefined;
  const reason = code !== undefined && code !== 0 ? (GEMINI_EXIT_REASONS[code] ?? 'error') : undefined;
  if (err || reason) {
    const msg = err ? (str(err.message) ?? JSON.stringify(err)) : undefined;
    const what = reason ? `exit ${code}, ${reason}` : (str(err?.type) ?? 'error');
    return { ok: false, error: `Gemini failed (${what})${msg ? `: ${msg}` : exitCode ? `: ${exitError(exitCode, stderr)}` : ''}`, usage };
  }
  if (!o) return { ok: false, error: 'Gemini printed no JSON result', usage };
  return { ok: true, usage };
}
