import { stderrCause } from './failure';
import { exitError, lastJsonObject, str } from './json';
import type { ParsedOutput } from './types';

/**
 * cursor-agent `-p --output-format json`: a Claude-like result object without usage; on failure no JSON,
 * message on stderr. A trust refusal reportedly exits 0 with no result: still a failure, with its words.
 */
export function parseCursorOutput(stdout: string, exitCode: number | null = 0, stderr = ''): ParsedOutput {
  const r = lastJsonObject(stdout);
  if (!r || r.type !== 'result') {
    const said = stderrCause(stderr) ?? stderrCause(stdout);
    return {
      ok: false,
      error: `cursor-agent ${exitCode === 0 ? `printed no result JSON${said ? `: ${said}` : ''}` : exitError(exitCode, stderr)}`,
      usage: {},
    };
  }
  const usage = { sessionId: str(r.session_id) };
  const subtype = str(r.subtype) ?? 'unknown';
  if (r.is_error === true || subtype !== 'success') {
    return {
      ok: false,
      error: `cursor-agent reported an error (${subtype})${str(r.result) ? `: ${r.result}` : ''}`,
      usage,
    };
  }
  return { ok: true, usage };
}
