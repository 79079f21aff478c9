import type { AgentUsage } from '../types';
import { add, exitError, isObject, jsonLines, num, str } from './json';
import type { ParsedOutput } from './types';

function message(e: unknown): string | undefined {
  if (typeof e === 'string') return e;
  return isObject(e) ? (str(e.message) ?? JSON.stringify(e)) : undefined;
}

/**
 * Codex `exec --json` JSON lines. `turn.failed` is always fatal; an `error` event is fatal unless a
 * later `turn.completed` shows the run recovered (codex reports transient reconnects as errors).
 */
export function parseCodexOutput(stdout: string, exitCode: number | null = 0, stderr = ''): ParsedOutput {
  const usage: AgentUsage = {};
  let failed: string | undefined;
  let pendingError: string | undefined;
  let completed = false;
  for (const ev of jsonLines(stdout)) {
    switch (ev.type) {
      case 'thread.started':
        usage.sessionId = str(ev.thread_id) ?? usage.sessionId;
        break;
      case 'turn.completed': {
        const u = isObject(ev.usage) ? ev.usage : {};
        usage.inputTokens = add(usage.inputTokens, num(u.input_tokens));
        usage.outputTokens = add(usage.outputTokens, num(u.output_tokens));
        usage.cachedInputTokens = add(usage.cachedInputTokens, num(u.cached_input_tokens));
        usage.turns = (usage.turns ?? 0) + 1;
        completed = true;
        pendingError = undefined;
        break;
      }
      case 'turn.failed':
        failed ??= message(ev.error) ?? 'turn failed';
        break;
      case 'error':
        pendingError = message(ev.message ?? ev.error) ?? 'error event';
        break;
    }
  }
  const error = failed ?? pendingError;
  if (error) return { ok: false, error: `Codex turn failed: ${error}`, usage };
  if (!completed) {
    return {
      ok: false,
      error: `Codex ${exitCode === 0 ? 'finished without a turn.completed event' : exitError(exitCode, stderr)}`,
      usage,
    };
  }
  return { ok: true, usage };
}
