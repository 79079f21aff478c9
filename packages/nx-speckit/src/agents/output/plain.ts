import { exitError } from './json';
import type { ParsedOutput } from './types';

/** Agents whose output is free text (copilot, command, replay): the exit code is the whole verdict. */
export function parsePlainOutput(_stdout: string, exitCode: number | null = 0, stderr = ''): ParsedOutput {
  return exitCode === 0 ? { ok: true, usage: {} } : { ok: false, error: exitError(exitCode, stderr), usage: {} };
}
