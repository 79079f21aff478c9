import { findExecutable } from '../process/which';
import type { ResolvedAgent } from './types';

/** Throws one clear, actionable error when the agent's program is not installed. */
export function assertAgentAvailable(agent: ResolvedAgent, cwd: string): void {
  const exe = agent.command[0];
  if (exe && findExecutable(exe, cwd)) return;
  const how = agent.install ? ` Install it with: ${agent.install}` : '';
  throw new Error(`Agent '${agent.name}' needs the \`${exe ?? '(no command)'}\` CLI, which is not installed.${how}`);
}
