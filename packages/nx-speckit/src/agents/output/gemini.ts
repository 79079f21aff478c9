import type { AgentUsage } from '../types';
import { classifyFailure, stderrCause } from './failure';
import { add, isObject, lastJsonObject, num, str, type Json } from './json';
import type { ParsedOutput } from './types';

/** Gemini CLI's exit codes with a fixed meaning (FatalError subclasses); API errors exit with the HTTP status mod 256. */
export const GEMINI_EXIT_REASONS: Record<number, string> = {
  1: 'general error',
  41: 'authentication error',
  42: 'input error',
  44: 'sandbox error',
  52: 'configuration error',
  53: 'turn limit exceeded',
  54: 'tool execution error',
  55: 'folder not trusted',
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

/** An API error's message is the API's JSON body as text: the readable message and HTTP status are inside. */
function errorDetail(err: Json): { message?: string; status?: number } {
  const message = str(err.message);
  try {
    const inner = JSON.parse(message ?? '');
    if (isObject(inner) && isObject(inner.error))
      return { message: str(inner.error.message) ?? message, status: num(inner.error.code) };
  } catch {
    // a plain message
  }
  const code = num(err.code);
  return { message, status: code !== undefined && code >= 100 ? code : undefined };
}

/**
 * Gemini `--output-format json`: `{response, stats, error?}`, the error object on stdout or stderr.
 * Any non-zero exit is a failure; without an error object the cause is stderr's `Error:` or last line.
 */
export function parseGeminiOutput(stdout: string, exitCode: number | null = 0, stderr = ''): ParsedOutput {
  const o = lastJsonObject(stdout) ?? lastJsonObject(stderr);
  const usage = o ? geminiUsage(o) : {};
  const err = o && isObject(o.error) ? o.error : undefined;
  if (!err && exitCode === 0)
    return o ? { ok: true, usage } : { ok: false, error: 'Gemini printed no JSON result', usage };
  const { message, status } = err ? errorDetail(err) : { message: stderrCause(stderr) };
  const reason = exitCode ? GEMINI_EXIT_REASONS[exitCode] : undefined;
  const what = [exitCode ? `exit ${exitCode}` : undefined, reason, status ? `HTTP ${status}` : undefined]
    .filter(Boolean)
    .join(', ');
  return {
    ok: false,
    error: `Gemini failed${what ? ` (${what})` : ''}: ${message ?? 'no error message'}`,
    failureKind: classifyFailure(`${reason ?? ''} ${message ?? ''}`, status),
    usage,
  };
}
