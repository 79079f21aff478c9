import type { AgentUsage } from '../types';
import { exitError, isObject, num, str } from './json';
import type { ParsedOutput } from './types';

/**
 * What any executable may write to `$SPECKIT_USAGE_FILE`: one JSON object with any of
 * `costUsd`, `inputTokens`, `outputTokens`, `cachedInputTokens`, `turns` (numbers) and `model`.
 * Anything else, or a file that is not a JSON object, reports nothing.
 */
export function parseUsageFile(text: string | undefined): AgentUsage {
  let o: unknown;
  try {
    o = JSON.parse(text ?? '');
  } catch {
    return {};
  }
  if (!isObject(o)) return {};
  const usage: AgentUsage = {
    costUsd: num(o.costUsd),
    inputTokens: num(o.inputTokens),
    outputTokens: num(o.outputTokens),
    cachedInputTokens: num(o.cachedInputTokens),
    turns: num(o.turns),
    model: str(o.model),
  };
  return Object.fromEntries(
    Object.entries(usage).filter(([, v]) => v !== undefined && !(typeof v === 'number' && v < 0)),
  );
}

/** Agents whose output is free text (command, replay): the exit code is the verdict; usage comes from the usage file. */
export function parsePlainOutput(
  _stdout: string,
  exitCode: number | null = 0,
  stderr = '',
  usageFile?: string,
): ParsedOutput {
  const usage = parseUsageFile(usageFile);
  return exitCode === 0 ? { ok: true, usage } : { ok: false, error: exitError(exitCode, stderr), usage };
}
