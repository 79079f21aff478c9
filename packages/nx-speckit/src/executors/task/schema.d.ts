import type { AgentOption } from '../../agents/types';

export interface TaskExecutorSchema {
  taskId?: string;
  definition?: string;
  agent?: AgentOption;
  verify?: string[];
  allowIncompleteChecklists?: boolean;
  record?: boolean;
  validateOnly?: boolean;
  isolation?: 'worktree' | 'none';
  onConflict?: 'retry' | 'fail';
  isolationLinks?: string[];
}
