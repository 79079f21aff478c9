import type { AgentUsage } from '../types';
import type { FailureKind } from './failure';

/** What a preset's output parser concluded about one attempt. */
export interface ParsedOutput {
  ok: boolean;
  error?: string;
  /** Set by parsers that know better than the generic classification of `error`. */
  failureKind?: FailureKind;
  usage: AgentUsage;
}

/** Pure: the attempt's stdout, exit code, stderr (and the usage file, for CLIs that write one) in, a verdict out. */
export type OutputParser = (
  stdout: string,
  exitCode?: number | null,
  stderr?: string,
  usageFile?: string,
) => ParsedOutput;
