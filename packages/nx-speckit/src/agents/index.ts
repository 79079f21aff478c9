// The agents layer: resolve the `agent` option, check the CLI is there, run it with the command protocol.
// Plain Node: no Nx imports, so it is usable (and testable) on its own.
export type {
  PresetName,
  AgentConfig,
  AgentOption,
  AgentChoice,
  ResolvedAgent,
  AgentRunContext,
  AgentUsage,
  AgentAttempt,
  AgentRunResult,
} from './types';
export { resolveAgent, resolveAgents, PRESET_NAMES, DEFAULT_TIMEOUT_SECONDS } from './presets';
export { findExecutable } from '../process/which';
export { assertAgentAvailable } from './available';
export { runAgent } from './run';
export { sumUsages, usageText } from './usage';
export {
  writeRecording,
  snapshotFiles,
  recordingDir,
  recordingFile,
  loadRecording,
  applyRecording,
  type Recording,
  type RecordedFile,
} from './replay';
export * from './output';
