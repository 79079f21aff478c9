// How each real agent CLI is pointed at a scripted loopback server with no network, no key and no
// user config, and the tool call each one uses to write a file. Facts verified against the pinned versions.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { byTurn, type ModelReply, type Script } from './scripted-server';

/** The model writes one file with `tool`, then says `finalText`. */
function writeThenFinish(tool: ModelReply, finalText: string): Script {
  return byTurn(tool, { text: finalText });
}

// ---- claude: Anthropic messages
export function claudeTestEnv(serverUrl: string, home: string): Record<string, string> {
  return {
    ANTHROPIC_BASE_URL: serverUrl,
    ANTHROPIC_API_KEY: 'test-key',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_AUTOUPDATER: '1',
    CLAUDE_CODE_MAX_RETRIES: '0', // API errors fail at once instead of backing off
    HOME: home,
    XDG_CONFIG_HOME: `${home}/.config`,
  };
}

export const claudeWrites = (absPath: string, content: string, finalText = 'Done.'): Script =>
  writeThenFinish({ tool: { name: 'Write', input: { file_path: absPath, content } } }, finalText);

// ---- codex: OpenAI responses. Codex offers its tools through a "code mode" free-form tool `exec`
// that runs JavaScript calling `tools.apply_patch(...)`.
export function codexProviderArgs(serverUrl: string): string[] {
  return [
    '-c',
    'model_provider="scripted"',
    '-c',
    'model_providers.scripted.name="scripted"',
    '-c',
    `model_providers.scripted.base_url="${serverUrl}/v1"`,
    '-c',
    'model_providers.scripted.wire_api="responses"',
    '-c',
    'model_providers.scripted.env_key="OPENAI_API_KEY"',
    '-c',
    'model_providers.scripted.request_max_retries=0',
    '-c',
    'model_providers.scripted.stream_max_retries=0',
  ];
}

export function codexTestEnv(codexHome: string, home: string): Record<string, string> {
  return { CODEX_HOME: codexHome, HOME: home, OPENAI_API_KEY: 'test-key' };
}

/** The model adds one workspace-relative file via apply_patch, then says `finalText`. */
export function codexAddsFile(relPath: string, content: string, finalText = 'Done.'): Script {
  const lines = content
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => `+${l}`);
  const patch = ['*** Begin Patch', `*** Add File: ${relPath}`, ...lines, '*** End Patch', ''].join('\n');
  return writeThenFinish(
    { tool: { name: 'exec', input: `text(JSON.stringify(await tools.apply_patch(${JSON.stringify(patch)})));` } },
    finalText,
  );
}

// ---- gemini: Gemini generateContent. Without the settings file it exits 41 ("Invalid auth method").
export const GEMINI_TEST_MODEL = 'gemini-2.5-flash';

/** `maxSessionTurns`: gemini stops with exit 53 after that many model turns. */
export function geminiTestEnv(
  serverUrl: string,
  home: string,
  { login = true, maxSessionTurns }: { login?: boolean; maxSessionTurns?: number } = {},
): Record<string, string> {
  if (login) {
    const settings = {
      security: { auth: { selectedType: 'gemini-api-key' } },
      ...(maxSessionTurns ? { model: { maxSessionTurns } } : {}),
    };
    fs.mkdirSync(path.join(home, '.gemini'), { recursive: true });
    fs.writeFileSync(path.join(home, '.gemini/settings.json'), JSON.stringify(settings));
  }
  return {
    GEMINI_API_KEY: 'test-key',
    GOOGLE_GEMINI_BASE_URL: serverUrl,
    HOME: home,
    GEMINI_CLI_NO_RELAUNCH: 'true',
    NO_COLOR: '1',
  };
}

export const geminiWrites = (absPath: string, content: string, finalText = 'Done.'): Script =>
  writeThenFinish({ tool: { name: 'write_file', input: { file_path: absPath, content } } }, finalText);

// ---- opencode: OpenAI chat completions through its bundled openai-compatible provider.
export const OPENCODE_TEST_MODEL = 'scripted/scripted-model';

export function opencodeTestEnv(serverUrl: string, home: string): Record<string, string> {
  const config = {
    provider: {
      scripted: {
        npm: '@ai-sdk/openai-compatible',
        options: { baseURL: `${serverUrl}/v1`, apiKey: 'test-key' },
        models: { 'scripted-model': { tool_call: true, limit: { context: 128000, output: 4096 } } },
      },
    },
    small_model: OPENCODE_TEST_MODEL,
    autoupdate: false,
    share: 'disabled',
  };
  return {
    OPENCODE_CONFIG_CONTENT: JSON.stringify(config),
    OPENCODE_DISABLE_MODELS_FETCH: 'true',
    OPENCODE_DISABLE_AUTOUPDATE: 'true',
    HOME: home,
    XDG_CONFIG_HOME: `${home}/.config`,
    XDG_DATA_HOME: `${home}/.local/share`,
    XDG_CACHE_HOME: `${home}/.cache`,
    XDG_STATE_HOME: `${home}/.local/state`,
  };
}

export const opencodeWrites = (absPath: string, content: string, finalText = 'Done.'): Script =>
  writeThenFinish({ tool: { name: 'write', input: { filePath: absPath, content } } }, finalText);

// ---- copilot: OpenAI chat completions through a bring-your-own provider, offline, so no GitHub login.
export const COPILOT_TEST_MODEL = 'gpt-4.1';

/** `login: false`: no provider and no GitHub token anywhere (env, gh), as for a user who never logged in. */
export function copilotTestEnv(serverUrl: string, home: string, { login = true } = {}): Record<string, string> {
  const dirs = {
    HOME: home,
    XDG_CONFIG_HOME: `${home}/.config`,
    XDG_STATE_HOME: `${home}/.local/state`,
    NO_COLOR: '1',
  };
  if (!login)
    return { ...dirs, COPILOT_GITHUB_TOKEN: '', GH_TOKEN: '', GITHUB_TOKEN: '', GH_CONFIG_DIR: `${home}/.config/gh` };
  return {
    ...dirs,
    COPILOT_PROVIDER_BASE_URL: `${serverUrl}/v1`,
    COPILOT_PROVIDER_API_KEY: 'test-key',
    COPILOT_OFFLINE: 'true',
  };
}

export const copilotWrites = (absPath: string, content: string, finalText = 'Done.'): Script =>
  writeThenFinish({ tool: { name: 'create', input: { path: absPath, file_text: content } } }, finalText);
