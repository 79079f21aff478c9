import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  parseClaudeOutput,
  parseCodexOutput,
  parseCopilotOutput,
  parseCursorOutput,
  parseGeminiOutput,
  parseOpencodeOutput,
  parsePlainOutput,
  type OutputParser,
} from './output';
import type { AgentChoice, AgentConfig, AgentOption, PresetName, ResolvedAgent } from './types';
import { findExecutable } from '../process/which';
import { BUDGET_FLAGS, checkBudgetLimit } from './limits';

/** Stands for the attempt's usage file in a command; run.ts puts the real path there. */
export const USAGE_FILE = '{usageFile}';

interface Preset {
  /** The program, e.g. ['claude']; replaced by AgentConfig.command when given. */
  program: () => string[];
  flags: string[];
  modelFlag?: string;
  /** Arguments that must stay last, right before the prompt (e.g. gemini's `-p`) or as the stdin marker (codex's `-`). */
  tail?: string[];
  promptVia: 'stdin' | 'arg';
  parser: OutputParser;
  retries: number;
  install?: string;
}

/** The replay script: compiled sibling in dist; from sources (Jest) run the .ts through swc-node. */
function replayProgram(): string[] {
  const js = path.join(__dirname, 'replay-cli.js');
  if (fs.existsSync(js)) return [process.execPath, js];
  return [process.execPath, '-r', require.resolve('@swc-node/register'), path.join(__dirname, 'replay-cli.ts')];
}

/** Cursor's docs call the CLI `agent`; older installs (and the installer's shim) have `cursor-agent`. */
function cursorProgram(): string[] {
  return [
    findExecutable('agent', process.cwd()) || !findExecutable('cursor-agent', process.cwd()) ? 'agent' : 'cursor-agent',
  ];
}

export const PRESETS: Record<PresetName, Preset> = {
  claude: {
    program: () => ['claude'],
    // acceptEdits + an explicit tool list: bypassPermissions/--dangerously-skip-permissions is refused as root.
    flags: [
      '-p',
      '--output-format',
      'json',
      '--permission-mode',
      'acceptEdits',
      '--allowedTools',
      'Read,Write,Edit,Glob,Grep,Bash',
    ],
    modelFlag: '--model',
    promptVia: 'stdin',
    parser: parseClaudeOutput,
    retries: 1,
    install: 'npm install -g @anthropic-ai/claude-code',
  },
  codex: {
    program: () => ['codex'],
    flags: ['exec', '--json', '--sandbox', 'workspace-write', '--skip-git-repo-check'],
    modelFlag: '--model',
    tail: ['-'], // read the prompt from stdin
    promptVia: 'stdin',
    parser: parseCodexOutput,
    retries: 1,
    install: 'npm install -g @openai/codex',
  },
  gemini: {
    program: () => ['gemini'],
    // Folder trust is on by default: headless in a folder never trusted, gemini exits 55 without --skip-trust.
    flags: ['--output-format', 'json', '--approval-mode', 'yolo', '--skip-trust'],
    modelFlag: '--model',
    // `-p` appends stdin to its value, so the prompt goes only here and stdin stays empty.
    tail: ['-p'],
    promptVia: 'arg',
    parser: parseGeminiOutput,
    retries: 1,
    install: 'npm install -g @google/gemini-cli',
  },
  cursor: {
    program: cursorProgram,
    // --trust: in a folder it has not seen, cursor refuses to work (and reportedly exits 0) without it.
    flags: ['-p', '--force', '--trust', '--output-format', 'json'],
    modelFlag: '--model',
    promptVia: 'arg',
    parser: parseCursorOutput,
    retries: 1,
    install: 'curl https://cursor.com/install -fsS | bash (see https://cursor.com/cli)',
  },
  copilot: {
    program: () => ['copilot'],
    // -s and JSON lines: the result and errors as events, not stats and a resume hint on stderr.
    flags: ['--yolo', '-s', '--output-format', 'json', '--usage-output-file', USAGE_FILE],
    modelFlag: '--model',
    tail: ['-p'],
    promptVia: 'arg',
    parser: parseCopilotOutput,
    retries: 1,
    install: 'npm install -g @github/copilot',
  },
  opencode: {
    program: () => ['opencode'],
    flags: ['run', '--format', 'json'],
    modelFlag: '--model',
    promptVia: 'arg',
    parser: parseOpencodeOutput,
    retries: 1,
    install: 'npm install -g opencode-ai',
  },
  replay: {
    program: replayProgram,
    flags: [],
    promptVia: 'stdin',
    parser: parsePlainOutput,
    retries: 0,
  },
  command: {
    program: () => [],
    flags: [],
    promptVia: 'stdin',
    parser: parsePlainOutput,
    retries: 0,
  },
};

export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

