export type { ParsedOutput, OutputParser } from './types';
export { parseClaudeOutput } from './claude';
export { parseCodexOutput } from './codex';
export { parseCopilotOutput } from './copilot';
export { parseCursorOutput } from './cursor';
export { parseGeminiOutput, GEMINI_EXIT_REASONS } from './gemini';
export { parseOpencodeOutput } from './opencode';
export { parsePlainOutput } from './plain';
export { classifyFailure, stderrCause, type FailureKind } from './failure';
