import { stripVTControlCharacters } from 'node:util';
import type { AgentUsage } from '../types';
import { add, exitError, isObject, jsonLines, num, str, type Json } from './json';
import type { ParsedOutput } from './types';

function errorText(e: unknown): string {
  if (typeof e === 'string') return e;
  if (!isObject(e)) return 'error event';
  const data = isObject(e.data) ? e.data : {};
  return str(data.message) ?? str(e.message) ?? str(e.name) ?? JSON.stringify(e);
}

/** `opencode run` rejects every permission that would ask, and says which on stderr (with colour codes). */
function refusal(part: Json, stderr: string): string {
  const state = isObject(part.state) ? part.state : {};
  const input = isObject(state.input) ? state.input : {};
  const target = str(input.filePath) ?? str(input.path) ?? str(input.command);
  const asked = [
    ...stripVTControlCharacters(stderr).matchAll(/permission requested: (.+?); auto-rejecting/g),
  ].pop()?.[1];
  const why = asked ? `permission requested: ${asked}` : (str(state.error) ?? 'permission rejected');
  return `opencode refused the ${str(part.tool) ?? 'tool'} call${target ? ` on ${target}` : ''} (${why}): headless runs reject whatever would ask`;
}

/**
 * opencode `run --format json`: JSON lines (step_start, text, tool_use, step_finish with cost/tokens, error).
 * A rejected permission fails the run even when opencode exits 0: the work it was asked for did not happen.
 */
export function parseOpencodeOutput(stdout: string, exitCode: number | null = 0, stderr = ''): ParsedOutput {
  const usage: AgentUsage = {};
  let error: string | undefined;
  let refused: string | undefined;
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
    // Other tool errors are not a run failure: the model usually recovers.
    const state = isObject(part.state) ? part.state : {};
    if (ev.type === 'tool_use' && state.status === 'error' && /rejected permission/i.test(str(state.error) ?? ''))
      refused ??= refusal(part, stderr);
  }
  if (refused) return { ok: false, error: refused, failureKind: 'other', usage };
  if (error) return { ok: false, error: `opencode reported an error: ${error}`, usage };
  if (exitCode !== 0) return { ok: false, error: `opencode ${exitError(exitCode, stderr)}`, usage };
  return { ok: true, usage };
}