export const DEFAULT_TIMEOUT_SECONDS = 1800;

/** The output parser of a resolved agent (by its name; custom commands judge by exit code). */
export function parserFor(agent: ResolvedAgent): OutputParser {
  return (PRESETS as Record<string, Preset>)[agent.name]?.parser ?? parsePlainOutput;
}

function presetByName(name: string, source: string): PresetName {
  if (!(PRESET_NAMES as string[]).includes(name)) {
    throw new Error(`Unknown agent preset '${name}' (from ${source}). Valid presets: ${PRESET_NAMES.join(', ')}.`);
  }
  return name as PresetName;
}

function stringArray(v: unknown, what: string): string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
    throw new Error(`agent.${what} must be an array of strings`);
  return v;
}

function validate(c: AgentConfig): void {
  stringArray(c.command, 'command');
  stringArray(c.args, 'args');
  if (c.command && c.command.length === 0) throw new Error('agent.command must not be empty');
  if (
    c.env !== undefined &&
    (typeof c.env !== 'object' || c.env === null || Object.values(c.env).some((v) => typeof v !== 'string'))
  ) {
    throw new Error('agent.env must be an object of strings');
  }
  if (c.timeoutSeconds !== undefined && !(typeof c.timeoutSeconds === 'number' && c.timeoutSeconds > 0)) {
    throw new Error('agent.timeoutSeconds must be a positive number');
  }
  if (c.retries !== undefined && !(Number.isInteger(c.retries) && c.retries >= 0)) {
    throw new Error('agent.retries must be a non-negative integer');
  }
  if (c.model !== undefined && typeof c.model !== 'string') throw new Error('agent.model must be a string');
  if (c.name !== undefined && !(typeof c.name === 'string' && c.name.trim()))
    throw new Error('agent.name must be a non-empty string');
  checkBudgetLimit(c);
}

/**
 * Normalises the `agent` option. `SPECKIT_AGENT` (a preset name) overrides it for one run: a different
 * preset replaces the configured agent entirely (its command and flags belong to the other CLI).
 * No option at all means the `claude` preset.
 */
export function resolveAgent(option: AgentOption | undefined, env: NodeJS.ProcessEnv = process.env): ResolvedAgent {
  if (
    option !== undefined &&
    typeof option !== 'string' &&
    (typeof option !== 'object' || option === null || Array.isArray(option))
  ) {
    throw new Error(`agent must be a preset name or an object, got ${JSON.stringify(option)}`);
  }
  let config: AgentConfig =
    typeof option === 'string' ? { preset: presetByName(option, 'the agent option') } : { ...(option ?? {}) };
  if (config.preset !== undefined) presetByName(config.preset, 'agent.preset');
  validate(config);

  const override = env.SPECKIT_AGENT?.trim();
  if (override) {
    const name = presetByName(override, 'SPECKIT_AGENT');
    const current = config.preset ?? (config.command ? 'command' : 'claude');
    if (name !== current) config = { preset: name };
  }

  const name: PresetName = config.preset ?? (config.command ? 'command' : 'claude');
  const preset = PRESETS[name];
  if (name === 'command' && !config.command)
    throw new Error("agent preset 'command' needs agent.command ([exe, ...args])");
  const program = config.command ?? preset.program();
  const model = config.model && preset.modelFlag ? [preset.modelFlag, config.model] : [];
  const budget =
    config.maxBudgetUsd !== undefined && BUDGET_FLAGS[name] ? [BUDGET_FLAGS[name]!, String(config.maxBudgetUsd)] : [];
  return {
    name,
    command: [...program, ...preset.flags, ...model, ...budget, ...(config.args ?? []), ...(preset.tail ?? [])],
    promptVia: preset.promptVia,
    env: { ...(config.env ?? {}) },
    timeoutSeconds: config.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
    retries: config.retries ?? preset.retries,
    ...(preset.install && !config.command ? { install: preset.install } : {}),
    ...(config.name ? { label: config.name } : {}),
  };
}

/**
 * Normalises an `agent` option that may list fallback agents. `SPECKIT_AGENT` still means one agent
 * for the run: the listed entry of that preset (keeping its settings), else the bare preset.
 * @returns at least one agent, in the order they take over
 */
export function resolveAgents(choice: AgentChoice | undefined, env: NodeJS.ProcessEnv = process.env): ResolvedAgent[] {
  if (!Array.isArray(choice)) return [resolveAgent(choice, env)];
  if (!choice.length) throw new Error('agent must not be an empty list');
  const override = env.SPECKIT_AGENT?.trim();
  if (!override) return choice.map((option) => resolveAgent(option, env));
  const listed = choice.find((option) => resolveAgent(option, {}).name === override);
  return [resolveAgent(listed ?? presetByName(override, 'SPECKIT_AGENT'), env)];
}
