import type { AgentUsage } from '../types';

/** What a preset's output parser concluded about one attempt. */
export interface ParsedOutput {
  ok: boolean;
  error?: string;
  usage: AgentUsage;
}

/** Pure: the attempt's stdout, exit code and stderr in, a verdict out. */
export type OutputParser = (stdout: string, exitCode?: number | null, stderr?: string) => ParsedOutput;
