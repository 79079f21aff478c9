import type { AgentChoice } from '../../agents/types';

export interface TaskExecutorSchema {
  taskId?: string;
  definition?: string;
  agent?: AgentChoice;
  verify?: string[];
  allowIncompleteChecklists?: boolean;
  record?: boolean;
  validateOnly?: boolean;
  isolation?: 'worktree' | 'none';
  onConflict?: 'retry' | 'fail';
  isolationLinks?: string[];
  budgetUsd?: number;
  budgetTokens?: number;
  resources?: string[];
  optionError?: string;
}
